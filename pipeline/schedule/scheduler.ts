// `bulletin schedule`: the long-running scheduler.
//
// One instance per warehouse (lock.ts). Each job owes a run for its latest slot after the instant it was last
// handled (runs.ts: when first seen, or its newest slot run to an end); a slot passed while the scheduler was down
// or busy is run once, on start or when the scheduler is free, never once per missed slot. Jobs run one at a time,
// in the order they fall due. SIGTERM or SIGINT: a waiting scheduler exits at once; a running job is told (its
// deliveries start no new attempt) and ends, its run recorded as stopped (so it is owed again), then the scheduler
// exits 0. The wait is at most a minute at a time, so a changed system clock is noticed, and at every wake-up the
// desk releases the approved editions whose time has come.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import { chinaTime, currentTime } from '../dates.ts';
import { nextSlot, missedSlot } from './cron.ts';
import { runJob } from './jobs.ts';
import { acquireSchedulerLock } from './lock.ts';
import { handledUntil } from './runs.ts';

export interface ScheduleOptions {
  dbPath: string;
  config: Config;
  /** Stop after this many job runs (tests); default: run until a signal. */
  maxRuns?: number;
  log?: (line: string) => void;
}

const MAX_WAIT_MS = 60_000;

export async function runScheduler(options: ScheduleOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { config } = options;
  const lock = await acquireSchedulerLock(options.dbPath);
  const stop = new AbortController();
  let busy = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) log(`schedule: ${signal}: stopping${busy ? ' after the running job' : ''}`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (config.jobs.length === 0) {
      log(`schedule: no jobs in ${config.file}; nothing to do`);
      return;
    }
    // A slot from before this start was missed while no scheduler ran: its run is a catch-up.
    const startedAt = Date.now();
    const handled = await handledUntil(options.dbPath, config.jobs.map((j) => j.name), new Date());
    log(`schedule: ${config.jobs.length} job(s), times in China (Asia/Shanghai); lock ${lock.path}`);
    for (const job of config.jobs) {
      const next = nextSlot(job.cron, new Date());
      log(`  ${job.name} (${job.kind}, "${job.cron}"): next ${next ? chinaTime(next) : 'never'}`);
    }
    let runs = 0;
    const { releaseDue } = await import('../desk/scheduled.ts');
    const told = new Set<string>();
    while (!stop.signal.aborted) {
      // Approved editions whose release time has come go out within a minute (desk.md rule 5).
      await releaseDue({ dbPath: options.dbPath, config, now: currentTime(), log }, told, stop.signal);
      const now = new Date();
      // The job whose owed slot is oldest runs first.
      const due = config.jobs
        .map((job) => ({ job, slot: missedSlot(job.cron, handled.get(job.name)!, now) }))
        .filter((d): d is { job: (typeof d)['job']; slot: Date } => d.slot !== null)
        .sort((a, b) => a.slot.getTime() - b.slot.getTime());
      if (due.length > 0) {
        const { job, slot } = due[0];
        const trigger = slot.getTime() < startedAt ? 'catch-up' : 'schedule';
        busy = true;
        const result = await runJob(job, { dbPath: options.dbPath, config, signal: stop.signal, log }, { slot, trigger });
        busy = false;
        // A stopped run is owed again on the next start; anything else handles its slot.
        if (result.outcome !== 'stopped') handled.set(job.name, slot);
        runs += 1;
        if (options.maxRuns !== undefined && runs >= options.maxRuns) break;
        continue;
      }
      const nextTimes = config.jobs.map((job) => nextSlot(job.cron, now)?.getTime() ?? Infinity);
      const waitMs = Math.max(0, Math.min(MAX_WAIT_MS, Math.min(...nextTimes) - Date.now()));
      // Ended early by the stop signal.
      await sleep(waitMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    log('schedule: stopped');
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await lock.release();
  }
}
