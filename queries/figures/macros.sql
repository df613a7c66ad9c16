-- Definitions shared by the figure queries (../shared/spec/metrics.md, "Conventions"), created as TEMP macros on
-- the reader's connection before any figure runs. Nothing here is stored.

-- "Whole years missing ... counted as an age is counted, by comparing (month, day): missing 2001-06-10 and
-- recovered 2021-06-09 is 19 years, recovered 2021-06-10 is 20; missing 2000-02-29 and recovered 2021-02-28 is 20,
-- recovered 2021-03-01 is 21. Never below 0 (a recovery before the imputed midpoint of a partial date counts 0).
-- The same rule gives years at large."
-- Partial dates are already stored at their imputed midpoint (a year alone 1 July, a year and month the 15th).
CREATE OR REPLACE TEMP MACRO whole_years(since, until) AS
  greatest(0, year(until) - year(since)
              - CASE WHEN month(until) * 100 + day(until) < month(since) * 100 + day(since) THEN 1 ELSE 0 END);

-- "Timestamps are taken in China Standard Time": the calendar day a TIMESTAMPTZ falls on in China, whatever the
-- session's time zone. China Standard Time is UTC+8 all year (Etc/GMT-8; Asia/Shanghai would add 1986-1991 summer time).
CREATE OR REPLACE TEMP MACRO china_date(ts) AS CAST(timezone('Etc/GMT-8', ts) AS DATE);
