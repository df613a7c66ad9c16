// Files the command creates are for the owner and the group only: under the usual umask 022 of the caller, a load,
// a release, a render and a deliver (real DuckDB, Chromium and SMTP server) leave no file or folder that others may
// read, write or enter: warehouse, its .wal while the load runs, snapshots, readers.jsonl, the release and delivery
// logs, reports.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulletinBin, conformanceDir, repoRoot, tempDir, writeConfig, type CliResult } from '../helpers.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

/** `bulletin ARGS` started by a shell whose umask is 022, as a login shell or a cron job usually has. */
function underUmask022(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, bulletinBin, ...args], {
      cwd,
      env: { ...process.env, BULLETIN_NOW: '2026-11-23T12:00:00+08:00', BULLETIN_PII_KEY: 'test-key', TZ: 'UTC', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('permissions of created files', () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestSmtpServer;
  let work: string;

  beforeAll(async () => {
    tmp = tempDir('bulletin-modes-');
    server = await startSmtpServer();
    // The test's own files (the configuration) outside the folder whose files are checked.
    work = join(tmp.dir, 'work');
    mkdirSync(work, { mode: 0o750 });
  });
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

  it('after load, release, render and deliver under umask 022, nothing in the folder is open to others', async () => {
    const config = writeConfig(join(tmp.dir, 'bulletin.yaml'), { jobs: [], mail: { lists: { press: ['press@reunion.example'] } } });
    const db = join(work, 'data', 'warehouse.duckdb');
    const env = { ...server.env(), BULLETIN_CONFIG: config, BULLETIN_DB: db, BULLETIN_EDITORIAL_DIR: join(repoRoot, 'data', 'editorial') };
    // While the load runs, every file that comes and goes (the .wal, temporary files) is looked at too.
    const seen = new Map<string, number>();
    const look = () => {
      for (const name of readdirSync(work, { recursive: true }) as string[]) {
        try {
          seen.set(name, (seen.get(name) ?? 0) | statSync(join(work, name)).mode);
        } catch {
          // gone meanwhile
        }
      }
    };
    const poller = setInterval(look, 10);
    const loaded = await underUmask022(['load', join(conformanceDir, 'batch1'), join(conformanceDir, 'batch2')], env, work).finally(() => clearInterval(poller));
    expect(loaded.code, loaded.stderr).toBe(0);
    expect([...seen.keys()].filter((name) => name.endsWith('.wal')).length, [...seen.keys()].join(' ')).toBeGreaterThan(0);
    const openWhileLoading = [...seen].filter(([, mode]) => (mode & 0o007) !== 0).map(([name, mode]) => `${name} ${(mode & 0o777).toString(8)}`);
    expect(openWhileLoading).toEqual([]);

    for (const args of [
      ['metrics', '--as-of', '2021-10-31', '--release'],
      ['render', '--as-of', '2021-11-30', '--template', 'briefing', '--lang', 'zh'],
      // The default out folder reports/<operation>/<as-of>/ under the working directory.
      ['deliver', '--as-of', '2021-11-30', '--to', 'press'],
    ]) {
      const r = await underUmask022(args, env, work);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect(server.messages).toHaveLength(1);

    const entries = (readdirSync(work, { recursive: true }) as string[]).map((name) => ({ name, stat: statSync(join(work, name)) }));
    const names = entries.map((e) => e.name);
    for (const expected of [
      'data/warehouse.duckdb',
      'data/warehouse.duckdb.releases.duckdb',
      'data/warehouse.duckdb.deliveries.duckdb',
      'data/warehouse.duckdb.snapshots/latest',
      'data/warehouse.duckdb.snapshots/readers.jsonl',
      'reports/reunion-2021/2021-11-30/briefing.zh.pdf',
      'reports/reunion-2021/2021-11-30/briefing.zh.html',
      'reports/reunion-2021/2021-11-30/press.en.figures.json',
      'reports/reunion-2021/2021-11-30/charts/press.zh.recovered-by-month.svg',
    ]) {
      expect(names, expected).toContain(expected);
    }
    const snapshots = entries.filter((e) => /snapshots\/.*-load\d+\.duckdb$/.test(e.name));
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) expect(snapshot.stat.mode & 0o777, snapshot.name).toBe(0o440);
    const open = entries.filter((e) => (e.stat.mode & 0o007) !== 0).map((e) => `${relative(work, join(work, e.name))} ${(e.stat.mode & 0o777).toString(8)}`);
    expect(open).toEqual([]);
    expect(entries.length).toBeGreaterThan(20);
  }, 300_000);
});
