// The "truth" behind the demo exports: every record of the six tables with its whole life (registered, recovered,
// solved, arrested, resolved, closed, withdrawn) up to the last data date. The batches (batches.ts) are snapshots
// and deltas of this world; the figures of metrics.md over the loaded exports are those of this world.
//
// Steps: 1 cases (persons link to them), 2 persons, 3 alerts (some for persons found through an alert),
// 4 suspects (arrests follow the solved cases), 5 blood-collection points, 6 recognition events.
// Ids are given in order of registration, as the upstream systems number their records.
import {
  addYears, dayOf, daysInMonth, firstDay, imputedDay, parseDay, partsOf, SECONDS_PER_DAY, wholeYears, yearOf,
  type Day, type PartialDate, type Precision, type Stamp,
} from './calendar.ts';
import type { DemoConfig } from './config.ts';
import type { Province } from './provinces.ts';
import { apportion, Random } from './random.ts';

export type Category = 'trafficking' | 'buying' | 'luring' | 'snatching';
export type RecoveryMethod = 'dna' | 'investigation' | 'alert' | 'recognition_event' | 'expert_team' | 'other';
export type Outcome = 'open' | 'found' | 'found_deceased' | 'not_found' | 'cancelled';
export type Sex = 'M' | 'F' | 'U';

/** Set on a duplicate registration: the day it was withdrawn upstream (`deleted` from then on). */
interface Withdrawable {
  withdrawnOn: Day | null;
}

export interface PersonRecord extends Withdrawable {
  id: string;
  caseId: string | null;
  sex: Sex | null;
  birth: PartialDate | null;
  missing: PartialDate;
  province: string;
  registeredOn: Day;
  recoveredOn: Day | null;
  method: RecoveryMethod | null;
  name: string;
  idNumber: string | null;
}

export interface CaseRecord extends Withdrawable {
  id: string;
  category: Category;
  province: string;
  occurred: PartialDate;
  registeredOn: Day;
  reportedOn: Day;
  solvedOn: Day | null;
  supervised: boolean;
  /** Solved with the expert teams' help: shown once the case is solved. */
  expertAssisted: boolean;
  title: string | null;
}

export interface SuspectRecord extends Withdrawable {
  id: string;
  caseId: string;
  province: string;
  absconded: PartialDate | null;
  registeredOn: Day;
  arrestedOn: Day | null;
  name: string;
  idNumber: string | null;
}

export interface AlertRecord extends Withdrawable {
  id: string;
  personId: string | null;
  province: string;
  releasedAt: Stamp;
  resolvedAt: Stamp | null;
  /** The outcome once resolved (`open` while `resolvedAt` is null or later than the snapshot). */
  outcome: Outcome;
}

export interface BloodPointRecord extends Withdrawable {
  id: string;
  province: string;
  city: string;
  address: string;
  phone: string;
  openedOn: Day;
  closedOn: Day | null;
}

export interface EventRecord extends Withdrawable {
  id: string;
  province: string;
  heldOn: Day;
  registeredOn: Day;
  familiesReunited: number | null;
}

export interface World {
  cases: CaseRecord[];
  persons: PersonRecord[];
  suspects: SuspectRecord[];
  alerts: AlertRecord[];
  bloodPoints: BloodPointRecord[];
  events: EventRecord[];
}

export interface WorldOptions {
  config: DemoConfig;
  seed: number;
  persons: number;
  provinces: Province[];
}

/** What every step needs: the config, the size factor, the key dates and a province draw. */
class Context {
  readonly scale: number;
  readonly operationStart: Day;
  readonly batch1DataTo: Day;
  readonly dataTo: Day;
  /** The day the `...ByCheckpoint` counts of the config stand for. */
  readonly checkpoint: Day;
  /** Start of cases_solved_since and suspects_arrested_since. */
  readonly longTermSince: Day;
  readonly dnaSince: Day;
  readonly provinceByCode: Map<string, Province>;
  private readonly provinceWeights: Record<string, number>;

  constructor(readonly options: WorldOptions) {
    const config = options.config;
    this.scale = options.persons / config.defaultPersons;
    this.operationStart = parseDay(config.operationStart);
    this.batch1DataTo = parseDay(config.batch1.dataTo);
    this.dataTo = parseDay(config.batch2.dataTo);
    this.checkpoint = parseDay(config.checkpoint);
    this.longTermSince = parseDay(config.longTermSince.casesAndSuspects);
    this.dnaSince = parseDay(config.longTermSince.dnaSystem);
    if (!(this.operationStart <= this.checkpoint && this.checkpoint < this.dataTo)) throw new Error('demo: the checkpoint must fall in the operation window');
    this.provinceByCode = new Map(options.provinces.map((p) => [p.code, p]));
    this.provinceWeights = Object.fromEntries(options.provinces.map((p) => [p.code, config.provinceWeights[p.code] ?? 1]));
  }

  get config(): DemoConfig {
    return this.options.config;
  }

  random(label: string): Random {
    return Random.stream(this.options.seed, label);
  }

  scaled(count: number): number {
    return Math.round(count * this.scale);
  }

  province(random: Random): string {
    return random.weighted(this.provinceWeights);
  }

  /** Days of the operation window's months (January..November 2021), `counts[i]` in month i, uniform within. */
  operationDays(counts: readonly number[], random: Random): Day[] {
    const days: Day[] = [];
    this.months(counts.length).forEach(({ first, last }, i) => {
      for (let k = 0; k < counts[i]; k++) days.push(random.int(first, last));
    });
    return days;
  }

