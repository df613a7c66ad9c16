-- One scan of the alerts for the platform's figures. Timestamps are taken as China Standard Time days (china_date
-- of macros.sql): released "to D" and resolved "by D" compare the CST calendar day with D.
-- alerts_released: "alerts released from the platform's launch (2016-05-15) to D, leaving out `cancelled` ones"
-- alerts_recovered: "of those, alerts whose outcome is `found` or `found_deceased` with `resolved_at` by D"
-- alert_recovery_rate: "`alerts_recovered` / `alerts_released`" (NULL when none was released)
-- Parameters: $alerts_since, $as_of (DATE).
WITH released AS (
  SELECT outcome IN ('found', 'found_deceased') AND china_date(resolved_at) <= $as_of AS recovered
  FROM alerts
  WHERE china_date(released_at) BETWEEN $alerts_since AND $as_of
    AND outcome <> 'cancelled'
)
SELECT
  count(*)::INTEGER                                         AS alerts_released,
  count(*) FILTER (WHERE recovered)::INTEGER                AS alerts_recovered,
  CAST(count(*) FILTER (WHERE recovered) AS DOUBLE) / nullif(count(*), 0) AS alert_recovery_rate
FROM released;
