-- recovered_by_method: "`recovered` split by `recovery_method` (every method present, zeros included)"
-- Parameters: $operation_start, $as_of (DATE); $recovery_methods (VARCHAR[]: every method of exports.md, in order).
WITH methods AS (
  SELECT method, position FROM unnest($recovery_methods) WITH ORDINALITY AS m(method, position)
)
SELECT m.method AS label, count(p.person_id)::INTEGER AS count
FROM methods m
LEFT JOIN persons p ON p.recovery_method = m.method AND p.recovered_on BETWEEN $operation_start AND $as_of
GROUP BY m.method, m.position
ORDER BY m.position;