  /**
   * `total` days of the window spread over its months by `weights`, exactly `byCheckpoint` of them on or before the
   * checkpoint (the checkpoint's month shares its weight by days on either side).
   */
  windowDays(total: number, byCheckpoint: number, weights: readonly number[], random: Random): Day[] {
    const segments = this.months(weights.length).flatMap(({ first, last }, i) => this.cut(first, last, weights[i]));
    const before = segments.filter((s) => s.last <= this.checkpoint);
    const after = segments.filter((s) => s.first > this.checkpoint);
    const onTime = Math.max(0, Math.min(byCheckpoint, total));
    const counts = [...apportion(onTime, before.map((s) => s.weight)), ...apportion(total - onTime, after.map((s) => s.weight))];
    return [...before, ...after].flatMap((s, i) => Array.from({ length: counts[i] }, () => random.int(s.first, s.last)));
  }

  /**
   * Days of the window with exactly `counts[i]` in month i, and `byCheckpoint` of them on or before the checkpoint:
   * the checkpoint's month is cut there (clamped to what the months allow at sizes other than the default).
   */
  windowDaysByMonth(counts: readonly number[], byCheckpoint: number, random: Random): Day[] {
    const days: Day[] = [];
    let left = byCheckpoint;
    this.months(counts.length).forEach(({ first, last }, i) => {
      if (last <= this.checkpoint || first > this.checkpoint) {
        for (let k = 0; k < counts[i]; k++) days.push(random.int(first, last));
        if (last <= this.checkpoint) left -= counts[i];
        return;
      }
      const early = Math.max(0, Math.min(left, counts[i]));
      for (let k = 0; k < counts[i]; k++) days.push(k < early ? random.int(first, this.checkpoint) : random.int(this.checkpoint + 1, last));
    });
    return days;
  }

  /** The window's first `count` months (January..November 2021), the last one cut at the data date. */
  private months(count: number): { first: Day; last: Day }[] {
    const { y } = partsOf(this.operationStart);
    return Array.from({ length: count }, (_, i) => ({
      first: dayOf(y, i + 1, 1),
      last: Math.min(dayOf(y, i + 1, daysInMonth(y, i + 1)), this.dataTo),
    }));
  }

  /** A month as segments on either side of the checkpoint, its weight shared by days. */
  private cut(first: Day, last: Day, weight: number): { first: Day; last: Day; weight: number }[] {
    if (last <= this.checkpoint || first > this.checkpoint) return [{ first, last, weight }];
    const days = last - first + 1;
    return [
      { first, last: this.checkpoint, weight: (weight * (this.checkpoint - first + 1)) / days },
      { first: this.checkpoint + 1, last, weight: (weight * (last - this.checkpoint)) / days },
    ];
  }
}

export function buildWorld(options: WorldOptions): World {
  const context = new Context(options);
  const cases = buildCases(context);
  const { persons, foundThroughAlert } = buildPersons(context, cases);
  const alerts = buildAlerts(context, foundThroughAlert);
  const suspects = buildSuspects(context, cases);
  const bloodPoints = buildBloodPoints(context);
  const events = buildEvents(context);
  return { cases, persons, suspects, alerts, bloodPoints, events };
}

// ---- 1 cases ----------------------------------------------------------------------------------------------------

const CATEGORY_ZH: Record<Category, string> = { trafficking: '拐卖儿童', buying: '收买被拐卖儿童', luring: '拐骗儿童', snatching: '抢夺儿童' };

