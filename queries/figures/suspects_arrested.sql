-- One scan of the suspects for the figures counting arrests.
-- suspects_arrested: "suspects arrested in the window"
-- long_fugitives_arrested: "suspects arrested in the window who had absconded 20 or more whole years before their
--   arrest" (whole years at large: whole_years(absconded_on, arrested_on) of macros.sql, absconded_on at its imputed
--   midpoint; a suspect without absconded_on never absconded)
-- suspects_arrested_since: "suspects arrested from that date (2012-11-08) to D"
-- Parameters: $operation_start, $as_of, $suspects_arrested_since (DATE).
SELECT
  count(*) FILTER (WHERE arrested_on >= $operation_start)::INTEGER
    AS suspects_arrested,
  -- The CASE works out whole years only for the few who absconded and were arrested in the window (an AND would
  -- work them out for every row read).
  count(*) FILTER (WHERE CASE WHEN arrested_on >= $operation_start AND absconded_on IS NOT NULL
                              THEN whole_years(absconded_on, arrested_on) >= 20 ELSE false END)::INTEGER
    AS long_fugitives_arrested,
  count(*) FILTER (WHERE arrested_on >= $suspects_arrested_since)::INTEGER
    AS suspects_arrested_since
FROM suspects
-- Only suspects arrested by D in either window are read (the filter is pushed into the scan); the upper bound of
-- both windows is this D.
WHERE arrested_on BETWEEN least($operation_start, $suspects_arrested_since) AND $as_of;
