// Figures benchmark (npm run bench:figures): every figure of metrics.md on a 10M-person warehouse, against one plain
// scan of the columns the figures read, in the same run. See bench/README.md. Flags: --persons N (a multiple of the
// demo's 40,000; smaller trial runs), --runs N (timed repetitions, default 3), --as-of D (default 2021-11-30),
// --rebuild (rebuild the warehouse even if bench/out has one of the same demo and size).
//
// The warehouse: the calibrated demo (pipeline/demo, default size) loaded by the real `bulletin load`, then every
// history table replicated in DuckDB SQL (ids suffixed) to N persons, with every other table in the same proportion
// and the demo's noise (stale, superseded, withdrawn versions) kept; then published as a snapshot, as a load does.
// Its figures are those of the demo times the factor, which the run checks.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { configPath, loadConfig, operationContaining } from '../pipeline/config.ts';
import { computeFigures, type Figures } from '../pipeline/figures/figures.ts';
import { figureParameters, sqlParams } from '../pipeline/figures/parameters.ts';
import { sqlFile } from '../pipeline/paths.ts';
import { publishSnapshot, snapshotsDir } from '../pipeline/warehouse/snapshots.ts';
import { TABLE_NAMES, EXPORT_TABLES } from '../pipeline/warehouse/tables.ts';
import { Warehouse } from '../pipeline/warehouse/warehouse.ts';
import { plainScan } from './plain-scan.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
const runBin = join(repoRoot, 'bin', 'run.js');

/** Bump when the way the warehouse is built changes, so a warehouse of an older build in bench/out is not reused. */
const BUILD_VERSION = 1;
const DEMO_PERSONS = 40_000;
const DEFAULT_PERSONS = 10_000_000;
/** Issue 17: every figure in at most twice the time of one plain scan of the columns they read. */
const TARGET_RATIO = 2;

// ---------------------------------------------------------------------------------------------------------------
// Arguments

interface Options {
  persons: number;
  runs: number;
  asOf: string;
  rebuild: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { persons: DEFAULT_PERSONS, runs: 3, asOf: '2021-11-30', rebuild: false };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++k]);
    if (a === '--rebuild') options.rebuild = true;
    else if (a === '--persons' || a.startsWith('--persons=')) {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < DEMO_PERSONS || n % DEMO_PERSONS !== 0) fail(`--persons must be a multiple of ${DEMO_PERSONS}, got '${v}'`, 2);
      options.persons = n;
    } else if (a === '--runs' || a.startsWith('--runs=')) {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`--runs must be a whole number >= 1, got '${v}'`, 2);
      options.runs = n;
    } else if (a === '--as-of' || a.startsWith('--as-of=')) {
      const v = value();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v ?? '')) fail(`--as-of must be YYYY-MM-DD, got '${v}'`, 2);
      options.asOf = v;
    } else fail(`unknown argument '${a}' (flags: --persons N, --runs N, --as-of D, --rebuild)`, 2);
  }
  return options;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`bench:figures: ${message}\n`);
  process.exit(code);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => ms / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Busy CPU seconds of the whole machine since boot (/proc/stat, in USER_HZ = 100 ticks), or null off Linux. */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    return (f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0)) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of this process (DuckDB's threads included). */
const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---------------------------------------------------------------------------------------------------------------
// Child processes

interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  return new Promise((done, failed) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', failed);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr, seconds: seconds(performance.now() - started) }));
  });
}

async function mustRun(label: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  const run = await runNode(args, env);
  if (run.code !== 0) fail(`${label} failed (exit ${run.code}):\n${run.stderr.trim()}`);
  return run;
}

// ---------------------------------------------------------------------------------------------------------------
// The warehouse

interface Paths {
  dir: string;
  demo: string;
  seed: string;
  warehouse: string;
  manifest: string;
  results: string;
}

interface Manifest {
  build: number;
  persons: number;
  factor: number;
  /** sha256 over the demo export files the warehouse was built from. */
  demo: string;
  seconds: { demo: number; load: number; replicate: number; publish: number };
  rows: Record<string, { history: number; live: number }>;
  bytes: number;
}

