-- The job log: one row per run of a scheduled job (bulletin schedule, bulletin run). Its own DuckDB file beside
-- the warehouse (<db>.jobs.duckdb): the warehouse is written only by loads.
CREATE TABLE IF NOT EXISTS job_runs (
  run_id INTEGER PRIMARY KEY,
  job VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  scheduled_for TIMESTAMPTZ,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  outcome VARCHAR,
  error VARCHAR,
  detail VARCHAR,
  trigger VARCHAR NOT NULL
);
COMMENT ON TABLE job_runs IS 'one row per job run: when it was due, when it ran, how it ended';
COMMENT ON COLUMN job_runs.scheduled_for IS 'the cron slot the run is for (NULL for bulletin run without a slot)';
COMMENT ON COLUMN job_runs.outcome IS 'ok, failed, stopped (SIGTERM), or NULL while running or when the process died';
COMMENT ON COLUMN job_runs.detail IS 'one line: what the run did (files loaded, PDFs, recipients)';
COMMENT ON COLUMN job_runs.trigger IS 'schedule (on time), catch-up (a slot missed while down), manual (bulletin run)';

CREATE TABLE IF NOT EXISTS jobs_seen (
  job VARCHAR PRIMARY KEY,
  first_seen TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE jobs_seen IS 'when bulletin schedule first ran with each job: slots before that are never owed (a new job does not run for the past)';
