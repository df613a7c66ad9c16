// @duckdb/node-api, in one place. The command runs it from its bundle (scripts/build.js), where this CommonJS package
// of 124 files is one module among the others; imported by Node itself (from the sources, via tsx), Node scans every
// file of it for its named exports first (about 0.1 CPU-s), which only tests and scripts pay.
import * as DuckDB from '@duckdb/node-api';

export const duckdb: typeof DuckDB = DuckDB;
