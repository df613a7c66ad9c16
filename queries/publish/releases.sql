-- The release log: the figures of every released bulletin, kept in its own DuckDB file beside the warehouse
-- (<db>.releases.duckdb), since the warehouse is written only by loads and read through read-only snapshots.
CREATE TABLE IF NOT EXISTS releases (
  release_id INTEGER PRIMARY KEY,
  operation VARCHAR NOT NULL,
  operation_start DATE NOT NULL,
  as_of DATE NOT NULL,
  snapshot_id VARCHAR NOT NULL,
  released_at TIMESTAMPTZ NOT NULL,
  revision BOOLEAN NOT NULL,
  reason VARCHAR,
  figures JSON NOT NULL
);
COMMENT ON TABLE releases IS 'one row per released bulletin: its figures as computed, for the consistency guard of metrics.md';
COMMENT ON COLUMN releases.operation IS 'the configured operation id, or start:<date> for a window given by --operation-start';
COMMENT ON COLUMN releases.revision IS 'true when released although a cumulative figure fell (an explicit revision)';
COMMENT ON COLUMN releases.reason IS 'why the revision was released';
COMMENT ON COLUMN releases.figures IS 'the metrics object of metrics --json';
