// Load benchmark (npm run bench:load): times `bulletin load` of a 10M-row persons export, clean (UTF-8, ISO dates)
// without and with the identity-number key, messy (GB18030, Chinese headers and values), and a 1% delta onto the
// keyed clean load, against the best of three runs of bare DuckDB loading the clean file, in the same run.
// See bench/README.md. Flags: --regenerate (rebuild the input files), --rows N (smaller trial runs),
// --generate-only (build the files and stop).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import iconv from 'iconv-lite';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const repoRoot = resolve(import.meta.dirname, '..');
const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
const runBin = join(repoRoot, 'bin', 'run.js');
const bareScript = join(repoRoot, 'bench', 'bare-load.ts');
const floorsScript = join(repoRoot, 'bench', 'load-floors.ts');
const GNU_TIME = '/usr/bin/time';

/** Bump when the generated data changes, so files of an older generator in bench/out are not reused. */
const GENERATOR_VERSION = 1;
const DEFAULT_ROWS = 10_000_000;
const TARGETS = { clean: 1.5, cleanKeyed: 2, messy: 2.5, delta: 0.05, rssMiB: 2048 };
/** The bare baseline is run this many times, spread over the run; the ratios use the fastest. */
const BARE_RUNS = 3;

// ---------------------------------------------------------------------------------------------------------------
// Arguments

interface Options {
  rows: number;
  regenerate: boolean;
  generateOnly: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { rows: DEFAULT_ROWS, regenerate: false, generateOnly: false };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--regenerate') options.regenerate = true;
    else if (a === '--generate-only') options.generateOnly = true;
    else if (a === '--rows' || a.startsWith('--rows=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++k];
      const n = Number(v);
      // A multiple of 100 keeps the delta exactly 1% (one row per block of 100).
      if (!Number.isInteger(n) || n < 100 || n % 100 !== 0) fail(`--rows must be a multiple of 100, got '${v}'`, 2);
      options.rows = n;
    } else fail(`unknown argument '${a}' (flags: --regenerate, --rows N, --generate-only)`, 2);
  }
  return options;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`bench:load: ${message}\n`);
  process.exit(code);
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const sqlList = (xs: readonly string[]) => `[${xs.map(sqlString).join(', ')}]`;
const mib = (bytes: number) => bytes / 1024 / 1024;
const fmtBytes = (bytes: number) => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${mib(bytes).toFixed(1)} MiB`);
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Input files

interface Files {
  dir: string;
  clean: string;
  messy: string;
  delta: string;
  manifest: string;
}

interface Manifest {
  generator: number;
  rows: number;
  deltaRows: number;
  /** Persons with a recovered_on, in the full file and after the delta: a check of what the loader stored. */
  recovered: number;
  recoveredAfterDelta: number;
  sizes: { clean: number; messy: number; delta: number };
}

function filesFor(rows: number): Files {
  // Trial runs with --rows get their own folder so they never clobber the 10M files.
  const dir = join(repoRoot, 'bench', 'out', rows === DEFAULT_ROWS ? '' : `rows-${rows}`);
  return {
    dir,
    clean: join(dir, 'persons-clean.csv'),
    messy: join(dir, 'persons-messy.csv'),
    delta: join(dir, 'persons-delta.csv'),
    manifest: join(dir, 'manifest.json'),
  };
}

function reusable(files: Files, rows: number): Manifest | null {
  if (!existsSync(files.manifest)) return null;
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(files.manifest, 'utf8')) as Manifest;
  } catch {
    return null;
  }
  if (m.generator !== GENERATOR_VERSION || m.rows !== rows) return null;
  for (const key of ['clean', 'messy', 'delta'] as const) {
    if (!existsSync(files[key]) || statSync(files[key]).size !== m.sizes[key]) return null;
  }
  return m;
}

interface Province {
  code: string;
  short: string;
  full: string;
}

function readProvinces(): Province[] {
  const lines = readFileSync(join(repoRoot, 'data', 'reference', 'provinces.csv'), 'utf8').trim().split(/\r?\n/);
  // Only the first three fields are needed; none of them contains a comma.
  return lines.slice(1).map((line) => {
    const [code, short, full] = line.split(',');
    return { code, short, full };
  });
}

/**
 * The persons of the benchmark as a view over range(rows): every column a deterministic function of the row number
 * (hash(i, k) per column), so the clean file, its messy twin and the delta describe the same people.
 */
function baseViewSql(rows: number, provinceCount: number): string {
  const lastDay = `DATE '2021-08-31'`; // nothing after the export's updated_at (2021-09-01)
  return `
