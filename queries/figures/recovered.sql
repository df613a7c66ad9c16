-- One scan of the persons recovered in the window for the figures that count them, by province and by month.
-- recovered: "persons with `recovered_on` in the window, whenever they went missing ("recovered over the years")"
-- recovered_by_province: "`recovered` split by the province where the person went missing"
--   Provinces by their 2-digit code; only provinces with a recovery (cli.md: "every province with a non-zero count").
-- recovered_by_month: "`recovered` per calendar month of the window, `YYYY-MM` keys, every month of the window
--   present (zeros included)"
-- In the window: $operation_start <= recovered_on <= $as_of.
-- Parameters: $operation_start, $as_of (DATE).
-- The window's persons are counted once per (province, day), a few thousand counts; the three figures are sums of
-- those counts. A split is a list of {label, count} in the order it is published.
WITH recovered AS MATERIALIZED (
  SELECT province, recovered_on, count(*) AS n
  FROM persons
  WHERE recovered_on BETWEEN $operation_start AND $as_of
  GROUP BY province, recovered_on
),
by_province AS (
  SELECT province, sum(n) AS n FROM recovered GROUP BY province
),
months AS (
  SELECT CAST(month AS DATE) AS month
  FROM generate_series(date_trunc('month', $operation_start), date_trunc('month', $as_of), INTERVAL 1 MONTH) AS g(month)
),
by_month AS (
  SELECT CAST(date_trunc('month', recovered_on) AS DATE) AS month, sum(n) AS n FROM recovered GROUP BY 1
)
SELECT
  (SELECT coalesce(sum(n), 0) FROM recovered)::INTEGER AS recovered,
  (SELECT coalesce(list({'label': province, 'count': n::INTEGER} ORDER BY province), [])
   FROM by_province) AS recovered_by_province,
  (SELECT coalesce(list({'label': strftime(m.month, '%Y-%m'), 'count': coalesce(b.n, 0)::INTEGER} ORDER BY m.month), [])
   FROM months m LEFT JOIN by_month b USING (month)) AS recovered_by_month;
