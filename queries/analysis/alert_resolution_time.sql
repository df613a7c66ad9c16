-- title: Time from alert release to resolution
-- description: Alerts released in a period that have ended, by outcome: how many, and the hours from release to resolution (median, 90th percentile, longest). Alerts still open are counted apart.
-- param since: date = 2016-05-15 -- first day of release (China time); the platform started on 2016-05-15
-- param as_of: date -- last day of release, inclusive
SELECT coalesce(outcome, 'open') AS outcome,
       count(*) AS alerts,
       round(median(epoch(resolved_at - released_at)) / 3600, 1) AS median_hours,
       round(quantile_cont(epoch(resolved_at - released_at), 0.9) / 3600, 1) AS p90_hours,
       round(max(epoch(resolved_at - released_at)) / 3600, 1) AS longest_hours
FROM alerts
WHERE CAST(timezone('Etc/GMT-8', released_at) AS DATE) BETWEEN CAST($since AS DATE) AND CAST($as_of AS DATE)
GROUP BY ALL
ORDER BY alerts DESC;
