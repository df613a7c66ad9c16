-- One scan of the alerts for the platform's figures. Timestamps are taken as China Standard Time days (china_date
-- of macros.sql): released "to D" and resolved "by D" compare the CST calendar day with D.
-- alerts_released: "alerts released from the platform's launch (2016-05-15) to D, leaving out `cancelled` ones"
-- alerts_recovered: "of those, alerts whose outcome is `found` or `found_deceased` with `resolved_at` by D"
-- alert_recovery_rate: "`alerts_recovered` / `alerts_released`" (NULL when none was released)
-- Parameters: $alerts_since, $as_of (DATE).
-- The CST days are compared as two instants computed once (the first instant of the launch day and of the day after
-- D, both in UTC+8): the same test as china_date(ts) BETWEEN ..., without converting every row's timestamps.
WITH bounds AS (
  SELECT timezone('Etc/GMT-8', CAST($alerts_since AS TIMESTAMP)) AS first_instant,
         timezone('Etc/GMT-8', CAST($as_of + INTERVAL 1 DAY AS TIMESTAMP)) AS end_instant
),
released AS (
  SELECT outcome IN ('found', 'found_deceased') AND resolved_at < b.end_instant AS recovered
  FROM alerts, bounds b
  WHERE released_at >= b.first_instant AND released_at < b.end_instant
    AND outcome <> 'cancelled'
)
SELECT
  count(*)::INTEGER                                         AS alerts_released,
  count(*) FILTER (WHERE recovered)::INTEGER                AS alerts_recovered,
  CAST(count(*) FILTER (WHERE recovered) AS DOUBLE) / nullif(count(*), 0) AS alert_recovery_rate
FROM released;
