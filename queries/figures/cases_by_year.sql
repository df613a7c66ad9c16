-- One scan of the cases filed since the first trend year for the figures per year.
-- cases_reported_by_year: "per calendar year from the configured first trend year (2012) to D's year, cases of
--   category `trafficking` by year of `reported_on` (D's own year counts to D only ...)". Every year of the range is
--   present, zeros included.
-- detection_rate_by_year: "per year as above and per category: cases filed that year and solved by D, over cases
--   filed that year". Every category with every year (a category without years when D is before the first trend
--   year); the rate is NULL where no case was filed (cli.md).
-- Filed = reported_on; solved by D = solved_on <= D.
-- Parameters: $trend_first_year (INTEGER), $as_of (DATE); $categories (VARCHAR[]: every category of exports.md, in order).
-- Only cases filed from 1 January of the first trend year to D are read, counted once per (category, year); both
-- figures read those few counts. Each is a list in the order it is published.
WITH filed AS MATERIALIZED (
  SELECT category, year(reported_on) AS year, count(*) AS filed, count(*) FILTER (WHERE solved_on <= $as_of) AS solved
  FROM cases
  WHERE reported_on BETWEEN make_date(CAST($trend_first_year AS BIGINT), 1, 1) AND $as_of
  GROUP BY category, year
),
categories AS (
  SELECT category, position FROM unnest($categories) WITH ORDINALITY AS c(category, position)
),
years AS (
  SELECT year::INTEGER AS year FROM range(CAST($trend_first_year AS BIGINT), year($as_of) + 1) AS r(year)
)
SELECT
  (SELECT coalesce(list({'label': y.year::VARCHAR, 'count': coalesce(f.filed, 0)::INTEGER} ORDER BY y.year), [])
   FROM years y LEFT JOIN filed f ON f.category = 'trafficking' AND f.year = y.year) AS cases_reported_by_year,
  (SELECT list({'category': c.category, 'year': y.year::VARCHAR, 'rate': CAST(f.solved AS DOUBLE) / nullif(f.filed, 0)}
               ORDER BY c.position, y.year)
   FROM categories c
   LEFT JOIN years y ON true
   LEFT JOIN filed f ON f.category = c.category AND f.year = y.year) AS detection_rate_by_year;
