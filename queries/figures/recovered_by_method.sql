-- One scan of the recovered persons for the figures by recovery method.
-- recovered_by_method: "`recovered` split by `recovery_method` (every method present, zeros included)"
-- recovered_by_expert_teams: "`recovered` with method `expert_team`"
-- dna_recoveries_since: "persons recovered with method `dna` from the DNA system's start (2009-04-01) to D"
-- In the window: $operation_start <= recovered_on <= $as_of.
-- Parameters: $operation_start, $as_of, $dna_since (DATE); $recovery_methods (VARCHAR[]: every method of exports.md,
-- in order).
-- Persons recovered from the earlier of S and the DNA start to D are counted once per method, in the window and
-- since the DNA start; the three figures read those few counts.
WITH recovered AS MATERIALIZED (
  SELECT recovery_method,
         count(*) FILTER (WHERE recovered_on >= $operation_start) AS in_window,
         count(*) FILTER (WHERE recovered_on >= $dna_since)       AS since_dna
  FROM persons
  WHERE recovered_on BETWEEN least($operation_start, $dna_since) AND $as_of
  GROUP BY recovery_method
),
methods AS (
  SELECT method, position FROM unnest($recovery_methods) WITH ORDINALITY AS m(method, position)
)
SELECT
  (SELECT list({'label': m.method, 'count': coalesce(r.in_window, 0)::INTEGER} ORDER BY m.position)
   FROM methods m LEFT JOIN recovered r ON r.recovery_method = m.method) AS recovered_by_method,
  (SELECT coalesce(sum(in_window), 0) FROM recovered WHERE recovery_method = 'expert_team')::INTEGER AS recovered_by_expert_teams,
  (SELECT coalesce(sum(since_dna), 0) FROM recovered WHERE recovery_method = 'dna')::INTEGER AS dna_recoveries_since;
