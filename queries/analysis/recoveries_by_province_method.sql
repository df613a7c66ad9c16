-- title: Recoveries by province and method
-- description: Children recovered in a period, by the province where they went missing and by how they were found (recovery_method), with the province's names.
-- param since: date = 2021-01-01 -- first day of the period (China time)
-- param as_of: date -- last day of the period, inclusive
SELECT p.province,
       r.name_zh,
       r.name_en,
       p.recovery_method,
       count(*) AS recovered
FROM persons p
LEFT JOIN provinces r ON r.code = p.province
WHERE p.recovered_on BETWEEN CAST($since AS DATE) AND CAST($as_of AS DATE)
GROUP BY ALL
ORDER BY recovered DESC, p.province, p.recovery_method;
