// The baseline of the analyst files benchmark: what bare DuckDB takes to write a query's result to a file with
// its own writer, with the settings `bulletin sql` gives its engine (memory limit 1GB, at most 4 threads, no
// spilling). Run as its own child process (node bin/run.js bench/bare-copy.ts SQL FILE parquet|csv), like
// `bulletin sql`, so both pay a start-up and their peak RSS is measured the same way.
import { availableParallelism } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';

const [sql, file, format] = process.argv.slice(2);
if (!sql || !file || (format !== 'parquet' && format !== 'csv')) {
  process.stderr.write('usage: node bin/run.js bench/bare-copy.ts SQL FILE parquet|csv\n');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:', { memory_limit: '1GB', threads: String(Math.min(4, availableParallelism())), temp_directory: '' });
const connection = await instance.connect();
await connection.run(`SET TimeZone = 'Etc/GMT-8'`);
const prepared = await connection.prepare(`COPY (${sql}) TO $path (${format === 'parquet' ? 'FORMAT parquet' : "FORMAT csv, HEADER true, NEW_LINE '\\r\\n'"})`);
prepared.bind({ path: file });
await prepared.run();
connection.closeSync();
instance.closeSync();
