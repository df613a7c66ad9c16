-- recovered_by_years_missing: "`recovered` split by years-missing bucket"
-- Buckets: "`0-10`, `10-20`, `20-30`, `30-40`, `40-50`, `50-60`, `60+`; the lower bound is inclusive (exactly 20
-- whole years is `20-30`). Every bucket is present, zeros included."
-- Whole years missing: whole_years(missing_on, recovered_on) of macros.sql (missing_on at its imputed midpoint).
-- Parameters: $operation_start, $as_of (DATE).
WITH buckets AS (
  SELECT lower_bound, CASE WHEN lower_bound = 60 THEN '60+' ELSE lower_bound || '-' || (lower_bound + 10) END AS label
  FROM range(0, 70, 10) AS r(lower_bound)
),
recovered AS (
  SELECT least(whole_years(missing_on, recovered_on) // 10 * 10, 60) AS lower_bound
  FROM persons
  WHERE recovered_on BETWEEN $operation_start AND $as_of
)
SELECT b.label, count(r.lower_bound)::INTEGER AS count
FROM buckets b LEFT JOIN recovered r USING (lower_bound)
GROUP BY b.label, b.lower_bound
ORDER BY b.lower_bound;
