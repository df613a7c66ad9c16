// The job log (<db>.jobs.duckdb, queries/schedule/job_runs.sql, a log file of warehouse/logs.ts): a row per run,
// written when it starts and when it ends, and when the scheduler first saw each job.
import { existsSync } from 'node:fs';
import { withLogFile } from '../warehouse/logs.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export type RunTrigger = 'schedule' | 'catch-up' | 'manual';
/** held: a bulletin job made the draft for sign-off (desk.md rule 4), or a hold was in force (rule 9). */
export type RunOutcome = 'ok' | 'failed' | 'stopped' | 'held';

export type JobRunRow = {
  run_id: number;
  job: string;
  kind: string;
  scheduled_for: string | null;
  started_at: string;
  finished_at: string | null;
  outcome: RunOutcome | null;
  error: string | null;
  detail: string | null;
  trigger: RunTrigger;
};

export function jobLogPath(dbPath: string): string {
  return `${dbPath}.jobs.duckdb`;
}

function withLog<T>(dbPath: string, fn: (log: Warehouse) => Promise<T>, readOnly = false): Promise<T> {
  return withLogFile(jobLogPath(dbPath), 'schedule/job_runs.sql', fn, { readOnly });
}

export async function startRun(dbPath: string, run: { job: string; kind: string; scheduledFor: Date | null; trigger: RunTrigger }): Promise<number> {
  return withLog(dbPath, async (log) => {
    const [{ next }] = await log.all<{ next: number }>(`SELECT coalesce(max(run_id), 0) + 1 AS next FROM job_runs`);
    await log.run(`INSERT INTO job_runs VALUES ($id, $job, $kind, CAST($slot AS TIMESTAMPTZ), now(), NULL, NULL, NULL, NULL, $trigger)`, {
      id: next,
      job: run.job,
      kind: run.kind,
      slot: run.scheduledFor?.toISOString() ?? null,
      trigger: run.trigger,
    });
    return next;
  });
}

export async function finishRun(dbPath: string, runId: number, end: { outcome: RunOutcome; error?: string; detail?: string }): Promise<void> {
  await withLog(dbPath, (log) =>
    log.run(`UPDATE job_runs SET finished_at = now(), outcome = $outcome, error = $error, detail = $detail WHERE run_id = $id`, {
      id: runId,
      outcome: end.outcome,
      error: end.error ?? null,
      detail: end.detail ?? null,
    }),
  );
}

/**
 * Per job, the instant after which its slots are owed: the later of when the scheduler first saw it (recorded now
 * for a job seen for the first time) and its newest slot that ran to an end (ok, failed or held). A run cut short (the
 * process died, or SIGTERM stopped it) does not count, so its slot is run again on the next start.
 */
export async function handledUntil(dbPath: string, jobs: string[], now: Date): Promise<Map<string, Date>> {
  return withLog(dbPath, async (log) => {
    for (const job of jobs) {
      await log.run(`INSERT INTO jobs_seen VALUES ($job, CAST($now AS TIMESTAMPTZ)) ON CONFLICT DO NOTHING`, { job, now: now.toISOString() });
    }
    const rows = await log.all<{ job: string; until: number }>(
      `SELECT s.job, epoch_ms(greatest(s.first_seen, coalesce(max(r.scheduled_for), s.first_seen))) AS until
       FROM jobs_seen s LEFT JOIN job_runs r ON r.job = s.job AND r.outcome IN ('ok', 'failed', 'held') AND r.trigger <> 'manual'
       GROUP BY s.job, s.first_seen`,
    );
    return new Map(rows.map((row) => [row.job, new Date(Number(row.until))]));
  });
}

/** The newest run of each job, for `bulletin jobs`. */
export async function lastRuns(dbPath: string): Promise<Map<string, JobRunRow>> {
  if (!existsSync(jobLogPath(dbPath))) return new Map();
  return withLog(
    dbPath,
    async (log) => {
      const rows = await log.all<JobRunRow>(
        `SELECT run_id, job, kind, strftime(scheduled_for, '%Y-%m-%d %H:%M') AS scheduled_for, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started_at,
                strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at, outcome, error, detail, trigger
         FROM job_runs QUALIFY row_number() OVER (PARTITION BY job ORDER BY run_id DESC) = 1`,
      );
      return new Map(rows.map((row) => [row.job, row]));
    },
    true,
  );
}
