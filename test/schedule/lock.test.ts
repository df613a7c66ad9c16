// One scheduler per warehouse: the lock is held by the kernel for the life of the process, so it is taken by exactly
// one of two racing processes, names its live holder, and is free again the moment the holder is killed -9.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../pipeline/errors.ts';
import { acquireSchedulerLock } from '../../pipeline/schedule/lock.ts';
import { repoRoot, tempDir } from '../helpers.ts';

const holdLock = join(repoRoot, 'test', 'schedule', 'fixtures', 'hold-lock.ts');

interface Holder {
  child: ChildProcess;
  /** 'held', or the refusal the child printed before exiting. */
  outcome: Promise<{ held: boolean; message: string }>;
  exited: Promise<void>;
}

/** Starts `node bin/run.js hold-lock.ts DB`: it says `held` and keeps the lock, or prints the refusal and exits 3. */
function startHolder(dbPath: string): Holder {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), holdLock, dbPath], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const outcome = new Promise<{ held: boolean; message: string }>((done) => {
    child.stdout!.on('data', (b) => {
      stdout += b;
      if (stdout.includes('held\n')) done({ held: true, message: '' });
    });
    child.stderr!.on('data', (b) => (stderr += b));
    child.on('exit', (code) => done({ held: false, message: `${stderr.trim()} (exit ${code})` }));
  });
  return { child, outcome, exited };
}

async function kill(holder: Holder): Promise<void> {
  if (holder.child.exitCode === null && holder.child.signalCode === null) holder.child.kill('SIGKILL');
  await holder.exited;
}

describe('acquireSchedulerLock', () => {
  const { dir, cleanup } = tempDir('bulletin-lock-');
  const started: Holder[] = [];
  const holder = (dbPath: string) => {
    const h = startHolder(dbPath);
    started.push(h);
    return h;
  };
  afterAll(async () => {
    await Promise.all(started.map(kill));
    cleanup();
  });

  it('refuses a second scheduler with one line naming the holder and the lock file; SIGKILL frees it at once', async () => {
    const db = join(dir, 'one', 'warehouse.duckdb');
    const first = holder(db);
    expect(await first.outcome).toEqual({ held: true, message: '' });

    const refusal = await acquireSchedulerLock(db).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toBe(`another \`bulletin schedule\` is running (pid ${first.child.pid}; lock ${db}.scheduler.lock)`);

    // Another process is refused the same way.
    const second = holder(db);
    expect((await second.outcome).message).toBe(`another \`bulletin schedule\` is running (pid ${first.child.pid}; lock ${db}.scheduler.lock) (exit 3)`);

    // kill -9: no clean-up ran, the lock file is still there, yet the kernel has let go of the lock.
    await kill(first);
    expect(existsSync(`${db}.scheduler.lock`)).toBe(true);
    const before = performance.now();
    const lock = await acquireSchedulerLock(db);
    const tookMs = performance.now() - before;
    expect(lock.path).toBe(`${db}.scheduler.lock`);
    expect(tookMs).toBeLessThan(1000);
    await lock.release();
  }, 60_000);

  it('release() lets the same process take it again; while held here, a second take here is refused', async () => {
    const db = join(dir, 'two', 'warehouse.duckdb');
    const lock = await acquireSchedulerLock(db);
    // fcntl locks are per process: without a guard this second take would succeed, and its close drop the first.
    await expect(acquireSchedulerLock(db)).rejects.toThrow(`another \`bulletin schedule\` is running (pid ${process.pid}; lock ${db}.scheduler.lock)`);
    // still held against other processes
    expect((await holder(db).outcome).held).toBe(false);
    await lock.release();
    await lock.release(); // twice is harmless

    const again = await acquireSchedulerLock(db);
    expect((await holder(db).outcome).held).toBe(false);
    await again.release();
    // and once released, another process gets it
    const other = holder(db);
    expect((await other.outcome).held).toBe(true);
    await kill(other);
  }, 60_000);

  it('two takes at once in one process: exactly one gets it', async () => {
    const db = join(dir, 'same-process', 'warehouse.duckdb');
    await (await acquireSchedulerLock(db)).release(); // the lock file exists: both go straight to the open
    const settled = await Promise.allSettled([acquireSchedulerLock(db), acquireSchedulerLock(db)]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    for (const s of settled) if (s.status === 'fulfilled') await s.value.release();
  });

  it('a damaged lock file is refused in one line that says it may be removed', async () => {
    const db = join(dir, 'damaged', 'warehouse.duckdb');
    mkdirSync(join(dir, 'damaged'));
    writeFileSync(`${db}.scheduler.lock`, 'not a DuckDB file');
    await expect(acquireSchedulerLock(db)).rejects.toThrow(`${db}.scheduler.lock: the scheduler's lock file is damaged and no scheduler holds it: remove it`);
  });

  it('two schedulers starting at the same instant on a fresh warehouse: exactly one wins, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const db = join(dir, `race-${round}`, 'warehouse.duckdb');
      const racers = [holder(db), holder(db), holder(db)];
      const outcomes = await Promise.all(racers.map((r) => r.outcome));
      const winners = racers.filter((_, i) => outcomes[i].held);
      expect(winners.length, JSON.stringify(outcomes)).toBe(1);
      for (const loser of outcomes.filter((o) => !o.held)) {
        expect(loser.message).toBe(`another \`bulletin schedule\` is running (pid ${winners[0].child.pid}; lock ${db}.scheduler.lock) (exit 3)`);
      }
      await Promise.all(racers.map(kill));
      // The winner's lock file was never truncated by a loser: it opens again, and no draft is left behind.
      const lock = await acquireSchedulerLock(db);
      await lock.release();
      expect(readdirSync(join(dir, `race-${round}`)).sort()).toEqual(['warehouse.duckdb.scheduler.lock']);
    }
  }, 120_000);
});
