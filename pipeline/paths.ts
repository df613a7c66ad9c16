// Where the checkout keeps its fixed files, independent of the working directory the command runs in.
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';

export const repoRoot = resolve(import.meta.dirname, '..');
const queriesDir = join(repoRoot, 'queries');
export const provincesCsv = join(repoRoot, 'data', 'reference', 'provinces.csv');
export const defaultWarehousePath = 'data/warehouse.duckdb';

/** The text of a SQL file under queries/, e.g. sqlFile('schema/warehouse.sql'). */
export function sqlFile(relativePath: string): string {
  return readFileSync(join(queriesDir, relativePath), 'utf8');
}
