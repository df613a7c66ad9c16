// The build of the `bulletin` command (npm run build): pipeline/*.ts compiled by TypeScript (tsconfig.build.json,
// no type check: `npm run typecheck` does that) into dist/, the same tree one level down from the checkout as
// pipeline/ is, then bundled by esbuild into dist/bundle/, which the command runs: its code and its packages in a few
// dozen files instead of hundreds of small ones (about 0.1 CPU-s less at every start, 0.3 a render). The bundle is
// split at each lazy import of the sources, so a heavy package (Chromium's driver, Vega, Arrow, the mailer, the Excel
// writer) sits in chunks of its own, loaded only by the commands that need it (test/cli/modules.test.ts reads which
// chunks a command loaded and which packages each holds). Code finds the checkout by looking up from its own place
// for package.json (pipeline/paths.ts), so both trees find the same folders.
// dist/.stamp records the sources it was built from; bin/bulletin.js compares it with sourceStamp() at every start.
// Plain JavaScript: the command's entry imports it without a TypeScript loader.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..');
export const distDir = join(repoRoot, 'dist');
/** The bundle the command runs: dist/bundle/cli.js and the sql engine's dist/bundle/engine.js, chunks beside them. */
export const bundleDir = join(distDir, 'bundle');
/**
 * Left to node_modules: DuckDB's native binding, parquet-wasm (its .wasm file is read from beside its module),
 * vega-canvas (a top-level await, which looks for the optional canvas package) and exceljs (its zip writer calls
 * the deprecated Buffer(), which Node lets pass in silence only from inside node_modules: bundled, every workbook
 * printed a DeprecationWarning).
 */
const UNBUNDLED = ['@duckdb/node-bindings*', '*.node', 'vega-canvas', 'parquet-wasm', 'exceljs'];
const stampFile = join(distDir, '.stamp');
const BUILD_FAILED = 'the build of pipeline/ failed (npm run build)';
const lockDir = join(repoRoot, 'dist.lock');
/** A lock older than this was left by a build that died: taken over. */
const STALE_LOCK_MS = 5 * 60_000;

/**
 * What the build depends on, cheaply: the number of entries under pipeline/ and the newest modification time among
 * them (folders included, so a removed or renamed file counts), the two tsconfig files, this script and the installed
 * packages' lock. Templates, queries and reference data are read at run time from where they are, so they are not
 * part of it.
 */
export function sourceStamp() {
  const pipeline = join(repoRoot, 'pipeline');
  const paths = [pipeline, ...readdirSync(pipeline, { recursive: true }).map((name) => join(pipeline, name))];
  // The bundle holds the packages too: an install that changes them (node_modules/.package-lock.json, which npm
  // rewrites) or a change of this build makes it stale as well.
  paths.push(join(repoRoot, 'tsconfig.json'), join(repoRoot, 'tsconfig.build.json'), import.meta.filename);
  const installed = join(repoRoot, 'node_modules', '.package-lock.json');
  if (existsSync(installed)) paths.push(installed);
  let newest = 0n;
  for (const path of paths) {
    const { mtimeNs } = statSync(path, { bigint: true });
    if (mtimeNs > newest) newest = mtimeNs;
  }
  return `${paths.length} ${newest}`;
}

/** The stamp of the build in dist/, or null when there is none. */
export function builtStamp() {
  try {
    return readFileSync(stampFile, 'utf8').trim();
  } catch {
    return null;
  }
}

export const buildIsFresh = () => builtStamp() === sourceStamp();

/**
 * Compiles pipeline/ into a fresh folder and puts it in place of dist/, under a lock so that commands started at the
 * same time build once (the others wait, then find it fresh: false). A build that fails leaves dist/ as it was and
 * throws, its message the compiler's first error, then all of them on the following lines.
 */
export function build() {
  const release = takeLock();
  try {
    if (buildIsFresh()) return false;
    // Read before compiling: a source saved during the build leaves the new build stale, never wrongly fresh.
    const stamp = sourceStamp();
    const fresh = `${distDir}.tmp-${process.pid}`;
    rmSync(fresh, { recursive: true, force: true });
    const tsc = typescriptCompiler();
    const compiled = spawnSync(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', fresh, '--pretty', 'false'], { cwd: repoRoot, encoding: 'utf8' });
    if (compiled.status !== 0) {
      rmSync(fresh, { recursive: true, force: true });
      const messages = `${compiled.stdout ?? ''}${compiled.stderr ?? ''}`.trim() || String(compiled.error ?? `exit ${compiled.status}`);
      const first = messages.split('\n').find((line) => / error /.test(line)) ?? messages.split('\n')[0];
      throw new Error(`${BUILD_FAILED}: ${first.trim()}\n${messages}`);
    }
    bundle(fresh);
    writeFileSync(join(fresh, '.stamp'), `${stamp}\n`);
    // Two renames: a command started in between finds no stamp, waits for the lock, then finds this build.
    const old = `${distDir}.old-${process.pid}`;
    if (existsSync(distDir)) renameSync(distDir, old);
    renameSync(fresh, distDir);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    release();
  }
}

/** Bundles the compiled tree in `dir` into dir/bundle (ES modules, split into chunks at each lazy import). */
function bundle(dir) {
  const esbuild = createRequire(import.meta.url)('esbuild');
  try {
    esbuild.buildSync({
      entryPoints: { cli: join(dir, 'cli.js'), engine: join(dir, 'analyst', 'engine.js') },
      outdir: join(dir, 'bundle'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: UNBUNDLED,
      // CommonJS packages inside an ES module bundle call require() for Node's own modules.
      banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
      logLevel: 'silent',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const first = error.errors?.[0];
    throw new Error(`${BUILD_FAILED}: bundling: ${first ? `${first.location?.file ?? ''}:${first.location?.line ?? ''}: ${first.text}` : error.message}`);
  }
}

function typescriptCompiler() {
  try {
    return join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');
  } catch {
    throw new Error('cannot build pipeline/: TypeScript is not installed (npm ci installs it)');
  }
}

function takeLock() {
  const waitUntil = Date.now() + 2 * STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - statSync(lockDir).mtimeMs > STALE_LOCK_MS) rmSync(lockDir, { recursive: true, force: true });
    } catch {
      // Released meanwhile: try again.
    }
    if (Date.now() > waitUntil) throw new Error(`another build holds ${lockDir}; remove it if no build is running`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  try {
    build();
  } catch (error) {
    process.stderr.write(`build: ${error.message}\n`);
    process.exit(1);
  }
}
