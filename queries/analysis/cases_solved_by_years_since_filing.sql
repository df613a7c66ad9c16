-- title: Cases solved, by years since filing
-- description: Cases solved in a period, by category and by whole years between filing (reported_on) and solving (solved_on).
-- param since: date = 2021-01-01 -- first day of solving (China time)
-- param as_of: date -- last day of solving, inclusive
SELECT category,
       greatest(0, year(solved_on) - year(reported_on)
                   - CASE WHEN month(solved_on) * 100 + day(solved_on) < month(reported_on) * 100 + day(reported_on) THEN 1 ELSE 0 END) AS years_since_filing,
       count(*) AS solved
FROM cases
WHERE solved_on BETWEEN CAST($since AS DATE) AND CAST($as_of AS DATE)
GROUP BY ALL
ORDER BY category, years_since_filing;