function buildCases(context: Context): CaseRecord[] {
  const config = context.config.cases;
  const random = context.random('cases');
  const cases: CaseRecord[] = [];
  const newCase = (category: Category, reportedOn: Day, occurred: PartialDate): CaseRecord => ({
    id: '', category, province: context.province(random), occurred, registeredOn: reportedOn, reportedOn,
    solvedOn: null, supervised: random.chance(config.supervisedShare), expertAssisted: false, title: null, withdrawnOn: null,
  });

  // The trend years: at the default size the national counts. Of each category and year a set share is solved
  // before the operation, some months after filing (a case whose turn comes only in 2021 is left for the operation).
  for (const [category, byYear] of Object.entries(config.reportedByYear) as [Category, Record<string, number>][]) {
    for (const [yearText, national] of Object.entries(byYear)) {
      const year = Number(yearText);
      const last = Math.min(dayOf(year, 12, 31), context.dataTo);
      const filed: CaseRecord[] = [];
      for (let k = 0; k < context.scaled(national); k++) {
        const reportedOn = random.int(dayOf(year, 1, 1), last);
        const delay = random.chance(0.1) ? random.int(30, 1800) : Math.floor(random.exponential(20));
        const occurred = { day: reportedOn - delay, precision: pickPrecision(random, 0.03, 0.05) };
        filed.push(newCase(category, reportedOn, occurred));
      }
      const before = filed.filter((c) => c.reportedOn < context.operationStart);
      const unsolved = Math.floor(before.length * (1 - config.detection[category]) + 1e-9);
      for (const record of random.shuffle([...before]).slice(unsolved)) {
        if (category === 'snatching') {
          // Snatchings are solved within days, nearly all of them.
          record.solvedOn = Math.min(record.reportedOn + Math.floor(random.exponential(3)), context.operationStart - 1);
          continue;
        }
        const solvedOn = record.reportedOn + Math.floor(random.exponential(90)) + (random.chance(0.1) ? random.int(365, 2000) : 0);
        // Solved only later than the operation start: left for the operation (an accumulated case).
        if (solvedOn < context.operationStart) record.solvedOn = solvedOn;
      }
      cases.push(...filed);
    }
  }

  // Cases filed before the trend years: half of them still unsolved, the pool of accumulated cases.
  const { older } = config;
  const olderYears = range(older.firstYear, 2011);
  const olderCounts = apportion(context.scaled(older.count), olderYears.map((y) => 1 + (3 * (y - older.firstYear)) / (2011 - older.firstYear)));
  olderYears.forEach((year, i) => {
    for (let k = 0; k < olderCounts[i]; k++) {
      const reportedOn = random.int(dayOf(year, 1, 1), dayOf(year, 12, 31));
      const delay = random.chance(0.3) ? random.int(30, 3000) : Math.floor(random.exponential(60));
      const category = random.weighted({ trafficking: 75, buying: 10, luring: 12, snatching: 3 } as Record<Category, number>);
      const record = newCase(category, reportedOn, { day: reportedOn - delay, precision: pickPrecision(random, 0.25, 0.2) });
      if (random.chance(older.solvedShare)) {
        const solvedOn = reportedOn + Math.floor(random.exponential(400));
        if (solvedOn < context.operationStart) record.solvedOn = solvedOn;
      }
      cases.push(record);
    }
  });

  // The operation: accumulated cases solved month by month (so many by the checkpoint), and some of the cases filed
  // in 2021, every snatching first (solved within days).
  const monthWeights = config.operationMonthWeights;
  const { solvedInOperation } = config;
  const pool = random.shuffle(cases.filter((c) => c.reportedOn < context.operationStart && c.solvedOn === null));
  const accumulated = pool.slice(0, context.scaled(solvedInOperation.accumulated));
  const accumulatedDays = random.shuffle(
    context.windowDays(accumulated.length, context.scaled(solvedInOperation.accumulatedByCheckpoint), monthWeights, random),
  );
  accumulated.forEach((c, i) => (c.solvedOn = accumulatedDays[i]));
  const filed2021 = random.shuffle(cases.filter((c) => c.reportedOn >= context.operationStart));
  filed2021.sort((a, b) => Number(b.category === 'snatching') - Number(a.category === 'snatching'));
  const solved2021 = filed2021.filter((c, i) => c.category === 'snatching' || (i < context.scaled(solvedInOperation.filedInOperation) && c.reportedOn <= context.dataTo - 3));
  for (const c of solved2021) {
    const room = context.dataTo - c.reportedOn;
    c.solvedOn = c.reportedOn + (c.category === 'snatching' ? Math.min(room, Math.floor(random.exponential(2))) : random.int(0, Math.min(90, room)));
  }

  // cases_solved_since by the checkpoint, exactly: trafficking cases filed since 2013 solved (or left unsolved)
  // before the operation until the count holds.
  const solvedSince = (c: CaseRecord) => c.solvedOn !== null && c.solvedOn >= context.longTermSince && c.solvedOn <= context.checkpoint;
  let excess = cases.filter(solvedSince).length - context.scaled(config.solvedSinceByCheckpoint);
  const adjustable = random.shuffle(
    cases.filter((c) => c.category === 'trafficking' && yearOf(c.reportedOn) >= 2013 && c.reportedOn < context.operationStart - 30),
  );
  for (const c of adjustable) {
    if (excess === 0) break;
    if (excess > 0 && c.solvedOn !== null && c.solvedOn < context.operationStart) {
      c.solvedOn = null;
      excess--;
    } else if (excess < 0 && c.solvedOn === null) {
      c.solvedOn = Math.min(c.reportedOn + Math.floor(random.exponential(90)), context.operationStart - 1);
      excess++;
    }
  }
  if (excess !== 0) throw new Error(`demo: cases_solved_since off by ${excess}: change cases.detection`);

  // Expert teams: exactly the configured number of supervised cases solved in the window with their help.
  const solvedInWindow = random.shuffle(cases.filter((c) => c.solvedOn !== null && c.solvedOn >= context.operationStart));
  solvedInWindow.forEach((c, i) => {
    if (i < context.scaled(config.supervisedSolvedByExperts)) {
      c.supervised = true;
      c.expertAssisted = true;
    } else {
      c.expertAssisted = !c.supervised && random.chance(config.expertAssistedShareOfSolved);
    }
  });

  for (const c of cases) {
    if (c.occurred.precision !== 'day' || !(c.supervised || random.chance(config.titledShare))) continue;
    const { y, m, d } = partsOf(c.occurred.day);
    const designation = `${y}·${m}·${d}`;
    // Some titles name the place and quote the designation, as press releases do (the quotes test CSV quoting).
    c.title = random.chance(0.2) ? `${context.provinceByCode.get(c.province)?.nameZh ?? ''}"${designation}"${CATEGORY_ZH[c.category]}案` : designation;
  }

  // Duplicate filings of old unsolved cases: live in batch 1, withdrawn before batch 2 (no figure counts them).
  const oldUnsolved = random.shuffle(cases.filter((c) => c.solvedOn === null && yearOf(c.reportedOn) < 2012));
  for (const original of oldUnsolved.slice(0, context.scaled(config.duplicates))) {
    const registeredOn = random.int(context.operationStart, context.batch1DataTo - 10);
    cases.push({ ...original, registeredOn, withdrawnOn: random.int(context.batch1DataTo + 1, context.dataTo) });
  }

  return numbered(cases, (c) => c.registeredOn, 'C', 7);
}

// ---- 2 persons --------------------------------------------------------------------------------------------------

const PLACEHOLDER_NAMES = ['张三', '李四', '王五', '赵六', '钱七', '孙八', '周九', '吴十'];
const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴', '徐', '孙'];

