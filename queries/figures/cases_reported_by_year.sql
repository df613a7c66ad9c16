-- cases_reported_by_year: "per calendar year from the configured first trend year (2012) to D's year, cases of
-- category `trafficking` by year of `reported_on` (D's own year counts to D only ...)"
-- Every year of the range is present, zeros included.
-- Parameters: $trend_first_year (INTEGER), $as_of (DATE).
WITH years AS (
  SELECT year::INTEGER AS year FROM range(CAST($trend_first_year AS BIGINT), year($as_of) + 1) AS r(year)
),
reported AS (
  SELECT year(reported_on) AS year
  FROM cases
  WHERE category = 'trafficking' AND reported_on <= $as_of
)
SELECT y.year::VARCHAR AS label, count(r.year)::INTEGER AS count
FROM years y LEFT JOIN reported r USING (year)
GROUP BY y.year
ORDER BY y.year;
