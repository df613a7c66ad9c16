-- Value parsing for the loader, as macros over whole columns (exports.md "Value formats").
-- Created as TEMP macros on the loading connection; nothing here is stored in the warehouse.

-- Empty field, NULL and \N are all "no value"; padded values are trimmed. (trim() on every value costs as much as
-- reading the file, so only values that start or end with a space pay for it.)
-- padded_to_null alone serves a reader that already gave NULL for '', 'NULL', 'null' and '\N' (read_csv's nullstr).
CREATE OR REPLACE TEMP MACRO padded_to_null(v) AS
  CASE WHEN starts_with(v, ' ') OR ends_with(v, ' ') THEN nullif(nullif(nullif(nullif(trim(v), ''), 'NULL'), 'null'), '\N')
       ELSE v END;
CREATE OR REPLACE TEMP MACRO blank_to_null(v) AS
  CASE WHEN v IN ('', 'NULL', 'null', '\N') THEN NULL ELSE padded_to_null(v) END;

-- Fast path for the common form 2021-11-30: a plain cast, no regular expression.
CREATE OR REPLACE TEMP MACRO is_iso_date(v) AS length(v) = 10 AND v[5] = '-' AND v[8] = '-';
CREATE OR REPLACE TEMP MACRO iso_date(v) AS CASE WHEN is_iso_date(v) THEN try_cast(v AS DATE) END;

-- The parts of a full or partial date in every other accepted form: 2021/11/30, 2021/1/5, 2021年11月30日,
-- 20211130, 1947, 1947年, 1947-06, 1947/6, 1947年6月. NULL for the ISO form (see iso_date); y is '' when the text
-- is no date form at all.
CREATE OR REPLACE TEMP MACRO date_parts(v) AS
  CASE WHEN is_iso_date(v) THEN NULL
       -- A year alone (birth years, old cases) is common enough to skip the long expression.
       WHEN length(v) = 4 AND regexp_full_match(v, '\d{4}') THEN {'y': v, 'm1': '', 'd1': '', 'm2': '', 'd2': '', 'm3': '', 'd3': ''}
       ELSE regexp_extract(v, '^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?|年(?:(\d{1,2})月(?:(\d{1,2})日)?)?|(\d{2})(\d{2}))?$',
                 ['y', 'm1', 'd1', 'm2', 'd2', 'm3', 'd3']) END;

-- Every cast below is a try_cast although the regular expression already vouches for the digits: DuckDB's optimizer
-- hoists a repeated subexpression (such as the year's cast) out of the CASE into a projection evaluated for every
-- row, so a plain CAST would also run on a text that is no date (y = '') and fail the whole file.
-- The loader keeps year, month and day as columns of their own (NULL year: no date form, or the ISO path), so the
-- macros below take three plain values: macros over the parts struct expand into expressions that cost DuckDB
-- milliseconds of planning per use.
CREATE OR REPLACE TEMP MACRO date_year(p) AS try_cast(nullif(p.y, '') AS INTEGER);
CREATE OR REPLACE TEMP MACRO date_month(p) AS try_cast(coalesce(nullif(p.m1, ''), nullif(p.m2, ''), nullif(p.m3, '')) AS INTEGER);
CREATE OR REPLACE TEMP MACRO date_day(p) AS try_cast(coalesce(nullif(p.d1, ''), nullif(p.d2, ''), nullif(p.d3, '')) AS INTEGER);

-- 'day', 'month' or 'year'; NULL when the text is no date form (or took the ISO path).
CREATE OR REPLACE TEMP MACRO date_precision(y, m, d) AS
  CASE WHEN y IS NULL THEN NULL WHEN d IS NOT NULL THEN 'day' WHEN m IS NOT NULL THEN 'month' ELSE 'year' END;

-- The date a partial date stands for in durations: its midpoint (a year alone is 1 July, a month the 15th).
-- NULL for an impossible date (2021-13-45, 2021-02-30).
CREATE OR REPLACE TEMP MACRO imputed_date(y, m, d) AS
  CASE WHEN y IS NULL THEN NULL
       WHEN d IS NOT NULL THEN try(make_date(y, m, d))
       WHEN m IS NOT NULL THEN try(make_date(y, m, 15))
       ELSE try(make_date(y, 7, 1)) END;

-- The first day a partial date can mean: order rules ("not before") compare by it.
CREATE OR REPLACE TEMP MACRO first_day(y, m, d) AS
  CASE WHEN y IS NULL THEN NULL
       WHEN d IS NOT NULL THEN try(make_date(y, m, d))
       WHEN m IS NOT NULL THEN try(make_date(y, m, 1))
       ELSE try(make_date(y, 1, 1)) END;

-- ISO 8601 with or without offset; without one it is China Standard Time (the session time zone is Etc/GMT-8: UTC+8 all year; Asia/Shanghai would add the 1986-1991 summer time).
-- An offset is at most 14 hours with minutes below 60 (DuckDB's cast would take +99:99).
CREATE OR REPLACE TEMP MACRO parse_timestamp(v) AS
  CASE WHEN regexp_full_match(v, '\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)?')
       THEN try_cast(v AS TIMESTAMPTZ) END;

-- The usual spellings as they come are told without lower(), which costs most on Chinese text.
CREATE OR REPLACE TEMP MACRO parse_boolean(v) AS
  CASE v WHEN 'false' THEN false WHEN 'true' THEN true WHEN '否' THEN false WHEN '是' THEN true WHEN '0' THEN false WHEN '1' THEN true
    ELSE CASE WHEN lower(v) IN ('true', '1', 'y', 'yes', '是') THEN true
              WHEN lower(v) IN ('false', '0', 'n', 'no', '否') THEN false END END;

CREATE OR REPLACE TEMP MACRO parse_count(v) AS
  CASE WHEN regexp_full_match(v, '[+-]?\d{1,9}') THEN try_cast(v AS INTEGER) END;

-- The key a province value is looked up by: a 2-, 4- or 6-digit code counts for its first two digits.
CREATE OR REPLACE TEMP MACRO province_key(v) AS
  CASE WHEN regexp_full_match(v, '\d{2}|\d{4}|\d{6}') THEN v[1:2] ELSE lower(v) END;

-- HMAC-SHA256 (RFC 2104) of a text, from the key's inner and outer padded blocks (bound, never in SQL text).
CREATE OR REPLACE TEMP MACRO hmac_sha256(inner_pad, outer_pad, v) AS
  sha256(outer_pad || unhex(sha256(inner_pad || encode(v))));

-- Characters a stored text may not hold and a message never shows as they are: C0 and C1 controls (NUL, ESC, line
-- ends, tab), DEL, the line and paragraph separators, and the bidi embedding, override and isolate controls (which
-- reorder what a reader sees). pipeline/load/printable.ts has the same class for file names and headers.
CREATE OR REPLACE TEMP MACRO has_unprintable(v) AS
  regexp_matches(v, '[\x00-\x1F\x7F-\x{9F}\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]');

-- A value as a message or the quarantine shows it: those characters as \uXXXX, cut after n characters.
CREATE OR REPLACE TEMP MACRO shown_value(v, n) AS
  CASE WHEN has_unprintable(left(v, n))
       THEN array_to_string(list_transform(string_split(left(v, n), ''),
              ch -> CASE WHEN has_unprintable(ch) THEN printf('\u%04X', unicode(ch)) ELSE ch END), '')
       ELSE left(v, n) END
  || CASE WHEN length(v) > n THEN format('… ({} characters)', length(v)) ELSE '' END;
