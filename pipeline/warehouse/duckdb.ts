// @duckdb/node-api, loaded with require(). Imported as an ES module, this CommonJS package of 124 files makes Node
// scan every file for its named exports: a tenth of a second of CPU at every start of a command that opens DuckDB
// (0.24 s against 0.13 s for the bare import here). The types come from the package as usual.
import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
