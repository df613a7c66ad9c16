// The bare figure SQL of bench:render's baseline: the figure files of queries/figures run on a snapshot with their
// parameters bound, straight through @duckdb/node-api, none of pipeline/'s shaping, provenance or checks.
// Usage: node bin/run.js bench/bare-figures.ts SNAPSHOT AS_OF
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configPath, loadConfig, operationContaining } from '../pipeline/config.ts';
import { figureParameters, sqlParams } from '../pipeline/figures/parameters.ts';

const [snapshot, asOf] = process.argv.slice(2);
const queries = join(resolve(import.meta.dirname, '..'), 'queries', 'figures');
const config = loadConfig(configPath(undefined));
const operation = operationContaining(config.operations, asOf)!;
const params = sqlParams(figureParameters(config, asOf, operation.start));

const instance = await DuckDBInstance.create(snapshot, { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
await connection.run(readFileSync(join(queries, 'macros.sql'), 'utf8'));
let rows = 0;
for (const file of readdirSync(queries).filter((f) => f.endsWith('.sql') && f !== 'macros.sql').sort()) {
  const text = readFileSync(join(queries, file), 'utf8');
  const used = Object.fromEntries(Object.entries(params).filter(([name]) => text.includes(`$${name}`)));
  rows += (await connection.runAndReadAll(text, used)).getRows().length;
}
connection.closeSync();
instance.closeSync();
process.stdout.write(`${rows}\n`);
