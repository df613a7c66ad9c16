// The floors of the load benchmark: what parts of a load cost in bare DuckDB, with no check of any value, to tell
// which targets a load that checks every value can reach. Run as its own child process, like bare-load.ts:
//   node bin/run.js bench/load-floors.ts CSV
// Prints one line per floor, `floor NAME SECONDS CPU`:
//   text     count(COLUMNS(*)) over read_csv(CSV, all_varchar): every column read as text, nothing written; the
//            loader reads at least this much (it types the values itself, to check them as exports.md says)
//   ids      count(id_number) over the same read: reading the column the keyed hash needs
//   hmac     count(hmac_sha256(…, id_number)) over the same read, with the loader's own macro (queries/load/macros.sql)
// so `hmac - ids` is the keyed hash alone. Nothing is stored, so DuckDB runs in memory.
import { DuckDBInstance } from '@duckdb/node-api';
import { hmacPads } from '../pipeline/load/load.ts';
import { sqlFile } from '../pipeline/paths.ts';
import { quoteLiteral } from '../pipeline/warehouse/warehouse.ts';

const [csv] = process.argv.slice(2);
if (!csv) {
  process.stderr.write('usage: node bin/run.js bench/load-floors.ts CSV\n');
  process.exit(2);
}
// The key's padded blocks, as the loader binds them for BULLETIN_PII_KEY=bench-key.
const pads = hmacPads(Buffer.from('bench-key'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const text = `read_csv(${quoteLiteral(csv)}, all_varchar = true)`;

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(sqlFile('load/macros.sql'));
const floors: [string, string][] = [
  ['text', `SELECT count(COLUMNS(*)) FROM ${text}`],
  ['ids', `SELECT count(id_number) FROM ${text}`],
  ['hmac', `SELECT count(hmac_sha256(unhex('${hex(pads.inner)}'), unhex('${hex(pads.outer)}'), id_number)) FROM ${text}`],
];
for (const [name, sql] of floors) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await connection.run(sql);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`floor ${name} ${((performance.now() - started) / 1000).toFixed(3)} ${((used.user + used.system) / 1e6).toFixed(3)}\n`);
}
connection.closeSync();
instance.closeSync();
