// pipeline/config.ts: the configuration file becomes a typed Config, or one UsageError (exit 2) naming the file
// and the key path of the first bad value.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPath, loadConfig, operationContaining, parseConfig } from '../pipeline/config.ts';
import { UsageError } from '../pipeline/errors.ts';
import { repoRoot, runCli, tempDir } from './helpers.ts';

const FILE = 'config/bulletin.yaml';

function valid() {
  return {
    operations: [
      { id: 'reunion-2020', name_zh: '团圆行动2020', name_en: 'Reunion 2020', start: '2020-01-01', end: '2020-12-31' },
      { id: 'reunion-2021', name_zh: '团圆行动2021', name_en: 'Reunion 2021', start: '2021-01-01', end: '2021-12-31' },
    ] as Record<string, unknown>[],
    trends: {
      first_year: 2012,
      cases_solved_since: '2012-11-08',
      suspects_arrested_since: '2012-11-08',
      dna_system_since: '2009-04-01',
      alert_platform_since: '2016-05-15',
    } as Record<string, unknown>,
    publication: { small_count_threshold: { public: 5, internal: 0 } as Record<string, unknown> },
    jobs: [
      { name: 'ingest', kind: 'ingest', cron: '*/15 * * * *' },
      { name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press', 'extra@reunion.example'] },
    ] as Record<string, unknown>[],
    mail: { lists: { press: ['a@reunion.example', 'extra@reunion.example'] }, attempts: 3 } as Record<string, unknown>,
  };
}

function messageOf(raw: unknown): string {
  try {
    parseConfig(raw, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseConfig', () => {
  it('turns the YAML keys into a typed Config', () => {
    const config = parseConfig(valid(), FILE);
    expect(config.operations[1]).toEqual({ id: 'reunion-2021', nameZh: '团圆行动2021', nameEn: 'Reunion 2021', start: '2021-01-01', end: '2021-12-31' });
    expect(config.trends).toEqual({
      firstYear: 2012,
      casesSolvedSince: '2012-11-08',
      suspectsArrestedSince: '2012-11-08',
      dnaSystemSince: '2009-04-01',
      alertPlatformSince: '2016-05-15',
    });
    expect(config.publication.smallCountThreshold).toEqual({ public: 5, internal: 0 });
    expect(config.jobs).toEqual([
      { name: 'ingest', kind: 'ingest', cron: '*/15 * * * *', to: [], template: '', lang: 'all', approval: 'required' },
      // List names expanded, each address once.
      { name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['a@reunion.example', 'extra@reunion.example'], template: 'press', lang: 'all', approval: 'required' },
    ]);
    expect(config.mail).toEqual({ lists: { press: ['a@reunion.example', 'extra@reunion.example'] }, attempts: 3, retryDelaySeconds: 30, maxRetryDelaySeconds: 900 });
    expect(config.inbox).toEqual({ dir: 'data/inbox', settleSeconds: 60 });
    expect(config.desk).toEqual({ releaseTime: '09:30', prereleaseMaxHours: 24, reviewList: 'desk', sessionIdleMinutes: 30 });
  });

  it('checks the desk settings and a job\'s approval', () => {
    for (const [desk, message] of [
      [{ release_time: '9:30' }, 'desk.release_time: not a time HH:MM'],
      [{ release_time: '24:00' }, 'desk.release_time: not a time HH:MM'],
      [{ prerelease_max_hours: 0 }, 'desk.prerelease_max_hours: not above 0'],
      [{ extra: 1 }, 'desk'],
    ] as const) {
      expect(messageOf({ ...valid(), desk })).toContain(`${FILE}: ${message}`);
    }
    const raw = valid();
    (raw.jobs as Record<string, unknown>[])[1].approval = 'maybe';
    expect(messageOf(raw)).toBe(`${FILE}: jobs[1].approval: not one of required, none`);
  });

  it('jobs, inbox and mail are optional', () => {
    const raw: Record<string, unknown> = valid();
    delete raw.jobs;
    delete raw.mail;
    const config = parseConfig(raw, FILE);
    expect(config.jobs).toEqual([]);
    expect(config.mail.attempts).toBe(5);
  });

  const cases: [string, (c: ReturnType<typeof valid>) => void, string][] = [
    ['an impossible date', (c) => (c.operations[0].start = '2021-02-29'), 'operations[0].start: not a date YYYY-MM-DD'],
    ['a date in another form', (c) => (c.operations[1].end = '2021/12/31'), 'operations[1].end: not a date YYYY-MM-DD'],
    ['a missing key', (c) => delete c.trends.dna_system_since, 'trends.dna_system_since: missing'],
    ['an unknown key (a typo)', (c) => (c.trends.first_yaer = 2012), 'trends.first_yaer: unknown key'],
    ['an end before the start', (c) => (c.operations[0].end = '2019-12-31'), 'operations[0].end: ends before it starts'],
    ['overlapping operations', (c) => (c.operations[1].start = '2020-12-31'), 'operations[1].start: overlaps operations[0] (reunion-2020)'],
    ['a repeated id', (c) => (c.operations[1].id = 'reunion-2020'), "operations[1].id: 'reunion-2020' is also operations[0]"],
    ['a negative threshold', (c) => (c.publication.small_count_threshold.public = -1), 'publication.small_count_threshold.public: below 0'],
    ['a fractional threshold', (c) => (c.publication.small_count_threshold.internal = 0.5), 'publication.small_count_threshold.internal: not a whole number'],
    ['a year that is no year', (c) => (c.trends.first_year = '2012x'), 'trends.first_year: not a year'],
    ['no operation', (c) => (c.operations = []), 'operations: no operation'],
    ['an empty name', (c) => (c.operations[0].name_en = ' '), 'operations[0].name_en: empty'],
    // Names are printed in every PDF's header: no control or bidi character, and a trailing CR LF is not trimmed away.
    ['a right-to-left override in a name', (c) => (c.operations[0].name_en = 'Reunion \u202e0202'), 'operations[0].name_en: holds the character U+202E (RIGHT-TO-LEFT OVERRIDE)'],
    ['an ESC in a name', (c) => (c.operations[1].name_zh = '团圆\u001b[2J'), 'operations[1].name_zh: holds the character U+001B (ESC)'],
    ['a CR LF after an id', (c) => (c.operations[0].id = 'reunion-2020\r\n'), 'operations[0].id: holds the character U+000D (CR)'],
    ['a cron expression croner refuses', (c) => (c.jobs[0].cron = '61 * * * *'), 'jobs[0].cron: not a cron expression'],
    ['an unknown job kind', (c) => (c.jobs[0].kind = 'backup'), 'jobs[0].kind: not one of ingest, monthly, briefing'],
    ['a bulletin job without recipients', (c) => delete c.jobs[1].to, 'jobs[1].to: missing'],
    ['a recipient that is neither address nor list', (c) => (c.jobs[1].to = ['presss']), "jobs[1].to[0]: 'presss' is neither an address nor a list of mail.lists"],
    ['a bad address in a list', (c) => ((c.mail.lists as Record<string, string[]>).press = ['not-an-address']), 'mail.lists.press[0]: not an e-mail address'],
    ['a repeated job name', (c) => (c.jobs[1].name = 'ingest'), "jobs[1].name: 'ingest' is also jobs[0]"],
    ['no attempt at all', (c) => (c.mail.attempts = 0), 'mail.attempts: below 1'],
  ];
  for (const [what, spoil, message] of cases) {
    it(`names the file and key path of ${what}`, () => {
      const raw = valid();
      spoil(raw);
      expect(messageOf(raw).startsWith(`${FILE}: ${message}`), messageOf(raw)).toBe(true);
    });
  }

  it('an empty file is reported as missing its sections', () => {
    expect(messageOf(null)).toBe(`${FILE}: operations: missing`);
  });
  // Every name Object.prototype has: a list name is looked up as data, never as a property of every object.
  const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

  it('a job sending to a name of Object.prototype (__proto__, toString, constructor...) is a usage error, not a crash', () => {
    expect(PROTOTYPE_NAMES).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']));
    for (const name of PROTOTYPE_NAMES) {
      const raw = valid();
      raw.jobs[1].to = [name];
      expect(messageOf(raw), name).toBe(`${FILE}: jobs[1].to[0]: '${name}' is neither an address nor a list of mail.lists`);
    }
  });

  it('a list named like a property of Object.prototype is a list like any other', () => {
    const raw = valid();
    // JSON.parse makes `__proto__` an own key, as the YAML reader does.
    raw.mail = JSON.parse('{"lists": {"constructor": ["c@reunion.example"], "__proto__": ["p@reunion.example"]}}');
    expect(messageOf(raw)).toBe(`${FILE}: mail.lists.__proto__: not a list name (a-z, 0-9, - and _)`);
    delete (raw.mail.lists as Record<string, unknown>)['__proto__'];
    raw.jobs[1].to = ['constructor'];
    expect(parseConfig(raw, FILE).jobs[1].to).toEqual(['c@reunion.example']);
  });

  // Header injection: CR, LF, CR LF, NUL, other control and bidi characters, a second header, a second address.
  const HOSTILE_ADDRESSES: [string, string][] = [
    ['a@reunion.example\r', 'U+000D (CR)'],
    ['a@reunion.example\n', 'U+000A (LF)'],
    ['a@reunion.example\r\n', 'U+000D (CR)'],
    ['a@reunion.example\0', 'U+0000 (NUL)'],
    ['a@reunion.example\r\nBcc: x@y.example', 'U+000D (CR)'],
    ['a@reunion.example\nBcc: x@y.example', 'U+000A (LF)'],
    ['\r\na@reunion.example', 'U+000D (CR)'],
    ['a@reunion.example\u001b[2J', 'U+001B (ESC)'],
    ['a@reunion.example\u0085', 'U+0085'],
    ['a@reunion.example\u2028Bcc: x@y.example', 'U+2028 (LINE SEPARATOR)'],
    ['a@reunion.example\u202e', 'U+202E (RIGHT-TO-LEFT OVERRIDE)'],
    ['a@reunion.example\tBcc: x@y.example', 'U+0009 (TAB)'],
    ['a@reunion.example, x@y.example', ''],
    ['a@reunion.example;x@y.example', ''],
    ['Chief <a@reunion.example>', ''],
    ['a@reunion.example (x@y.example)', ''],
    ['"x@y.example" a@reunion.example', ''],
  ];

  it('an address with a line break, a control character or a second address is refused, in a list and in a job', () => {
    for (const [address, character] of HOSTILE_ADDRESSES) {
      const shown = address.replace(/[\u0000-\u001f\u0085\u2028\u202e]/g, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
      const inList = valid();
      (inList.mail.lists as Record<string, string[]>).press = ['ok@reunion.example', address];
      const listMessage = messageOf(inList);
      expect(listMessage, JSON.stringify(address)).toMatch(new RegExp(`^${FILE}: mail\\.lists\\.press\\[1\\]: not an e-mail address`));
      if (character) expect(listMessage, JSON.stringify(address)).toContain(character);
      const inJob = valid();
      inJob.jobs[1].to = [address];
      const jobMessage = messageOf(inJob);
      expect(jobMessage, JSON.stringify(address)).toMatch(new RegExp(`^${FILE}: jobs\\[1\\]\\.to\\[0\\]: `));
      if (character) expect(jobMessage, JSON.stringify(address)).toContain(character);
      else expect(jobMessage).toContain(`'${shown}' is not an e-mail address`);
      // One line, and the control characters themselves never printed.
      for (const message of [listMessage, jobMessage]) expect(message, JSON.stringify(address)).not.toMatch(/[\u0000-\u001f\u0085\u2028\u202e]/);
    }
  });
});

describe('operationContaining', () => {
  const { operations } = parseConfig(valid(), FILE);
  it('finds the operation whose start..end holds the date, both ends inclusive', () => {
    expect(operationContaining(operations, '2021-01-01')?.id).toBe('reunion-2021');
    expect(operationContaining(operations, '2020-12-31')?.id).toBe('reunion-2020');
    expect(operationContaining(operations, '2022-01-01')).toBeUndefined();
  });
});

describe('loadConfig and the configuration file of the checkout', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => (tmp = tempDir('bulletin-config-')));
  afterAll(() => tmp?.cleanup());

  it('the checked-in config/bulletin.yaml is valid and holds the methodology dates', () => {
    const config = loadConfig(join(repoRoot, FILE));
    expect(config.trends).toEqual({
      firstYear: 2012,
      casesSolvedSince: '2012-11-08',
      suspectsArrestedSince: '2012-11-08',
      dnaSystemSince: '2009-04-01',
      alertPlatformSince: '2016-05-15',
    });
    expect(operationContaining(config.operations, '2021-11-30')).toMatchObject({ id: 'reunion-2021', start: '2021-01-01', nameZh: '团圆行动2021' });
    expect(operationContaining(config.operations, '2020-12-31')).toMatchObject({ id: 'reunion-2020', start: '2020-01-01' });
    expect(config.publication.smallCountThreshold).toEqual({ public: 5, internal: 0 });
    // The press office's monthly bulletin on the 1st at 08:00 China time; the weekly briefing; the inbox.
    expect(config.jobs.map((j) => `${j.name} ${j.kind} ${j.cron}`)).toEqual(['ingest ingest */15 * * * *', 'monthly monthly 0 8 1 * *', 'briefing briefing 0 8 * * 1']);
    expect(config.jobs[1]).toMatchObject({ template: 'press', lang: 'all', to: config.mail.lists.press });
  });

  it('--config wins over BULLETIN_CONFIG, which wins over the default', () => {
    expect(configPath('a.yaml', { BULLETIN_CONFIG: 'b.yaml' })).toBe('a.yaml');
    expect(configPath(undefined, { BULLETIN_CONFIG: 'b.yaml' })).toBe('b.yaml');
    expect(configPath(undefined, {})).toBe(join(repoRoot, FILE));
  });

  it('a missing file and invalid YAML are usage errors naming the file', () => {
    const missing = join(tmp.dir, 'none.yaml');
    expect(() => loadConfig(missing)).toThrow(`${missing}: configuration file not found`);
    const broken = join(tmp.dir, 'broken.yaml');
    writeFileSync(broken, 'operations: [\n  - id: x\n');
    expect(() => loadConfig(broken)).toThrow(UsageError);
    expect(() => loadConfig(broken)).toThrow(/broken\.yaml: .*not valid YAML/);
  });

  it('a folder at its path, an alias bomb, bad UTF-8: usage errors naming the file', () => {
    const folder = join(tmp.dir, 'folder.yaml');
    mkdirSync(folder);
    expect(() => loadConfig(folder)).toThrow(new UsageError(`${folder}: cannot read the configuration file: it is a folder`));
    const bomb = join(tmp.dir, 'bomb.yaml');
    const levels = Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i === 0 ? '"x"' : `*l${i - 1}`).join(', ')}]`);
    writeFileSync(bomb, levels.join('\n') + '\n');
    expect(() => loadConfig(bomb)).toThrow(UsageError);
    expect(() => loadConfig(bomb)).toThrow(`${bomb}: not valid YAML: Excessive alias count indicates a resource exhaustion attack (more than 100 aliases expanded)`);
    const latin1 = join(tmp.dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.from('operations: caf\xe9\n', 'latin1'));
    expect(() => loadConfig(latin1)).toThrow(new UsageError(`${latin1}: the configuration file is not UTF-8 text`));
  });

  it('`bulletin metrics` with a bad configuration exits 2 with one line naming file and key', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, 'operations:\n  - {id: r, name_zh: 团圆, name_en: Reunion, start: 2021-13-01, end: 2021-12-31}\n');
    const db = join(tmp.dir, 'w.duckdb');
    (await DuckDBInstance.create(db)).closeSync(); // there (never loaded): the configuration is what is refused
    const r = await runCli(['metrics', '--as-of', '2021-11-30', '--json', '--db', db], { BULLETIN_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`bulletin: ${bad}: operations[0].start: not a date YYYY-MM-DD\n`);
  }, 30_000);
});
