// The consistency guard end to end: a release records the figures; after withdrawals make `recovered` fall, a new
// release of the same operation stops with exit 1 naming the figure, both values and the withdrawn person ids,
// unless released as a revision; a later bulletin with growing figures releases fine.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceWarehouse } from '../conformance.ts';
import { runCli, tempDir } from '../helpers.ts';

describe('consistency guard (metrics --release)', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'w.duckdb');
  const metrics = (...extra: string[]) => runCli(['metrics', '--db', db, '--as-of', '2021-11-30', '--json', ...extra]);
  let withdrawn: string[] = [];

  let recoveredBefore = 0;

  beforeAll(() => {
    conformanceWarehouse(db);
  });
  afterAll(cleanup);

  it('records a first release', async () => {
    const first = await metrics('--release');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/released reunion-2021 as of 2021-11-30 .*\(release 1\)/);
    recoveredBefore = JSON.parse(first.stdout).metrics.recovered;
    expect(recoveredBefore).toBe(1125);
  }, 60_000);

  it('refuses a release in which a cumulative figure fell, naming figure, values and records', async () => {
    // Withdraw three persons of the conformance sample (P00000012 was recovered 2021-08-04; the others too, so the
    // test asserts only that recovered fell and all three ids are named).
    withdrawn = ['P00000012', 'P00000040', 'P00000050'];
    const csv = ['person_id,missing_on,province,recovered_on,recovery_method,updated_at,deleted']
      .concat(withdrawn.map((id) => `${id},2015-03-03,61,2021-08-04,dna,2021-12-20 10:00:00,true`))
      .join('\n');
    writeFileSync(join(dir, 'persons-withdrawals.csv'), csv + '\n');
    expect((await runCli(['load', join(dir, 'persons-withdrawals.csv'), '--db', db])).code).toBe(0);

    const refused = await metrics('--release');
    expect(refused.code).toBe(1);
    const line = refused.stderr.trim().split('\n').at(-1)!;
    expect(line).toMatch(new RegExp(`recovered fell from ${recoveredBefore} \\(released as of 2021-11-30\\) to \\d+`));
    for (const id of withdrawn) expect(line).toContain(id);
    expect(refused.stdout).toBe('');
  }, 60_000);

  it('releases it as a revision when told why, and records it as such', async () => {
    const revised = await metrics('--release', '--revision', 'withdrawn duplicate registrations');
    expect(revised.code, revised.stderr).toBe(0);
    expect(revised.stderr).toMatch(/as a revision \(recovered.*\): withdrawn duplicate registrations/);
    const list = await runCli(['releases', '--db', db, '--json']);
    const rows = JSON.parse(list.stdout) as { release_id: number; revision: boolean; reason: string | null }[];
    expect(rows.map((r) => [r.release_id, r.revision, r.reason])).toEqual([
      [1, false, null],
      [2, true, 'withdrawn duplicate registrations'],
    ]);
  }, 60_000);

  it('a later bulletin whose figures grow releases without a revision; --revision alone is a usage error', async () => {
    const later = await runCli(['metrics', '--db', db, '--as-of', '2021-12-31', '--json', '--release']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).not.toMatch(/revision/);
    const usage = await metrics('--revision', 'x');
    expect(usage.code).toBe(2);
  }, 60_000);
});
