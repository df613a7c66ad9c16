-- recovered_by_month: "`recovered` per calendar month of the window, `YYYY-MM` keys, every month of the window
-- present (zeros included)"
-- Parameters: $operation_start, $as_of (DATE).
WITH months AS (
  SELECT CAST(month AS DATE) AS month
  FROM generate_series(date_trunc('month', $operation_start), date_trunc('month', $as_of), INTERVAL 1 MONTH) AS g(month)
),
recovered AS (
  SELECT CAST(date_trunc('month', recovered_on) AS DATE) AS month
  FROM persons
  WHERE recovered_on BETWEEN $operation_start AND $as_of
)
SELECT strftime(m.month, '%Y-%m') AS label, count(r.month)::INTEGER AS count
FROM months m LEFT JOIN recovered r USING (month)
GROUP BY m.month
ORDER BY m.month;
