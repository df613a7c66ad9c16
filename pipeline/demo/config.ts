// The shape of the demo data, in one place. Counts are for `defaultPersons` persons and scale with `--persons`; at the
// default size the methodology (../shared/spec/metrics.md) gives exactly the figures the two published texts give
// (../shared/reference/):
//   [B1203] the bulletin of 3 December 2021 (China News Service), figures as of 30 November: 8,307 recovered, of them
//           2,074 missing 20-30 years, 1,428 30-40, 295 50-60 and 83 more than 60 (the 40-50 count is lost in the
//           text: see recoveredInOperationByYearsMissing); the longest separation 74 years; more than 290 accumulated
//           cases solved; more than 690 suspects arrested; 15 ministry-supervised cases solved with the expert teams,
//           who also recovered 3,672; more than 3,000 blood-collection points; more than 2,600 recognition events.
//   [P0917] the press conference of 17 September 2021, figures "so far" (taken as of the 16th, `checkpoint`): 4,142
//           recovered, the longest separation 61 years, 206 cases solved, 543 suspects arrested; since November 2012
//           5,135 cases solved and about 23,000 suspects arrested; trafficking cases filed falling from 5,907 (2012)
//           to 666 (2020); about 20 snatching cases a year, more than 95 % of them solved; since the alert platform's
//           launch (2016) 4,863 alerts released and 4,792 children found (98.5 %); 10,764 children recovered through
//           the DNA system (2009).
// The published numbers are not all consistent with each other in a real-world sense (5,907 trafficking cases filed
// in 2012 alone but 5,135 cases of any kind solved since late 2012: trafficking cases have a low detection rate
// here; 23,000 suspects for those cases: several suspects per case). The generator meets them anyway, exactly
// where they are exact, and keeps the export noise (bad, stale, withdrawn, twice-sent rows) out of every figure.
// test/acceptance/demo-calibration.test.ts checks every one of them through the real loader and `bulletin metrics`.

