// Vitest global setup: the conformance sample loaded once, by the real `bulletin load` with runCli's pinned clock and
// PII key, for every test file that starts from a loaded warehouse. Each file works on its own copy
// (test/conformance.ts), so no file sees another's writes. Loading it in each file cost 3-10 s a file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { conformanceDir, runCli, tempDir } from './helpers.ts';

/** The loaded warehouses, by the batches loaded into them (one `bulletin load` each). */
export interface ConformanceWarehouses {
  batch1: string;
  'batch1+batch2': string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWarehouses: ConformanceWarehouses;
    /** A folder of the run's own, removed at its end, for what test files share (test/render/demo-bulletins.ts). */
    runScratch: string;
  }
}

export default async function loadConformanceOnce(project: TestProject): Promise<() => void> {
  const tmp = tempDir('bulletin-conformance-once-');
  const batches: Record<keyof ConformanceWarehouses, string[]> = { batch1: ['batch1'], 'batch1+batch2': ['batch1', 'batch2'] };
  const warehouses = {} as ConformanceWarehouses;
  await Promise.all(
    (Object.keys(batches) as (keyof ConformanceWarehouses)[]).map(async (name) => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir);
      const db = join(dir, 'warehouse.duckdb');
      const loaded = await runCli(['load', '--db', db, ...batches[name].map((batch) => join(conformanceDir, batch))]);
      if (loaded.code !== 0) throw new Error(`loading the conformance sample (${name}) failed, exit ${loaded.code}: ${loaded.stderr}`);
      warehouses[name] = db;
    }),
  );
  project.provide('conformanceWarehouses', warehouses);
  const shared = join(tmp.dir, 'shared');
  mkdirSync(shared);
  project.provide('runScratch', shared);
  return () => tmp.cleanup();
}