/** All persons, and those found through an alert (the alerts step releases an alert for each). */
function buildPersons(context: Context, cases: CaseRecord[]): { persons: PersonRecord[]; foundThroughAlert: PersonRecord[] } {
  const config = context.config.persons;
  const random = context.random('persons');
  const earliest = dayOf(config.earliestMissingYear, 1, 1);
  const persons: PersonRecord[] = [];

  const newPerson = (missing: PartialDate, registeredOn: Day, recoveredOn: Day | null, method: RecoveryMethod | null): PersonRecord => {
    const idShare = recoveredOn === null ? config.idNumberShare.missing : config.idNumberShare.recovered;
    const age = Math.min(13, Math.floor(random.exponential(4)));
    const birthDay = addYears(missing.day, -age) - random.int(0, 364);
    return {
      id: '', caseId: null, sex: random.chance(0.97) ? random.weighted(config.sexWeights) : null,
      birth: random.chance(config.birthKnownShare) ? { day: birthDay, precision: pickPrecision(random, 0.5, 0.1) } : null,
      missing, province: context.province(random), registeredOn, recoveredOn, method,
      name: random.chance(0.5) ? random.pick(PLACEHOLDER_NAMES) : `${random.pick(SURNAMES)}某某`,
      idNumber: random.chance(idShare) ? fakeIdNumber(birthDay, random) : null, withdrawnOn: null,
    };
  };
  /** A missing date with exactly `years` whole years to `recoveredOn` (by its imputed day), in a precision of its era. */
  const missingFor = (years: number, recoveredOn: Day): PartialDate => {
    const anniversary = addYears(recoveredOn, -years);
    for (let attempt = 0; ; attempt++) {
      const day = anniversary - random.int(0, Math.max(0, Math.min(364, anniversary - earliest)));
      const date = { day, precision: attempt < 20 ? eraPrecision(yearOf(day), random) : 'day' } satisfies PartialDate;
      if (firstDay(date) <= recoveredOn && Math.max(0, wholeYears(imputedDay(date), recoveredOn)) === years) return date;
      if (attempt > 40) return { day: anniversary, precision: 'day' };
    }
  };
  const registrationFor = (missing: PartialDate, recoveredOn: Day | null): Day =>
    Math.min(missing.day + Math.floor(random.exponential(10)), recoveredOn ?? context.dataTo, context.dataTo);

  // Recovered in the operation: counts per month, per years-missing bucket and per method as configured.
  const byMonth = config.recoveredInOperationByMonth;
  const total = context.scaled(byMonth.reduce((a, b) => a + b, 0));
  const byCheckpoint = context.scaled(config.recoveredInOperationByCheckpoint);
  const recoveryDays = random.shuffle(context.windowDaysByMonth(apportion(total, byMonth), byCheckpoint, random));
  const bucketNames = Object.keys(config.recoveredInOperationByYearsMissing);
  const bucketCounts = apportion(total, Object.values(config.recoveredInOperationByYearsMissing));
  const methodNames = Object.keys(config.recoveredInOperationByMethod) as RecoveryMethod[];
  const methodCounts = apportion(total, Object.values(config.recoveredInOperationByMethod));
  const alertCount = Math.min(methodCounts[methodNames.indexOf('alert')], bucketCounts[0]);
  const years: number[] = [];
  bucketNames.forEach((bucket, b) => {
    const low = Number(bucket.split(/[-+]/)[0]);
    for (let k = 0; k < bucketCounts[b]; k++) {
      if (b === 0 && k < alertCount) continue; // the alert recoveries, added below
      if (bucket.endsWith('+')) {
        years.push(k === 0 ? config.longestSeparationYears : Math.min(config.longestSeparationYears - 1, low + Math.floor(random.exponential(3))));
      } else {
        years.push(random.int(low, Number(bucket.split('-')[1]) - 1));
      }
    }
  });
  const methods: RecoveryMethod[] = [];
  methodNames.forEach((method, i) => {
    const count = method === 'alert' ? methodCounts[i] - alertCount : methodCounts[i];
    for (let k = 0; k < count; k++) methods.push(method);
  });
  random.shuffle(years);
  random.shuffle(methods);
  // The longest separation is found late in the year (so its missing date fits after the earliest year).
  const longest = years.indexOf(config.longestSeparationYears);
  const latest = recoveryDays.indexOf(Math.max(...recoveryDays));
  if (longest >= 0) [recoveryDays[longest], recoveryDays[latest]] = [recoveryDays[latest], recoveryDays[longest]];
  // The oldest bucket by the checkpoint: missing no longer than the longest separation then (one of them exactly).
  const oldestLow = Number(bucketNames[bucketNames.length - 1].split(/[-+]/)[0]);
  let longestByCheckpoint = false;
  years.forEach((y, i) => {
    if (y < oldestLow || i === longest || recoveryDays[i] > context.checkpoint) return;
    years[i] = longestByCheckpoint ? random.int(oldestLow, config.longestSeparationYearsByCheckpoint) : config.longestSeparationYearsByCheckpoint;
    longestByCheckpoint = true;
  });
  years.forEach((y, i) => {
    const recoveredOn = recoveryDays[i];
    const missing = missingFor(y, recoveredOn);
    const registeredWhenFound = recoveredOn > context.batch1DataTo && random.chance(config.registeredWhenFoundShare);
    persons.push(newPerson(missing, registeredWhenFound ? recoveredOn : registrationFor(missing, recoveredOn), recoveredOn, methods[i]));
  });
  // Found through an emergency alert: missing a day or two before, registered the day they went missing.
  const foundThroughAlert: PersonRecord[] = [];
  for (let i = 0; i < alertCount; i++) {
    const recoveredOn = recoveryDays[years.length + i];
    const missing = { day: Math.max(recoveredOn - random.int(0, 2), context.operationStart), precision: 'day' as const };
    const person = newPerson(missing, missing.day, recoveredOn, 'alert');
    persons.push(person);
    foundThroughAlert.push(person);
  }

  // Recovered before the operation, most since the DNA system (2009): so many through DNA that, with the
  // operation's DNA recoveries by the checkpoint, dna_recoveries_since is as configured then.
  const before = config.recoveredBefore;
  const dnaStart = context.dnaSince;
  const alertStart = parseDay(context.config.alerts.launchedOn);
  const operationDna = persons.filter((p) => p.method === 'dna' && p.recoveredOn! >= dnaStart && p.recoveredOn! <= context.checkpoint).length;
  const beforeYears = range(before.yearAnchors[0][0], yearOf(context.operationStart) - 1);
  const beforeCounts = apportion(context.scaled(before.count), beforeYears.map((y) => interpolate(before.yearAnchors, y)));
  const recoveredBefore: { recoveredOn: Day; yearsMissing: number }[] = [];
  beforeYears.forEach((year, i) => {
    for (let k = 0; k < beforeCounts[i]; k++) {
      const recoveredOn = random.int(dayOf(year, 1, 1), dayOf(year, 12, 31));
      recoveredBefore.push({ recoveredOn, yearsMissing: Math.min(Math.floor(random.exponential(before.meanYearsMissing)), year - config.earliestMissingYear - 1) });
    }
  });
  const sinceDna = recoveredBefore.filter((r) => r.recoveredOn >= dnaStart);
  const dnaBefore = context.scaled(config.dnaRecoveriesSinceByCheckpoint) - operationDna;
  if (dnaBefore < 0 || dnaBefore > sinceDna.length) throw new Error(`demo: ${dnaBefore} DNA recoveries before the operation do not fit: change persons.recoveredBefore`);
  const throughDna = new Set(random.shuffle([...sinceDna]).slice(0, dnaBefore));
  for (const r of recoveredBefore) {
    let method: RecoveryMethod =
      throughDna.has(r) ? 'dna'
      : r.recoveredOn < dnaStart ? random.weighted(config.methodsBeforeDna)
      : random.weighted(config.methodsWithDnaOtherThanDna);
    if (method === 'alert' && r.recoveredOn < alertStart) method = 'investigation';
    const missing = missingFor(r.yearsMissing, r.recoveredOn);
    persons.push(newPerson(missing, registrationFor(missing, r.recoveredOn), r.recoveredOn, method));
  }

  // Still missing: the rest, by the year they went missing.
  const stillMissing: PersonRecord[] = [];
  const missingYears = range(config.earliestMissingYear, yearOf(context.dataTo));
  const missingCounts = apportion(Math.max(0, context.options.persons - persons.length), missingYears.map((y) => interpolate(config.missingYearAnchors, y)));
  missingYears.forEach((year, i) => {
    for (let k = 0; k < missingCounts[i]; k++) {
      const day = random.int(dayOf(year, 1, 1), Math.min(dayOf(year, 12, 31), context.dataTo));
      const missing = { day, precision: eraPrecision(year, random) };
      const person = newPerson(missing, registrationFor(missing, null), null, null);
      persons.push(person);
      stillMissing.push(person);
    }
  });

  // Abducted persons belong to the case filed nearest in time in the same province (within a year).
  linkToCases(persons, cases, context.config.persons.linkedToCaseShare, random);

  // Duplicate registrations of persons still missing: withdrawn later, most between the two batches.
  const candidates = random.shuffle(stillMissing.filter((p) => p.registeredOn < context.batch1DataTo - 60));
  for (const original of candidates.slice(0, context.scaled(config.duplicates))) {
    const registeredOn = Math.min(original.registeredOn + random.int(30, 2000), context.batch1DataTo - 10);
    const withdrawnOn = random.chance(config.duplicatesWithdrawnBeforeBatch1Share)
      ? random.int(registeredOn + 1, context.batch1DataTo)
      : random.int(context.batch1DataTo + 1, context.dataTo);
    persons.push({ ...original, registeredOn, withdrawnOn });
  }

  return { persons: numbered(persons, (p) => p.registeredOn, 'P', 8), foundThroughAlert };
}

