// The shape of the demo data, in one place. Counts are for `defaultPersons` persons and scale with `--persons`; the figures
// they aim at are those of the Reunion 2021 press releases (8,307 recovered by 30 November, the longest separation
// 74 years, more than 290 accumulated cases solved, more than 690 suspects arrested, 15 supervised cases solved by
// the expert teams who also recovered 3,672, more than 3,000 blood points, more than 2,600 recognition events).
// A later calibration may tune these numbers; the generator takes every count from here.

export const DEMO_CONFIG = {
  seed: 20210101,
  /** The size knob: every count below is for this many persons and is scaled by `--persons N` / this. */
  defaultPersons: 40_000,

  operationStart: '2021-01-01',
  /** The two export batches: data up to `dataTo`, written by the upstream systems at `exportedAt` (China time). */
  batch1: { dataTo: '2021-08-31', exportedAt: '2021-09-01 10:00:00' },
  batch2: { dataTo: '2021-11-30', exportedAt: '2021-12-05 10:00:00' },
  /** Records last changed before the systems were rebuilt carry a migration time of that month as `updated_at`. */
  systemsRebuiltOn: '2016-05-15',

  /** Where persons went missing and the other records are filed: relative weights by 2-digit province code. */
  provinceWeights: {
    '11': 0.6, '12': 0.5, '13': 3, '14': 2, '15': 1.2, '21': 1.8, '22': 1.1, '23': 1.4, '31': 0.8, '32': 3,
    '33': 2.5, '34': 4, '35': 3.2, '36': 3, '37': 4, '41': 6, '42': 3, '43': 4, '44': 4.5, '45': 4.5,
    '46': 0.8, '50': 2.5, '51': 6, '52': 5, '53': 5.5, '54': 0.3, '61': 2.2, '62': 1.6, '63': 0.4, '64': 0.4,
    '65': 1.2, '66': 0.1,
  } as Record<string, number>,

  persons: {
    earliestMissingYear: 1947,
    sexWeights: { M: 58, F: 38, U: 4 },
    /** Share of persons tied to a criminal case (abducted rather than lost), from 1975 on. */
    linkedToCaseShare: 0.35,
    birthKnownShare: 0.6,
    /** Share of persons with an identity number on file: most found persons have one by now. */
    idNumberShare: { recovered: 0.6, missing: 0.3 },
    /** Recovered in the operation window, per month from January: the whole-window total is their sum (8,307). */
    recoveredInOperationByMonth: [300, 250, 350, 400, 450, 500, 550, 650, 1300, 1650, 1907],
    /** Split of those recoveries by whole years missing (metrics.md buckets); sums to the same total. */
    recoveredInOperationByYearsMissing: {
      '0-10': 1700, '10-20': 1900, '20-30': 2074, '30-40': 1428, '40-50': 827, '50-60': 295, '60+': 83,
    },
    longestSeparationYears: 74,
    /** ... and by recovery method; `alert` ones went missing days before, with an alert released for them. */
    recoveredInOperationByMethod: {
      expert_team: 3672, dna: 2210, investigation: 1480, recognition_event: 520, alert: 95, other: 330,
    },
    /** Of the recoveries after batch 1, the share first registered only when found (a new row with an old date). */
    registeredWhenFoundShare: 0.08,
    /**
     * Recovered before the operation: how many, by year of recovery (linear between anchor points; the DNA system
     * of 2009 lifts the numbers), and the method mix before and after it. Fewer than in the operation, so most
     * recovery dates fall in 2021; the press conference's 10,764 recovered through DNA since 2009 would need some
     * 11,000 here (dna_recoveries_since is about 7,350 by 30 November as it is).
     */
    recoveredBefore: { count: 8_000, yearAnchors: [[1990, 1], [2008, 3], [2009, 8], [2020, 12]], meanYearsMissing: 9 },
    methodsBeforeDna: { investigation: 70, other: 20, recognition_event: 10 },
    methodsWithDna: { dna: 85, investigation: 9, recognition_event: 2, other: 2, expert_team: 1, alert: 1 },
    /** Still missing: the rest of the persons, by year gone missing (linear between these anchor points). */
    missingYearAnchors: [[1947, 0.4], [1960, 1], [1975, 3], [1988, 6], [1996, 6], [2005, 3], [2015, 1.2], [2021, 0.6]],
    /** Duplicate registrations of still-missing persons, withdrawn later (most between the two batches). */
    duplicates: 100,
    duplicatesWithdrawnBeforeBatch1Share: 0.2,
  },

  cases: {
    /** National counts by year of filing (2021: January to November) times `trendScale`: the falling trend. */
    trendScale: 0.25,
    reportedByYear: {
      trafficking: { 2012: 5907, 2013: 4200, 2014: 3100, 2015: 2300, 2016: 1750, 2017: 1350, 2018: 1050, 2019: 820, 2020: 666, 2021: 540 },
      buying: { 2012: 520, 2013: 420, 2014: 330, 2015: 270, 2016: 220, 2017: 180, 2018: 150, 2019: 120, 2020: 100, 2021: 80 },
      luring: { 2012: 430, 2013: 350, 2014: 290, 2015: 230, 2016: 190, 2017: 160, 2018: 130, 2019: 110, 2020: 90, 2021: 75 },
      snatching: { 2012: 90, 2013: 70, 2014: 55, 2015: 45, 2016: 35, 2017: 30, 2018: 25, 2019: 22, 2020: 20, 2021: 18 },
    },
    /** Share of cases of each category solved (before the operation, or in the year they were filed). */
    detection: { trafficking: 0.9, buying: 0.95, luring: 0.85, snatching: 0.97 },
    /** Cases filed before the trend years (1975..2011), the pool most accumulated cases come from. */
    older: { count: 1350, firstYear: 1975, solvedShare: 0.5 },
    /** Solved in the operation window: accumulated cases (filed before the start) and cases filed in 2021. */
    solvedInOperation: { accumulated: 295, filedInOperation: 45 },
    /** Per month from January (weights): when cases were solved and suspects arrested in the window. */
    operationMonthWeights: [4, 4, 6, 7, 8, 9, 9, 10, 11, 12, 12],
    supervisedShare: 0.03,
    supervisedSolvedByExperts: 15,
    expertAssistedShareOfSolved: 0.15,
    titledShare: 0.08,
    /** Duplicate filings of old unsolved cases, withdrawn in batch 2. */
    duplicates: 3,
  },

  suspects: {
    arrestedInOperation: 692,
    /** Of those, arrested after 20 or more years at large. */
    longFugitivesArrested: 38,
    arrestedBefore: 1900,
    atLarge: 370,
    abscondedKnownShare: 0.6,
    duplicates: 2,
  },

  alerts: {
    launchedOn: '2016-05-15',
    /** Alerts released per year (2016 from launch, 2021 to the end of November). */
    releasedByYear: { 2016: 260, 2017: 720, 2018: 940, 2019: 1120, 2020: 1230, 2021: 1730 },
    cancelledShare: 0.12,
    /** Outcome of the alerts not cancelled (still `open` when not yet resolved at the data date). */
    outcomeWeights: { found: 980, found_deceased: 6, not_found: 14 },
    duplicates: 4,
  },

  bloodPoints: {
    /** Points opened per year (2021: January to November, most at the start of the operation). */
    openedByYear: { 2009: 900, 2010: 70, 2011: 60, 2012: 60, 2013: 60, 2014: 60, 2015: 60, 2016: 70, 2017: 70, 2018: 70, 2019: 70, 2020: 80, 2021: 1470 },
    openedIn2021MonthWeights: [30, 20, 15, 8, 6, 5, 4, 3, 3, 3, 3],
    closedShare: 0.03,
    duplicates: 1,
  },

  events: {
    heldByYear: { 2019: 25, 2020: 45, 2021: 2630 },
    heldIn2021MonthWeights: [5, 4, 7, 8, 9, 9, 10, 10, 12, 13, 13],
    meanFamiliesReunited: 4,
    noneReunitedShare: 0.15,
    notReportedShare: 0.05,
    duplicates: 2,
  },

  /** Export noise in batch 2, as shares of the rows of each delta file. */
  noise: {
    sentTwiceShare: 0.01,
    staleRowShare: 0.005,
  },
};

export type DemoConfig = typeof DEMO_CONFIG;
