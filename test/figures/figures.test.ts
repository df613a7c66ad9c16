// The figures of metrics.md on a tiny hand-made warehouse: a few rows per table, each placed on a boundary of the
// methodology (partial dates at their midpoint, exactly 20 whole years and one day short, 29 February, timestamps
// around midnight China time, withdrawn and stale rows, window edges). The files are loaded with the real
// `bulletin load`, the figures read with the real `bulletin metrics`; every expected value is worked out by hand
// in the comments beside the rows.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Figures } from '../../pipeline/figures/figures.ts';
import { queryDb, repoRoot, runCli, tempDir, type CliResult } from '../helpers.ts';

type Rec = Record<string, string>;

const T_NEW = '2021-12-01 10:00:00';
const T_OLD = '2021-11-01 10:00:00';

/** Writes a CSV of `rows` (each completed from `defaults`) with the header of `defaults`. */
function writeCsv(path: string, defaults: Rec, rows: Rec[]): void {
  const columns = Object.keys(defaults);
  const lines = [columns.join(','), ...rows.map((row) => columns.map((c) => row[c] ?? defaults[c]).join(','))];
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, lines.join('\n') + '\n');
}

// Test configuration, independent of the project's: operation 2021, trends from 2019, "since" dates 2020-06-01.
const CONFIG = `
operations:
  - { id: test-2020, name_zh: 测试2020, name_en: Test 2020, start: 2020-01-01, end: 2020-12-31 }
  - { id: test-2021, name_zh: 测试2021, name_en: Test 2021, start: 2021-01-01, end: 2021-12-31 }
trends:
  first_year: 2019
  cases_solved_since: 2020-06-01
  suspects_arrested_since: 2020-06-01
  dna_system_since: 2009-04-01
  alert_platform_since: 2016-05-15
publication:
  small_count_threshold: { public: 5, internal: 0 }
`;

// Window of the main bulletin: S = 2021-01-01 (the configured operation containing D), D = 2021-06-30.
const PERSON: Rec = {
  person_id: '', case_id: '', sex: 'U', missing_on: '', province: '37', recovered_on: '', recovery_method: '',
  updated_at: T_NEW, deleted: 'false',
};
const PERSONS_1: Rec[] = [
  // 29 February: 2000-02-29 -> 2021-02-28 is 20 whole years (20-30), -> 2021-03-01 is 21.
  { person_id: 'P01', missing_on: '2000-02-29', recovered_on: '2021-02-28', recovery_method: 'dna', province: '37' },
  // P02 first filed under province 12; the newer version in persons-2 moves it to 37.
  { person_id: 'P02', missing_on: '2000-02-29', recovered_on: '2021-03-01', recovery_method: 'investigation', province: '12', updated_at: T_OLD },
  // Exactly 20 whole years (20-30) and one day short (19: 10-20).
  { person_id: 'P03', missing_on: '2001-03-10', recovered_on: '2021-03-10', recovery_method: 'expert_team', province: '41' },
  { person_id: 'P04', missing_on: '2001-03-11', recovered_on: '2021-03-10', recovery_method: 'expert_team', province: '41' },
  // Year alone: midpoint 2001-07-01, so recovered on D = 2021-06-30 is 19 (from 1 January it would be 20).
  { person_id: 'P05', missing_on: '2001', recovered_on: '2021-06-30', recovery_method: 'alert', province: '44' },
  // Year and month: midpoint 2001-03-15, so recovered 2021-03-14 is 19 (from the 1st it would be 20).
  { person_id: 'P06', missing_on: '2001年3月', recovered_on: '2021-03-14', recovery_method: 'recognition_event', province: '44' },
  // Recovered before the midpoint 2021-07-01 of its partial date: 0 whole years, never below.
  { person_id: 'P07', missing_on: '2021', recovered_on: '2021-03-02', recovery_method: 'other', province: '11' },
  // Recovered on S: counts; 1945-05-01 -> 2021-01-01 is 75 whole years (60+), the longest separation.
  { person_id: 'P08', missing_on: '1945-05-01', recovered_on: '2021-01-01', recovery_method: 'dna', province: '11' },
  // Recovered the day after D: not in the window.
  { person_id: 'P09', missing_on: '1990-01-01', recovered_on: '2021-07-01', recovery_method: 'dna', province: '12' },
  // Recovered the day before S: not in the window, but a DNA recovery since 2009-04-01.
  { person_id: 'P10', missing_on: '1950-01-01', recovered_on: '2020-12-31', recovery_method: 'dna', province: '12' },
  // Withdrawn (81 years: it would be the longest): counts nowhere.
  { person_id: 'P11', missing_on: '1940-01-01', recovered_on: '2021-04-01', recovery_method: 'dna', province: '13', deleted: 'true' },
  // Not recovered (newest version); persons-2 sends an older, stale version that says recovered in province 50.
  { person_id: 'P12', missing_on: '2010-01-01', province: '50' },
  // 2011-06-10 -> 2021-06-09: 9 whole years (0-10); the only recovery of province 46.
  { person_id: 'P14', missing_on: '2011-06-10', recovered_on: '2021-06-09', recovery_method: 'other', province: '46' },
  { person_id: 'P15', missing_on: '2015-01-01', province: '37' },
  // DNA system start 2009-04-01: the day before does not count, the day itself does.
  { person_id: 'P16', missing_on: '2000-01-01', recovered_on: '2009-03-31', recovery_method: 'dna', province: '15' },
  { person_id: 'P17', missing_on: '2000-01-01', recovered_on: '2009-04-01', recovery_method: 'dna', province: '15' },
];
const PERSONS_2: Rec[] = [
  { person_id: 'P02', missing_on: '2000-02-29', recovered_on: '2021-03-01', recovery_method: 'investigation', province: '37' },
  { person_id: 'P12', missing_on: '2010-01-01', recovered_on: '2021-05-05', recovery_method: 'dna', province: '50', updated_at: T_OLD },
];

