-- The press desk (desk.md): editions and their append-only log, in their own DuckDB file beside the warehouse
-- (<db>.desk.duckdb), since the warehouse is written only by loads. Users are kept apart (<db>.desk-users.json,
-- mode 600), so this file holds no secret.
CREATE TABLE IF NOT EXISTS editions (
  edition_id VARCHAR PRIMARY KEY,
  bulletin VARCHAR NOT NULL,
  operation VARCHAR NOT NULL,
  template VARCHAR NOT NULL,
  as_of DATE NOT NULL,
  number INTEGER NOT NULL,
  state VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  corrects VARCHAR,
  note_en VARCHAR,
  note_zh VARCHAR,
  content_sha256 VARCHAR,
  submitted_sha256 VARCHAR,
  created_by VARCHAR NOT NULL,
  submitted_by VARCHAR,
  last_changed_by VARCHAR,
  approved_by VARCHAR,
  release_at TIMESTAMPTZ,
  released_at TIMESTAMPTZ,
  snapshot_id VARCHAR,
  snapshot_sha256 VARCHAR,
  editorial_file VARCHAR,
  dir VARCHAR NOT NULL,
  pdfs JSON,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE editions IS 'one row per edition (desk.md): its state now; how it got there is in desk_log';
COMMENT ON COLUMN editions.edition_id IS '<operation>/<template>/<as-of>#<number>';
COMMENT ON COLUMN editions.kind IS 'original, correction or revision (a correction or revision corrects an earlier released edition)';
COMMENT ON COLUMN editions.content_sha256 IS 'sha256 over both figures files, the editorial text, templates and chart specs (and, once approved, both PDFs)';
COMMENT ON COLUMN editions.submitted_sha256 IS 'the content hash at submit: approval re-renders and must find the same';
COMMENT ON COLUMN editions.snapshot_sha256 IS 'sha256 of the snapshot file the figures came from, verified at approve and release';
COMMENT ON COLUMN editions.pdfs IS 'language -> {path, sha256} of the PDFs now (draft, or final once approved)';

CREATE TABLE IF NOT EXISTS desk_log (
  seq BIGINT PRIMARY KEY,
  logged_at TIMESTAMPTZ NOT NULL,
  actor VARCHAR NOT NULL,
  edition_id VARCHAR,
  action VARCHAR NOT NULL,
  from_state VARCHAR,
  to_state VARCHAR,
  note VARCHAR,
  content_sha256 VARCHAR,
  detail JSON
);
COMMENT ON TABLE desk_log IS 'every transition, pre-release, delivery, hold and edit of the desk, appended and never rewritten (rule 10)';
COMMENT ON COLUMN desk_log.actor IS 'the desk user, or "system" for the scheduler';
COMMENT ON COLUMN desk_log.action IS 'draft, refresh, submit, approve, reject, back_to_draft, release, withdraw, supersede, prerelease, deliver, hold, resume, edit';
