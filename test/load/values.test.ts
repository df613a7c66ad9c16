// Every value form of exports.md's "Value formats" table, and the stored result worked out by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { load, ms, snapshot, writeCsv, writeJsonl } from './fixtures.ts';

describe('bulletin load: value forms', () => {
  const { dir, cleanup } = tempDir('bulletin-values-');
  const db = join(dir, 'warehouse.duckdb');
  let result: CliResult;
  const q = <T = Record<string, unknown>>(sql: string) => queryDb<T>(db, sql);

  // Full dates (reported_on), each with its expected ISO date.
  const dates: Array<[string, string]> = [
    ['2021-11-30', '2021-11-30'],
    ['2021/11/30', '2021-11-30'],
    ['2021/1/5', '2021-01-05'],
    ['2021年11月30日', '2021-11-30'],
    ['2021年1月5日', '2021-01-05'],
    ['20211130', '2021-11-30'],
  ];
  // Partial dates (occurred_on): stored midpoint and precision.
  const partials: Array<[string, string, string]> = [
    ['1947', '1947-07-01', 'year'],
    ['1947年', '1947-07-01', 'year'],
    ['1947-06', '1947-06-15', 'month'],
    ['1947/6', '1947-06-15', 'month'],
    ['1947年6月', '1947-06-15', 'month'],
    ['1947-06-03', '1947-06-03', 'day'],
    ['1947/6/3', '1947-06-03', 'day'],
    ['1947年6月3日', '1947-06-03', 'day'],
    ['19470603', '1947-06-03', 'day'],
  ];
  // Timestamps (released_at): the instant each one means.
  const stamps: Array<[string, string]> = [
    ['2021-11-30T08:15:00+08:00', '2021-11-30T00:15:00Z'],
    ['2021-11-30 08:15:00', '2021-11-30T00:15:00Z'],
    ['2021-11-30T08:15:00', '2021-11-30T00:15:00Z'],
    ['2021-11-30T00:15:00Z', '2021-11-30T00:15:00Z'],
    ['2021-11-30T02:15:00+02:00', '2021-11-30T00:15:00Z'],
    ['2021-11-29T20:15:00-04:00', '2021-11-30T00:15:00Z'],
    ['2021-11-30T08:15:00.500+08:00', '2021-11-30T00:15:00.500Z'],
  ];
  // Booleans (ministry_supervised).
  const bools: Array<[string, boolean]> = [
    ['true', true], ['false', false], ['1', true], ['0', false], ['Y', true], ['N', false],
    ['yes', true], ['no', false], ['是', true], ['否', false], ['', false], ['NULL', false], ['\\N', false],
  ];
  // Provinces: every accepted form, and the 2-digit code stored.
  const provinces: Array<[string, string]> = [
    ['37', '37'], ['3701', '37'], ['370000', '37'], ['370102', '37'], ['山东省', '37'], ['山东', '37'],
    ['Shandong', '37'], ['shandong', '37'], ['SHANDONG', '37'], ['XPCC', '66'], ['xpcc', '66'], ['兵团', '66'],
    ['新疆生产建设兵团', '66'], ['Xinjiang Production and Construction Corps', '66'], ['Inner Mongolia', '15'],
    ['Nei Mongol', '15'], ['内蒙古自治区', '15'], ['内蒙古', '15'], ['150000', '15'], ['Tibet', '54'], ['Xizang', '54'],
    ['广西壮族自治区', '45'], ['Beijing', '11'], ['北京市', '11'], ['110105', '11'], ['65', '65'], ['6501', '65'],
  ];
  // Categories: English and Chinese names.
  const categories: Array<[string, string]> = [
    ['trafficking', 'trafficking'], ['buying', 'buying'], ['luring', 'luring'], ['snatching', 'snatching'],
    ['拐卖儿童', 'trafficking'], ['收买被拐卖儿童', 'buying'], ['拐骗儿童', 'luring'], ['抢夺儿童', 'snatching'], ['抢劫儿童', 'snatching'],
  ];
  const sexes: Array<[string, string | null]> = [
    ['男', 'M'], ['女', 'F'], ['未知', 'U'], ['M', 'M'], ['F', 'F'], ['U', 'U'], ['', null], ['NULL', null], ['\\N', null],
  ];
  const methods = ['dna', 'investigation', 'alert', 'recognition_event', 'expert_team', 'other'];
  const outcomes = ['open', 'found', 'found_deceased', 'not_found', 'cancelled'];
  const ID_NUMBER = '110101199003071234';
  const NAME = '王秀英';

  beforeAll(async () => {
    const ex = join(dir, 'exports');
    const files = [
      writeCsv(ex, 'cases-dates.csv', 'cases', dates.map(([raw], i) => ({ case_id: `V-DT${i}`, occurred_on: '2019', reported_on: raw }))),
      writeCsv(ex, 'cases-partial.csv', 'cases', partials.map(([raw], i) => ({ case_id: `V-P${i}`, occurred_on: raw, reported_on: '2000-01-01' }))),
      writeCsv(ex, 'cases-bools.csv', 'cases', [
        ...bools.map(([raw], i) => ({ case_id: `V-B${i}`, ministry_supervised: raw, expert_assisted: raw })),
        // deleted: true forms withdraw, false forms and empty keep the record live.
        { case_id: 'V-DEL-是', deleted: '是' },
        { case_id: 'V-DEL-Y', deleted: 'Y' },
        { case_id: 'V-DEL-1', deleted: '1' },
        { case_id: 'V-DEL-yes', deleted: 'yes' },
        { case_id: 'V-DEL-否', deleted: '否' },
        { case_id: 'V-DEL-0', deleted: '0' },
        { case_id: 'V-DEL-empty', deleted: '' },
        { case_id: 'V-DEL-NULL', deleted: 'NULL' },
      ]),
      writeCsv(ex, 'cases-prov.csv', 'cases', provinces.map(([raw], i) => ({ case_id: `V-R${i}`, province: raw }))),
      writeCsv(ex, 'cases-cat.csv', 'cases', categories.map(([raw], i) => ({ case_id: `V-C${i}`, category: raw }))),
      writeCsv(ex, 'cases-empty.csv', 'cases', [
        { case_id: 'V-E0', title: '', solved_on: '' },
        { case_id: 'V-E1', title: 'NULL', solved_on: 'NULL' },
        { case_id: 'V-E2', title: '\\N', solved_on: '\\N' },
        { case_id: 'V-E3', title: 'Tianjin 5·12', solved_on: '2021-01-02' },
      ]),
      writeCsv(ex, 'persons-values.csv', 'persons', [
        ...sexes.map(([raw], i) => ({ person_id: `V-S${i}`, sex: raw })),
        ...methods.map((m, i) => ({ person_id: `V-M${i}`, missing_on: '2015-03-01', recovered_on: '2021-06-01', recovery_method: m })),
        { person_id: 'V-BY0', birth_on: '1990年' },
        { person_id: 'V-BY1', birth_on: '1990-06-03' },
        { person_id: 'V-BY2', birth_on: '1990/6' },
        { person_id: 'V-BY3', birth_on: '' },
        { person_id: 'V-PII', name: NAME, id_number: ` ${ID_NUMBER} ` },
        { person_id: 'V-PARTIAL', missing_on: '2001', recovered_on: '2021-03-01', recovery_method: 'dna' },
      ]),
      writeCsv(ex, 'alerts-values.csv', 'alerts', [
        ...stamps.map(([raw], i) => ({ alert_id: `V-T${i}`, released_at: raw })),
        ...outcomes.map((o, i) => ({ alert_id: `V-O${i}`, outcome: o })),
        // Asia/Shanghai kept daylight saving time in 1986-1991 summers (UTC+9); the spec says UTC+8 for naive stamps
        { alert_id: 'V-DST', released_at: '1988-06-01 10:00:00' },
        { alert_id: 'V-TE0', resolved_at: '' },
        { alert_id: 'V-TE1', resolved_at: 'NULL' },
        { alert_id: 'V-TE2', resolved_at: '\\N' },
      ]),
      writeCsv(ex, 'events-values.csv', 'events', [
        { event_id: 'V-I0', families_reunited: '0' },
        { event_id: 'V-I1', families_reunited: '12' },
        { event_id: 'V-I2', families_reunited: '' },
        { event_id: 'V-I3', families_reunited: 'NULL' },
      ]),
      writeJsonl(ex, 'events-json.jsonl', [
        { event_id: 'V-J0', province: '37', held_on: '2021-06-01', families_reunited: null, updated_at: '2021-12-01 10:00:00', deleted: null },
        { event_id: 'V-J1', province: '37', held_on: '2021-06-01', updated_at: '2021-12-01 10:00:00' },
        { event_id: 'V-J2', province: '37', held_on: '2021-06-01', families_reunited: 5, updated_at: '2021-12-01 10:00:00', deleted: true },
      ]),
    ];
    result = await load(db, files);
  }, 60_000);

  afterAll(() => cleanup());

  it('loads with exit 0 and nothing quarantined', async () => {
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(await q('SELECT file, line, column_name, value, message FROM quarantine')).toEqual([]);
  });

  it('full dates in every accepted form', async () => {
    const rows = await q<{ case_id: string; d: string }>(`SELECT case_id, reported_on::VARCHAR AS d FROM cases WHERE case_id LIKE 'V-DT%'`);
    const got = Object.fromEntries(rows.map((r) => [r.case_id, r.d]));
    expect(got).toEqual(Object.fromEntries(dates.map(([, want], i) => [`V-DT${i}`, want])));
  });

  it('partial dates: imputed midpoint and precision (year → 1 July, month → 15th)', async () => {
    const rows = await q<{ case_id: string; d: string; p: string }>(
      `SELECT case_id, occurred_on::VARCHAR AS d, occurred_on_precision AS p FROM cases WHERE case_id LIKE 'V-P%'`,
    );
    const got = Object.fromEntries(rows.map((r) => [r.case_id, [r.d, r.p]]));
    expect(got).toEqual(Object.fromEntries(partials.map(([, d, p], i) => [`V-P${i}`, [d, p]])));
    // the dates file used occurred_on '2019' throughout: year precision
    const [y] = await q(`SELECT occurred_on::VARCHAR AS d, occurred_on_precision AS p FROM cases WHERE case_id = 'V-DT0'`);
    expect(y).toEqual({ d: '2019-07-01', p: 'year' });
  });

  it('timestamps: offsets, Z, and naive = Asia/Shanghai', async () => {
    const rows = await q<{ alert_id: string; t: number }>(`SELECT alert_id, epoch_ms(released_at) AS t FROM alerts WHERE alert_id LIKE 'V-T_'`);
    const got = Object.fromEntries(rows.map((r) => [r.alert_id, r.t]));
    expect(got).toEqual(Object.fromEntries(stamps.map(([, want], i) => [`V-T${i}`, ms(want)])));
    const [u] = await q<{ t: number }>(`SELECT epoch_ms(updated_at) AS t FROM alerts WHERE alert_id = 'V-T0'`);
    expect(u.t).toBe(ms('2021-12-01T02:00:00Z'));
  });

  it('naive timestamps are UTC+8 (China Standard Time) even in the 1986-1991 summers', async () => {
    expect(await q(`SELECT epoch_ms(released_at) AS t FROM alerts WHERE alert_id = 'V-DST'`)).toEqual([{ t: ms('1988-06-01T02:00:00Z') }]);
  });

  it('booleans: true/false 1/0 Y/N yes/no 是/否, empty = false', async () => {
    const rows = await q<{ case_id: string; m: boolean; e: boolean }>(
      `SELECT case_id, ministry_supervised AS m, expert_assisted AS e FROM cases WHERE case_id LIKE 'V-B%'`,
    );
    const got = Object.fromEntries(rows.map((r) => [r.case_id, [r.m, r.e]]));
    expect(got).toEqual(Object.fromEntries(bools.map(([, want], i) => [`V-B${i}`, [want, want]])));
  });

  it('deleted in boolean forms: true forms withdraw, false and empty keep the record live', async () => {
    const live = await q<{ case_id: string }>(`SELECT case_id FROM cases WHERE case_id LIKE 'V-DEL-%' ORDER BY case_id`);
    expect(live.map((r) => r.case_id).sort()).toEqual(['V-DEL-0', 'V-DEL-NULL', 'V-DEL-empty', 'V-DEL-否'].sort());
    const hist = await q<{ case_id: string; deleted: boolean }>(
      `SELECT case_id, deleted FROM history.cases WHERE case_id IN ('V-DEL-是', 'V-DEL-Y', 'V-DEL-1', 'V-DEL-yes') ORDER BY case_id`,
    );
    expect(hist).toEqual([
      { case_id: 'V-DEL-1', deleted: true },
      { case_id: 'V-DEL-Y', deleted: true },
      { case_id: 'V-DEL-yes', deleted: true },
      { case_id: 'V-DEL-是', deleted: true },
    ]);
  });

  it('provinces: codes of 2/4/6 digits, Chinese names with and without suffix, English names and aliases in any case', async () => {
    const rows = await q<{ case_id: string; province: string }>(`SELECT case_id, province FROM cases WHERE case_id LIKE 'V-R%'`);
    const got = Object.fromEntries(rows.map((r) => [r.case_id, r.province]));
    expect(got).toEqual(Object.fromEntries(provinces.map(([, want], i) => [`V-R${i}`, want])));
    expect(Object.keys(got)).toHaveLength(provinces.length);
  });

  it('categories: English values and Chinese names (抢夺儿童 and 抢劫儿童 are both snatching)', async () => {
    const rows = await q<{ case_id: string; category: string }>(`SELECT case_id, category FROM cases WHERE case_id LIKE 'V-C%'`);
    const got = Object.fromEntries(rows.map((r) => [r.case_id, r.category]));
    expect(got).toEqual(Object.fromEntries(categories.map(([, want], i) => [`V-C${i}`, want])));
  });

  it('empty forms: empty field, NULL and \\N are NULL in text, date and timestamp columns', async () => {
    const cases = await q(`SELECT case_id, title, solved_on::VARCHAR AS solved_on FROM cases WHERE case_id LIKE 'V-E%' ORDER BY case_id`);
    expect(cases).toEqual([
      { case_id: 'V-E0', title: null, solved_on: null },
      { case_id: 'V-E1', title: null, solved_on: null },
      { case_id: 'V-E2', title: null, solved_on: null },
      { case_id: 'V-E3', title: 'Tianjin 5·12', solved_on: '2021-01-02' },
    ]);
    const alerts = await q(`SELECT alert_id, resolved_at FROM alerts WHERE alert_id LIKE 'V-TE%' ORDER BY alert_id`);
    expect(alerts).toEqual([
      { alert_id: 'V-TE0', resolved_at: null },
      { alert_id: 'V-TE1', resolved_at: null },
      { alert_id: 'V-TE2', resolved_at: null },
    ]);
  });

  it('sex: 男/女/未知 → M/F/U, empty → NULL', async () => {
    const rows = await q<{ person_id: string; sex: string | null }>(`SELECT person_id, sex FROM persons WHERE person_id LIKE 'V-S%'`);
    const got = Object.fromEntries(rows.map((r) => [r.person_id, r.sex]));
    expect(got).toEqual(Object.fromEntries(sexes.map(([, want], i) => [`V-S${i}`, want])));
  });

  it('recovery methods and alert outcomes: every enum value', async () => {
    const m = await q<{ person_id: string; recovery_method: string; recovered_on: string }>(
      `SELECT person_id, recovery_method, recovered_on::VARCHAR AS recovered_on FROM persons WHERE person_id LIKE 'V-M_'`,
    );
    expect(Object.fromEntries(m.map((r) => [r.person_id, [r.recovery_method, r.recovered_on]]))).toEqual(
      Object.fromEntries(methods.map((v, i) => [`V-M${i}`, [v, '2021-06-01']])),
    );
    const o = await q<{ alert_id: string; outcome: string }>(`SELECT alert_id, outcome FROM alerts WHERE alert_id LIKE 'V-O%'`);
    expect(Object.fromEntries(o.map((r) => [r.alert_id, r.outcome]))).toEqual(Object.fromEntries(outcomes.map((v, i) => [`V-O${i}`, v])));
  });

  it('partial missing_on before a full recovered_on in the same year-span is fine; precision kept', async () => {
    expect(
      await q(`SELECT missing_on::VARCHAR AS d, missing_on_precision AS p, recovered_on::VARCHAR AS r FROM persons WHERE person_id = 'V-PARTIAL'`),
    ).toEqual([{ d: '2001-07-01', p: 'year', r: '2021-03-01' }]);
  });

  it('integers: 0, 12, empty and NULL', async () => {
    expect(await q(`SELECT event_id, families_reunited AS n FROM events WHERE event_id LIKE 'V-I%' ORDER BY event_id`)).toEqual([
      { event_id: 'V-I0', n: 0 },
      { event_id: 'V-I1', n: 12 },
      { event_id: 'V-I2', n: null },
      { event_id: 'V-I3', n: null },
    ]);
  });

  it('JSON lines: null and a missing key are empty (and deleted empty = live); JSON true withdraws', async () => {
    expect(await q(`SELECT event_id, families_reunited AS n FROM events WHERE event_id LIKE 'V-J%' ORDER BY event_id`)).toEqual([
      { event_id: 'V-J0', n: null },
      { event_id: 'V-J1', n: null },
    ]);
    expect(await q(`SELECT event_id, families_reunited AS n, deleted FROM history.events WHERE event_id = 'V-J2'`)).toEqual([
      { event_id: 'V-J2', n: 5, deleted: true },
    ]);
  });

  it('personal data: birth_on kept as birth_year only, name never stored, id_number only as its HMAC', async () => {
    const years = await q(`SELECT person_id, birth_year FROM persons WHERE person_id LIKE 'V-BY%' ORDER BY person_id`);
    expect(years).toEqual([
      { person_id: 'V-BY0', birth_year: 1990 },
      { person_id: 'V-BY1', birth_year: 1990 },
      { person_id: 'V-BY2', birth_year: 1990 },
      { person_id: 'V-BY3', birth_year: null },
    ]);
    const cols = await q<{ schema_name: string; column_name: string }>(
      `SELECT schema_name, column_name FROM duckdb_columns() WHERE table_name = 'persons'`,
    );
    const names = cols.map((c) => c.column_name);
    expect(names).not.toContain('name');
    expect(names).not.toContain('id_number');
    expect(names).not.toContain('birth_on');
    const hmac = createHmac('sha256', 'test-key').update(ID_NUMBER).digest('hex');
    expect(await q(`SELECT lower(id_number_hmac) AS h FROM persons WHERE person_id = 'V-PII'`)).toEqual([{ h: hmac }]);
    const dump = JSON.stringify(await snapshot(db));
    expect(dump).not.toContain(ID_NUMBER);
    expect(dump).not.toContain(NAME);
  });
});
