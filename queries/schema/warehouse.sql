-- The fixed part of the warehouse schema: bookkeeping and reference tables, created once per warehouse file.
-- The six export tables (history.<table> and their live views) are declared in pipeline/warehouse/tables.ts.

CREATE SCHEMA IF NOT EXISTS history;

CREATE TABLE IF NOT EXISTS bulletin_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
COMMENT ON TABLE bulletin_meta IS 'facts about this warehouse file itself, e.g. its schema version';

CREATE TABLE IF NOT EXISTS load_log (
  load_id INTEGER PRIMARY KEY,
  file VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  encoding VARCHAR,
  rows_read BIGINT NOT NULL,
  rows_stored BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  rows_stale BIGINT NOT NULL,
  rows_superseded BIGINT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  outcome VARCHAR NOT NULL
);
COMMENT ON TABLE load_log IS 'one row per export file stored; a file whose sha256 is here is skipped when loaded again';
COMMENT ON COLUMN load_log.load_id IS 'number of the load, referenced by history.*.load_id and quarantine.load_id';
COMMENT ON COLUMN load_log.file IS 'the file as named on the command line (relative to the working directory when inside it)';
COMMENT ON COLUMN load_log.sha256 IS 'SHA-256 of the file bytes: the identity of a file for "already loaded"';
COMMENT ON COLUMN load_log.table_name IS 'the table the file holds, from the start of its name';
COMMENT ON COLUMN load_log.format IS 'csv, csv.gz, parquet, arrow-file, arrow-stream or jsonl';
COMMENT ON COLUMN load_log.encoding IS 'utf-8, utf-8-bom or gb18030 for CSV; NULL for binary formats';
COMMENT ON COLUMN load_log.rows_read IS 'data rows in the file';
COMMENT ON COLUMN load_log.rows_stored IS 'valid rows applied: they are now the current version of their id';
COMMENT ON COLUMN load_log.rows_quarantined IS 'rows kept out because a value broke a rule (see quarantine)';
COMMENT ON COLUMN load_log.rows_stale IS 'valid rows ignored because the stored version of their id is newer (updated_at)';
COMMENT ON COLUMN load_log.rows_superseded IS 'valid rows ignored because a later row of the same id in the same file won';
COMMENT ON COLUMN load_log.started_at IS 'when the load of this file started (also the "load time" of the future-date rule)';
COMMENT ON COLUMN load_log.finished_at IS 'when the load of this file was committed';
COMMENT ON COLUMN load_log.outcome IS 'loaded';

CREATE TABLE IF NOT EXISTS quarantine (
  file VARCHAR NOT NULL,
  line BIGINT NOT NULL,
  table_name VARCHAR NOT NULL,
  column_name VARCHAR NOT NULL,
  value VARCHAR,
  message VARCHAR NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL,
  load_id INTEGER NOT NULL,
  source_column VARCHAR
);
COMMENT ON TABLE quarantine IS 'one row per bad value of a quarantined row; the row itself is counted nowhere';
COMMENT ON COLUMN quarantine.file IS 'the export file';
COMMENT ON COLUMN quarantine.line IS 'CSV line (the header is line 1) or 1-based row number in Parquet, Arrow and JSON lines';
COMMENT ON COLUMN quarantine.table_name IS 'the table the file holds';
COMMENT ON COLUMN quarantine.column_name IS 'the column as named in exports.md (missing_on)';
COMMENT ON COLUMN quarantine.value IS 'the offending value as exported (personal data masked)';
COMMENT ON COLUMN quarantine.message IS 'what is wrong, for the clerk who fixes it upstream';
COMMENT ON COLUMN quarantine.loaded_at IS 'when the file was loaded';
COMMENT ON COLUMN quarantine.load_id IS 'the load (load_log.load_id)';
COMMENT ON COLUMN quarantine.source_column IS 'the column header as written in the file (失踪日期)';

CREATE TABLE IF NOT EXISTS provinces (
  code VARCHAR PRIMARY KEY,
  name_zh VARCHAR NOT NULL,
  full_name_zh VARCHAR NOT NULL,
  name_en VARCHAR NOT NULL,
  aliases VARCHAR
);
COMMENT ON TABLE provinces IS 'the 31 provinces and the Xinjiang Production and Construction Corps (66), from data/reference/provinces.csv';
COMMENT ON COLUMN provinces.code IS '2-digit GB/T 2260 code, as stored in every province column';
COMMENT ON COLUMN provinces.name_zh IS 'short Chinese name (山东)';
COMMENT ON COLUMN provinces.full_name_zh IS 'full Chinese name (山东省)';
COMMENT ON COLUMN provinces.name_en IS 'English name';
COMMENT ON COLUMN provinces.aliases IS 'other accepted spellings, separated by ;';
