-- One scan of the persons recovered in the window for the figures on how long they were missing.
-- recovered_by_years_missing: "`recovered` split by years-missing bucket"
--   Buckets: "`0-10`, `10-20`, `20-30`, `30-40`, `40-50`, `50-60`, `60+`; the lower bound is inclusive (exactly 20
--   whole years is `20-30`). Every bucket is present, zeros included."
-- longest_separation_years: "the largest whole years missing among `recovered`; null when there are none"
-- Whole years missing: whole_years(missing_on, recovered_on) of macros.sql (missing_on at its imputed midpoint).
-- In the window: $operation_start <= recovered_on <= $as_of.
-- Parameters: $operation_start, $as_of (DATE).
-- The window's persons are counted once per whole years missing (a few dozen counts); bucket counts are their sums.
WITH recovered AS MATERIALIZED (
  SELECT whole_years(missing_on, recovered_on) AS years, count(*) AS n
  FROM persons
  WHERE recovered_on BETWEEN $operation_start AND $as_of
  GROUP BY years
),
buckets AS (
  SELECT lower_bound, CASE WHEN lower_bound = 60 THEN '60+' ELSE lower_bound || '-' || (lower_bound + 10) END AS label
  FROM range(0, 70, 10) AS r(lower_bound)
),
by_bucket AS (
  SELECT least(years // 10 * 10, 60) AS lower_bound, sum(n) AS n FROM recovered GROUP BY 1
)
SELECT
  (SELECT list({'label': b.label, 'count': coalesce(r.n, 0)::INTEGER} ORDER BY b.lower_bound)
   FROM buckets b LEFT JOIN by_bucket r USING (lower_bound)) AS recovered_by_years_missing,
  (SELECT max(years) FROM recovered)::INTEGER AS longest_separation_years;
