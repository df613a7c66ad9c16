-- recovered: "persons with `recovered_on` in the window, whenever they went missing ("recovered over the years")"
-- longest_separation_years: "the largest whole years missing among `recovered`; null when there are none"
-- recovered_by_expert_teams: "`recovered` with method `expert_team`"
-- In the window: $operation_start <= recovered_on <= $as_of.
-- Parameters: $operation_start, $as_of (DATE).
SELECT
  count(*)::INTEGER                                                   AS recovered,
  max(whole_years(missing_on, recovered_on))::INTEGER                 AS longest_separation_years,
  count(*) FILTER (WHERE recovery_method = 'expert_team')::INTEGER    AS recovered_by_expert_teams
FROM persons
WHERE recovered_on BETWEEN $operation_start AND $as_of;
