-- Data-quality annex of the briefing: quarantined rows by reason. The annex counts kinds of fault and shows no value,
-- so a reason is rebuilt from the quarantine message with the row's place and every value taken out:
--   1. the place " (line N, column H)" at its end, built by the loader from the row's own line and header, is cut;
--   2. everything from the first quote to the last becomes "…": a value may hold quotes, or text that looks like a
--      message, but it always sits between those two, while the column name before it and the loader's own words
--      after it hold none ("missing_on '2021-13-45' is not a date" -> "missing_on … is not a date");
--   3. the one message with two values ("reported_on 'x' is before occurred_on 'y'") keeps its second column, when
--      that is a column of the table.
-- No parameters.
WITH faults AS (
  SELECT table_name,
         column_name,
         file,
         line,
         message,
         format(' ({} {}, column {})', 'line', line, coalesce(source_column, column_name)) AS at_line,
         format(' ({} {}, column {})', 'row', line, coalesce(source_column, column_name)) AS at_row
  FROM quarantine
),
placeless AS (
  SELECT table_name,
         column_name,
         file,
         line,
         CASE
           WHEN ends_with(message, at_line) THEN left(message, length(message) - length(at_line))
           WHEN ends_with(message, at_row) THEN left(message, length(message) - length(at_row))
           ELSE message
         END AS body,
         ends_with(message, at_line) OR ends_with(message, at_row) AS place_cut
  FROM faults
),
valueless AS (
  SELECT table_name,
         column_name,
         file,
         line,
         CASE
           WHEN regexp_extract(body, '(?s)^\S+ ''.*'' is before ([a-z_]+) ''.*''$', 1) IN (
             SELECT c.column_name FROM duckdb_columns() AS c WHERE c.table_name = placeless.table_name
           ) THEN regexp_replace(body, '(?s)^(\S+) ''.*'' is before ([a-z_]+) ''.*''$', '\1 … is before \2 …')
           ELSE regexp_replace(body, '(?s)''.*''', '…')
         END AS reason,
         place_cut
  FROM placeless
)
SELECT table_name,
       column_name,
       -- A message of another form: its place cut after the values are gone, so no quote can hide in it.
       CASE WHEN place_cut THEN reason ELSE regexp_replace(reason, '(?s)\s*\((line|row) \d+, column .*\)$', '') END AS reason,
       CAST(count(DISTINCT (file, line)) AS BIGINT) AS rows
FROM valueless
GROUP BY ALL
ORDER BY rows DESC, table_name, column_name, reason;
