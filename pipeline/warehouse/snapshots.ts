// Published snapshots: DuckDB lets one process write a file and no other process open it meanwhile, so readers
// (analysts, figures, reports) never open the warehouse itself. After each load that stored something, the loader
// checkpoints and copies the file to <db>.snapshots/<id>.duckdb (read-only, immutable) and points `latest` at it.
// Readers open the newest snapshot read-only, so a load never waits for them and they never wait for a load, and
// each reader's use of a snapshot is appended to readers.jsonl for provenance.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { fileSha256, writeFileAtomically } from '../files.ts';
import { Warehouse } from './warehouse.ts';

/** How many snapshots to keep; older ones are deleted (a reader that has one open keeps reading it). */
const KEEP_SNAPSHOTS = 3;

export function snapshotsDir(dbPath: string): string {
  return `${dbPath}.snapshots`;
}

/** The id of the newest published snapshot, without opening it; null before the first load. */
export function latestSnapshotId(dbPath: string): string | null {
  const pointer = join(snapshotsDir(dbPath), 'latest');
  return existsSync(pointer) ? basename(readFileSync(pointer, 'utf8').trim(), '.duckdb') : null;
}

/** True when the newest snapshot does not show the last load, e.g. after a load killed before it published. */
export async function snapshotIsBehind(warehouse: Warehouse): Promise<boolean> {
  const [{ last }] = await warehouse.all<{ last: number }>(`SELECT coalesce(max(load_id), 0) AS last FROM load_log`);
  if (last === 0) return false;
  return !latestSnapshotId(warehouse.path)?.endsWith(`-load${last}`);
}

export async function publishSnapshot(warehouse: Warehouse, now = new Date()): Promise<string> {
  const dir = snapshotsDir(warehouse.path);
  mkdirSync(dir, { recursive: true });
  const [{ last }] = await warehouse.all<{ last: number }>(`SELECT coalesce(max(load_id), 0) AS last FROM load_log`);
  const id = `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-load${last}`;
  await warehouse.run(`INSERT OR REPLACE INTO bulletin_meta VALUES ('snapshot_id', $id), ('snapshot_published_at', $at)`, {
    id,
    at: now.toISOString(),
  });
  // After a checkpoint the file holds everything and the WAL is empty; we still hold the lock, so it cannot change.
  await warehouse.run('CHECKPOINT');
  const target = join(dir, `${id}.duckdb`);
  const partial = `${target}.partial`;
  // Its sha256 as published: the desk verifies a snapshot against it before approving or releasing figures from it.
  // Hashed from the warehouse file while the copy is made (the copy runs on libuv's thread pool): the same bytes,
  // since the lock is held and the checkpoint left nothing to write, in one pass's time instead of two.
  const [sha256] = await Promise.all([fileSha256(warehouse.path), copyFile(warehouse.path, partial)]);
  // Read-only for owner and group, nothing for others (like every file of the warehouse folder).
  chmodSync(partial, 0o440);
  writeFileAtomically(`${target}.sha256`, `${sha256}\n`);
  renameSync(partial, target);
  writeFileAtomically(join(dir, 'latest'), `${basename(target)}\n`);
  prune(dir, basename(target));
  return id;
}

export interface SnapshotReader {
  warehouse: Warehouse;
  snapshotId: string;
  snapshotPath: string;
}

/** Opens the newest published snapshot read-only and records who read it. */
export async function openLatestSnapshot(dbPath: string, reader: string): Promise<SnapshotReader> {
  const snapshotPath = latestSnapshotPath(dbPath);
  const warehouse = await Warehouse.open(snapshotPath, { readOnly: true });
  const [{ value }] = await warehouse.all<{ value: string }>(`SELECT value FROM bulletin_meta WHERE key = 'snapshot_id'`);
  recordReader(dbPath, reader, value);
  return { warehouse, snapshotId: value, snapshotPath };
}

/** The file of the newest published snapshot; a UsageError before the first load. */
export function latestSnapshotPath(dbPath: string): string {
  const id = latestSnapshotId(dbPath);
  if (id === null) throw new UsageError(`${dbPath}: no published snapshot yet; run \`bulletin load\` first`);
  return join(snapshotsDir(dbPath), `${id}.duckdb`);
}

/** Appends a reader's use of a snapshot to readers.jsonl, for provenance. */
export function recordReader(dbPath: string, reader: string, snapshotId: string): void {
  appendFileSync(join(snapshotsDir(dbPath), 'readers.jsonl'), JSON.stringify({ at: new Date().toISOString(), reader, snapshot: snapshotId, pid: process.pid }) + '\n');
}

/** The file of snapshot `id`. */
export function snapshotPath(dbPath: string, id: string): string {
  return join(snapshotsDir(dbPath), `${id}.duckdb`);
}

/**
 * Checks that snapshot `id` still has the bytes it was published with; returns its sha256. A UsageError names the
 * snapshot when it is gone, has no recorded hash, or was changed after publishing.
 */
export async function verifySnapshot(dbPath: string, id: string): Promise<string> {
  const path = snapshotPath(dbPath, id);
  if (!existsSync(path)) throw new UsageError(`snapshot ${id}: ${path} is gone (pruned after newer loads?)`);
  if (!existsSync(`${path}.sha256`)) throw new UsageError(`snapshot ${id}: no sha256 was recorded when it was published (${path}.sha256); load again to publish a new snapshot`);
  const recorded = readFileSync(`${path}.sha256`, 'utf8').trim();
  const actual = await fileSha256(path);
  if (actual !== recorded) throw new UsageError(`snapshot ${id}: ${path} was changed after it was published (sha256 ${actual.slice(0, 12)}…, published ${recorded.slice(0, 12)}…); its figures cannot be trusted`);
  return actual;
}

function prune(dir: string, newest: string): void {
  // A copy cut short by a crash is never pointed at; remove it.
  for (const partial of readdirSync(dir).filter((f) => f.endsWith('.partial'))) rmSync(join(dir, partial), { force: true });
  const snapshots = readdirSync(dir).filter((f) => f.endsWith('.duckdb')).sort();
  for (const old of snapshots.slice(0, Math.max(0, snapshots.length - KEEP_SNAPSHOTS))) {
    if (old !== newest) for (const file of [old, `${old}.sha256`]) rmSync(join(dir, file), { force: true });
  }
}