function linkToCases(persons: PersonRecord[], cases: CaseRecord[], share: number, random: Random): void {
  const byProvince = new Map<string, CaseRecord[]>();
  for (const c of cases) {
    if (c.withdrawnOn !== null) continue;
    const list = byProvince.get(c.province) ?? [];
    list.push(c);
    byProvince.set(c.province, list);
  }
  for (const list of byProvince.values()) list.sort((a, b) => a.occurred.day - b.occurred.day);
  for (const person of persons) {
    if (yearOf(person.missing.day) < 1975 || person.method === 'alert' || !random.chance(share)) continue;
    const list = byProvince.get(person.province);
    if (!list) continue;
    const nearest = nearestByDay(list, person.missing.day);
    if (nearest && Math.abs(nearest.occurred.day - person.missing.day) <= 365) person.caseId = nearest.id;
  }
}

function nearestByDay(sorted: CaseRecord[], day: Day): CaseRecord | undefined {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid].occurred.day < day) low = mid + 1;
    else high = mid;
  }
  const after = sorted[low];
  const before = sorted[low - 1];
  if (!before) return after;
  return Math.abs(before.occurred.day - day) <= Math.abs(after.occurred.day - day) ? before : after;
}

// ---- 3 alerts ---------------------------------------------------------------------------------------------------

