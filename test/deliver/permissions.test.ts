// Files the command creates are for the owner and the group only: under the usual umask 022 of the caller, a load,
// a release, a render, the desk's sign-off and release of the press bulletin and a deliver of it and of the
// briefing (real DuckDB, Chromium and SMTP server) leave no file or folder that others may read, write or enter:
// warehouse, its .wal while the load runs, snapshots, readers.jsonl, the release, delivery and desk logs, the desk
// users (600), reports and editions.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulletinBin, conformanceDir, repoRoot, runProcess, tempDir, writeConfig, type CliResult } from '../helpers.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

/** `bulletin ARGS` started by a shell whose umask is 022, as a login shell or a cron job usually has. */
function underUmask022(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return runProcess('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, bulletinBin, ...args], { BULLETIN_NOW: '2026-11-23T12:00:00+08:00', BULLETIN_PII_KEY: 'test-key', TZ: 'UTC', ...env }, cwd);
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

  it('after load, release, render, sign-off, edition release and deliver under umask 022, nothing in the folder is open to others', async () => {
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

    const passwords = { 'li.na': 'li.na demo passphrase', 'wang.fang': 'wang.fang demo passphrase' };
    const as = (user: keyof typeof passwords) => ({ ...env, BULLETIN_DESK_PASSWORD: passwords[user] });
    const step = async (args: string[], stepEnv: Record<string, string> = env) => {
      const r = await underUmask022(args, stepEnv, work);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await step(['metrics', '--as-of', '2021-10-31', '--release']);
    await step(['render', '--as-of', '2021-11-30', '--template', 'briefing', '--lang', 'zh']);
    // The press bulletin goes out only as its released edition: two desk users sign it off, it is released.
    await step(['desk', 'user', 'add', 'li.na', '--role', 'drafter'], as('li.na'));
    await step(['desk', 'user', 'add', 'wang.fang', '--role', 'approver'], as('wang.fang'));
    const id = (await step(['edition', 'draft', '--as-of', '2021-11-30', '--as', 'li.na'], as('li.na'))).stdout.split('\n')[0];
    expect(id).toBe('reunion-2021/press/2021-11-30#1');
    await step(['edition', 'submit', id, '--as', 'li.na'], as('li.na'));
    await step(['edition', 'approve', id, '--as', 'wang.fang', '--release-at', '2026-11-23 12:30'], as('wang.fang'));
    await step(['edition', 'release', id], { ...env, BULLETIN_NOW: '2026-11-23T12:31:00+08:00' });
    await step(['deliver', '--as-of', '2021-11-30', '--to', 'press']);
    // The briefing is rendered by deliver, into the default out folder reports/<operation>/<as-of>/ under the
    // working directory.
    await step(['deliver', '--as-of', '2021-11-30', '--template', 'briefing', '--to', 'press']);
    expect(server.messages).toHaveLength(2);

    const entries = (readdirSync(work, { recursive: true }) as string[]).map((name) => ({ name, stat: statSync(join(work, name)) }));
    const names = entries.map((e) => e.name);
    for (const expected of [
      'data/warehouse.duckdb',
      'data/warehouse.duckdb.releases.duckdb',
      'data/warehouse.duckdb.deliveries.duckdb',
      'data/warehouse.duckdb.desk.duckdb',
      'data/warehouse.duckdb.desk-users.json',
      'data/warehouse.duckdb.snapshots/latest',
      'data/warehouse.duckdb.snapshots/readers.jsonl',
      'reports/reunion-2021/2021-11-30/briefing.zh.pdf',
      'reports/reunion-2021/2021-11-30/briefing.zh.html',
      'reports/reunion-2021/2021-11-30/briefing.en.figures.json',
      'reports/reunion-2021/2021-11-30/charts/briefing.zh.recovered-by-month.svg',
      'reports/reunion-2021/2021-11-30/editions/press-1/draft/press.zh.pdf',
      'reports/reunion-2021/2021-11-30/editions/press-1/final/press.en.pdf',
      'reports/reunion-2021/2021-11-30/editions/press-1/final/press.en.figures.json',
      'reports/reunion-2021/2021-11-30/editions/press-1/final/charts/press.zh.recovered-by-month.svg',
    ]) {
      expect(names, expected).toContain(expected);
    }
    // The desk users' password hashes: the owner only.
    expect(entries.find((e) => e.name === 'data/warehouse.duckdb.desk-users.json')!.stat.mode & 0o777).toBe(0o600);
    const snapshots = entries.filter((e) => /snapshots\/.*-load\d+\.duckdb$/.test(e.name));
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) expect(snapshot.stat.mode & 0o777, snapshot.name).toBe(0o440);
    const open = entries.filter((e) => (e.stat.mode & 0o007) !== 0).map((e) => `${relative(work, join(work, e.name))} ${(e.stat.mode & 0o777).toString(8)}`);
    expect(open).toEqual([]);
    expect(entries.length).toBeGreaterThan(20);
  }, 300_000);
});
