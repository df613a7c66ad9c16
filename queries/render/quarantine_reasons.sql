-- Data-quality annex of the briefing: quarantined rows by reason. The reason is the quarantine message with its
-- quoted values and its "(line N, column X)" removed, so the annex counts kinds of fault and shows no value.
-- No parameters.
SELECT table_name,
       column_name,
       regexp_replace(regexp_replace(message, '\s*\((line|row) \d+, column [^)]*\)$', ''), '''[^'']*''', '…', 'g') AS reason,
       CAST(count(DISTINCT (file, line)) AS BIGINT) AS rows
FROM quarantine
GROUP BY ALL
ORDER BY rows DESC, table_name, column_name, reason;