function pathsFor(persons: number): Paths {
  const dir = join(repoRoot, 'bench', 'out', persons === DEFAULT_PERSONS ? 'figures' : `figures-${persons}`);
  return {
    dir,
    demo: join(dir, 'demo'),
    seed: join(dir, 'demo.duckdb'),
    warehouse: join(dir, 'warehouse.duckdb'),
    manifest: join(dir, 'manifest.json'),
    results: join(dir, 'figures-results.json'),
  };
}

function removeDb(path: string): void {
  for (const p of [path, `${path}.wal`, `${path}.tmp`, snapshotsDir(path)]) rmSync(p, { recursive: true, force: true });
}

function demoDigest(demoDir: string): string {
  const hash = createHash('sha256');
  for (const batch of ['batch1', 'batch2']) {
    for (const file of readdirSync(join(demoDir, batch)).sort()) {
      hash.update(`${batch}/${file}\n`);
      hash.update(readFileSync(join(demoDir, batch, file)));
    }
  }
  return hash.digest('hex');
}

function latestSnapshot(dbPath: string): string {
  return join(snapshotsDir(dbPath), readFileSync(join(snapshotsDir(dbPath), 'latest'), 'utf8').trim());
}

/** Columns holding ids: suffixed with the replica number so every replicated record has its own id. */
const ID_COLUMNS: Record<string, string[]> = {
  cases: ['case_id'],
  persons: ['person_id', 'case_id'],
  suspects: ['suspect_id', 'case_id'],
  alerts: ['alert_id', 'person_id'],
  blood_points: ['point_id'],
  events: ['event_id'],
};

