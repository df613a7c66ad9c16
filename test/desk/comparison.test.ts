// Every figure of an edition with its provenance and its change since the last release (pipeline/desk/comparison.ts),
// called in this process as the desk page calls it, on a real warehouse whose releases are recorded by
// `bulletin metrics --release` and whose cumulative figure falls after a load of withdrawals (as test/publish does).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureComparison, type FigureRow } from '../../pipeline/desk/comparison.ts';
import { draftEdition } from '../../pipeline/desk/editions.ts';
import type { Edition } from '../../pipeline/desk/store.ts';
import { CUMULATIVE_FIGURES } from '../../pipeline/publish/releases.ts';
import { AS_OF, inProcessDesk, type InProcessDesk } from './in-process-desk.ts';

describe('figures of an edition against the last release', () => {
  let desk: InProcessDesk;
  let edition: Edition;
  const rows = async (of = edition): Promise<Map<string, FigureRow>> => new Map((await figureComparison(await desk.context(), of)).map((r) => [r.figure, r]));
  const release = async (asOf: string): Promise<Record<string, unknown>> => {
    const released = await desk.cli(['metrics', '--as-of', asOf, '--release', '--json']);
    expect(released.code, released.stderr).toBe(0);
    return JSON.parse(released.stdout).metrics as Record<string, unknown>;
  };

  beforeAll(async () => {
    desk = await inProcessDesk();
    edition = await draftEdition(await desk.context(), { asOf: AS_OF, actor: desk.users['li.na'] });
  }, 180_000);
  afterAll(() => desk?.cleanup());

  it('without a release: every figure with what was printed and where it comes from, nothing released', async () => {
    const figures = await rows();
    const recovered = figures.get('recovered')!;
    expect(recovered).toMatchObject({ value: 1125, rows: null, released: null, releasedAsOf: null, change: null, cumulative: true, fell: false, records: null });
    expect(recovered.printed).toEqual(['1,125']);
    expect(recovered.provenance).toEqual({ sql: 'queries/figures/recovered.sql', parameters: { as_of: AS_OF, operation_start: '2021-01-01' }, snapshot: edition.snapshot_id });
    // A table-valued figure: no scalar, its number of rows.
    const byMethod = figures.get('recovered_by_method')!;
    expect(byMethod.value).toBeNull();
    expect(byMethod.rows).toBeGreaterThan(1);
    expect(byMethod.cumulative).toBe(false);
    expect([...figures.values()].filter((r) => r.cumulative).map((r) => r.figure).sort()).toEqual(Object.keys(CUMULATIVE_FIGURES).filter((f) => figures.has(f)).sort());
  }, 60_000);

  it('after a release as of an earlier date: the released values and the change since', async () => {
    const released = await release('2021-10-31');
    const figures = await rows();
    let changed = 0;
    for (const row of figures.values()) {
      if (row.value === null) {
        expect(row, row.figure).toMatchObject({ released: null, change: null });
        continue;
      }
      expect(row.releasedAsOf, row.figure).toBe('2021-10-31');
      expect(row.released, row.figure).toBe(released[row.figure]);
      expect(row.change, row.figure).toBe(row.value - (released[row.figure] as number));
      expect(row.fell, row.figure).toBe(false);
      if (row.change !== 0) changed++;
    }
    expect(figures.get('recovered')!.released).toBe(released.recovered);
    expect(changed).toBeGreaterThan(0);
  }, 60_000);

  it('a cumulative figure below its release, after withdrawals were loaded: fell, with the records loaded since', async () => {
    const released = await release(AS_OF);
    expect((await rows()).get('recovered')).toMatchObject({ released: released.recovered, releasedAsOf: AS_OF, change: 0, fell: false });
    // Three persons recovered in the operation withdrawn (as test/publish/guard.test.ts does), and the draft refreshed.
    const withdrawn = ['P00000012', 'P00000040', 'P00000050'];
    const csv = ['person_id,missing_on,province,recovered_on,recovery_method,updated_at,deleted', ...withdrawn.map((id) => `${id},2015-03-03,61,2021-08-04,dna,2021-12-20 10:00:00,true`)];
    const file = join(desk.dir, 'persons-withdrawals.csv');
    writeFileSync(file, csv.join('\n') + '\n');
    const loaded = await desk.cli(['load', file]);
    expect(loaded.code, loaded.stderr).toBe(0);
    const refreshed = await draftEdition(await desk.context(), { asOf: AS_OF, actor: desk.users['li.na'] });
    expect(refreshed.snapshot_id).not.toBe(edition.snapshot_id);

    const figures = await rows(refreshed);
    const recovered = figures.get('recovered')!;
    expect(recovered.value).toBeLessThan(released.recovered as number);
    expect(recovered).toMatchObject({ released: released.recovered, change: recovered.value! - (released.recovered as number), fell: true, records: { ids: withdrawn, count: 3 } });
    expect(recovered.provenance.snapshot).toBe(refreshed.snapshot_id);
    // Figures that did not fall name no records.
    for (const row of figures.values()) if (!row.fell) expect(row.records, row.figure).toBeNull();
    expect(figures.get('cases_solved')).toMatchObject({ cumulative: true, fell: false, change: 0 });
  }, 180_000);
});