const CASE: Rec = {
  case_id: '', category: 'trafficking', province: '37', occurred_on: '2018', reported_on: '', solved_on: '',
  ministry_supervised: 'false', expert_assisted: 'false', updated_at: T_NEW, deleted: 'false',
};
const CASES: Rec[] = [
  // Filed before S, solved in the window: solved, cold.
  { case_id: 'C01', reported_on: '2019-03-01', solved_on: '2021-02-01' },
  // Filed on S (not before it): solved, not cold.
  { case_id: 'C02', occurred_on: '2020-12', reported_on: '2021-01-01', solved_on: '2021-01-05' },
  // Solved on D, filed the day before S, supervised and expert-assisted: solved, cold, supervised by experts.
  { case_id: 'C03', category: 'buying', reported_on: '2020-12-31', solved_on: '2021-06-30', ministry_supervised: 'true', expert_assisted: 'true' },
  // Solved the day after D: unsolved as of D.
  { case_id: 'C04', category: 'luring', reported_on: '2020-05-05', solved_on: '2021-07-01', ministry_supervised: 'true', expert_assisted: 'true' },
  // Filed after D: D's year counts to D only.
  { case_id: 'C05', occurred_on: '2021', reported_on: '2021-07-02' },
  // Solved the day before cases_solved_since (2020-06-01), and on it.
  { case_id: 'C06', category: 'snatching', reported_on: '2019-05-05', solved_on: '2020-05-31' },
  { case_id: 'C07', category: 'snatching', reported_on: '2019-06-06', solved_on: '2020-06-01' },
  // Supervised without experts, solved before the window.
  { case_id: 'C08', occurred_on: '2020', reported_on: '2020-02-02', solved_on: '2020-03-03', ministry_supervised: 'true' },
  // Withdrawn: counts nowhere.
  { case_id: 'C09', occurred_on: '2021', reported_on: '2021-02-02', solved_on: '2021-02-03', deleted: 'true' },
  // Filed before the first trend year 2019.
  { case_id: 'C10', occurred_on: '2018', reported_on: '2018-12-31' },
  { case_id: 'C11', category: 'buying', occurred_on: '2021', reported_on: '2021-03-03', solved_on: '2021-04-04', ministry_supervised: '是', expert_assisted: '是' },
  { case_id: 'C12', occurred_on: '2021', reported_on: '2021-05-01' },
  // Two more trafficking cases of 2019, unsolved: 1 of 3 solved.
  { case_id: 'C13', reported_on: '2019-08-08' },
  { case_id: 'C14', reported_on: '2019-09-09' },
];

