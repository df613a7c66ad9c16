-- blood_points_active: "blood-collection points open on D: `opened_on` <= D and (`closed_on` empty or > D)"
-- Parameters: $as_of (DATE).
SELECT count(*)::INTEGER AS blood_points_active
FROM blood_points
WHERE opened_on <= $as_of AND (closed_on IS NULL OR closed_on > $as_of);