function buildAlerts(context: Context, foundThroughAlert: PersonRecord[]): AlertRecord[] {
  const config = context.config.alerts;
  const random = context.random('alerts');
  const launchedOn = parseDay(config.launchedOn);
  const dataEnd = (context.dataTo + 1) * SECONDS_PER_DAY - 1;
  const checkpointEnd = (context.checkpoint + 1) * SECONDS_PER_DAY - 1;
  const alerts: AlertRecord[] = [];

  // The alerts of the persons found through one: released the day they went missing, found the day they were.
  for (const person of foundThroughAlert) {
    const releasedAt = person.missing.day * SECONDS_PER_DAY + random.int(6 * 3600, 20 * 3600);
    const resolvedAt = Math.max(releasedAt + 1800, person.recoveredOn! * SECONDS_PER_DAY + random.int(0, SECONDS_PER_DAY - 1));
    alerts.push({ id: '', personId: person.id, province: person.province, releasedAt, resolvedAt, outcome: 'found', withdrawnOn: null });
  }
  const linkedByCheckpoint = alerts.filter((a) => a.releasedAt <= checkpointEnd);
  const linkedOpenAtCheckpoint = linkedByCheckpoint.filter((a) => a.resolvedAt! > checkpointEnd).length;

  // The others, not cancelled, by period: each year before the operation, 2021 to the checkpoint (what the
  // configured total by then leaves), and after it.
  const operationYear = yearOf(context.operationStart);
  const periods = Object.entries(config.releasedByYear).map(([yearText, perYear]) => {
    const year = Number(yearText);
    return { first: Math.max(dayOf(year, 1, 1), launchedOn), last: dayOf(year, 12, 31), count: context.scaled(perYear) };
  });
  const beforeOperation = periods.reduce((sum, p) => sum + p.count, 0);
  periods.push(
    { first: dayOf(operationYear, 1, 1), last: context.checkpoint, count: context.scaled(config.releasedByCheckpoint) - beforeOperation - linkedByCheckpoint.length },
    { first: context.checkpoint + 1, last: context.dataTo, count: context.scaled(config.releasedAfterCheckpoint) - (alerts.length - linkedByCheckpoint.length) },
  );
  const released: Stamp[] = [];
  for (const { first, last, count } of periods) {
    if (count < 0) throw new Error('demo: more alerts of found persons than alerts: change alerts.releasedByYear');
    for (let k = 0; k < count; k++) released.push(random.int(first, last) * SECONDS_PER_DAY + random.int(0, SECONDS_PER_DAY - 1));
  }
  // By the checkpoint, exactly so many not found then: the platform's recovery rate of the press conference.
  const early = released.filter((at) => at <= checkpointEnd);
  const notFoundEarly = context.scaled(config.releasedByCheckpoint) - context.scaled(config.recoveredByCheckpoint) - linkedOpenAtCheckpoint;
  if (notFoundEarly < 0 || notFoundEarly > early.length) throw new Error('demo: alerts.recoveredByCheckpoint does not fit');
  const notFound = new Set(random.shuffle(early.map((_, i) => i)).slice(0, notFoundEarly));
  const foundWeights = { found: config.outcomeWeights.found, found_deceased: config.outcomeWeights.found_deceased };
  const resolve = (releasedAt: Stamp, outcome: Outcome): AlertRecord => {
    const delay =
      outcome === 'found' ? Math.max(600, Math.floor(random.exponential(30 * 3600)))
      : outcome === 'cancelled' ? Math.max(300, Math.floor(random.exponential(3 * 3600)))
      : outcome === 'found_deceased' ? random.int(1, 15) * SECONDS_PER_DAY + random.int(0, 86399)
      : random.int(20, 60) * SECONDS_PER_DAY + random.int(0, 86399);
    const resolvedAt = releasedAt + delay;
    return {
      id: '', personId: null, province: context.province(random), releasedAt,
      resolvedAt: resolvedAt <= dataEnd ? resolvedAt : null, outcome: resolvedAt <= dataEnd ? outcome : 'open', withdrawnOn: null,
    };
  };
  early.forEach((releasedAt, i) => {
    if (notFound.has(i)) {
      alerts.push(resolve(releasedAt, 'not_found'));
      return;
    }
    const alert = resolve(releasedAt, random.weighted(foundWeights));
    // Found by the checkpoint: within the hours left that day when the usual delay would pass it.
    if (alert.resolvedAt === null || alert.resolvedAt > checkpointEnd) alert.resolvedAt = releasedAt + random.int(Math.min(600, checkpointEnd - releasedAt), checkpointEnd - releasedAt);
    if (alert.outcome === 'open') alert.outcome = 'found';
    alerts.push(alert);
  });
  for (const releasedAt of released.filter((at) => at > checkpointEnd)) alerts.push(resolve(releasedAt, random.weighted(config.outcomeWeights)));

  // Cancelled alerts (released by mistake or the child back home within the hour), spread over the same years.
  const cancelledCount = Math.round((released.length * config.cancelledShare) / (1 - config.cancelledShare));
  for (let k = 0; k < cancelledCount; k++) {
    const releasedAt = random.int(launchedOn, context.dataTo - 1) * SECONDS_PER_DAY + random.int(0, SECONDS_PER_DAY - 1);
    alerts.push(resolve(releasedAt, 'cancelled'));
  }
  // Alerts released twice by mistake and cancelled at once: withdrawn between the batches.
  const cancelled = random.shuffle(alerts.filter((a) => a.outcome === 'cancelled' && a.releasedAt < context.batch1DataTo * SECONDS_PER_DAY));
  for (const original of cancelled.slice(0, context.scaled(config.duplicates))) {
    alerts.push({ ...original, releasedAt: original.releasedAt + 60, withdrawnOn: random.int(context.batch1DataTo + 1, context.dataTo) });
  }
  return numbered(alerts, (a) => a.releasedAt, 'A', 7);
}

// ---- 4 suspects -------------------------------------------------------------------------------------------------

