// Readers and loads never block each other: readers open the newest published snapshot, never the warehouse file.
// While a reader holds a snapshot open, a load runs and publishes a new one; while a load runs, a new reader opens
// at once. Each reader's use of a snapshot is recorded.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { latestSnapshotId, openLatestSnapshot, snapshotPath, snapshotsDir, verifySnapshot } from '../../pipeline/warehouse/snapshots.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { bulletinBin, repoRoot, tempDir } from '../helpers.ts';

const PERSONS = 200_000; // a load of a few seconds, long enough to open readers while it runs

function writePersons(path: string): void {
  const lines = ['person_id,missing_on,province,updated_at'];
  for (let i = 0; i < PERSONS; i++) lines.push(`Q${i},2001-02-03,37,2021-12-01 10:00:00`);
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('snapshots: readers and loads never wait for each other', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'w.duckdb');
  const bigFile = join(dir, 'persons-big.csv');

  beforeAll(() => {
    writePersons(bigFile);
    conformanceWarehouse(db, 'batch1');
  });
  afterAll(cleanup);

  it('records the sha256 of each snapshot as published, and tells a snapshot changed afterwards', async () => {
    const id = latestSnapshotId(db)!;
    const path = snapshotPath(db, id);
    const published = readFileSync(`${path}.sha256`, 'utf8').trim();
    expect(published).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    await expect(verifySnapshot(db, id)).resolves.toBe(published);
    // A copy changed by someone with the rights to do so (root, the owner) is no longer the published one.
    const tamperedDb = join(dir, 't.duckdb');
    const tamperedDir = snapshotsDir(tamperedDb);
    mkdirSync(tamperedDir, { recursive: true });
    writeFileSync(join(tamperedDir, `${id}.duckdb`), readFileSync(path));
    writeFileSync(join(tamperedDir, `${id}.duckdb.sha256`), `${published}\n`);
    await expect(verifySnapshot(tamperedDb, id)).resolves.toBe(published);
    chmodSync(join(tamperedDir, `${id}.duckdb`), 0o640);
    appendFileSync(join(tamperedDir, `${id}.duckdb`), Buffer.from([0]));
    await expect(verifySnapshot(tamperedDb, id)).rejects.toThrow(`snapshot ${id}: ${join(tamperedDir, `${id}.duckdb`)} was changed after it was published`);
    await expect(verifySnapshot(tamperedDb, 'nope')).rejects.toThrow(/is gone/);
  });

  it('a reader opens the newest snapshot read-only and its use is recorded', async () => {
    const reader = await openLatestSnapshot(db, 'test-reader');
    try {
      expect(reader.snapshotId).toMatch(/^\d{8}T\d{6}Z-load6$/);
      const [{ n }] = await reader.warehouse.all<{ n: number }>('SELECT count(*) AS n FROM persons');
      expect(n).toBe(5007);
      await expect(reader.warehouse.run('CREATE TABLE x (a INTEGER)')).rejects.toThrow(/read-only/i);
    } finally {
      reader.warehouse.close();
    }
    const log = readFileSync(join(snapshotsDir(db), 'readers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.at(-1)).toMatchObject({ reader: 'test-reader', snapshot: reader.snapshotId });
  });

  it('a load succeeds while a reader holds a snapshot open, and readers opened during the load do not wait', async () => {
    const holder = await openLatestSnapshot(db, 'long-report');
    const loader = spawn(process.execPath, [bulletinBin, 'load', bigFile, '--db', db], {
      cwd: repoRoot,
      env: { ...process.env, BULLETIN_PII_KEY: 'k', BULLETIN_NOW: '2026-11-23T12:00:00+08:00' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    loader.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number>((done) => loader.on('close', (code) => done(code ?? -1)));

    // While the loader holds the warehouse, open readers one after another: each must open within a few seconds.
    const openTimes: number[] = [];
    let running = true;
    void exited.then(() => (running = false));
    while (running && openTimes.length < 5) {
      const started = performance.now();
      const reader = await openLatestSnapshot(db, 'during-load');
      openTimes.push(performance.now() - started);
      const [{ n }] = await reader.warehouse.all<{ n: number }>('SELECT count(*) AS n FROM persons');
      expect([5007, 5007 + PERSONS]).toContain(n); // the old snapshot or the new one, never a partial one
      reader.warehouse.close();
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = await exited;
    holder.warehouse.close();

    expect(code, stderr).toBe(0);
    expect(openTimes.length).toBeGreaterThan(0);
    expect(Math.max(...openTimes)).toBeLessThan(3000);
    const after = await openLatestSnapshot(db, 'after-load');
    try {
      expect(after.snapshotId).not.toBe(holder.snapshotId);
      const [{ n }] = await after.warehouse.all<{ n: number }>('SELECT count(*) AS n FROM persons');
      expect(n).toBe(5007 + PERSONS);
    } finally {
      after.warehouse.close();
    }
  }, 120_000);

  it('without any load there is no snapshot: a reader gets a one-line usage error', async () => {
    const empty = join(dir, 'never-loaded.duckdb');
    expect(existsSync(empty)).toBe(false);
    await expect(openLatestSnapshot(empty, 'x')).rejects.toThrow(/no published snapshot yet; run `bulletin load` first/);
  });
});
