// The conformance warehouse loaded once for the whole run (test/conformance-setup.ts), copied for a test file.
import { inject } from 'vitest';
import type { ConformanceWarehouses } from './conformance-setup.ts';
import { cloneWarehouse } from './helpers.ts';

/**
 * A private copy at `target` of the warehouse that `bulletin load` made of the conformance `batches` (with runCli's
 * clock and PII key), its snapshots beside it: what loading them in the test file would give, without the load.
 */
export function conformanceWarehouse(target: string, batches: keyof ConformanceWarehouses = 'batch1+batch2'): string {
  return cloneWarehouse(inject('conformanceWarehouses')[batches], target);
}
