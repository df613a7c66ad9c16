// The baseline of the load benchmark: what bare DuckDB takes to load a CSV into a fresh database file.
// Run as its own child process (node bin/run.js bench/bare-load.ts CSV DB), like `bulletin load`, so both pay the
// same start-up and their peak RSS is measured the same way.
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, db] = process.argv.slice(2);
if (!csv || !db) {
  process.stderr.write('usage: node bin/run.js bench/bare-load.ts CSV DB\n');
  process.exit(2);
}
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(db);
const connection = await instance.connect();
await connection.run(`CREATE TABLE t AS SELECT * FROM read_csv(${literal(csv)})`);
const count = await connection.runAndReadAll('SELECT count(*)::DOUBLE FROM t');
process.stdout.write(`rows ${count.getRows()[0][0]}\n`);
// Closing checkpoints the file; bulletin's load does the same before it exits, so it belongs in the timing.
connection.closeSync();
instance.closeSync();
