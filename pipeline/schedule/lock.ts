// One `bulletin schedule` per warehouse. The lock is a kernel (fcntl) lock held for the life of the process: a small
// DuckDB file `<warehouse>.scheduler.lock` kept open read-write, which DuckDB locks exclusively. The kernel drops the
// lock when the process ends in any way (kill -9 included), so no stale lock can block a restart and no recorded PID
// can be mistaken for a live one; the PID in the message is the live holder's, as the kernel reports it to DuckDB.
import { existsSync, linkSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { Warehouse } from '../warehouse/warehouse.ts';

export interface InstanceLock {
  release(): Promise<void>;
  path: string;
}

// fcntl locks belong to the process, so a second open in this process would succeed, and closing it would drop the
// first one's lock: refuse it here instead.
const heldHere = new Set<string>();

/** Takes the lock or throws UsageError with one line naming the holder's PID and the lock file. */
export async function acquireSchedulerLock(dbPath: string): Promise<InstanceLock> {
  const path = `${dbPath}.scheduler.lock`;
  const key = resolve(path);
  if (heldHere.has(key)) throw alreadyRunning(process.pid, path);
  heldHere.add(key); // before the first await: two takes in this process at once must not both pass
  let file: Warehouse;
  try {
    await createLockFile(path);
    file = await Warehouse.open(path, { lockWaitMs: 0, memoryLimit: '16MB' });
  } catch (error) {
    heldHere.delete(key);
    const message = error instanceof Error ? error.message : String(error);
    // DuckDB locks before it reads the header, so a damaged file is one nobody holds.
    if (/not a valid DuckDB database file/.test(message)) throw new UsageError(`${path}: the scheduler's lock file is damaged and no scheduler holds it: remove it`);
    if (!/locked by another process/.test(message)) throw error;
    // DuckDB names the holder as the kernel reports it: "Conflicting lock is held in /usr/bin/node (PID 1234)".
    const pid = /\(PID (\d+)\)/.exec(message)?.[1];
    throw alreadyRunning(pid ? Number(pid) : null, path);
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      file.close();
      heldHere.delete(key);
    },
  };
}

/**
 * Makes sure the lock file exists as a whole DuckDB file before anyone opens it. DuckDB creates a missing file
 * truncating, before it locks it; two schedulers starting at once could then truncate the winner's file. Here the
 * file is made under a private name and linked into place (link never replaces a file), so every open finds it whole.
 */
async function createLockFile(path: string): Promise<void> {
  if (existsSync(path)) return;
  const draft = `${path}.${process.pid}.draft`;
  rmSync(draft, { force: true }); // left by a process of the same PID killed at this very step
  try {
    (await Warehouse.open(draft, { memoryLimit: '16MB' })).close();
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
    rmSync(`${draft}.wal`, { force: true });
  }
}

function alreadyRunning(pid: number | null, path: string): UsageError {
  return new UsageError(`another \`bulletin schedule\` is running (pid ${pid ?? 'unknown'}; lock ${path})`);
}
