// Where the checkout keeps its fixed files, independent of the working directory the command runs in.
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';

/**
 * The checkout: the nearest folder up from this module's holding package.json. This module sits in pipeline/, in
 * dist/ (compiled) or in dist/bundle/ (bundled, scripts/build.js); none of those holds a package.json.
 */
export const repoRoot = checkoutOf(import.meta.dirname);

function checkoutOf(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: not run from a checkout of bulletin`);
  }
}
const queriesDir = join(repoRoot, 'queries');
export const provincesCsv = join(repoRoot, 'data', 'reference', 'provinces.csv');
export const defaultWarehousePath = 'data/warehouse.duckdb';

/** The text of a SQL file under queries/, e.g. sqlFile('schema/warehouse.sql'). */
export function sqlFile(relativePath: string): string {
  return readFileSync(join(queriesDir, relativePath), 'utf8');
}
