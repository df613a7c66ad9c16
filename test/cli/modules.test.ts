// Which npm packages each command loads, seen from outside: every `bulletin` below runs as people run it (the bin
// entry, the bundle in dist/bundle/) with a module hook (fixtures/record-packages.mjs, through NODE_OPTIONS, so the
// sql engine process records too) that writes down each package the command loads from node_modules and each file
// of the bundle it loads; the packages inside a bundle file are read from esbuild's marker of each module it took in
// (`// node_modules/<package>/…`). Heavy packages (Chromium's driver, Vega, Arrow, Parquet, the mailer, the Excel
// writer) load only where a command needs them, after its cheap checks have passed; the bin entry runs JavaScript,
// not TypeScript through tsx.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceDir, repoRoot, runCli, startCli, tempDir, type CliResult } from '../helpers.ts';

const HEAVY = ['puppeteer-core', 'vega', 'vega-lite', 'apache-arrow', 'parquet-wasm', 'nodemailer', 'exceljs'];
const recorder = pathToFileURL(join(import.meta.dirname, 'fixtures', 'record-packages.mjs')).href;
const bundleDir = join(repoRoot, 'dist', 'bundle');
const markers = new Map<string, string[]>();

/** The npm packages esbuild took into one file of the bundle, by its `// node_modules/<package>/…` markers. */
function packagesInBundleFile(name: string): string[] {
  let found = markers.get(name);
  if (!found) {
    const text = readFileSync(join(bundleDir, name), 'utf8');
    found = [...new Set([...text.matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((m) => m[1]))];
    markers.set(name, found);
  }
  return found;
}

describe('packages each command loads', () => {
  const { dir, cleanup } = tempDir('bulletin-cli-modules-');
  const db = join(dir, 'warehouse.duckdb');
  let runs = 0;
  afterAll(cleanup);

  /** A fresh file for the packages of one command (and of the processes it starts). */
  const recording = () => {
    const file = join(dir, `packages-${++runs}.txt`);
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${recorder}`.trim(), BULLETIN_TEST_PACKAGES: file };
    const packages = () => {
      let lines: string[];
      try {
        lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
      const names = lines.flatMap((line) => (line.startsWith('bundle:') ? packagesInBundleFile(line.slice('bundle:'.length)) : [line]));
      return [...new Set(names)].sort();
    };
    return { env, packages };
  };
  const traced = async (args: string[], more: Record<string, string> = {}): Promise<CliResult & { packages: string[] }> => {
    const { env, packages } = recording();
    const result = await runCli(args, { ...env, ...more }, dir);
    return { ...result, packages: packages() };
  };

  let loaded: CliResult & { packages: string[] };
  beforeAll(async () => {
    // CSV, JSON lines and Parquet: no Arrow file among them.
    loaded = await traced(['load', '--db', db, join(conformanceDir, 'batch1')]);
    expect(loaded.code, loaded.stderr).toBe(0);
  }, 120_000);

  it('every package this test looks for is seen where it is: in a file of the bundle or loaded from node_modules', () => {
    const bundled = new Set(readdirSync(bundleDir).filter((name) => name.endsWith('.js')).flatMap(packagesInBundleFile));
    // Bundled, so found by their markers; parquet-wasm and exceljs stay outside (scripts/build.js) and are seen resolved.
    const outside = ['parquet-wasm', 'exceljs'];
    for (const name of ['@duckdb/node-api', 'commander', 'hono', ...HEAVY.filter((heavy) => !outside.includes(heavy))]) expect(bundled, name).toContain(name);
    for (const name of outside) expect(bundled, name).not.toContain(name);
  });

  it('--help, a usage error and `bulletin` alone load commander alone (no tsx: the bin entry runs the bundle)', async () => {
    for (const args of [['--help'], ['metrics'], [], ['metrics', '--as-of', '2021-11-30', '--db', join(dir, 'nowhere.duckdb')]]) {
      const r = await traced(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(args.length === 0 || args[0] === '--help' ? 0 : 2);
      expect(r.packages, args.join(' ')).toEqual(['commander']);
    }
  }, 60_000);

  it('bulletin run monthly: a bad configuration or --as-of stops before DuckDB and every heavy package', async () => {
    const badConfig = await traced(['--db', db, '--config', join(dir, 'no-such.yaml'), 'run', 'monthly']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/no-such\.yaml: configuration file not found/);
    const badDate = await traced(['--db', db, 'run', 'monthly', '--as-of', '2021-13-01']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toBe("bulletin: --as-of '2021-13-01' is not a date YYYY-MM-DD\n");
    for (const r of [badConfig, badDate]) {
      expect(r.packages).not.toContain('@duckdb/node-api');
      for (const heavy of HEAVY) expect(r.packages).not.toContain(heavy);
    }
  }, 60_000);

  it('bulletin run monthly on a machine without Chromium fails at that check, before Chromium\'s driver, Vega, Arrow or the mailer load', async () => {
    const r = await traced(['--db', db, 'run', 'monthly', '--as-of', '2021-11-30'], { CHROME_PATH: join(dir, 'no-chromium') });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Chromium not found/);
    expect(r.packages).toContain('@duckdb/node-api');
    for (const heavy of HEAVY) expect(r.packages).not.toContain(heavy);
  }, 120_000);

  it('reading commands load DuckDB and what they need, no heavy package; sql\'s engine runs compiled too', async () => {
    const sql = await traced(['--db', db, 'sql', 'SELECT 1 AS one', '--format', 'csv']);
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stdout).toBe('one\r\n1\r\n');
    // The command (commander) and its engine (DuckDB and its native binding), neither through tsx.
    expect(sql.packages).toEqual(['@duckdb/node-api', '@duckdb/node-bindings', 'commander']);
    const metrics = await traced(['--db', db, 'metrics', '--as-of', '2021-11-30', '--json']);
    expect(metrics.code, metrics.stderr).toBe(0);
    const editions = await traced(['--db', db, 'edition', 'list']);
    expect(editions.code, editions.stderr).toBe(0);
    for (const [name, r] of Object.entries({ load: loaded, metrics, editions })) {
      expect(r.packages, name).toContain('@duckdb/node-api');
      expect(r.packages, name).not.toContain('tsx');
      for (const heavy of HEAVY) expect(r.packages, `${name} loads ${heavy}`).not.toContain(heavy);
    }
  }, 120_000);

  it('a render loads what it needs: Vega, Vega-Lite and Chromium\'s driver (the check above sees heavy chunks when loaded)', async () => {
    const r = await traced(['--db', db, 'render', '--as-of', '2021-08-31', '--lang', 'en', '--out', join(dir, 'rendered')]);
    expect(r.code, r.stderr).toBe(0);
    for (const needed of ['vega', 'vega-lite', 'puppeteer-core']) expect(r.packages, needed).toContain(needed);
    for (const unneeded of ['nodemailer', 'exceljs', 'parquet-wasm']) expect(r.packages, unneeded).not.toContain(unneeded);
  }, 120_000);

  it('desk serve answers its login page without Chromium\'s driver, Vega, Arrow or the mailer', async () => {
    const { env, packages } = recording();
    const server = startCli(['--db', db, 'desk', 'serve', '--listen', '127.0.0.1:0'], { ...env, BULLETIN_NOW: '2021-12-01T10:00:00+08:00' }, dir);
    try {
      await server.waitFor(/desk page on http:\/\/\S+/, 60_000, 'stderr');
      const url = /desk page on (http:\/\/\S+)/.exec(server.stderr())![1];
      expect((await fetch(`${url}/login`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    expect(packages()).toContain('hono');
    for (const heavy of HEAVY) expect(packages()).not.toContain(heavy);
    rmSync(join(dir, 'reports'), { recursive: true, force: true });
  }, 120_000);
});
