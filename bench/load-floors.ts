// The floors of the load benchmark: what parts of a load cost in bare DuckDB, with no check of any value, to tell
// which targets a load that checks every value can reach. Run as its own child process, like bare-load.ts:
//   node bin/run.js bench/load-floors.ts CSV DB
// Prints one line per floor, `floor NAME SECONDS CPU`:
//   text     count(COLUMNS(*)) over read_csv(CSV, all_varchar): every column read as text, nothing written; the
//            loader reads at least this much (it types the values itself, to check them as exports.md says)
//   ids      count(id_number) over the same read: reading the column the keyed hash needs
//   hmac     count(hmac_sha256(…, id_number)) over the same read, with the loader's own macro (queries/load/macros.sql)
// so `hmac - ids` is the keyed hash alone.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, db] = process.argv.slice(2);
if (!csv || !db) {
  process.stderr.write('usage: node bin/run.js bench/load-floors.ts CSV DB\n');
  process.exit(2);
}
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
const macros = readFileSync(join(resolve(import.meta.dirname, '..'), 'queries', 'load', 'macros.sql'), 'utf8');
// A fixed key's padded blocks, as the loader derives them from BULLETIN_PII_KEY (pipeline/load/load.ts).
const pad = (byte: number) => {
  const block = Buffer.alloc(64);
  Buffer.from('bench-key').copy(block);
  return Buffer.from(block.map((b) => b ^ byte)).toString('hex');
};
const text = `read_csv(${literal(csv)}, all_varchar = true)`;

const instance = await DuckDBInstance.create(db);
const connection = await instance.connect();
await connection.run(macros);
const floors: [string, string][] = [
  ['text', `SELECT count(COLUMNS(*)) FROM ${text}`],
  ['ids', `SELECT count(id_number) FROM ${text}`],
  ['hmac', `SELECT count(hmac_sha256(unhex('${pad(0x36)}'), unhex('${pad(0x5c)}'), id_number)) FROM ${text}`],
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
