// Start-up benchmark (npm run bench:cli): how long the `bulletin` command takes before it has done its work, invoked
// as the package's bin entry with node (`node bin/bulletin.js …`, what `npx bulletin` runs), against a bare
// `node -e 0` spawned in the same run (the cost of starting Node itself). Each step runs --runs times (default 10),
// interleaved with the bare starts, on a copy of the demo warehouse (npm run setup makes it); medians:
//   --help, a usage error              <= 0.35 s
//   sql "SELECT 1"                     <= 0.6 s (the command and its query engine process)
//   metrics --as-of … --json           <= 1 s
//   desk serve, spawn to GET /login    < 1 s (issue 14)
// Flags: --runs N (10); --bin FILE, another checkout's bin/bulletin.js to time instead (its own demo warehouse).
// It exits 0 even when a target is missed (a measurement, not a test), 1 when a step itself failed.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { flag, median } from './common.ts';

const bulletinBin = resolve(flag('--bin', join(import.meta.dirname, '..', 'bin', 'bulletin.js')));
const repoRoot = resolve(bulletinBin, '..', '..');
const runs = Number(flag('--runs', '10'));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Step {
  label: string;
  target: number;
  /** The target is "under", not "at most". */
  under?: boolean;
  /** One timed start, in seconds. */
  once: () => Promise<number>;
}

/** `node ARGS` from spawn to exit, standard input closed (common.ts run() writes to it, which can race the exit). */
function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stderr: string; seconds: number }> {
  return new Promise((done, failed) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', failed);
    child.on('close', (code) => done({ code: code ?? -1, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** `node bin/bulletin.js ARGS` from spawn to exit; its exit code must be `expected`. */
function command(args: string[], expected: number, cwd: string, env: Record<string, string>): () => Promise<number> {
  return async () => {
    const result = await run([bulletinBin, ...args], cwd, env);
    if (result.code !== expected) {
      log(`bench:cli: bulletin ${args.join(' ')} exited ${result.code}, not ${expected}: ${result.stderr.trim()}`);
      process.exit(1);
    }
    return result.seconds;
  };
}

/** `bulletin desk serve` from spawn to the first answered GET /login, then stopped (untimed). */
function deskServe(db: string, cwd: string, env: Record<string, string>): () => Promise<number> {
  return async () => {
    const began = performance.now();
    const server = spawn(process.execPath, [bulletinBin, '--db', db, 'desk', 'serve', '--listen', '127.0.0.1:0'], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((done) => server.once('exit', done));
    const url = await new Promise<string>((done, failed) => {
      let text = '';
      server.stderr.on('data', (b: Buffer) => {
        text += b.toString();
        const match = /desk page on (http:\/\/\S+)/.exec(text);
        if (match) done(match[1]);
      });
      server.once('exit', (code) => failed(new Error(`desk serve exited ${code}: ${text.trim()}`)));
    });
    const answer = await fetch(`${url}/login`);
    await answer.text();
    const seconds = (performance.now() - began) / 1000;
    if (answer.status !== 200) throw new Error(`GET /login answered ${answer.status}`);
    server.kill('SIGTERM');
    await exited;
    return seconds;
  };
}

async function main(): Promise<void> {
  const demo = join(repoRoot, 'data', 'demo');
  if (!existsSync(join(demo, 'warehouse.duckdb'))) {
    log('bench:cli: no demo warehouse at data/demo/warehouse.duckdb: run npm run setup (or npm run demo) first');
    process.exit(1);
  }
  // A copy, so that the readers' log the commands append to is not the demo's.
  const work = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  for (const name of readdirSync(demo).filter((n) => n.startsWith('warehouse.duckdb') && !n.includes('.desk'))) cpSync(join(demo, name), join(work, name), { recursive: true });
  const db = join(work, 'warehouse.duckdb');
  const env = { BULLETIN_NOW: '2021-12-01T10:00:00+08:00' };
  const steps: Step[] = [
    { label: 'bulletin --help', target: 0.35, once: command(['--help'], 0, work, env) },
    { label: 'usage error (metrics without --as-of)', target: 0.35, once: command(['metrics'], 2, work, env) },
    { label: 'sql "SELECT 1" (demo warehouse)', target: 0.6, once: command(['--db', db, 'sql', 'SELECT 1'], 0, work, env) },
    { label: 'metrics --as-of 2021-11-30 --json (demo)', target: 1, once: command(['--db', db, 'metrics', '--as-of', '2021-11-30', '--json'], 0, work, env) },
    { label: 'desk serve, spawn to GET /login (demo)', target: 1, under: true, once: deskServe(db, work, env) },
  ];
  log(`bench:cli: ${bulletinBin}, ${runs} runs of each step, interleaved with bare node; ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`);
  const bare: number[] = [];
  const times = steps.map(() => [] as number[]);
  try {
    // One untimed round first (page cache), then the timed rounds, each step beside a bare start.
    for (const step of steps) await step.once();
    for (let i = 0; i < runs; i++) {
      for (const [k, step] of steps.entries()) {
        bare.push((await run(['-e', '0'], work)).seconds);
        times[k].push(await step.once());
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const bareMedian = median(bare);
  const s = (x: number) => `${x.toFixed(3)} s`;
  const rows = [
    ['step', 'median', 'over bare node', 'target', ''],
    ['node -e 0 (bare)', s(bareMedian), '', '', ''],
    ...steps.map((step, k) => {
      const m = median(times[k]);
      const met = step.under ? m < step.target : m <= step.target;
      return [step.label, s(m), `+${s(m - bareMedian)}`, `${step.under ? '<' : '<='} ${step.target} s`, met ? 'met' : 'missed'];
    }),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}\n`);
  log(`bench:cli: load average now ${loadavg()[0].toFixed(1)} (on a busy machine every figure grows; rerun on a quiet one)`);
}

await main();
