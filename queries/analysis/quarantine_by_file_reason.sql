-- title: Quarantine by file and reason
-- description: Rows kept out of the warehouse, by file, table, column and reason (the message without its values and line), with the first and last line.
-- param table: text = % -- only this table (persons, cases, ...; % for all)
SELECT file,
       table_name,
       column_name,
       regexp_replace(regexp_replace(message, '\s*\((line|row) \d+, column [^)]*\)$', ''), '''[^'']*''', '…', 'g') AS reason,
       count(DISTINCT line) AS rows,
       min(line) AS first_line,
       max(line) AS last_line
FROM quarantine
WHERE table_name LIKE $table
GROUP BY ALL
ORDER BY file, rows DESC, table_name, column_name;
