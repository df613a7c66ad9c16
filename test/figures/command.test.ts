// `bulletin metrics` refuses bad usage with exit 2 and one line on stderr (cli.md), before reading any data.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let db: string;
let configFile: string;
beforeAll(async () => {
  tmp = tempDir('bulletin-metrics-usage-');
  db = join(tmp.dir, 'warehouse.duckdb');
  // A warehouse that was never loaded: there, so that each case is refused for its own reason.
  (await DuckDBInstance.create(db)).closeSync();
  configFile = join(tmp.dir, 'bulletin.yaml');
  writeFileSync(
    configFile,
    [
      'operations:',
      '  - { id: reunion-2021, name_zh: 团圆行动2021, name_en: Reunion 2021, start: 2021-01-01, end: 2021-12-31 }',
      'trends: { first_year: 2012, cases_solved_since: 2012-11-08, suspects_arrested_since: 2012-11-08, dna_system_since: 2009-04-01, alert_platform_since: 2016-05-15 }',
      'publication: { small_count_threshold: { public: 5, internal: 0 } }',
    ].join('\n'),
  );
});
afterAll(() => tmp?.cleanup());

describe('bulletin metrics: usage errors exit 2 with one line', () => {
  const cases: [string, string[], RegExp | string][] = [
    ['an impossible --as-of', ['--as-of', '2021-02-29'], /^bulletin: --as-of '2021-02-29' is not a date YYYY-MM-DD$/],
    ['--as-of in another form', ['--as-of', '2021/11/30'], /^bulletin: --as-of '2021\/11\/30' is not a date YYYY-MM-DD$/],
    ['a bad --operation-start', ['--as-of', '2021-11-30', '--operation-start', '2021-1-1'], /^bulletin: --operation-start '2021-1-1' is not a date YYYY-MM-DD$/],
    ['a start after D', ['--as-of', '2021-11-30', '--operation-start', '2021-12-01'], /^bulletin: --operation-start 2021-12-01 is after --as-of 2021-11-30$/],
    [
      'a date no configured operation contains',
      ['--as-of', '2020-12-31'],
      'no configured operation contains 2020-12-31; add one under operations or give --operation-start',
    ],
    ['no --as-of', [], /--as-of/],
    ['a warehouse without a published snapshot', ['--as-of', '2021-11-30'], /no published snapshot yet/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli(['metrics', '--json', '--db', db, '--config', configFile, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      if (typeof message === 'string') expect(lines[0]).toBe(`bulletin: ${configFile}: ${message}`);
      else expect(lines[0]).toMatch(message);
    }, 30_000);
  }
});
