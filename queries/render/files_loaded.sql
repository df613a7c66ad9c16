-- Data-quality annex of the briefing: the export files stored in the warehouse, per table.
-- No parameters. Reads load_log of the snapshot the bulletin's figures were computed on.
SELECT table_name,
       CAST(count(*) AS INTEGER) AS files,
       CAST(sum(rows_read) AS BIGINT) AS rows_read,
       CAST(sum(rows_stored) AS BIGINT) AS rows_stored,
       CAST(sum(rows_quarantined) AS BIGINT) AS rows_quarantined,
       CAST(sum(rows_stale) AS BIGINT) AS rows_stale,
       strftime(max(finished_at), '%Y-%m-%d %H:%M') AS last_loaded
FROM load_log
GROUP BY table_name
ORDER BY table_name;