const SUSPECT: Rec = { suspect_id: '', case_id: 'C01', province: '37', absconded_on: '', arrested_on: '', updated_at: T_NEW, deleted: 'false' };
const SUSPECTS: Rec[] = [
  // At large exactly 20 whole years: a long fugitive; one day short: not.
  { suspect_id: 'S01', absconded_on: '2001-03-10', arrested_on: '2021-03-10' },
  { suspect_id: 'S02', absconded_on: '2001-03-11', arrested_on: '2021-03-10' },
  // Year alone, midpoint 2001-07-01: arrested on D is 19 years, not a long fugitive.
  { suspect_id: 'S03', absconded_on: '2001', arrested_on: '2021-06-30' },
  { suspect_id: 'S04', absconded_on: '1990', arrested_on: '2021-07-01' },
  // Never absconded.
  { suspect_id: 'S05', arrested_on: '2021-01-01' },
  { suspect_id: 'S06', absconded_on: '1999-05', arrested_on: '2020-06-01' },
  { suspect_id: 'S07', arrested_on: '2020-05-31' },
  { suspect_id: 'S08', absconded_on: '1980-01-01', arrested_on: '2021-02-02', deleted: 'true' },
  // 29 February: 2000-02-29 -> 2021-02-28 is 20 whole years.
  { suspect_id: 'S09', absconded_on: '2000-02-29', arrested_on: '2021-02-28' },
  { suspect_id: 'S10', absconded_on: '1990' },
];

const EVENT: Rec = { event_id: '', province: '37', held_on: '', families_reunited: '', updated_at: T_NEW, deleted: 'false' };
const EVENTS: Rec[] = [
  { event_id: 'E1', held_on: '2021-01-01', families_reunited: '3' },
  { event_id: 'E2', held_on: '2021-06-30' }, // no count: adds nothing
  { event_id: 'E3', held_on: '2021-07-01', families_reunited: '10' },
  { event_id: 'E4', held_on: '2020-12-31', families_reunited: '7' },
  { event_id: 'E5', held_on: '2021-03-03', families_reunited: '4', deleted: 'true' },
  { event_id: 'E6', held_on: '2021-04-04', families_reunited: '5' },
];

const POINT: Rec = { point_id: '', province: '37', opened_on: '2015-01-01', closed_on: '', updated_at: T_NEW, deleted: 'false' };
const POINTS: Rec[] = [
  { point_id: 'B1' },
  { point_id: 'B2', opened_on: '2021-06-30' }, // opened on D: open
  { point_id: 'B3', opened_on: '2021-07-01' },
  { point_id: 'B4', closed_on: '2021-06-30' }, // closed on D: not open on D
  { point_id: 'B5', closed_on: '2021-07-01' },
  { point_id: 'B6', deleted: 'true' },
];

