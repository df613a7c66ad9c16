-- detection_rate_by_year: "per year as above and per category: cases filed that year and solved by D, over cases
-- filed that year"; "as above": each year from the configured first trend year to D's year, D's own year counting
-- to D only. Every category with every year (a category without years when D is before the first trend year);
-- the rate is NULL where no case was filed (cli.md).
-- Filed = reported_on; solved by D = solved_on <= D.
-- Parameters: $trend_first_year (INTEGER), $as_of (DATE); $categories (VARCHAR[]: every category of exports.md, in order).
WITH categories AS (
  SELECT category, position FROM unnest($categories) WITH ORDINALITY AS c(category, position)
),
years AS (
  SELECT year::INTEGER AS year FROM range(CAST($trend_first_year AS BIGINT), year($as_of) + 1) AS r(year)
),
filed AS (
  SELECT category, year(reported_on) AS year, solved_on <= $as_of AS solved
  FROM cases
  WHERE reported_on <= $as_of
)
SELECT
  c.category,
  y.year::VARCHAR                                       AS year,
  count(f.year)::INTEGER                                AS filed,
  count(f.year) FILTER (WHERE f.solved)::INTEGER        AS solved,
  CAST(count(f.year) FILTER (WHERE f.solved) AS DOUBLE) / nullif(count(f.year), 0) AS rate
FROM categories c
LEFT JOIN years y ON true
LEFT JOIN filed f ON f.category = c.category AND f.year = y.year
GROUP BY c.category, c.position, y.year
ORDER BY c.position, y.year;
