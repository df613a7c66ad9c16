// `bulletin schedule`, `run` and `jobs` as real child processes with ingest jobs: one scheduler per warehouse,
// on-time runs of a 6-field (seconds) cron, one catch-up run after downtime however many slots were missed, no run
// for the past of a job seen for the first time, SIGTERM, and every run in the job log.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handledUntil, jobLogPath } from '../../pipeline/schedule/runs.ts';
import { conformanceDir, queryDb, runCli, startCli, tempDir, writeConfig } from '../helpers.ts';

interface RunRow {
  job: string;
  trigger: string;
  outcome: string | null;
  /** Epoch ms. */
  scheduled_for: number | null;
  detail: string | null;
  error: string | null;
}

describe('bulletin schedule', () => {
  let tmp: { dir: string; cleanup: () => void };
  let n = 0;
  beforeAll(() => (tmp = tempDir('bulletin-schedule-')));
  afterAll(() => tmp?.cleanup());

  /** A fresh warehouse path, inbox and configuration with the given ingest cron. */
  function setup(cron: string, files: string[] = []) {
    const dir = join(tmp.dir, `case-${++n}`);
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    for (const file of files) copyFileSync(join(conformanceDir, file), join(inbox, file.split('/').pop()!));
    const config = writeConfig(join(dir, 'bulletin.yaml'), {
      jobs: [{ name: 'ingest', kind: 'ingest', cron }],
      inbox: { dir: inbox, settle_seconds: 0 },
    });
    const db = join(dir, 'warehouse.duckdb');
    return { dir, inbox, db, env: { BULLETIN_CONFIG: config, BULLETIN_DB: db } };
  }
  const runs = (db: string) => queryDb<RunRow>(jobLogPath(db), `SELECT job, trigger, outcome, epoch_ms(scheduled_for) AS scheduled_for, detail, error FROM job_runs ORDER BY run_id`);

  it('runs a job on time, logs and prints each run, and stops on SIGTERM with exit 0', async () => {
    const { db, inbox, env } = setup('*/2 * * * * *', ['batch1/cases-2021-08.csv', 'batch1/persons-registry-2021-08.csv', 'broken/cases-broken.csv']);
    const scheduler = startCli(['schedule'], env);
    await scheduler.waitFor(/job ingest \(schedule for [^)]+\): failed[^\n]*\n[^]*job ingest \(schedule for [^)]+\): ok/, 40_000);
    scheduler.child.kill('SIGTERM');
    expect(await scheduler.exited).toBe(0);
    expect(scheduler.stderr()).toMatch(/schedule: stopped/);
    const logged = await runs(db);
    expect(logged.length).toBeGreaterThanOrEqual(2);
    // The first run loaded two files and rejected one: failed, naming it; the next found the inbox empty.
    expect(logged[0]).toMatchObject({ job: 'ingest', trigger: 'schedule', outcome: 'failed' });
    expect(logged[0].detail).toBe('3 file(s): 2 loaded, 0 already loaded, 1 rejected');
    expect(logged[0].error).toMatch(/cases-broken\.csv/);
    expect(logged[1]).toMatchObject({ trigger: 'schedule', outcome: 'ok', detail: 'inbox empty' });
    // Distinct slots, two seconds apart at least.
    const slots = logged.map((r) => r.scheduled_for!);
    expect(new Set(slots).size).toBe(slots.length);
    expect(readdirSync(join(inbox, 'rejected'))).toEqual(expect.arrayContaining(['cases-broken.csv', 'cases-broken.csv.reason.txt']));
    const [{ persons }] = await queryDb<{ persons: number }>(db, 'SELECT count(*) AS persons FROM persons');
    expect(persons).toBeGreaterThan(0);
  }, 90_000);

  it('one scheduler per warehouse: a second exits 2 naming the first; after SIGTERM the lock is free', async () => {
    const { env } = setup('0 8 1 1 *');
    const first = startCli(['schedule'], env);
    await first.waitFor(/schedule: 1 job\(s\)/, 30_000, 'stderr');
    const second = await runCli(['schedule'], env);
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(new RegExp(`another \`bulletin schedule\` is running \\(pid ${first.child.pid}`));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = startCli(['schedule'], env);
    await third.waitFor(/schedule: 1 job\(s\)/, 30_000, 'stderr');
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 90_000);

  it('after downtime a job runs once for the latest missed slot, not once per slot', async () => {
    const { db, env } = setup('* * * * *');
    // The scheduler last saw this job an hour ago: 60 slots were missed since.
    await handledUntil(db, ['ingest'], new Date(Date.now() - 3_600_000));
    const scheduler = startCli(['schedule'], env);
    await scheduler.waitFor(/job ingest \(catch-up for/, 40_000);
    // Time for a second catch-up to show, were there one.
    await new Promise((r) => setTimeout(r, 3000));
    scheduler.child.kill('SIGTERM');
    expect(await scheduler.exited).toBe(0);
    const logged = await runs(db);
    expect(logged.filter((r) => r.trigger === 'catch-up')).toHaveLength(1);
    // The slot run is the latest minute before the start, not the oldest missed one.
    const slot = logged.find((r) => r.trigger === 'catch-up')!.scheduled_for!;
    expect(Date.now() - slot).toBeLessThan(3 * 60_000);
  }, 90_000);

  it('a job seen for the first time does not run for the past', async () => {
    const { db, env } = setup('0 8 1 1 *'); // every 1 January: its last slot is long past
    const scheduler = startCli(['schedule'], env);
    await scheduler.waitFor(/next \d{4}-01-01 08:00/, 30_000, 'stderr');
    await new Promise((r) => setTimeout(r, 1500));
    scheduler.child.kill('SIGTERM');
    expect(await scheduler.exited).toBe(0);
    expect(await runs(db)).toEqual([]);
  }, 60_000);

  it('bulletin run runs one job now (manual); bulletin jobs shows next run and last outcome', async () => {
    const { env } = setup('0 8 1 * *', ['batch1/alerts-2021-08.csv']);
    const before = await runCli(['jobs'], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^ingest\tingest\t0 8 1 \* \*\t\d{4}-\d{2}-01 08:00\tnever/m);
    const run = await runCli(['run', 'ingest'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/job ingest \(manual\): ok in [\d.]+ s: 1 file\(s\): 1 loaded/);
    const after = await runCli(['jobs', '--json'], env);
    const [listed] = JSON.parse(after.stdout);
    expect(listed).toMatchObject({ name: 'ingest', last_run: { trigger: 'manual', outcome: 'ok' } });
    const unknown = await runCli(['run', 'nightly'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no job 'nightly' in .* \(jobs: ingest\)/);
    const asOf = await runCli(['run', 'ingest', '--as-of', '2021-11-30'], env);
    expect(asOf.code).toBe(2);
  }, 60_000);
});
