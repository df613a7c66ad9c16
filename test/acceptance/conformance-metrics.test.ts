// Acceptance: the figure steps (2, 5, 6, 7) of test/fixtures/conformance/README.md through the real `bulletin`
// command, on a warehouse built by the real `bulletin load` exactly as the README's steps build it. The figures of
// expected.json were worked out independently of this project; the output must equal them, rates unrounded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceDir, runCli, tempDir, type CliResult } from '../helpers.ts';

interface ExpectedFigures {
  as_of: string;
  operation_start?: string;
  partial_year: string | null;
  metrics: Record<string, unknown>;
}
const expected = JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8')) as {
  operation_start: string;
} & Record<'after_batch1' | 'final_mid' | 'year_2020' | 'final', ExpectedFigures>;

/** The JSON `metrics --json` must print for a step: the step's object, operation_start defaulting to the top-level one. */
const wanted = (step: ExpectedFigures) => ({ operation_start: expected.operation_start, ...step });

let tmp: { dir: string; cleanup: () => void };
let db: string;
const explain = (r: CliResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
const load = (...dirs: string[]) => runCli(['load', ...dirs.map((d) => join(conformanceDir, d)), '--db', db]);

async function metrics(asOf: string, operationStart: string): Promise<unknown> {
  const r = await runCli(['metrics', '--as-of', asOf, '--operation-start', operationStart, '--json', '--db', db]);
  expect(r.code, explain(r)).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  tmp = tempDir('bulletin-conformance-metrics-');
  db = join(tmp.dir, 'warehouse.duckdb');
});
afterAll(() => tmp?.cleanup());

describe('conformance sample, figure steps (test/fixtures/conformance/README.md)', () => {
  it('step 2: after batch1, `metrics --as-of 2021-08-31 --operation-start 2021-01-01 --json` prints `after_batch1`', async () => {
    const loaded = await load('batch1');
    expect(loaded.code, explain(loaded)).toBe(0);
    expect(await metrics('2021-08-31', expected.operation_start)).toEqual(wanted(expected.after_batch1));
  }, 60_000);

  it('steps 3-4: the broken file is rejected (exit 1), batch2 loads (exit 0)', async () => {
    const rejected = await load('broken');
    expect(rejected.code, explain(rejected)).toBe(1);
    const loaded = await load('batch2');
    expect(loaded.code, explain(loaded)).toBe(0);
  }, 60_000);

  it('step 5: `metrics --as-of 2021-09-16 --operation-start 2021-01-01 --json` prints `final_mid`', async () => {
    expect(await metrics('2021-09-16', expected.operation_start)).toEqual(wanted(expected.final_mid));
  }, 60_000);

  it('step 6: `metrics --as-of 2020-12-31 --operation-start 2020-01-01 --json` prints `year_2020`', async () => {
    expect(expected.year_2020.operation_start).toBe('2020-01-01');
    expect(await metrics('2020-12-31', '2020-01-01')).toEqual(wanted(expected.year_2020));
  }, 60_000);

  it('step 7: `metrics --as-of 2021-11-30 --operation-start 2021-01-01 --json` prints `final`', async () => {
    expect(await metrics('2021-11-30', expected.operation_start)).toEqual(wanted(expected.final));
  }, 60_000);

  it('step 7 without --operation-start: the configured operation containing D (Reunion 2021) gives the same figures', async () => {
    const r = await runCli(['metrics', '--as-of', '2021-11-30', '--json', '--db', db]);
    expect(r.code, explain(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(wanted(expected.final));
  }, 60_000);

  it('step 8: loading batch2 and batch1 again changes no figure', async () => {
    const again = await load('batch2', 'batch1');
    expect(again.code, explain(again)).toBe(0);
    expect(await metrics('2021-11-30', expected.operation_start)).toEqual(wanted(expected.final));
  }, 60_000);
});
