-- One scan of the cases for the figures counting solved cases.
-- cases_solved: "all cases solved in the window"
-- cold_cases_solved: "cases solved in the window that were filed before S ("accumulated cases")"
-- supervised_cases_solved_by_experts: "cases solved in the window that are both `ministry_supervised` and
--   `expert_assisted`"
-- cases_solved_since: "cases of any category solved from the configured date (2012-11-08) to D"
-- Filed = reported_on. In the window: $operation_start <= solved_on <= $as_of.
-- Parameters: $operation_start, $as_of, $cases_solved_since (DATE).
SELECT
  count(*) FILTER (WHERE solved_on BETWEEN $operation_start AND $as_of)::INTEGER
    AS cases_solved,
  count(*) FILTER (WHERE solved_on BETWEEN $operation_start AND $as_of AND reported_on < $operation_start)::INTEGER
    AS cold_cases_solved,
  count(*) FILTER (WHERE solved_on BETWEEN $operation_start AND $as_of AND ministry_supervised AND expert_assisted)::INTEGER
    AS supervised_cases_solved_by_experts,
  count(*) FILTER (WHERE solved_on BETWEEN $cases_solved_since AND $as_of)::INTEGER
    AS cases_solved_since
FROM cases
-- Only cases solved by D in either window are read: the filter is pushed into the scan.
WHERE solved_on BETWEEN least($operation_start, $cases_solved_since) AND $as_of;