async function build(paths: Paths, options: Options, demo: string, demoSeconds: number): Promise<Manifest> {
  const factor = options.persons / DEMO_PERSONS;
  removeDb(paths.seed);
  removeDb(paths.warehouse);

  log('loading the demo exports with `bulletin load` ...');
  const load = await mustRun('bulletin load', [bulletinBin, 'load', '--db', paths.seed, join(paths.demo, 'batch1'), join(paths.demo, 'batch2')], {
    BULLETIN_PII_KEY: 'bench-key',
  });

  // The load closed the file after a checkpoint: a plain copy is the whole warehouse (schema, load_log, quarantine).
  copyFileSync(paths.seed, paths.warehouse);
  log(`replicating every history table ${factor} times in DuckDB ...`);
  const replicateStarted = performance.now();
  const instance = await DuckDBInstance.create(paths.warehouse);
  const connection = await instance.connect();
  const rows: Manifest['rows'] = {};
  try {
    for (const table of TABLE_NAMES) {
      const suffixed = ID_COLUMNS[table].map((c) => `${c} || '-' || r.k AS ${c}`).join(', ');
      await connection.run(`CREATE TEMP TABLE seed AS SELECT * FROM history.${table}`);
      // Replica by replica, each in the demo's load order: the file reads like that many loads of similar exports.
      await connection.run(
        `INSERT INTO history.${table} SELECT seed.* REPLACE (${suffixed}) FROM range(1, ${factor}) AS r(k), seed ORDER BY r.k, seed.load_id, seed.source_line`,
      );
      await connection.run('DROP TABLE seed');
      const reader = await connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM history.${table})::DOUBLE AS history, (SELECT count(*) FROM ${table})::DOUBLE AS live`,
      );
      const [history, live] = reader.getRows()[0] as [number, number];
      rows[table] = { history, live };
      log(`  ${EXPORT_TABLES[table].name}: ${history.toLocaleString('en')} versions, ${live.toLocaleString('en')} live`);
    }
    await connection.run('CHECKPOINT');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const replicateSeconds = seconds(performance.now() - replicateStarted);

  log('publishing the snapshot readers use ...');
  const publishStarted = performance.now();
  const warehouse = await Warehouse.open(paths.warehouse);
  try {
    await publishSnapshot(warehouse);
  } finally {
    warehouse.close();
  }
  const manifest: Manifest = {
    build: BUILD_VERSION,
    persons: options.persons,
    factor,
    demo,
    seconds: { demo: demoSeconds, load: load.seconds, replicate: replicateSeconds, publish: seconds(performance.now() - publishStarted) },
    rows,
    bytes: statSync(paths.warehouse).size,
  };
  writeFileSync(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function reusable(paths: Paths, options: Options, demo: string): Manifest | null {
  if (options.rebuild || !existsSync(paths.manifest) || !existsSync(join(snapshotsDir(paths.warehouse), 'latest'))) return null;
  try {
    const manifest = JSON.parse(readFileSync(paths.manifest, 'utf8')) as Manifest;
    if (manifest.build !== BUILD_VERSION || manifest.persons !== options.persons || manifest.demo !== demo) return null;
    return existsSync(latestSnapshot(paths.warehouse)) && existsSync(latestSnapshot(paths.seed)) ? manifest : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Timing

/** Wall seconds and this process's CPU seconds (DuckDB's threads included) of `work`. */
async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; value: T }> {
  gc();
  const cpuBefore = ownCpuSeconds();
  const started = performance.now();
  const value = await work();
  return { seconds: seconds(performance.now() - started), cpuSeconds: ownCpuSeconds() - cpuBefore, value };
}

/** The figures of the demo times the factor: what the replicated warehouse must give (counts scale, the rest stays). */
function scaledFigures(figures: Figures, factor: number): unknown {
  const scale = (value: unknown, key: string): unknown => {
    if (typeof value === 'number') return ['longest_separation_years', 'alert_recovery_rate'].includes(key) ? value : value * factor;
    if (value && typeof value === 'object') {
      // Rates stay rates.
      if (key === 'detection_rate_by_year') return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scale(v, k)]));
    }
    return value;
  };
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, scale(v, k)]));
}

function sameFigures(a: unknown, b: unknown): boolean {
  const round = (_: string, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v);
  return JSON.stringify(a, round) === JSON.stringify(b, round);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const paths = pathsFor(options.persons);
  mkdirSync(paths.dir, { recursive: true });
  const factor = options.persons / DEMO_PERSONS;
  log(`bench:figures: ${options.persons.toLocaleString('en')} persons (the demo times ${factor}), as of ${options.asOf}, ${options.runs} timed runs`);

  const demoRun = await mustRun('demo generator', [runBin, join(repoRoot, 'pipeline', 'demo', 'generate.ts'), paths.demo]);
  const demo = demoDigest(paths.demo);
  let manifest = reusable(paths, options, demo);
  const reused = manifest !== null;
  if (manifest) log(`reusing ${relative(repoRoot, paths.warehouse)} (built from the same demo exports and size; --rebuild to rebuild)`);
  else manifest = await build(paths, options, demo, demoRun.seconds);
  const snapshot = latestSnapshot(paths.warehouse);
  const bytes = statSync(snapshot).size;
  log(`snapshot ${relative(repoRoot, snapshot)}: ${(bytes / 1024 ** 3).toFixed(2)} GiB`);

  const config = loadConfig(configPath(undefined));
  const operation = operationContaining(config.operations, options.asOf);
  if (!operation) fail(`no configured operation contains ${options.asOf}`, 2);
  const parameters = figureParameters(config, options.asOf, operation.start);
  const notes: string[] = [];

  // The expected figures: the demo's own, on its warehouse.
  const seedReader = await Warehouse.open(latestSnapshot(paths.seed), { readOnly: true });
  const demoFigures = (await computeFigures(seedReader, parameters, 'demo')).figures;
  seedReader.close();

  // In-process: the plain scan and all figures on one read-only connection to the snapshot, as `bulletin metrics`
  // opens it (pipeline/warehouse: same memory limit and settings). One untimed round first reads the file into the
  // page cache; then scan and figures alternate.
  const warehouse = await Warehouse.open(snapshot, { readOnly: true });
  const scanTimes: number[] = [];
  const figureTimes: number[] = [];
  const scanCpu: number[] = [];
  const figureCpu: number[] = [];
  let figures: Figures | undefined;
  const perQuery: { file: string; seconds: number; cpuSeconds: number }[] = [];
  const loadBefore = loadavg();
  let loadAfter = loadBefore;
  try {
    log('warming up (one untimed scan and one untimed run of the figures) ...');
    await plainScan(warehouse);
    await computeFigures(warehouse, parameters, 'bench');
    const busyBefore = machineBusySeconds();
    const ownBefore = ownCpuSeconds();
    const wallBefore = performance.now();
    for (let run = 1; run <= options.runs; run++) {
      const scan = await timed(() => plainScan(warehouse));
      const all = await timed(() => computeFigures(warehouse, parameters, 'bench'));
      scanTimes.push(scan.seconds);
      figureTimes.push(all.seconds);
      scanCpu.push(scan.cpuSeconds);
      figureCpu.push(all.cpuSeconds);
      figures = all.value.figures;
      log(`  run ${run}: plain scan ${scan.seconds.toFixed(3)} s (${scan.cpuSeconds.toFixed(3)} CPU-s), all figures ${all.seconds.toFixed(3)} s (${all.cpuSeconds.toFixed(3)} CPU-s)`);
    }
    const busyAfter = machineBusySeconds();
    loadAfter = loadavg();
    if (busyBefore !== null && busyAfter !== null) {
      const others = busyAfter - busyBefore - (ownCpuSeconds() - ownBefore);
      const wall = seconds(performance.now() - wallBefore);
      // Other processes using more than a tenth of a core meanwhile: the times are not those of a quiet machine.
      if (others > 0.1 * wall) notes.push(`contended: other processes used ${others.toFixed(1)} CPU s during the ${wall.toFixed(1)} s of timed runs; rerun on a quiet machine`);
    }
    // Each figure file on its own, one after another on one connection (median of --runs, after the timed runs):
    // where the time goes. Its CPU seconds are this process's (DuckDB's threads included).
    await warehouse.run(sqlFile('figures/macros.sql'));
    const bound = sqlParams(parameters);
    const files = readdirSync(join(repoRoot, 'queries', 'figures')).filter((f) => f.endsWith('.sql') && f !== 'macros.sql').sort();
    const samples = new Map(files.map((f) => [f, { seconds: [] as number[], cpu: [] as number[] }]));
    for (let run = 1; run <= options.runs; run++) {
      for (const file of files) {
        const text = sqlFile(`figures/${file}`);
        const t = await timed(() => warehouse.all(text, bound));
        samples.get(file)!.seconds.push(t.seconds);
        samples.get(file)!.cpu.push(t.cpuSeconds);
      }
    }
    for (const [file, { seconds: xs, cpu }] of samples) perQuery.push({ file: `queries/figures/${file}`, seconds: median(xs), cpuSeconds: median(cpu) });
  } finally {
    warehouse.close();
  }
  if (!figures || !sameFigures(figures, scaledFigures(demoFigures, factor))) {
    notes.push(`the figures are not the demo's times ${factor}: check the build (or a figure query)`);
  }

  // End to end: `bulletin metrics --json` as a child process, against the plain scan as a child process (both pay
  // Node's and tsx's start-up and open the snapshot), and the bare start-up of `bulletin metrics --help`.
  log('end to end: `bulletin metrics --json` and the plain scan, each as its own process ...');
  const metricsArgs = [bulletinBin, 'metrics', '--db', paths.warehouse, '--as-of', options.asOf, '--json'];
  const scanArgs = [runBin, join(repoRoot, 'bench', 'plain-scan.ts'), snapshot];
  const e2eMetrics: number[] = [];
  const e2eScan: number[] = [];
  let printed: unknown;
  for (let run = 1; run <= options.runs; run++) {
    const s = await mustRun('plain scan', scanArgs);
    const m = await mustRun('bulletin metrics', metricsArgs);
    e2eScan.push(s.seconds);
    e2eMetrics.push(m.seconds);
    printed = (JSON.parse(m.stdout) as { metrics: unknown }).metrics;
    log(`  run ${run}: plain scan ${s.seconds.toFixed(3)} s, bulletin metrics ${m.seconds.toFixed(3)} s`);
  }
  const startup = await mustRun('bulletin metrics --help', [bulletinBin, 'metrics', '--help']);
  if (!sameFigures(printed, figures)) notes.push('`bulletin metrics --json` printed other figures than computeFigures gave in-process');

  const scan = median(scanTimes);
  const all = median(figureTimes);
  const ratio = all / scan;
  const e2eRatio = median(e2eMetrics) / median(e2eScan);
  const rows = [
    ['plain scan (in-process)', scan, null, null],
    ['all figures (in-process)', all, ratio, TARGET_RATIO],
    ['plain scan (own process)', median(e2eScan), null, null],
    ['bulletin metrics --json (own process)', median(e2eMetrics), e2eRatio, TARGET_RATIO],
    ['bulletin metrics --help (start-up only)', startup.seconds, null, null],
  ] as const;
  const out: string[] = [];
  out.push(`figures benchmark: ${options.persons.toLocaleString('en')} persons (demo x ${factor}), as of ${options.asOf}, median of ${options.runs} runs`);
  out.push(`machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}`);
  out.push(`load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before the timed runs, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`);
  out.push(`warehouse: ${Object.entries(manifest.rows).map(([t, r]) => `${t} ${r.live.toLocaleString('en')}`).join(', ')} live rows; snapshot ${(bytes / 1024 ** 3).toFixed(2)} GiB${reused ? ' (reused)' : `; built in ${(manifest.seconds.load + manifest.seconds.replicate + manifest.seconds.publish).toFixed(0)} s`}`);
  out.push('');
  out.push(`${'step'.padEnd(42)}${'seconds'.padStart(9)}${'ratio'.padStart(8)}${'target'.padStart(8)}  met`);
  for (const [step, secs, r, target] of rows) {
    out.push(`${step.padEnd(42)}${secs.toFixed(3).padStart(9)}${(r === null ? '' : `${r.toFixed(2)}x`).padStart(8)}${(target === null ? '' : `<=${target}x`).padStart(8)}  ${r === null ? '' : r <= target! ? 'yes' : 'NO'}`);
  }
  out.push(
    `in-process CPU seconds (median, DuckDB's threads included): plain scan ${median(scanCpu).toFixed(3)}, all figures ${median(figureCpu).toFixed(3)}, ${(median(figureCpu) / median(scanCpu)).toFixed(2)}x`,
  );
  out.push('');
  out.push(`each figure file on its own, one after another (as computeFigures runs them):`);
  for (const q of [...perQuery].sort((a, b) => b.seconds - a.seconds)) {
    out.push(`  ${q.file.padEnd(48)}${q.seconds.toFixed(3).padStart(8)} s ${q.cpuSeconds.toFixed(3).padStart(7)} CPU-s  ${(q.seconds / scan).toFixed(2)}x scan`);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  out.push(`  ${'sum'.padEnd(48)}${sum(perQuery.map((q) => q.seconds)).toFixed(3).padStart(8)} s ${sum(perQuery.map((q) => q.cpuSeconds)).toFixed(3).padStart(7)} CPU-s  ${(sum(perQuery.map((q) => q.seconds)) / scan).toFixed(2)}x scan`);
  for (const note of notes) out.push(`note: ${note}`);
  process.stdout.write(out.join('\n') + '\n');

  writeFileSync(
    paths.results,
    JSON.stringify(
      {
        finishedAt: new Date().toISOString(),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)), node: process.version },
        loadAverage: { beforeTimedRuns: loadBefore, afterTimedRuns: loadAfter },
        persons: options.persons,
        factor,
        asOf: options.asOf,
        runs: options.runs,
        snapshot: relative(repoRoot, snapshot),
        snapshotBytes: bytes,
        reused,
        build: manifest,
        inProcess: {
          plainScanSeconds: scanTimes,
          allFiguresSeconds: figureTimes,
          plainScanCpuSeconds: scanCpu,
          allFiguresCpuSeconds: figureCpu,
          ratio,
          cpuRatio: median(figureCpu) / median(scanCpu),
          target: TARGET_RATIO,
          met: ratio <= TARGET_RATIO,
        },
        endToEnd: { plainScanSeconds: e2eScan, metricsSeconds: e2eMetrics, startupSeconds: startup.seconds, ratio: e2eRatio },
        perQuery,
        notes,
      },
      null,
      2,
    ) + '\n',
  );
  log(`results: ${relative(repoRoot, paths.results)}`);
}

main().catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
