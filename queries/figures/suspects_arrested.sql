-- One scan of the suspects for the figures counting arrests.
-- suspects_arrested: "suspects arrested in the window"
-- long_fugitives_arrested: "suspects arrested in the window who had absconded 20 or more whole years before their
--   arrest" (whole years at large: whole_years(absconded_on, arrested_on) of macros.sql, absconded_on at its imputed
--   midpoint; a suspect without absconded_on never absconded)
-- suspects_arrested_since: "suspects arrested from that date (2012-11-08) to D"
-- Parameters: $operation_start, $as_of, $suspects_arrested_since (DATE).
SELECT
  count(*) FILTER (WHERE arrested_on BETWEEN $operation_start AND $as_of)::INTEGER
    AS suspects_arrested,
  count(*) FILTER (WHERE arrested_on BETWEEN $operation_start AND $as_of
                     AND whole_years(absconded_on, arrested_on) >= 20)::INTEGER
    AS long_fugitives_arrested,
  count(*) FILTER (WHERE arrested_on BETWEEN $suspects_arrested_since AND $as_of)::INTEGER
    AS suspects_arrested_since
FROM suspects
-- Only suspects arrested by D in either window are read: the filter is pushed into the scan.
WHERE arrested_on BETWEEN least($operation_start, $suspects_arrested_since) AND $as_of;