const ALERT: Rec = { alert_id: '', province: '37', released_at: '', resolved_at: '', outcome: 'open', updated_at: T_NEW, deleted: 'false' };
const ALERTS: Rec[] = [
  // Released 23:30 China time on D (naive = CST); resolved 00:30 China time the day after D (16:30 UTC on D).
  { alert_id: 'A1', released_at: '2021-06-30 23:30:00', resolved_at: '2021-06-30T16:30:00Z', outcome: 'found' },
  // Released 00:30 China time the day after D, although still D in UTC: not released by D.
  { alert_id: 'A2', released_at: '2021-06-30T16:30:00Z', resolved_at: '2021-07-01T01:00:00+08:00', outcome: 'found' },
  // Released and resolved one second before midnight China time on D.
  { alert_id: 'A3', released_at: '2021-06-30T23:59:59+08:00', resolved_at: '2021-06-30T15:59:59Z', outcome: 'found' },
  // Released at midnight China time on the platform's launch day 2016-05-15 (still 05-14 in UTC).
  { alert_id: 'A4', released_at: '2016-05-14T16:00:00Z', resolved_at: '2016-05-20 10:00:00', outcome: 'found_deceased' },
  // The evening before the launch, China time.
  { alert_id: 'A5', released_at: '2016-05-14 23:59:00', resolved_at: '2016-05-20 10:00:00', outcome: 'found' },
  { alert_id: 'A6', released_at: '2021-03-03 10:00:00', outcome: 'cancelled' },
  { alert_id: 'A7', released_at: '2021-03-03 10:00:00', resolved_at: '2021-03-05 10:00:00', outcome: 'not_found' },
  { alert_id: 'A8', released_at: '2021-03-03 10:00:00', outcome: 'open' },
  { alert_id: 'A9', released_at: '2021-03-03 10:00:00', resolved_at: '2021-03-04 10:00:00', outcome: 'found', deleted: 'true' },
  // Found, but no resolved_at: not "resolved by D".
  { alert_id: 'A10', released_at: '2021-04-04T08:00:00+08:00', outcome: 'found' },
  // Resolved 2021-05-06 09:00 at UTC+9 = 08:00 China time.
  { alert_id: 'A11', released_at: '2021-05-05 12:00:00+08:00', resolved_at: '2021-05-06T09:00:00+09:00', outcome: 'found' },
];

interface MetricsJson {
  as_of: string;
  operation_start: string;
  partial_year: string | null;
  metrics: Figures;
  provenance?: Record<string, Provenance>;
}

/** Every figure of the main bulletin (D = 2021-06-30, S = 2021-01-01), worked out from the rows above. */
const MAIN: MetricsJson = {
  as_of: '2021-06-30',
  operation_start: '2021-01-01',
  partial_year: '2021',
  metrics: {
    // P01..P08 and P14; not P09 (after D), P10 (before S), P11 (withdrawn), P12 (stale version ignored).
    recovered: 9,
    // 0-10: P07 (0), P14 (9); 10-20: P04, P05, P06 (19 each); 20-30: P01 (20), P02 (21), P03 (20); 60+: P08 (75).
    recovered_by_years_missing: { '0-10': 2, '10-20': 3, '20-30': 3, '30-40': 0, '40-50': 0, '50-60': 0, '60+': 1 },
    recovered_by_method: { dna: 2, investigation: 1, alert: 1, recognition_event: 1, expert_team: 2, other: 2 },
    // P02 counted under its corrected province 37; no 12, 13 or 50.
    recovered_by_province: { '11': 2, '37': 2, '41': 2, '44': 2, '46': 1 },
    // Jan: P08; Feb: P01; Mar: P02, P03, P04, P06, P07; Jun: P05, P14.
    recovered_by_month: { '2021-01': 1, '2021-02': 1, '2021-03': 5, '2021-04': 0, '2021-05': 0, '2021-06': 2 },
    longest_separation_years: 75,
    cold_cases_solved: 2, // C01, C03
    cases_solved: 4, // C01, C02, C03, C11
    suspects_arrested: 5, // S01, S02, S03, S05, S09
    long_fugitives_arrested: 2, // S01, S09
    supervised_cases_solved_by_experts: 2, // C03, C11
    recovered_by_expert_teams: 2, // P03, P04
    recognition_events: 3, // E1, E2, E6
    families_reunited_at_events: 8, // 3 + 0 + 5
    blood_points_active: 3, // B1, B2, B5
    // Trafficking by year filed: 2019 C01, C13, C14; 2020 C08; 2021 C02, C12 (C05 after D, C09 withdrawn).
    cases_reported_by_year: { '2019': 3, '2020': 1, '2021': 2 },
    detection_rate_by_year: {
      trafficking: { '2019': 1 / 3, '2020': 1, '2021': 0.5 },
      buying: { '2019': null, '2020': 1, '2021': 1 },
      luring: { '2019': null, '2020': 0, '2021': null },
      snatching: { '2019': 1, '2020': null, '2021': null },
    },
    cases_solved_since: 5, // C01, C02, C03, C07, C11
    suspects_arrested_since: 6, // S01, S02, S03, S05, S06, S09
    alerts_released: 7, // A1, A3, A4, A7, A8, A10, A11
    alerts_recovered: 3, // A3, A4, A11
    alert_recovery_rate: 3 / 7,
    dna_recoveries_since: 4, // P01, P08, P10, P17
  },
};