function buildSuspects(context: Context, cases: CaseRecord[]): SuspectRecord[] {
  const config = context.config.suspects;
  const random = context.random('suspects');
  const suspects: SuspectRecord[] = [];
  const live = cases.filter((c) => c.withdrawnOn === null);
  const newSuspect = (c: CaseRecord, registeredOn: Day, arrestedOn: Day | null, absconded: PartialDate | null): SuspectRecord => {
    const birthDay = dayOf(random.int(1940, 1995), random.int(1, 12), random.int(1, 28));
    return {
      id: '', caseId: c.id, province: random.chance(0.8) ? c.province : context.province(random), absconded, registeredOn,
      arrestedOn, name: `${random.pick(SURNAMES)}某`, idNumber: random.chance(0.6) ? fakeIdNumber(birthDay, random) : null, withdrawnOn: null,
    };
  };
  const abscondedAfter = (c: CaseRecord): PartialDate => ({
    day: Math.min(c.occurred.day + random.int(0, 60), context.dataTo),
    precision: pickPrecision(random, 0.3, 0.2),
  });

  // Arrested in the operation: long fugitives first, then the suspects of the cases solved in the window, each
  // arrested at most 20 days before the case was solved and on the same side of the checkpoint, so that exactly the
  // configured number are arrested by then.
  const arrestDays = random.shuffle(context.operationDays(apportion(context.scaled(config.longFugitivesArrested), context.config.cases.operationMonthWeights), random));
  const oldCases = random.shuffle(live.filter((c) => yearOf(c.occurred.day) <= 1998));
  for (let i = 0; i < arrestDays.length && oldCases.length > 0; i++) {
    const c = oldCases[i % oldCases.length];
    const absconded = abscondedAfter(c);
    const arrestedOn = arrestDays[i];
    if (wholeYears(imputedDay(absconded), arrestedOn) < 20) throw new Error(`demo: fugitive of ${c.id} not 20 years at large`);
    suspects.push(newSuspect(c, Math.min(absconded.day + random.int(0, 60), arrestedOn), arrestedOn, absconded));
  }
  const longByCheckpoint = suspects.filter((s) => s.arrestedOn! <= context.checkpoint).length;
  const solvedInWindow = random.shuffle(live.filter((c) => c.solvedOn !== null && c.solvedOn >= context.operationStart));
  const byCheckpoint = context.scaled(config.arrestedInOperationByCheckpoint);
  const sides = [
    { cases: solvedInWindow.filter((c) => c.solvedOn! <= context.checkpoint), arrests: byCheckpoint - longByCheckpoint, from: context.operationStart },
    {
      cases: solvedInWindow.filter((c) => c.solvedOn! > context.checkpoint),
      arrests: context.scaled(config.arrestedInOperation) - byCheckpoint - (suspects.length - longByCheckpoint),
      from: context.checkpoint + 1,
    },
  ];
  for (const side of sides) {
    if (side.arrests < 0 || (side.arrests > 0 && side.cases.length === 0)) throw new Error('demo: suspects.arrestedInOperation does not fit the cases solved');
    for (let i = 0; i < side.arrests; i++) {
      // Every case solved in the window has an arrest (while they last); the remaining arrests fall on random ones.
      const c = i < side.cases.length ? side.cases[i] : random.pick(side.cases);
      const arrestedOn = Math.max(c.solvedOn! - random.int(0, 20), side.from, c.reportedOn);
      const absconded = yearOf(c.occurred.day) >= 2003 && random.chance(0.1) ? abscondedAfter(c) : null;
      const registeredOn = random.chance(0.5) ? arrestedOn : Math.max(c.reportedOn, arrestedOn - random.int(0, 2000));
      suspects.push(newSuspect(c, Math.min(registeredOn, arrestedOn), arrestedOn, absconded));
    }
  }

  // Arrested before the operation, with the cases they solved: since the long-term start date exactly so many that,
  // with the operation's arrests by the checkpoint, suspects_arrested_since is as configured; several per case.
  const solvedSince = random.shuffle(live.filter((c) => c.solvedOn !== null && c.solvedOn >= context.longTermSince && c.solvedOn < context.operationStart));
  const arrestsSince = context.scaled(config.arrestedSinceByCheckpoint) - byCheckpoint;
  if (arrestsSince < solvedSince.length) throw new Error('demo: suspects.arrestedSinceByCheckpoint below one per case solved');
  const perCase = apportion(arrestsSince - solvedSince.length, solvedSince.map(() => random.exponential(1)));
  solvedSince.forEach((c, i) => {
    for (let k = 0; k <= perCase[i]; k++) {
      const arrestedOn = random.int(Math.max(context.longTermSince, c.reportedOn, c.solvedOn! - 30), c.solvedOn!);
      suspects.push(newSuspect(c, arrestedOn, arrestedOn, null));
    }
  });
  const solvedEarlier = random.shuffle(live.filter((c) => c.solvedOn !== null && c.solvedOn < context.longTermSince));
  let left = context.scaled(config.arrestedBeforeSince);
  for (let i = 0; left > 0 && solvedEarlier.length > 0; i++) {
    const c = solvedEarlier[i % solvedEarlier.length];
    for (let k = Math.min(left, random.int(1, 3)); k > 0; k--, left--) {
      const arrestedOn = Math.max(c.solvedOn! - random.int(0, 30), c.reportedOn);
      suspects.push(newSuspect(c, arrestedOn, arrestedOn, null));
    }
  }

  // Still at large, most on unsolved cases.
  const unsolved = live.filter((c) => c.solvedOn === null);
  const solved = live.filter((c) => c.solvedOn !== null);
  const atLarge: SuspectRecord[] = [];
  for (let k = 0; k < context.scaled(config.atLarge); k++) {
    const c = random.chance(0.7) && unsolved.length > 0 ? random.pick(unsolved) : random.pick(solved);
    const suspect = newSuspect(c, Math.min(c.reportedOn + random.int(0, 90), context.dataTo), null, random.chance(config.abscondedKnownShare) ? abscondedAfter(c) : null);
    suspects.push(suspect);
    atLarge.push(suspect);
  }
  for (const original of random.shuffle(atLarge.filter((s) => s.registeredOn < context.batch1DataTo - 10)).slice(0, context.scaled(config.duplicates))) {
    suspects.push({ ...original, registeredOn: random.int(original.registeredOn + 1, context.batch1DataTo), withdrawnOn: random.int(context.batch1DataTo + 1, context.dataTo) });
  }
  return numbered(suspects, (s) => s.registeredOn, 'S', 7);
}