CREATE OR REPLACE TEMP VIEW persons_base AS
SELECT *,
  CASE WHEN hash(i, 6) % 100 < 30
    THEN miss_first + (((hash(i, 6) // 100) % 1000000)::INTEGER % (${lastDay} - miss_first + 1)::INTEGER)
  END AS recovered_date
FROM (
  SELECT *,
    CASE miss_prec WHEN 'day' THEN miss_day
                   WHEN 'month' THEN date_trunc('month', miss_day)::DATE
                   ELSE date_trunc('year', miss_day)::DATE END AS miss_first
  FROM (
    SELECT i,
      'P' || lpad((i + 1)::VARCHAR, 8, '0') AS person_id,
      CASE WHEN hash(i, 1) % 100 < 15 THEN 'C' || lpad(((hash(i, 1) // 100) % 3000000)::VARCHAR, 7, '0') END AS case_id,
      CASE WHEN hash(i, 2) % 100 < 55 THEN 0 WHEN hash(i, 2) % 100 < 95 THEN 1 ELSE 2 END AS sex_i,
      DATE '1950-01-01' + (hash(i, 3) % (${lastDay} - DATE '1950-01-01' + 1)::UBIGINT)::INTEGER AS miss_day,
      CASE WHEN hash(i, 4) % 100 < 90 THEN 'day' WHEN hash(i, 4) % 100 < 97 THEN 'month' ELSE 'year' END AS miss_prec,
      (hash(i, 8) % ${provinceCount})::INTEGER AS prov_i,
      hash(i, 10) % 10 < 7 AS prov_full_name,
      CASE WHEN hash(i, 7) % 100 < 95 THEN
        ${sqlList(SURNAMES)}[1 + (hash(i, 7) // 100 % ${SURNAMES.length})::INTEGER] ||
        ${sqlList(GIVEN_NAMES)}[1 + (hash(i, 7) // 10000 % ${GIVEN_NAMES.length})::INTEGER] END AS name,
      (hash(i, 9) % 1000000000000000)::VARCHAR AS id_tail,
      hash(i, 9) // 1000000000000000 % 10 < 9 AS has_id
    FROM range(${rows}) r(i)
  )
)`;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN_NAMES = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '华', '平', '小红', '建国', '海燕', '志强'];
const METHODS = ['dna', 'investigation', 'alert', 'recognition_event', 'expert_team', 'other'];

/** The clean export as a view (plus the row number i, for the delta's pick): UTF-8, English headers, ISO dates, codes. */
function cleanViewSql(provinces: Province[]): string {
  return `
CREATE OR REPLACE TEMP VIEW persons_clean AS
SELECT i, person_id, case_id,
  ['M', 'F', 'U'][sex_i + 1] AS sex,
  CASE WHEN hash(i, 5) % 100 < 85 THEN (year(miss_day) - (hash(i, 5) // 100 % 15)::INTEGER)::VARCHAR END AS birth_on,
  CASE miss_prec WHEN 'day' THEN strftime(miss_day, '%Y-%m-%d')
                 WHEN 'month' THEN strftime(miss_day, '%Y-%m')
                 ELSE strftime(miss_day, '%Y') END AS missing_on,
  ${sqlList(provinces.map((p) => p.code))}[prov_i + 1] AS province,
  strftime(recovered_date, '%Y-%m-%d') AS recovered_on,
  CASE WHEN recovered_date IS NOT NULL THEN ${sqlList(METHODS)}[1 + (hash(i, 11) % ${METHODS.length})::INTEGER] END AS recovery_method,
  name,
  CASE WHEN has_id THEN ${sqlList(provinces.map((p) => p.code))}[prov_i + 1] || '0' || lpad(id_tail, 15, '0') END AS id_number,
  '2021-09-01 10:00:00' AS updated_at,
  'false' AS deleted
FROM persons_base`;
}

/** The messy twin: the same rows with the Chinese headers, Chinese dates, 男/女/未知, 是/否 and province names. */
function messySelectSql(provinces: Province[]): string {
  const zhDate = (col: string) => `strftime(${col}, '%Y年%-m月%-d日')`;
  return `
SELECT person_id AS "人员编号", case_id AS "案件编号",
  ['男', '女', '未知'][sex_i + 1] AS "性别",
  CASE WHEN hash(i, 5) % 100 < 85 THEN (year(miss_day) - (hash(i, 5) // 100 % 15)::INTEGER)::VARCHAR || '年' END AS "出生日期",
  CASE miss_prec WHEN 'day' THEN ${zhDate('miss_day')}
                 WHEN 'month' THEN strftime(miss_day, '%Y年%-m月')
                 ELSE strftime(miss_day, '%Y年') END AS "失踪日期",
  CASE WHEN prov_full_name THEN ${sqlList(provinces.map((p) => p.full))}[prov_i + 1]
       ELSE ${sqlList(provinces.map((p) => p.short))}[prov_i + 1] END AS "失踪地省份",
  ${zhDate('recovered_date')} AS "找回日期",
  CASE WHEN recovered_date IS NOT NULL THEN ${sqlList(METHODS)}[1 + (hash(i, 11) % ${METHODS.length})::INTEGER] END AS "找回方式",
  name AS "姓名",
  CASE WHEN has_id THEN ${sqlList(provinces.map((p) => p.code))}[prov_i + 1] || '0' || lpad(id_tail, 15, '0') END AS "身份证号",
  '2021-09-01 10:00:00' AS "更新时间",
  '否' AS "删除标记"
FROM persons_base`;
}

/** The delta: one person per block of 100 (1%), re-exported in December, each now recovered. */
const DELTA_PICK = `i % 100 = hash(i // 100, 12) % 100`;
const deltaSelectSql = `
SELECT * EXCLUDE (i) REPLACE (
  coalesce(recovered_on, strftime(DATE '2021-09-01' + (hash(i, 13) % 95)::INTEGER, '%Y-%m-%d')) AS recovered_on,
  coalesce(recovery_method, ${sqlList(METHODS)}[1 + (hash(i, 11) % ${METHODS.length})::INTEGER]) AS recovery_method,
  '2021-12-05 10:00:00' AS updated_at)
FROM persons_clean WHERE ${DELTA_PICK}`;

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRows()[0][0]);
}

async function generate(files: Files, rows: number): Promise<Manifest> {
  mkdirSync(files.dir, { recursive: true });
  rmSync(files.manifest, { force: true });
  const provinces = readProvinces();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // DuckDB spills to its temp directory if it must; keep that inside bench/out, not in the repo root.
    await connection.run(`SET temp_directory = ${sqlString(join(files.dir, '.duckdb-tmp'))}`);
    await connection.run(baseViewSql(rows, provinces.length));
    await connection.run(cleanViewSql(provinces));

    // Each file is written under a temporary name and renamed when complete, so an interrupted run never leaves a
    // truncated file that looks finished.
    let t = performance.now();
    await connection.run(`COPY (SELECT * EXCLUDE (i) FROM persons_clean) TO ${sqlString(files.clean + '.part')} (FORMAT csv, HEADER)`);
    renameSync(files.clean + '.part', files.clean);
    log(`generated ${rel(files.clean)} (${fmtBytes(statSync(files.clean).size)}) in ${secs(t)}`);

    t = performance.now();
    const messyUtf8 = files.messy + '.utf8.part';
    await connection.run(`COPY (${messySelectSql(provinces)}) TO ${sqlString(messyUtf8)} (FORMAT csv, HEADER)`);
    // DuckDB writes only UTF-8; transcode to GB18030 as a stream so memory stays flat whatever the file size.
    await pipeline(
      createReadStream(messyUtf8, { highWaterMark: 1 << 20 }),
      iconv.decodeStream('utf8'),
      iconv.encodeStream('gb18030'),
      createWriteStream(files.messy + '.part', { highWaterMark: 1 << 20 }),
    );
    rmSync(messyUtf8);
    renameSync(files.messy + '.part', files.messy);
    log(`generated ${rel(files.messy)} (${fmtBytes(statSync(files.messy).size)}, GB18030) in ${secs(t)}`);

    t = performance.now();
    await connection.run(`COPY (${deltaSelectSql}) TO ${sqlString(files.delta + '.part')} (FORMAT csv, HEADER)`);
    renameSync(files.delta + '.part', files.delta);
    log(`generated ${rel(files.delta)} (${fmtBytes(statSync(files.delta).size)}) in ${secs(t)}`);

    const deltaRows = await scalar(connection, `SELECT count(*) FROM persons_base WHERE ${DELTA_PICK}`);
    const recovered = await scalar(connection, `SELECT count(*) FROM persons_base WHERE recovered_date IS NOT NULL`);
    const newlyRecovered = await scalar(connection, `SELECT count(*) FROM persons_base WHERE recovered_date IS NULL AND ${DELTA_PICK}`);
    const manifest: Manifest = {
      generator: GENERATOR_VERSION,
      rows,
      deltaRows,
      recovered,
      recoveredAfterDelta: recovered + newlyRecovered,
      sizes: { clean: statSync(files.clean).size, messy: statSync(files.messy).size, delta: statSync(files.delta).size },
    };
    writeFileSync(files.manifest, JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(join(files.dir, '.duckdb-tmp'), { recursive: true, force: true });
  }
}

const rel = (p: string) => relative(repoRoot, p) || '.';
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------------------------
// Timing child processes

interface ChildRun {
  seconds: number;
  peakRssMiB: number | null;
  /** The child's user + system CPU time (GNU time only). */
  cpuSeconds: number | null;
  /** CPU time the rest of the machine used while the child ran: a step sharing the cores with others is slower. */
  otherCpuSeconds: number | null;
  exitCode: number;
  stdout: string;
  stderrTail: string[];
  /** The `phases: …` line of a load run with BULLETIN_LOAD_PHASES=1 (pipeline/load/phases.ts). */
  phases: string | null;
}

/** Busy CPU seconds of the whole machine since boot (/proc/stat, in USER_HZ = 100 ticks), or null off Linux. */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f; // idle and iowait are not busy
    return (user + nice + system + irq + softirq + (steal ?? 0)) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs `node ARGS…` and measures its wall time and peak RSS. Under GNU time (%M is the child's ru_maxrss) when it is
 * there; otherwise by polling VmHWM in /proc, which can miss the last moments of a short run.
 */
function timeNode(args: string[], env: NodeJS.ProcessEnv, label: string): Promise<ChildRun> {
  const useGnuTime = existsSync(GNU_TIME);
  const timeFile = join(tmpdir(), `bench-load-time-${process.pid}-${label}.txt`);
  const [command, commandArgs] = useGnuTime
    ? [GNU_TIME, ['-f', '%e %M %U %S', '-o', timeFile, process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((done, reject) => {
    const started = performance.now();
    const busyBefore = machineBusySeconds();
    const child = spawn(command, commandArgs, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let phases: string | null = null;
    const stderrTail: string[] = [];
    let partial = '';
    let hwmKiB = 0;
    const poll = useGnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
          } catch {
            // the process has just exited, or there is no /proc
          }
        }, 50);
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    // Pass the child's progress through, indented, and keep the tail for the report if the step fails.
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      const lines = (partial + s).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('phases: ')) phases = line.slice('phases: '.length);
        process.stderr.write(`    ${label} | ${line}\n`);
        stderrTail.push(line);
        if (stderrTail.length > 30) stderrTail.shift();
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (poll) clearInterval(poll);
      if (partial) stderrTail.push(partial);
      const seconds = (performance.now() - started) / 1000;
      const busyAfter = machineBusySeconds();
      let peakRssMiB: number | null = hwmKiB ? hwmKiB / 1024 : null;
      let cpuSeconds: number | null = null;
      if (useGnuTime) {
        try {
          // GNU time writes "Command exited with non-zero status N" before the format line when the child fails.
          const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
          const [, kib, user, system] = last.split(' ').map(Number);
          if (Number.isFinite(kib)) peakRssMiB = kib / 1024;
          if (Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = user + system;
        } catch {
          // no measurement: leave it null
        }
        rmSync(timeFile, { force: true });
      }
      const otherCpuSeconds =
        busyBefore !== null && busyAfter !== null && cpuSeconds !== null ? Math.max(0, busyAfter - busyBefore - cpuSeconds) : null;
      done({ seconds, peakRssMiB, cpuSeconds, otherCpuSeconds, exitCode: code ?? (signal ? 128 : -1), stdout, stderrTail, phases });
    });
  });
}

/** A fresh warehouse for each run: the file, its WAL and the read snapshots bulletin publishes beside it. */
function removeDb(path: string) {
  for (const p of [path, `${path}.wal`, `${path}.snapshots`]) rmSync(p, { recursive: true, force: true });
}

/** Reads each input once before timing, so no step pays for a cold page cache that the one before it warmed. */
async function warm(paths: string[]) {
  for (const p of paths) {
    for await (const _chunk of createReadStream(p, { highWaterMark: 1 << 22 })) {
      // only reading
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks of what the loader stored (untimed)

interface DbCheck {
  persons?: number;
  recovered?: number;
  quarantine?: number;
  hashed?: number;
  fingerprint?: string;
  error?: string;
}

/** Counts and an order-independent fingerprint of the live persons table, to compare the clean and messy loads. */
async function checkDb(path: string): Promise<DbCheck> {
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const c = await instance.connect();
    try {
      const out: DbCheck = {};
      out.persons = await scalar(c, 'SELECT count(*) FROM persons');
      out.recovered = await scalar(c, 'SELECT count(*) FROM persons WHERE recovered_on IS NOT NULL');
      out.quarantine = await scalar(c, 'SELECT count(*) FROM quarantine');
      out.hashed = await scalar(c, 'SELECT count(id_number_hmac) FROM persons');
      try {
        const r = await c.runAndReadAll(`SELECT sum(hash(person_id, case_id, sex, birth_year, missing_on, missing_on_precision,
            province, recovered_on, recovery_method, id_number_hmac) % 1000000007)::VARCHAR FROM persons`);
        out.fingerprint = String(r.getRows()[0][0]);
      } catch (e) {
        out.error = `fingerprint: ${firstLine(e)}`;
      }
      return out;
    } finally {
      c.closeSync();
    }
  } catch (e) {
    return { error: firstLine(e) };
  } finally {
    instance?.closeSync();
  }
}

/** /proc/loadavg's 1-, 5- and 15-minute load averages, or '?' off Linux. */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];

// ---------------------------------------------------------------------------------------------------------------
// Main

interface StepResult {
  step: string;
  command: string;
  seconds: number | null;
  peakRssMiB: number | null;
  cpuSeconds?: number | null;
  otherCpuSeconds?: number | null;
  exitCode: number | null;
  ratio: number | null;
  /** The same ratio in CPU seconds (user + system, all threads): less moved by other work on the machine. */
  cpuRatio?: number | null;
  ratioOf: string;
  target: number | null;
  met: boolean | null;
  rssTargetMiB: number | null;
  rssMet: boolean | null;
  stdout?: string;
  stderrTail?: string[];
  dbBytes?: number;
  /** Where the step's time went, as the loader measured it (`sha256 0.41 s, check 0.90 s, …`). */
  phases?: string | null;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const files = filesFor(options.rows);
  const tGen = performance.now();
  let manifest = options.regenerate ? null : reusable(files, options.rows);
  const reused = manifest !== null;
  if (manifest) {
    log(`reusing generated files in ${rel(files.dir)} (same generator, ${options.rows} rows, sizes match; --regenerate to rebuild):`);
    for (const key of ['clean', 'messy', 'delta'] as const) log(`  ${rel(files[key])}  ${fmtBytes(manifest.sizes[key])}`);
  } else {
    log(`generating ${options.rows} persons in ${rel(files.dir)} …`);
    manifest = await generate(files, options.rows);
    log(`generated in ${secs(tGen)}`);
  }
  globalThis.gc?.(); // the generator's DuckDB is closed; give its memory back before the timed children run
  if (options.generateOnly) return 0;

  log('warming the page cache (reading each input once) …');
  await warm([files.clean, files.messy, files.delta]);

  const dbs = {
    bare: join(files.dir, 'bare.duckdb'),
    clean: join(files.dir, 'bulletin-clean.duckdb'),
    cleanKeyed: join(files.dir, 'bulletin-clean-keyed.duckdb'),
    messy: join(files.dir, 'bulletin-messy.duckdb'),
  };
  for (const p of Object.values(dbs)) removeDb(p);

  // Every bulletin step reports its phases; the keyed steps hash identity numbers, the others drop them.
  const noKeyEnv: NodeJS.ProcessEnv = { ...process.env, BULLETIN_LOAD_PHASES: '1' };
  delete noKeyEnv.BULLETIN_PII_KEY;
  delete noKeyEnv.BULLETIN_PII_KEY_FILE;
  delete noKeyEnv.BULLETIN_DB;
  const keyedEnv: NodeJS.ProcessEnv = { ...noKeyEnv, BULLETIN_PII_KEY: 'bench-key' };
  const results: StepResult[] = [];
  const run = async (step: string, args: string[], env: NodeJS.ProcessEnv, db: string): Promise<StepResult> => {
    const shown = `node ${args.map((a) => (a.startsWith(repoRoot) ? rel(a) : a)).join(' ')}`;
    log(`\n[${step}] ${shown}`);
    const r = await timeNode(args, env, step);
    log(
      `[${step}] exit ${r.exitCode}, ${r.seconds.toFixed(2)} s, peak RSS ${r.peakRssMiB?.toFixed(0) ?? '?'} MiB, ` +
        `CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s (other processes: ${r.otherCpuSeconds?.toFixed(1) ?? '?'} s)`,
    );
    if (r.stdout.trim()) log(r.stdout.trimEnd().replace(/^/gm, `    ${step} > `));
    const result: StepResult = {
      step,
      command: shown,
      seconds: r.seconds,
      peakRssMiB: r.peakRssMiB,
      cpuSeconds: r.cpuSeconds,
      otherCpuSeconds: r.otherCpuSeconds,
      exitCode: r.exitCode,
      ratio: null,
      ratioOf: '',
      target: null,
      met: null,
      rssTargetMiB: null,
      rssMet: null,
      stdout: r.stdout,
      stderrTail: r.exitCode === 0 ? undefined : r.stderrTail,
      dbBytes: existsSync(db) ? statSync(db).size : undefined,
      phases: r.phases,
    };
    if (r.phases) log(`[${step}] phases: ${r.phases}`);
    results.push(result);
    return result;
  };

  // The bare runs are spread over the run (before each full load), so the best of them shares the machine's mood.
  const bares: StepResult[] = [];
  const bareRun = async () => {
    removeDb(dbs.bare);
    bares.push(await run(`bare ${bares.length + 1}`, [runBin, bareScript, files.clean, dbs.bare], process.env, dbs.bare));
  };
  await bareRun();
  const clean = await run('clean', [bulletinBin, 'load', files.clean, '--db', dbs.clean], noKeyEnv, dbs.clean);
  await bareRun();
  const cleanKeyed = await run('clean keyed', [bulletinBin, 'load', files.clean, '--db', dbs.cleanKeyed], keyedEnv, dbs.cleanKeyed);
  await bareRun();
  const messy = await run('messy', [bulletinBin, 'load', files.messy, '--db', dbs.messy], noKeyEnv, dbs.messy);
  while (bares.length < BARE_RUNS) await bareRun();
  // What parts of a load cost in bare DuckDB, no value checked (bench/load-floors.ts): the floors under the ratios.
  log(`\n[floors] node ${rel(runBin)} ${rel(floorsScript)} ${rel(files.clean)}`);
  const floorRun = await timeNode([runBin, floorsScript, files.clean], process.env, 'floors');
  if (floorRun.exitCode !== 0) log(`[floors] exit ${floorRun.exitCode}: ${floorRun.stderrTail.slice(-3).join(' | ')}`);
  const floors = Object.fromEntries(
    [...floorRun.stdout.matchAll(/^floor (\w+) ([\d.]+) ([\d.]+)$/gm)].map((m) => [m[1], { seconds: Number(m[2]), cpuSeconds: Number(m[3]) }]),
  ) as Record<'text' | 'ids' | 'hmac', { seconds: number; cpuSeconds: number }>;

  log('\nchecking what was stored (untimed) …');
  const checks: Record<string, DbCheck> = {};
  if (clean.exitCode === 0) checks.clean = await checkDb(dbs.clean);
  if (cleanKeyed.exitCode === 0) checks.cleanKeyed = await checkDb(dbs.cleanKeyed);
  if (messy.exitCode === 0) checks.messy = await checkDb(dbs.messy);

  let delta: StepResult;
  if (cleanKeyed.exitCode === 0) {
    delta = await run('delta keyed', [bulletinBin, 'load', files.delta, '--db', dbs.cleanKeyed], keyedEnv, dbs.cleanKeyed);
    if (delta.exitCode === 0) checks.afterDelta = await checkDb(dbs.cleanKeyed);
  } else {
    delta = { step: 'delta keyed', command: 'skipped: the keyed clean load failed', seconds: null, peakRssMiB: null, exitCode: null, ratio: null, ratioOf: '', target: null, met: null, rssTargetMiB: null, rssMet: null };
    results.push(delta);
  }
  const okBares = bares.filter((r) => r.exitCode === 0 && r.seconds !== null);
  const bare: StepResult = okBares.length
    ? { ...okBares.reduce((a, b) => (b.seconds! < a.seconds! ? b : a)), step: `bare (best of ${bares.length})` }
    : { ...bares[0], step: `bare (best of ${bares.length})` };

  // Ratios and targets. A step that failed gets no ratio (its time means nothing).
  const ok = (r: StepResult) => r.exitCode === 0 && r.seconds !== null;
  // The CPU ratio's base: the least CPU any bare run took (the delta's, the keyed clean load's CPU).
  const bareCpu = Math.min(...okBares.map((r) => r.cpuSeconds ?? Infinity));
  const setRatio = (r: StepResult, base: StepResult, of: string, target: number) => {
    r.ratioOf = of;
    r.target = target;
    if (ok(r) && ok(base)) {
      r.ratio = r.seconds! / base.seconds!;
      r.met = r.ratio <= target;
      const baseCpu = base === bare ? bareCpu : base.cpuSeconds;
      if (r.cpuSeconds != null && baseCpu != null && Number.isFinite(baseCpu)) r.cpuRatio = r.cpuSeconds / baseCpu;
    }
  };
  setRatio(clean, bare, 'bare', TARGETS.clean);
  setRatio(cleanKeyed, bare, 'bare', TARGETS.cleanKeyed);
  setRatio(messy, bare, 'bare', TARGETS.messy);
  setRatio(delta, cleanKeyed, 'keyed clean', TARGETS.delta);
  for (const r of [clean, cleanKeyed, messy, delta]) {
    r.rssTargetMiB = TARGETS.rssMiB;
    if (ok(r) && r.peakRssMiB !== null) r.rssMet = r.peakRssMiB <= TARGETS.rssMiB;
  }

  // Anything that does not add up: the loader should store every generated row and quarantine none.
  const notes: string[] = [];
  const expect = (where: string, what: string, got: number | undefined, want: number) => {
    if (got !== undefined && got !== want) notes.push(`${where}: ${what} is ${got}, expected ${want}`);
  };
  for (const [name, c] of Object.entries(checks)) {
    if (c.error) notes.push(`${name}: could not check the warehouse (${c.error})`);
    expect(name, 'persons', c.persons, options.rows);
    expect(name, 'quarantine rows', c.quarantine, 0);
    expect(name, 'recovered persons', c.recovered, name === 'afterDelta' ? manifest.recoveredAfterDelta : manifest.recovered);
    // Identity numbers are hashed under the key and dropped without it (about 90% of the persons have one).
    const keyed = name === 'cleanKeyed' || name === 'afterDelta';
    if (c.hashed !== undefined && (keyed ? c.hashed === 0 : c.hashed !== 0)) notes.push(`${name}: ${c.hashed} persons with an identity-number hash`);
  }
  for (const r of results.filter((r) => !r.step.startsWith('bare ('))) {
    // Measurement noise, not the loader: more than 0.1 core of other work on average makes the timing suspect.
    if (r.otherCpuSeconds != null && r.seconds && r.otherCpuSeconds > 0.1 * r.seconds) {
      notes.push(`${r.step}: other processes used ${r.otherCpuSeconds.toFixed(1)} CPU-seconds during its ${r.seconds.toFixed(1)} s; its timing is contended, rerun on a quiet machine`);
    }
  }
  if (checks.clean?.fingerprint && checks.messy?.fingerprint && checks.clean.fingerprint !== checks.messy.fingerprint) {
    notes.push('clean and messy loads stored different persons (fingerprints differ)');
  }

  // The table: the bare runs, then the bulletin steps, each with its ratio to the best bare run.
  const shown = [...bares, bare, clean, cleanKeyed, messy, delta];
  printTable(shown);
  for (const r of shown) if (r.phases) process.stdout.write(`${r.step.padEnd(12)} ${r.phases}\n`);
  if (ok(bare) && floors.text && floors.hmac && floors.ids) {
    const of = (seconds: number) => `${seconds.toFixed(2)} s = ${(seconds / bare.seconds!).toFixed(2)}x bare`;
    process.stdout.write(
      `\nfloors (bare DuckDB, no value checked; bench/load-floors.ts):\n` +
        `  every column read as text, nothing written  ${of(floors.text.seconds)}\n` +
        `  the keyed hash of identity numbers alone    ${of(floors.hmac.seconds - floors.ids.seconds)} (hmac ${floors.hmac.seconds.toFixed(2)} s - reading the column ${floors.ids.seconds.toFixed(2)} s)\n`,
    );
  }
  process.stdout.write(`load average at the end: ${loadAverage()}\n\n`);
  for (const n of notes) log(`note: ${n}`);

  const out = {
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: +(totalmem() / 1024 ** 3).toFixed(1), node: process.version },
    rows: options.rows,
    deltaRows: manifest.deltaRows,
    files: {
      reused,
      clean: { path: rel(files.clean), bytes: manifest.sizes.clean },
      messy: { path: rel(files.messy), bytes: manifest.sizes.messy, encoding: 'GB18030' },
      delta: { path: rel(files.delta), bytes: manifest.sizes.delta },
    },
    targets: TARGETS,
    loadAverage: loadAverage(),
    steps: shown,
    floors,
    checks,
    notes,
  };
  const resultsPath = join(files.dir, 'load-results.json');
  writeFileSync(resultsPath, JSON.stringify(out, null, 2) + '\n');
  log(`results written to ${rel(resultsPath)}`);

  // A missed target is a finding, not a failure; only a step that did not run through fails the benchmark.
  const failed = results.filter((r) => r.exitCode !== 0);
  for (const r of failed) {
    log(`step ${r.step} failed (${r.exitCode === null ? 'not run' : `exit ${r.exitCode}`}): ${r.command}`);
    for (const line of (r.stderrTail ?? []).filter((l) => l.trim()).slice(-3)) log(`    ${line}`);
  }
  return failed.length ? 1 : 0;
}

function printTable(results: StepResult[]) {
  const yesNo = (b: boolean | null) => (b === null ? '-' : b ? 'yes' : 'NO');
  const rows = results.map((r) => [
    r.step,
    r.seconds === null ? '-' : r.seconds.toFixed(2),
    r.cpuSeconds == null ? '-' : r.cpuSeconds.toFixed(1),
    r.peakRssMiB === null ? '-' : r.peakRssMiB.toFixed(0),
    r.ratio === null ? (r.target === null ? '' : '-') : `${r.ratio.toFixed(3)}x ${r.ratioOf}`,
    r.cpuRatio == null ? '' : `${r.cpuRatio.toFixed(3)}x`,
    r.target === null ? '' : `<= ${r.target}x ${r.ratioOf}`,
    yesNo(r.met),
    r.rssTargetMiB === null ? '' : `${yesNo(r.rssMet)} (<= ${r.rssTargetMiB})`,
    r.exitCode === 0 ? 'ok' : r.exitCode === null ? 'skipped' : `exit ${r.exitCode}`,
  ]);
  const header = ['step', 'seconds', 'CPU s', 'peak RSS MiB', 'ratio', 'CPU ratio', 'target', 'met', 'RSS met', 'status'];
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  process.stdout.write(`\n${line(header)}\n${rows.map(line).join('\n')}\n\n`);
}

process.exitCode = await main();
