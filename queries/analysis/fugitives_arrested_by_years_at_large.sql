-- title: Fugitives arrested, by years at large
-- description: Suspects arrested in a period who had absconded, by whole years at large (counted as an age is, as metrics.md says), with how many had been at large 20 years or more.
-- param since: date = 2021-01-01 -- first day of arrest (China time)
-- param as_of: date -- last day of arrest, inclusive
WITH arrested AS (
  SELECT greatest(0, year(arrested_on) - year(absconded_on)
                     - CASE WHEN month(arrested_on) * 100 + day(arrested_on) < month(absconded_on) * 100 + day(absconded_on) THEN 1 ELSE 0 END) AS years_at_large
  FROM suspects
  WHERE arrested_on BETWEEN CAST($since AS DATE) AND CAST($as_of AS DATE)
    AND absconded_on IS NOT NULL
)
SELECT years_at_large,
       count(*) AS arrested,
       sum(count(*)) OVER (ORDER BY years_at_large DESC) AS at_large_this_long_or_longer
FROM arrested
GROUP BY years_at_large
ORDER BY years_at_large;