export const DEMO_CONFIG = {
  seed: 20210101,
  /** The size knob: every count below is for this many persons and is scaled by `--persons N` / this. */
  defaultPersons: 40_000,

  operationStart: '2021-01-01',
  /** The two export batches: data up to `dataTo`, written by the upstream systems at `exportedAt` (China time). */
  batch1: { dataTo: '2021-08-31', exportedAt: '2021-09-01 10:00:00' },
  batch2: { dataTo: '2021-11-30', exportedAt: '2021-12-05 10:00:00' },
  /** [P0917] The day the press conference's "so far" stands for: every `...ByCheckpoint` count is as of this day. */
  checkpoint: '2021-09-16',
  /** The start dates of the long-term figures, as config/bulletin.yaml (trends) has them. */
  longTermSince: { casesAndSuspects: '2012-11-08', dnaSystem: '2009-04-01' },
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
    /** [B1203] Recovered in the operation window, per month from January: the whole-window total is their sum, 8,307. */
    recoveredInOperationByMonth: [300, 250, 350, 400, 450, 500, 550, 650, 1300, 1650, 1907],
    /** [P0917] Of them by the checkpoint: 4,142 (3,450 by the end of August, 692 of September's 1,300 by the 16th). */
    recoveredInOperationByCheckpoint: 4142,
    /**
     * [B1203] Split of those recoveries by whole years missing (metrics.md buckets); sums to the same total. The
     * published text lost the 40-50 count: 649 is our choice, the geometric mean of its neighbours (1,428 and 295),
     * continuing the fall from bucket to bucket; 0-10 and 10-20 (not published) take the rest.
     */
    recoveredInOperationByYearsMissing: {
      '0-10': 1800, '10-20': 1978, '20-30': 2074, '30-40': 1428, '40-50': 649, '50-60': 295, '60+': 83,
    },
    /** [B1203] The longest separation by 30 November (missing 1947, found in November) ... */
    longestSeparationYears: 74,
    /** [P0917] ... and by the checkpoint: the 60+ recoveries until then were missing 60 or 61 years. */
    longestSeparationYearsByCheckpoint: 61,
    /** [B1203] ... and by recovery method (expert_team: 3,672); `alert` ones went missing days before, with an alert released for them. */
    recoveredInOperationByMethod: {
      expert_team: 3672, dna: 2210, investigation: 1480, recognition_event: 520, alert: 95, other: 330,
    },
    /** Of the recoveries after batch 1, the share first registered only when found (a new row with an old date). */
    registeredWhenFoundShare: 0.08,
    /**
     * Recovered before the operation: how many, by year of recovery (linear between anchor points; the DNA system
     * of 2009 lifts the numbers), and the method mix before the DNA system and after it (without `dna`: the number
     * of DNA recoveries is set exactly, below).
     */
    recoveredBefore: { count: 14_000, yearAnchors: [[1990, 1], [2008, 2], [2009, 8], [2020, 12]], meanYearsMissing: 9 },
    methodsBeforeDna: { investigation: 70, other: 20, recognition_event: 10 },
    methodsWithDnaOtherThanDna: { investigation: 60, recognition_event: 14, other: 14, expert_team: 6, alert: 6 },
    /**
     * [P0917] dna_recoveries_since by the checkpoint: 10,764 recovered through the DNA system since 2009-04-01. The
     * operation's DNA recoveries until then count in it; the recoveries before the operation make up the rest.
     */
    dnaRecoveriesSinceByCheckpoint: 10_764,
    /** Still missing: the rest of the persons, by year gone missing (linear between these anchor points). */
    missingYearAnchors: [[1947, 0.4], [1960, 1], [1975, 3], [1988, 6], [1996, 6], [2005, 3], [2015, 1.2], [2021, 0.6]],
    /** Duplicate registrations of still-missing persons, withdrawn later (most between the two batches). */
    duplicates: 100,
    duplicatesWithdrawnBeforeBatch1Share: 0.2,
  },

  cases: {
    /**
     * Cases by category and year of filing (2021: January to November), at the default size the national counts.
     * [P0917] trafficking: 5,907 in 2012 falling to 666 in 2020 (the years between: a steady fall, ours); snatching:
     * "about 20 a year" by now. Buying and luring: ours, small beside trafficking.
     */
    reportedByYear: {
      trafficking: { 2012: 5907, 2013: 4200, 2014: 3100, 2015: 2300, 2016: 1750, 2017: 1350, 2018: 1050, 2019: 820, 2020: 666, 2021: 540 },
      buying: { 2012: 260, 2013: 220, 2014: 190, 2015: 160, 2016: 140, 2017: 120, 2018: 100, 2019: 85, 2020: 70, 2021: 55 },
      luring: { 2012: 210, 2013: 180, 2014: 150, 2015: 130, 2016: 110, 2017: 95, 2018: 80, 2019: 70, 2020: 60, 2021: 45 },
      snatching: { 2012: 90, 2013: 70, 2014: 55, 2015: 45, 2016: 35, 2017: 28, 2018: 24, 2019: 21, 2020: 20, 2021: 17 },
    },
    /**
     * Share of the cases of each category and year solved before the operation (exactly: all but the floor of the
     * unsolved share). [P0917] snatching: more than 95 % every year (a year of 20 cases has none unsolved).
     * Trafficking: about 18.5 % (a few more or fewer: the generator then solves or reopens trafficking cases until
     * `solvedSinceByCheckpoint` holds).
     */
    detection: { trafficking: 0.185, buying: 0.7, luring: 0.6, snatching: 0.97 },
    /** Cases filed before the trend years (1975..2011), the pool most accumulated cases come from. */
    older: { count: 1350, firstYear: 1975, solvedShare: 0.5 },
    /**
     * Solved in the operation window: [B1203] accumulated cases (filed before the start): 295, "more than 290";
     * [P0917] 206 of them by the checkpoint ("206 cases ... cracked"); and cases filed in 2021 (every snatching case first).
     */
    solvedInOperation: { accumulated: 295, accumulatedByCheckpoint: 206, filedInOperation: 45 },
    /** [P0917] cases_solved_since (any category, 2012-11-08 to the checkpoint): 5,135. */
    solvedSinceByCheckpoint: 5135,
    /** Per month from January (weights): when cases were solved and suspects arrested in the window. */
    operationMonthWeights: [4, 4, 6, 7, 8, 9, 9, 10, 11, 12, 12],
    supervisedShare: 0.03,
    /** [B1203] 15 ministry-supervised cases solved with the expert teams' help. */
    supervisedSolvedByExperts: 15,
    expertAssistedShareOfSolved: 0.15,
    titledShare: 0.08,
    /** Duplicate filings of old unsolved cases, withdrawn in batch 2. */
    duplicates: 3,
  },

  suspects: {
    /** [B1203] Arrested in the operation: 692, "more than 690"; [P0917] 543 of them by the checkpoint. */
    arrestedInOperation: 692,
    arrestedInOperationByCheckpoint: 543,
    /** Of those, arrested after 20 or more years at large. */
    longFugitivesArrested: 38,
    /**
     * [P0917] suspects_arrested_since (2012-11-08 to the checkpoint): "23,000" (2.3万), met exactly here; the
     * arrests before the operation make up what the operation's 543 leave, several per case solved.
     */
    arrestedSinceByCheckpoint: 23_000,
    /** Arrested before 2012-11-08, with the cases solved then. */
    arrestedBeforeSince: 1500,
    atLarge: 1500,
    abscondedKnownShare: 0.6,
    duplicates: 2,
  },

  alerts: {
    launchedOn: '2016-05-15',
    /** Alerts released and not cancelled, per year before the operation (2016 from the launch). */
    releasedByYear: { 2016: 250, 2017: 640, 2018: 830, 2019: 990, 2020: 1080 },
    /**
     * [P0917] Since the launch, by the checkpoint: 4,863 released (not cancelled; 2021 has the rest of them) and
     * 4,792 of them found (98.5 %); the alerts of the persons found through one count in both.
     */
    releasedByCheckpoint: 4863,
    recoveredByCheckpoint: 4792,
    /** Released (not cancelled) after the checkpoint, to the end of November. */
    releasedAfterCheckpoint: 330,
    /** Cancelled alerts, as a share of all released ones (counted by no figure). */
    cancelledShare: 0.12,
    /** Outcome of the alerts after the checkpoint (still `open` when not yet resolved at the data date). */
    outcomeWeights: { found: 980, found_deceased: 6, not_found: 14 },
    duplicates: 4,
  },

  bloodPoints: {
    /** Points opened per year (2021: January to November, most at the start of the operation). [B1203] more than 3,000 open on 30 November. */
    openedByYear: { 2009: 900, 2010: 70, 2011: 60, 2012: 60, 2013: 60, 2014: 60, 2015: 60, 2016: 70, 2017: 70, 2018: 70, 2019: 70, 2020: 80, 2021: 1470 },
    openedIn2021MonthWeights: [30, 20, 15, 8, 6, 5, 4, 3, 3, 3, 3],
    closedShare: 0.03,
    duplicates: 1,
  },

  events: {
    /** [B1203] more than 2,600 recognition events in the operation. */
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
