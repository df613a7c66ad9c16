// What each kind of job does, for one slot; shared by `bulletin schedule` and `bulletin run`. Every run is logged
// (runs.ts) when it starts and ends, and printed as one line on stdout.
import type { Config, Job } from '../config.ts';
import { chinaTime, currentTime } from '../dates.ts';
import { UsageError, oneLine } from '../errors.ts';
import { readHmacKey } from '../load/load.ts';
import { dayBefore, lastDayOfPreviousMonth } from './cron.ts';
import { ingestInbox } from './inbox.ts';
import { finishRun, startRun, type RunOutcome, type RunTrigger } from './runs.ts';

export interface JobContext {
  dbPath: string;
  config: Config;
  /** Aborted by SIGTERM: the job stops at its next safe point. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Lines for people (stderr). */
  log: (line: string) => void;
}

export interface JobRunResult {
  outcome: RunOutcome;
  detail: string;
  error?: string;
}

/** The job named `name`, or a UsageError listing the configured ones. */
export function jobNamed(config: Config, name: string): Job {
  const job = config.jobs.find((j) => j.name === name);
  if (!job) throw new UsageError(`no job '${name}' in ${config.file} (jobs: ${config.jobs.map((j) => j.name).join(', ') || 'none'})`);
  return job;
}

/** The as-of date a bulletin job renders for the slot: the last day of the previous month, or the day before. */
function asOfForSlot(job: Job, slot: Date): string {
  return job.kind === 'monthly' ? lastDayOfPreviousMonth(slot) : dayBefore(slot);
}

/** Runs the job once for `slot` (manual runs: now), logged and printed as one line. A job failure is its outcome. */
export async function runJob(
  job: Job,
  context: JobContext,
  run: { slot: Date | null; trigger: RunTrigger; asOf?: string },
): Promise<JobRunResult> {
  if (job.kind === 'ingest' && run.asOf !== undefined) throw new UsageError(`job ${job.name}: an ingest job takes no --as-of`);
  const runId = await startRun(context.dbPath, { job: job.name, kind: job.kind, scheduledFor: run.slot, trigger: run.trigger });
  const started = Date.now();
  let result: JobRunResult;
  try {
    result = await perform(job, context, run);
  } catch (error) {
    result = { outcome: 'failed', detail: '', error: oneLine(error) };
  }
  // Whatever failed after the stop signal (a delivery not retried, a render whose browser was closed) was stopped.
  if (context.signal?.aborted && result.outcome === 'failed') result = { ...result, outcome: 'stopped' };
  await finishRun(context.dbPath, runId, { outcome: result.outcome, error: result.error, detail: result.detail });
  const slot = run.slot ? ` for ${chinaTime(run.slot)}` : '';
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${chinaTime(new Date())} job ${job.name} (${run.trigger}${slot}): ${result.outcome} in ${seconds} s${result.detail ? `: ${result.detail}` : ''}${result.error ? `: ${result.error}` : ''}\n`);
  return result;
}

async function perform(job: Job, context: JobContext, run: { slot: Date | null; asOf?: string }): Promise<JobRunResult> {
  const env = context.env ?? process.env;
  if (job.kind === 'ingest') {
    const results = await ingestInbox(context.dbPath, context.config.inbox, { now: new Date(), hmacKey: readHmacKey(env), log: context.log });
    const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
    const rejected = results.filter((r) => r.outcome === 'rejected');
    const detail = results.length === 0 ? 'inbox empty' : `${results.length} file(s): ${count('loaded')} loaded, ${count('already loaded')} already loaded, ${rejected.length} rejected`;
    // A rejected file needs a person: the run is marked failed so `bulletin jobs` shows it.
    if (rejected.length > 0) return { outcome: 'failed', detail, error: rejected.map((r) => `${r.file}: ${r.reason}`).join('; ') };
    return { outcome: 'ok', detail };
  }
  // A bulletin goes out only through the desk (desk.md rule 4): held for sign-off, or released at once unreviewed.
  const asOf = run.asOf ?? asOfForSlot(job, run.slot ?? new Date());
  const { scheduledBulletin } = await import('../desk/scheduled.ts');
  return scheduledBulletin({ dbPath: context.dbPath, config: context.config, now: currentTime(env), log: context.log }, job, asOf, context.signal);
}
