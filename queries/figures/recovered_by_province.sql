-- recovered_by_province: "`recovered` split by the province where the person went missing"
-- Provinces by their 2-digit code; only provinces with a recovery (cli.md: "every province with a non-zero count").
-- Parameters: $operation_start, $as_of (DATE).
SELECT province AS label, count(*)::INTEGER AS count
FROM persons
WHERE recovered_on BETWEEN $operation_start AND $as_of
GROUP BY province
ORDER BY province;
