// The demo-data generator: seeded, deterministic export files of every table, a full export (batch1) and a later
// delta (batch2), in the many forms and with the noise real exports have. See data/demo/README.md.
//
//   node bin/run.js pipeline/demo/generate.ts OUTDIR [--seed N] [--persons N]
//
// 1 read the province list, 2 build the world (world.ts), 3 cut the two batches and add their noise (batches.ts),
// 4 write each file in its upstream system's format and style (files.ts). Same seed and size, same bytes.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildBatches } from './batches.ts';
import { DEMO_CONFIG } from './config.ts';
import { writeFiles } from './files.ts';
import { readProvinces } from './provinces.ts';
import { buildWorld } from './world.ts';

const USAGE = 'usage: node bin/run.js pipeline/demo/generate.ts OUTDIR [--seed N] [--persons N]';

interface Options {
  outDir: string;
  seed: number;
  persons: number;
}

function parseArguments(args: string[]): Options {
  let outDir: string | undefined;
  let seed = DEMO_CONFIG.seed;
  let persons = DEMO_CONFIG.defaultPersons;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n  --seed N     random seed (default ${DEMO_CONFIG.seed})\n  --persons N  size: persons, other tables in proportion (default ${DEMO_CONFIG.defaultPersons})\n`);
      process.exit(0);
    } else if (arg === '--seed' || arg === '--persons') {
      const value = Number(args[++i]);
      if (!Number.isSafeInteger(value) || value < (arg === '--persons' ? 1000 : 0)) {
        throw new Error(`${arg} wants ${arg === '--persons' ? 'a whole number of at least 1000' : 'a whole number >= 0'}, got ${args[i] ?? 'nothing'}`);
      }
      if (arg === '--seed') seed = value;
      else persons = value;
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}`);
    } else if (outDir === undefined) {
      outDir = arg;
    } else {
      throw new Error(`one OUTDIR only (got ${outDir} and ${arg})`);
    }
  }
  if (outDir === undefined) throw new Error('OUTDIR missing');
  return { outDir, seed, persons };
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = parseArguments(process.argv.slice(2));
  const provinces = readProvinces();
  const world = buildWorld({ config: DEMO_CONFIG, seed: options.seed, persons: options.persons, provinces });
  const batches = buildBatches(world, DEMO_CONFIG, options.seed);
  // The batch folders are the generator's own: cleared so no file of an earlier run (or size) stays behind.
  for (const batch of ['batch1', 'batch2']) {
    rmSync(join(options.outDir, batch), { recursive: true, force: true });
    mkdirSync(join(options.outDir, batch), { recursive: true });
  }
  const files = await writeFiles(options.outDir, batches, provinces, options.seed);

  const lines = files.map((f) => [f.path, f.table, f.format, String(f.rows), String(statSync(f.path).size)]);
  const header = ['file', 'table', 'format', 'rows', 'bytes'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const line of [header, ...lines]) {
    process.stdout.write(line.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ') + '\n');
  }
  process.stdout.write(`seed ${options.seed}, ${options.persons} persons: ${files.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(2);
});
