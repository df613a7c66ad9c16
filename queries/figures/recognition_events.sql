-- recognition_events: "events held in the window"
-- families_reunited_at_events: "sum of `families_reunited` over those events" (an empty count adds nothing)
-- Parameters: $operation_start, $as_of (DATE).
SELECT
  count(*)::INTEGER                                 AS recognition_events,
  coalesce(sum(families_reunited), 0)::INTEGER      AS families_reunited_at_events
FROM events
WHERE held_on BETWEEN $operation_start AND $as_of;
