// `bulletin jobs`: each configured job with its schedule, next run and last run (China time).
import type { Config } from '../config.ts';
import { chinaTime } from '../dates.ts';
import { nextSlot } from './cron.ts';
import { lastRuns } from './runs.ts';

export interface JobListing {
  name: string;
  kind: string;
  cron: string;
  to: string[];
  next_run: string | null;
  last_run: { started_at: string; scheduled_for: string | null; trigger: string; outcome: string; error: string | null; detail: string | null } | null;
}

export async function listJobs(dbPath: string, config: Config, now = new Date()): Promise<JobListing[]> {
  const last = await lastRuns(dbPath);
  return config.jobs.map((job) => {
    const run = last.get(job.name);
    const next = nextSlot(job.cron, now);
    return {
      name: job.name,
      kind: job.kind,
      cron: job.cron,
      to: job.to,
      next_run: next ? chinaTime(next) : null,
      // A run without an end is under way, or its process died.
      last_run: run ? { started_at: run.started_at, scheduled_for: run.scheduled_for, trigger: run.trigger, outcome: run.outcome ?? 'running or cut short', error: run.error, detail: run.detail } : null,
    };
  });
}

export function jobsTable(rows: JobListing[]): string {
  const lines = [['job', 'kind', 'cron (China time)', 'next run', 'last run', 'outcome'].join('\t')];
  for (const row of rows) {
    const last = row.last_run;
    lines.push(
      [row.name, row.kind, row.cron, row.next_run ?? 'never', last ? `${last.started_at} (${last.trigger})` : 'never', last ? `${last.outcome}${last.error ? `: ${last.error}` : last.detail ? `: ${last.detail}` : ''}` : ''].join('\t'),
    );
  }
  return lines.join('\n') + '\n';
}
