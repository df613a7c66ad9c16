// Which npm packages each command loads, seen from outside: every `bulletin` below runs as people run it (the bin
// entry, the bundle in dist/bundle/) with a module hook (fixtures/record-packages.mjs, through NODE_OPTIONS, so the
// sql engine process records too) that writes down each package the command's code loads from node_modules. Heavy
// packages (Chromium's driver, Vega, Arrow, Parquet, the mailer, the Excel writer) stay outside the bundle and load
// only where a command needs them, after its cheap checks have passed; the bin entry runs JavaScript, not TypeScript
// through tsx. The light packages every command needs (commander, DuckDB's API, hono) are inside the bundle, so the
// hook does not see them; DuckDB shows as its native binding, @duckdb/node-bindings, which no bundle can hold.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceDir, repoRoot, runCli, startCli, tempDir, type CliResult } from '../helpers.ts';

const HEAVY = ['puppeteer-core', 'vega', 'vega-lite', 'apache-arrow', 'parquet-wasm', 'nodemailer', 'exceljs'];
const recorder = pathToFileURL(join(import.meta.dirname, 'fixtures', 'record-packages.mjs')).href;

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
      try {
        return [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))].sort();
      } catch {
        return [];
      }
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

  it('the bundle holds the light packages and none of the heavy ones (esbuild marks each module it took in)', () => {
    const bundle = join(repoRoot, 'dist', 'bundle');
    const text = readdirSync(bundle).filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(bundle, name), 'utf8')).join('\n');
    const taken = new Set([...text.matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((m) => m[1]));
    for (const light of ['@duckdb/node-api', 'commander', 'yaml', 'hono']) expect(taken, light).toContain(light);
    for (const heavy of HEAVY) expect(taken, heavy).not.toContain(heavy);
  });

  it('--help, a usage error and `bulletin` alone load nothing from node_modules (no tsx: the bin entry runs the bundle)', async () => {
    for (const args of [['--help'], ['metrics'], [], ['metrics', '--as-of', '2021-11-30', '--db', join(dir, 'nowhere.duckdb')]]) {
      const r = await traced(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(args.length === 0 || args[0] === '--help' ? 0 : 2);
      expect(r.packages, args.join(' ')).toEqual([]);
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
      expect(r.packages).not.toContain('@duckdb/node-bindings');
      for (const heavy of HEAVY) expect(r.packages).not.toContain(heavy);
    }
  }, 60_000);

  it('bulletin run monthly on a machine without Chromium fails at that check, before Chromium\'s driver, Vega, Arrow or the mailer load', async () => {
    const r = await traced(['--db', db, 'run', 'monthly', '--as-of', '2021-11-30'], { CHROME_PATH: join(dir, 'no-chromium') });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Chromium not found/);
    expect(r.packages).toContain('@duckdb/node-bindings');
    for (const heavy of HEAVY) expect(r.packages).not.toContain(heavy);
  }, 120_000);

  it('reading commands load DuckDB and what they need, no heavy package; sql\'s engine runs compiled too', async () => {
    const sql = await traced(['--db', db, 'sql', 'SELECT 1 AS one', '--format', 'csv']);
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stdout).toBe('one\r\n1\r\n');
    // The engine's DuckDB, and nothing else (no tsx): the command's own packages are in the bundle.
    expect(sql.packages).toEqual(['@duckdb/node-bindings']);
    const metrics = await traced(['--db', db, 'metrics', '--as-of', '2021-11-30', '--json']);
    expect(metrics.code, metrics.stderr).toBe(0);
    const editions = await traced(['--db', db, 'edition', 'list']);
    expect(editions.code, editions.stderr).toBe(0);
    for (const [name, r] of Object.entries({ load: loaded, metrics, editions })) {
      expect(r.packages, name).toContain('@duckdb/node-bindings');
      expect(r.packages, name).not.toContain('tsx');
      for (const heavy of HEAVY) expect(r.packages, `${name} loads ${heavy}`).not.toContain(heavy);
    }
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
    expect(packages()).toContain('@duckdb/node-bindings');
    for (const heavy of HEAVY) expect(packages()).not.toContain(heavy);
    rmSync(join(dir, 'reports'), { recursive: true, force: true });
  }, 120_000);
});
