// `bulletin sql --out` (issue 12): the result never replaces a special file, the warehouse or one of its side files,
// a key file, or (without --force) an existing file, however the path is spelled (symbolic link, `..`, hard link):
// one line, exit 2, nothing written and nothing left behind.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSnapshotId, snapshotsDir } from '../../pipeline/warehouse/snapshots.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { runCli, tempDir } from '../helpers.ts';

/** What is at `path` now: kind, size, mtime and content hash of a file (so any write shows). */
function fingerprint(path: string): string {
  if (!existsSync(path)) return 'missing';
  const stats = statSync(path);
  if (!stats.isFile()) return `${stats.mode} ${stats.rdev} ${stats.isDirectory() ? readdirSync(path).sort().join(',') : ''}`;
  return `${stats.size} ${stats.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

describe('bulletin sql --out', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let env: Record<string, string>;
  let socket: Server;

  beforeAll(async () => {
    tmp = tempDir('bulletin-out-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'), 'batch1');
    env = { BULLETIN_DB: db, BULLETIN_PII_KEY_FILE: join(tmp.dir, 'secret-key.bin') };
    writeFileSync(env.BULLETIN_PII_KEY_FILE, 'a key');
    writeFileSync(join(tmp.dir, 'pii.key'), 'another key');
    writeFileSync(`${db}.releases.duckdb`, 'a log');
    mkdirSync(join(tmp.dir, 'sub'));
    // What a load killed mid-way leaves beside the warehouse (the next load clears it).
    mkdirSync(`${db}.scratch`, { mode: 0o700 });
    socket = createServer();
    await new Promise<void>((done) => socket.listen(join(tmp.dir, 'a.sock'), done));
  }, 120_000);
  afterAll(() => {
    socket?.close();
    tmp?.cleanup();
  });

  const out = (target: string, force = false) => runCli(['sql', 'SELECT 1 AS a', '--format', 'csv', '--out', target, ...(force ? ['--force'] : [])], env);

  it('refuses special files, the warehouse and its side files, and key files, under any spelling, even with --force', async () => {
    const snapshot = join(snapshotsDir(db), `${latestSnapshotId(db)}.duckdb`);
    execFileSync('mkfifo', [join(tmp.dir, 'a.fifo')]);
    symlinkSync(db, join(tmp.dir, 'link-to-warehouse.csv'));
    symlinkSync(snapshot, join(tmp.dir, 'link-to-snapshot.csv'));
    symlinkSync(tmp.dir, join(tmp.dir, 'sub', 'back'));
    linkSync(db, join(tmp.dir, 'hard-link.csv'));
    symlinkSync(env.BULLETIN_PII_KEY_FILE, join(tmp.dir, 'link-to-key.csv'));
    const targets: [path: string, reason: RegExp][] = [
      [join(tmp.dir, 'a.fifo'), /it is a FIFO, not a regular file/],
      [join(tmp.dir, 'a.sock'), /it is a socket, not a regular file/],
      [join(tmp.dir, 'sub'), /it is a folder, not a regular file/],
      [db, /it is the warehouse/],
      [join(tmp.dir, 'sub', '..', 'warehouse.duckdb'), /it is the warehouse/],
      [join(tmp.dir, 'sub', 'back', 'warehouse.duckdb'), /it is the warehouse/],
      [join(tmp.dir, 'link-to-warehouse.csv'), /it is the warehouse/],
      [join(tmp.dir, 'hard-link.csv'), /it is the warehouse/],
      [`${db}.wal`, /one of the warehouse's files/],
      [`${db}.releases.duckdb`, /one of the warehouse's files/],
      [`${db}.jobs.duckdb`, /one of the warehouse's files/],
      [snapshotsDir(db), /one of the warehouse's files/],
      [snapshot, /snapshots folder/],
      [join(snapshotsDir(db), 'latest'), /snapshots folder/],
      [join(snapshotsDir(db), 'readers.jsonl'), /snapshots folder/],
      [join(snapshotsDir(db), 'new.csv'), /snapshots folder/],
      // The loader's scratch folder beside the warehouse (a GB18030 copy may be in it), existing or not.
      [join(`${db}.scratch`, 'new.csv'), /scratch folder/],
      [join(tmp.dir, 'link-to-snapshot.csv'), /snapshots folder/],
      [env.BULLETIN_PII_KEY_FILE, /key file \(BULLETIN_PII_KEY_FILE\)/],
      [join(tmp.dir, 'link-to-key.csv'), /key file \(BULLETIN_PII_KEY_FILE\)/],
      [join(tmp.dir, 'pii.key'), /a key file \(\*\.key\)/],
      [join(tmp.dir, 'new.key'), /a key file \(\*\.key\)/],
    ];
    if (process.getuid?.() === 0) {
      // A device node of our own (as root, --out /dev/null would have replaced the real one).
      execFileSync('mknod', [join(tmp.dir, 'null-device'), 'c', '1', '3']);
      targets.push([join(tmp.dir, 'null-device'), /it is a device, not a regular file/]);
    }
    const before = new Map(targets.map(([path]) => [path, fingerprint(path)]));
    const folderBefore = readdirSync(tmp.dir).sort();
    const snapshotsBefore = readdirSync(snapshotsDir(db)).sort();
    for (const [path, reason] of targets) {
      for (const force of [false, true]) {
        const r = await out(path, force);
        expect(r.code, `${path} ${force}: ${r.stderr}`).toBe(2);
        expect(r.stderr, path).toMatch(new RegExp(`^bulletin: .*: refused as --out: .*${reason.source}.*; nothing was written\\n$`));
        expect(r.stdout, path).toBe('');
        expect(fingerprint(path), path).toBe(before.get(path));
      }
    }
    // Nothing left behind: no result, no .partial, no snapshot file.
    expect(readdirSync(tmp.dir).sort()).toEqual(folderBefore);
    expect(readdirSync(snapshotsDir(db)).sort()).toEqual(snapshotsBefore);
  }, 120_000);

  it('an existing file is replaced only with --force; a new one is written; --force alone is a usage error', async () => {
    const existing = join(tmp.dir, 'existing.csv');
    writeFileSync(existing, 'keep me');
    const refused = await out(existing);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^bulletin: .*existing\.csv: refused as --out: the file exists \(give --force to replace it\); nothing was written\n$/);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    const forced = await out(existing, true);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(existing, 'utf8')).toBe('a\r\n1\r\n');
    const fresh = join(tmp.dir, 'sub', 'fresh.csv');
    const written = await out(fresh);
    expect(written.code, written.stderr).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toBe('a\r\n1\r\n');
    const alone = await runCli(['sql', 'SELECT 1', '--force'], env);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('bulletin: --force goes with --out FILE\n');
    expect(readdirSync(tmp.dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  }, 60_000);
});