let tmp: { dir: string; cleanup: () => void };
let db: string;
let configFile: string;
const explain = (r: CliResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

async function metrics(...args: string[]): Promise<MetricsJson> {
  const r = await runCli(['metrics', '--json', '--db', db, '--config', configFile, ...args]);
  expect(r.code, explain(r)).toBe(0);
  return JSON.parse(r.stdout);
}

interface Provenance {
  sql: string;
  sha256: string;
  macros: { sql: string; sha256: string };
  parameters: Record<string, unknown>;
  snapshot: string;
}

beforeAll(async () => {
  tmp = tempDir('bulletin-figures-');
  db = join(tmp.dir, 'warehouse.duckdb');
  configFile = join(tmp.dir, 'bulletin.yaml');
  writeFileSync(configFile, CONFIG);
  const exports = join(tmp.dir, 'exports');
  // Loaded in name order: persons-2 after persons-1 (a correction of P02, a stale version of P12).
  writeCsv(join(exports, 'persons-1.csv'), PERSON, PERSONS_1);
  writeCsv(join(exports, 'persons-2.csv'), PERSON, PERSONS_2);
  writeCsv(join(exports, 'cases.csv'), CASE, CASES);
  writeCsv(join(exports, 'suspects.csv'), SUSPECT, SUSPECTS);
  writeCsv(join(exports, 'events.csv'), EVENT, EVENTS);
  writeCsv(join(exports, 'blood_points.csv'), POINT, POINTS);
  writeCsv(join(exports, 'alerts.csv'), ALERT, ALERTS);
  const r = await runCli(['load', exports, '--db', db]);
  expect(r.code, explain(r)).toBe(0);
  // Every row is valid: a quarantined row would silently change the worked-out figures.
  expect(await queryDb(db, 'SELECT file, line, message FROM quarantine')).toEqual([]);
}, 60_000);
afterAll(() => tmp?.cleanup());

describe('bulletin metrics on hand-made rows', () => {
  it('gives every figure as worked out by hand (D = 2021-06-30, operation from the configuration)', async () => {
    const out = await metrics('--as-of', '2021-06-30');
    expect(out).toEqual(MAIN);
    // Exactly the keys of cli.md, and every id of metrics.md.
    expect(Object.keys(out)).toEqual(['as_of', 'operation_start', 'partial_year', 'metrics']);
    expect(Object.keys(out.metrics).sort()).toEqual(Object.keys(MAIN.metrics).sort());
    expect(Number.isInteger(out.metrics.recovered)).toBe(true);
  }, 30_000);

  it('an empty window: every bucket and method zero, no province, every month present, longest separation null', async () => {
    // 2021-04-10 .. 2021-04-20: no recovery (P11, recovered 2021-04-01, is withdrawn anyway).
    const out = await metrics('--as-of', '2021-04-20', '--operation-start', '2021-04-10');
    expect(out.metrics.recovered).toBe(0);
    expect(out.metrics.recovered_by_years_missing).toEqual({ '0-10': 0, '10-20': 0, '20-30': 0, '30-40': 0, '40-50': 0, '50-60': 0, '60+': 0 });
    expect(out.metrics.recovered_by_method).toEqual({ dna: 0, investigation: 0, alert: 0, recognition_event: 0, expert_team: 0, other: 0 });
    expect(out.metrics.recovered_by_province).toEqual({});
    expect(out.metrics.recovered_by_month).toEqual({ '2021-04': 0 });
    expect(out.metrics.longest_separation_years).toBeNull();
    expect(out.metrics.recovered_by_expert_teams).toBe(0);
    expect(out.metrics.cases_solved).toBe(0);
    expect(out.metrics.recognition_events).toBe(0);
    expect(out.metrics.families_reunited_at_events).toBe(0);
  }, 30_000);

  it('a recovery before the imputed midpoint of its partial date counts 0 whole years, never below', async () => {
    // The window 2021-03-02 holds P07 alone: missing '2021' (midpoint 2021-07-01), recovered 2021-03-02.
    const out = await metrics('--as-of', '2021-03-02', '--operation-start', '2021-03-02');
    expect(out.metrics.recovered).toBe(1);
    expect(out.metrics.longest_separation_years).toBe(0);
    expect(out.metrics.recovered_by_years_missing['0-10']).toBe(1);
    expect(out.metrics.recovered_by_province).toEqual({ '11': 1 });
    expect(out.metrics.recovered_by_month).toEqual({ '2021-03': 1 });
  }, 30_000);

  it('before the platform and the trend years: no alert released gives a null rate, per-year figures are empty', async () => {
    const out = await metrics('--as-of', '2016-05-14', '--operation-start', '2016-05-01');
    expect(out.metrics.alerts_released).toBe(0); // A5 was released the evening before the launch
    expect(out.metrics.alerts_recovered).toBe(0);
    expect(out.metrics.alert_recovery_rate).toBeNull();
    expect(out.metrics.cases_reported_by_year).toEqual({});
    expect(out.metrics.detection_rate_by_year).toEqual({ trafficking: {}, buying: {}, luring: {}, snatching: {} });
  }, 30_000);

  it('on the platform launch day the midnight release counts; D on 31 December has no partial year', async () => {
    const launch = await metrics('--as-of', '2016-05-15', '--operation-start', '2016-05-01');
    expect(launch.metrics.alerts_released).toBe(1); // A4, 00:00 China time on 2016-05-15
    expect(launch.metrics.alerts_recovered).toBe(0); // resolved 2016-05-20
    expect(launch.metrics.alert_recovery_rate).toBe(0);

    const yearEnd = await metrics('--as-of', '2020-12-31');
    expect(yearEnd.operation_start).toBe('2020-01-01'); // the configured operation containing 2020-12-31
    expect(yearEnd.partial_year).toBeNull();
    expect(yearEnd.metrics.recovered).toBe(1); // P10
    expect(yearEnd.metrics.recovered_by_province).toEqual({ '12': 1 });
    expect(yearEnd.metrics.longest_separation_years).toBe(70); // 1950-01-01 -> 2020-12-31
    expect(yearEnd.metrics.cases_reported_by_year).toEqual({ '2019': 3, '2020': 1 });
    // As of 2020-12-31, C03 (buying, filed that day) and C04 (luring) are unsolved; C01 too (solved 2021).
    expect(yearEnd.metrics.detection_rate_by_year).toEqual({
      trafficking: { '2019': 0, '2020': 1 },
      buying: { '2019': null, '2020': 0 },
      luring: { '2019': null, '2020': 0 },
      snatching: { '2019': 1, '2020': null },
    });
    // S06 (2020-06-01) is the one arrest since 2020-06-01 and of 2020 (S07, 2020-05-31, is not since); it had been
    // at large from the midpoint 1999-05-15 of '1999-05': 21 whole years.
    expect(yearEnd.metrics.suspects_arrested_since).toBe(1);
    expect(yearEnd.metrics.suspects_arrested).toBe(2);
    expect(yearEnd.metrics.long_fugitives_arrested).toBe(1);
  }, 30_000);

  it('the day after D moves the midnight alerts and the day-after rows in', async () => {
    const out = await metrics('--as-of', '2021-07-01');
    expect(out.metrics.alerts_released).toBe(8); // + A2 (00:30 China time on 07-01)
    expect(out.metrics.alerts_recovered).toBe(5); // + A1 and A2, resolved on 07-01 China time
    expect(out.metrics.recovered).toBe(10); // + P09
    expect(out.metrics.recovered_by_month['2021-07']).toBe(1);
    expect(out.metrics.blood_points_active).toBe(3); // + B3 opened, - B5 closed on 07-01
    expect(out.metrics.cases_solved).toBe(5); // + C04
    expect(out.metrics.suspects_arrested).toBe(6); // + S04 (31 years at large)
    expect(out.metrics.long_fugitives_arrested).toBe(3);
  }, 30_000);

  it('--provenance gives each figure its SQL file, the sha256 of its text, the bound parameters and the snapshot', async () => {
    const out = await metrics('--as-of', '2021-06-30', '--provenance');
    const latest = readFileSync(`${db}.snapshots/latest`, 'utf8').trim().replace(/\.duckdb$/, '');
    const provenance = out.provenance!;
    expect(Object.keys(provenance).sort()).toEqual(Object.keys(MAIN.metrics).sort());
    const sha = (path: string) => createHash('sha256').update(readFileSync(join(repoRoot, path), 'utf8')).digest('hex');
    for (const [id, p] of Object.entries(provenance)) {
      expect(p.sql, id).toMatch(/^queries\/figures\/\w+\.sql$/);
      expect(p.sha256, id).toBe(sha(p.sql));
      expect(p.macros.sha256, id).toBe(sha('queries/figures/macros.sql'));
      expect(p.snapshot, id).toBe(latest);
      expect(p.parameters.as_of, id).toBe('2021-06-30');
    }
    expect(provenance.recovered_by_years_missing!.sql).toBe('queries/figures/recovered_by_years_missing.sql');
    expect(provenance.cold_cases_solved!.parameters).toEqual({ as_of: '2021-06-30', operation_start: '2021-01-01', cases_solved_since: '2020-06-01' });
    expect(provenance.alerts_released!.parameters).toEqual({ as_of: '2021-06-30', alerts_since: '2016-05-15' });
    expect(provenance.detection_rate_by_year!.parameters).toMatchObject({ trend_first_year: 2019, categories: ['trafficking', 'buying', 'luring', 'snatching'] });
    // The reader was logged against the snapshot it read.
    const readers = readFileSync(`${db}.snapshots/readers.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(readers.at(-1)).toMatchObject({ reader: 'metrics', snapshot: latest });
  }, 30_000);

  it('without --json prints an aligned table of the same figures, named for people', async () => {
    const r = await runCli(['metrics', '--as-of', '2021-06-30', '--db', db, '--config', configFile]);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain('Test 2021');
    // Figure names, bucket words and province names as the English bulletin prints them (the JSON keeps ids).
    expect(r.stdout).toMatch(/^children recovered +9$/m);
    expect(r.stdout).toMatch(/^children recovered by years missing +under 10 years +2$/m);
    expect(r.stdout).toMatch(/^ +60 years or more +1$/m);
    expect(r.stdout).toMatch(/ Beijing \(11\) +\d+$/m);
    expect(r.stdout).toMatch(/^alert recovery rate +42\.9%$/m);
    expect(r.stdout).toMatch(/^ +buying a trafficked child 2019 +-$/m);
    expect(r.stdout).toMatch(/^accumulated cases solved +\d+$/m);
    expect(r.stdout).toMatch(/^cases solved since 2020-06-01 +\d+$/m);
    expect(r.stdout).not.toMatch(/^recovered_by/m);
    const valueColumns = new Set(r.stdout.split('\n').filter((l) => /^\S.* \d+%?$/.test(l) && !l.startsWith('figures as of')).map((l) => l.length));
    expect(valueColumns.size, 'values right-aligned in one column').toBe(1);
  }, 30_000);
});
