// A sandboxed reader of the newest published snapshot, as the analysts' console (pipeline/analyst/sandbox.ts) runs
// its statements on it: one read-only DuckDB instance that spills nothing and loads no extension, at most one file
// it may write, external access switched off, China time, and the configuration locked so that no statement can
// change any of it.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from './duckdb.ts';
import { UsageError } from '../errors.ts';
import { duckdbMessage } from './messages.ts';
import { latestSnapshotPath, recordReader } from './snapshots.ts';

export interface SandboxSettings {
  /** DuckDB's memory limit, e.g. '1GB'. */
  memoryLimit: string;
  /** Default: 4, or fewer on a smaller machine. */
  threads?: number;
  /**
   * The one file DuckDB may write (and read): named in allowed_paths before external access is switched off. A
   * file, not its folder: the folder may hold a key file or the warehouse.
   */
  writableFile?: string;
}

export interface SandboxedSnapshot {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  snapshotId: string;
  snapshotPath: string;
}

/** China Standard Time, the session's time zone: UTC+8 all year, as the bulletin counts days (queries/figures/macros.sql). */
export const SANDBOX_TIME_ZONE = 'Etc/GMT-8';

/** Opens the newest snapshot of `dbPath` sandboxed, recorded as read by `reader`; every failure is a UsageError naming the file. */
export async function openSandboxedSnapshot(dbPath: string, settings: SandboxSettings, reader: string): Promise<SandboxedSnapshot> {
  const snapshotPath = latestSnapshotPath(dbPath);
  if (!existsSync(snapshotPath)) throw new UsageError(`${snapshotPath}: the newest snapshot is missing; run \`bulletin load\` to publish one`);
  const instanceSettings = sandboxInstanceSettings(settings);
  let instance: DuckDBInstance;
  try {
    instance = await duckdb.DuckDBInstance.create(snapshotPath, instanceSettings);
  } catch (error) {
    throw new UsageError(`${snapshotPath}: cannot open the snapshot with memory_limit ${instanceSettings.memory_limit} and ${instanceSettings.threads} threads: ${duckdbMessage(error)}`);
  }
  const connection = await instance.connect();
  try {
    // The one file that may be written, bound (a list cannot be given at creation); then no other file, URL or
    // database outside the snapshot: read_csv, glob, COPY, ATTACH, EXPORT all refused by DuckDB.
    if (settings.writableFile !== undefined) await connection.run('SET allowed_paths = $paths', { paths: duckdb.listValue([settings.writableFile]) }, { paths: duckdb.LIST(duckdb.VARCHAR) });
    await connection.run('SET enable_external_access = false');
    // China Standard Time, as every reader of the warehouse; the ICU setting cannot be given at creation.
    await connection.run(`SET TimeZone = '${SANDBOX_TIME_ZONE}'`);
    // From here on no statement can change a setting, not even one the gate let through by mistake.
    await connection.run('SET lock_configuration = true');
    const meta = await connection.runAndReadAll(`SELECT value FROM bulletin_meta WHERE key = 'snapshot_id'`);
    const snapshotId = String(meta.getRows()[0]?.[0] ?? basename(snapshotPath, '.duckdb'));
    recordReader(dbPath, reader, snapshotId);
    return { instance, connection, snapshotId, snapshotPath };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw new UsageError(`${snapshotPath}: cannot read the snapshot: ${duckdbMessage(error)}`);
  }
}

/**
 * The instance settings, applied at creation. External access goes off right after (open: allowed_paths, a list,
 * cannot be given at creation and must come first), then the time zone and lock_configuration.
 */
function sandboxInstanceSettings(settings: SandboxSettings): Record<string, string> {
  return {
    access_mode: 'READ_ONLY',
    // No spilling: a reader writes nothing next to the immutable snapshot (nor personal data to any temp folder),
    // and the memory limit is then the whole budget, which is the one knob the error names.
    temp_directory: '',
    max_temp_directory_size: '0B',
    memory_limit: settings.memoryLimit,
    // A few threads: the console shares the machine with loads and jobs, and each thread needs memory of its own.
    threads: String(settings.threads ?? Math.min(4, availableParallelism())),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    allow_unsigned_extensions: 'false',
  };
}
