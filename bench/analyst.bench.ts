// Analyst files benchmark (npm run bench:analyst): `bulletin sql --out` of a 50-million-row result to Parquet and to
// CSV (written by DuckDB itself, streaming), timed and with the peak resident memory of the command and its engine
// process, against the same COPY in a bare DuckDB process. Arrow (made from that Parquet) and Excel (a sheet's
// worth of rows) are measured too, for information.
// Flags: --rows N (default 50000000), --runs N (default 1). Target: Parquet and CSV peak RSS < 500 MB.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { flag, median } from './common.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const runBin = join(repoRoot, 'bin', 'run.js');
const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
const RSS_TARGET_BYTES = 500e6;

const rows = Number(flag('--rows', '50000000'));
const runs = Number(flag('--runs', '1'));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A result of the shape analysts export: numbers, a text per row, a date, a timestamp with zone. */
const query = (n: number) =>
  `SELECT range AS n, range * 2 AS twice, 'person-' || range AS label, DATE '2000-01-01' + (range % 10000)::INTEGER AS day,
          TIMESTAMPTZ '2021-01-01 00:00:00+08' + to_seconds(range % 86400) AS at FROM range(${n})`;

interface Measured {
  seconds: number;
  /** The highest VmHWM of the process and of each of its children (the engine), in bytes. */
  peakRss: number;
  stderr: string;
}

/** The processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function highWaterMark(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `node ARGS`, its time and the peak RSS of it and its children sampled every 20 ms; exits on failure. */
function measure(label: string, argv: string[], env: Record<string, string> = {}): Promise<Measured> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakRss = 0;
    child.stderr.on('data', (b) => (stderr += b));
    const sample = setInterval(() => {
      for (const pid of [child.pid!, ...childrenOf(child.pid!)]) peakRss = Math.max(peakRss, highWaterMark(pid));
    }, 20);
    child.on('close', (code) => {
      clearInterval(sample);
      if (code !== 0) {
        log(`bench:analyst: ${label} failed (exit ${code}): ${stderr.trim()}`);
        process.exit(1);
      }
      done({ seconds: (performance.now() - started) / 1000, peakRss, stderr });
    });
  });
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

async function main(): Promise<void> {
  const out = join(repoRoot, 'bench', 'out', 'analyst');
  const warehouse = join(out, 'warehouse.duckdb');
  mkdirSync(out, { recursive: true });
  if (!existsSync(join(`${warehouse}.snapshots`, 'latest'))) {
    log('bench:analyst: loading the conformance sample into a warehouse of its own ...');
    await measure('bulletin load', [bulletinBin, 'load', '--db', warehouse, join(repoRoot, 'test', 'fixtures', 'conformance', 'batch1')], { BULLETIN_PII_KEY: 'bench-key' });
  }
  const env = { BULLETIN_DB: warehouse, BULLETIN_SQL_TIMEOUT: '3600' };
  const sql = (file: string, n = rows) => [bulletinBin, 'sql', query(n), '--out', file, '--force'];
  log(`bench:analyst: ${rows.toLocaleString('en')} rows, ${runs} run(s), ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);

  const steps: { step: string; rows: number; seconds: number[]; peakRss: number[]; size: number; target: boolean }[] = [];
  const record = (step: string, n: number, file: string, target: boolean, measured: Measured) => {
    let entry = steps.find((s) => s.step === step);
    if (!entry) steps.push((entry = { step, rows: n, seconds: [], peakRss: [], size: 0, target }));
    entry.seconds.push(measured.seconds);
    entry.peakRss.push(measured.peakRss);
    entry.size = existsSync(file) ? statSync(file).size : 0;
    log(`  ${step}: ${measured.seconds.toFixed(1)} s, peak RSS ${mb(measured.peakRss)}, ${mb(entry.size)} written`);
  };
  for (let k = 1; k <= runs; k++) {
    for (const format of ['parquet', 'csv'] as const) {
      const bare = join(out, `bare.${format}`);
      rmSync(bare, { force: true });
      record(`bare DuckDB COPY to ${format}`, rows, bare, false, await measure(`bare ${format}`, [runBin, join(repoRoot, 'bench', 'bare-copy.ts'), query(rows), bare, format]));
      const file = join(out, `result.${format}`);
      record(`bulletin sql --out .${format}`, rows, file, true, await measure(`bulletin sql ${format}`, sql(file), env));
    }
    const arrowRows = Math.min(rows, 10_000_000);
    const arrow = join(out, 'result.arrow');
    record('bulletin sql --out .arrow', arrowRows, arrow, false, await measure('bulletin sql arrow', sql(arrow, arrowRows), env));
    const xlsxRows = Math.min(rows, 1_000_000);
    const xlsx = join(out, 'result.xlsx');
    record('bulletin sql --out .xlsx', xlsxRows, xlsx, false, await measure('bulletin sql xlsx', sql(xlsx, xlsxRows), env));
  }
  for (const format of ['parquet', 'csv', 'arrow', 'xlsx']) rmSync(join(out, `result.${format}`), { force: true });
  for (const format of ['parquet', 'csv']) rmSync(join(out, `bare.${format}`), { force: true });

  const table = [
    '| step | rows | seconds (median) | peak RSS | written | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...steps.map((s) => {
      const peak = Math.max(...s.peakRss);
      return `| ${s.step} | ${s.rows.toLocaleString('en')} | ${median(s.seconds).toFixed(1)} | ${mb(peak)} | ${mb(s.size)} | ${s.target ? '< 500 MB RSS' : ''} | ${s.target ? (peak < RSS_TARGET_BYTES ? 'yes' : 'NO') : ''} |`;
    }),
  ];
  process.stdout.write(table.join('\n') + '\n');
  writeFileSync(join(repoRoot, 'bench', 'out', 'analyst-results.json'), JSON.stringify({ rows, runs, cores: cpus().length, steps }, null, 2) + '\n');
}

await main();