// ---- 5 blood-collection points ----------------------------------------------------------------------------------

function buildBloodPoints(context: Context): BloodPointRecord[] {
  const config = context.config.bloodPoints;
  const random = context.random('blood_points');
  const points: BloodPointRecord[] = [];
  const operationYear = yearOf(context.operationStart);
  for (const [yearText, perYear] of Object.entries(config.openedByYear)) {
    const year = Number(yearText);
    const count = context.scaled(perYear);
    const days = year === operationYear
      ? context.operationDays(apportion(count, config.openedIn2021MonthWeights), random)
      : Array.from({ length: count }, () => random.int(year === 2009 ? dayOf(2009, 4, 1) : dayOf(year, 1, 1), dayOf(year, 12, 31)));
    for (const openedOn of days) {
      const province = context.provinceByCode.get(context.province(random))!;
      // A closure may fall after the data date: then the point is still open in these exports.
      const closedOn = random.chance(config.closedShare) ? random.int(openedOn + 180, context.dataTo + 400) : null;
      points.push({
        id: '', province: province.code, city: province.capital,
        // A police station of the capital on an invented street, and a number no line can have (it starts with 0).
        address: `${province.capital}公安局第${random.int(1, 12)}分局（团圆路${random.int(1, 999)}号）`,
        phone: `0${province.code}-0000${String(random.int(0, 9999)).padStart(4, '0')}`,
        openedOn, closedOn: closedOn !== null && closedOn <= context.dataTo ? closedOn : null, withdrawnOn: null,
      });
    }
  }
  // A point registered twice long ago and closed: the copy is withdrawn between the batches.
  const closedEarly = random.shuffle(points.filter((p) => p.closedOn !== null && p.closedOn < context.operationStart));
  for (const original of closedEarly.slice(0, context.scaled(config.duplicates))) {
    points.push({ ...original, withdrawnOn: random.int(context.batch1DataTo + 1, context.dataTo) });
  }
  return numbered(points, (p) => p.openedOn, 'B', 5);
}

// ---- 6 recognition events ---------------------------------------------------------------------------------------

function buildEvents(context: Context): EventRecord[] {
  const config = context.config.events;
  const random = context.random('events');
  const events: EventRecord[] = [];
  const operationYear = yearOf(context.operationStart);
  for (const [yearText, perYear] of Object.entries(config.heldByYear)) {
    const year = Number(yearText);
    const count = context.scaled(perYear);
    const days = year === operationYear
      ? context.operationDays(apportion(count, config.heldIn2021MonthWeights), random)
      : Array.from({ length: count }, () => random.int(dayOf(year, 1, 1), dayOf(year, 12, 31)));
    for (const heldOn of days) {
      const familiesReunited = random.chance(config.notReportedShare) ? null
        : random.chance(config.noneReunitedShare) ? 0
        : 1 + Math.floor(random.exponential(config.meanFamiliesReunited - 1));
      events.push({
        id: '', province: context.province(random), heldOn, registeredOn: Math.min(heldOn + random.int(0, 3), context.dataTo),
        familiesReunited, withdrawnOn: null,
      });
    }
  }
  // Entered twice and withdrawn the same month: deleted already in batch 1.
  const early = random.shuffle(events.filter((e) => e.registeredOn < context.batch1DataTo - 40));
  for (const original of early.slice(0, context.scaled(config.duplicates))) {
    events.push({ ...original, registeredOn: original.registeredOn + 1, withdrawnOn: original.registeredOn + random.int(2, 30) });
  }
  return numbered(events, (e) => e.heldOn, 'E', 5);
}

// ---- shared -----------------------------------------------------------------------------------------------------

function pickPrecision(random: Random, yearShare: number, monthShare: number): Precision {
  const r = random.next();
  return r < yearShare ? 'year' : r < yearShare + monthShare ? 'month' : 'day';
}

/** The older the disappearance, the vaguer the date the family could give. */
function eraPrecision(year: number, random: Random): Precision {
  if (year < 1970) return pickPrecision(random, 0.45, 0.3);
  if (year < 1990) return pickPrecision(random, 0.2, 0.25);
  if (year < 2005) return pickPrecision(random, 0.08, 0.12);
  return pickPrecision(random, 0.01, 0.03);
}

/**
 * An 18-character identity number that cannot belong to anyone: area code 999999 does not exist. The birth date and
 * the check character follow GB 11643, so it looks like the real thing to a parser.
 */
function fakeIdNumber(birthDay: Day, random: Random): string {
  const { y, m, d } = partsOf(birthDay);
  const body = `999999${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${String(random.int(0, 999)).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * weights[i];
  return body + '10X98765432'[sum % 11];
}

function range(first: number, last: number): number[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

function interpolate(anchors: readonly (readonly number[])[], x: number): number {
  for (let i = 1; i < anchors.length; i++) {
    const [x0, y0] = anchors[i - 1];
    const [x1, y1] = anchors[i];
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return anchors[anchors.length - 1][1];
}

/** Sorts by registration (stable) and numbers the records: `P00000001`, ... */
function numbered<T extends { id: string }>(records: T[], registeredAt: (record: T) => number, prefix: string, digits: number): T[] {
  const order = records.map((record, index) => ({ record, index, at: registeredAt(record) }));
  order.sort((a, b) => a.at - b.at || a.index - b.index);
  return order.map(({ record }, i) => {
    record.id = `${prefix}${String(i + 1).padStart(digits, '0')}`;
    return record;
  });
}
