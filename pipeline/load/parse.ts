// Parsing and checking stage: one SQL statement over the whole raw relation turns text into typed values and
// collects, per row, the list of broken rules (`_errors`). The statement is composed from the table declarations
// (pipeline/warehouse/tables.ts) and the macros of queries/load/macros.sql; values are bound, never spliced.
import { EXPORT_TABLES, ENUM_DOMAINS, type ExportColumn, type ExportTable, type TableName } from '../warehouse/tables.ts';
import { blobValue, quoteIdent, quoteLiteral, type SqlParams } from '../warehouse/warehouse.ts';
import { chinaDate } from '../dates.ts';
import { printable } from './printable.ts';
import type { RawSource } from './read.ts';

/** Longest accepted id (`case_id`, `person_id`, … any text column named *_id), in characters. */
const MAX_ID_LENGTH = 128;
/** Longest accepted free text (title, city, address, phone), in characters. */
const MAX_TEXT_LENGTH = 4000;
/** How much of a bad value a quarantine message and the quarantine's value column show (characters). */
const MESSAGE_VALUE_LENGTH = 80;
const STORED_VALUE_LENGTH = 200;

/** The padded key blocks of HMAC-SHA256 (RFC 2104), so the hash can run in SQL without the key in the SQL text. */
export interface HmacPads {
  inner: Uint8Array;
  outer: Uint8Array;
}

export interface ParseContext {
  table: TableName;
  source: RawSource;
  /** The load time, for the "date in the future" rule: as an instant and as its China Standard Time date. */
  now: Date;
  hmac: HmacPads | null;
}

const id = quoteIdent;
const lit = quoteLiteral;
const raw = (c: ExportColumn) => id(`_r_${c.name}`);
const first = (c: ExportColumn) => id(`_f_${c.name}`);
const parts = (c: ExportColumn) => id(`_p_${c.name}`);
const iso = (c: ExportColumn) => id(`_i_${c.name}`);
/** Year, month and day of a date in a form other than ISO, as integer columns (NULL year: no date form, or ISO). */
const dateColumns = (c: ExportColumn) => ({ y: id(`_y_${c.name}`), m: id(`_m_${c.name}`), d: id(`_d_${c.name}`) });
const nested = (c: ExportColumn) => id(`_nested_${c.name}`);
/** In quarantineSelect: the bad value as the quarantine keeps it, as a message quotes it, and the other value of an order rule. */
const STORED = '_stored';
const QUOTED = '_quoted';
const OTHER_SHOWN = '_other_shown';

function maxLengthOf(c: ExportColumn): number {
  return c.name.endsWith('_id') ? MAX_ID_LENGTH : MAX_TEXT_LENGTH;
}

export interface ParseStatement {
  /** CREATE TEMP TABLE _rows (the parsed rows), then `view`. */
  sql: string;
  params: SqlParams;
  /** CREATE TEMP VIEW _parsed: `_rows` with `_line`, as the storing stage reads them. */
  view: string;
  /** SELECT of the quarantine entries of `_parsed`: _line, _check, column_name, source_column, value, message. */
  quarantine: { sql: string; params: SqlParams };
}

/**
 * CREATE TEMP TABLE _rows (and the view _parsed over it, with `_line`): the stored columns typed, and `_errors` (NULL
 * for a valid row): per broken rule {check, value, other}, the rule's number and the raw text(s) it quotes. The
 * quarantine's messages are composed from them by `quarantine`, over the bad rows only: written into this statement,
 * the ~40 escaped and cut values cost DuckDB ~40 ms of planning per file whatever its size.
 */
export function parseStatement(context: ParseContext): ParseStatement {
  const table = EXPORT_TABLES[context.table];
  const columns = table.columns.filter((c) => c.kind !== 'person_name');
  // Provinces (about 130 spellings) are looked up by province_code (load.ts); the few spellings of an enum by a
  // CASE of constants.
  const provinces = columns.filter((c) => c.kind === 'province');
  const enums = columns.filter((c) => c.kind === 'enum');
  const dated = columns.filter((c) => c.kind === 'date' || c.kind === 'partial_date' || c.kind === 'birth_date');

  const withParts = [
    'raw.*',
    ...dated.flatMap((c) => [`iso_date(raw.${id(c.name)}) AS ${iso(c)}`, `date_parts(raw.${id(c.name)}) AS ${parts(c)}`]),
    ...provinces.map((c) => `province_code(raw.${id(c.name)}) AS ${id(`_v_${c.name}`)}`),
    ...enums.map((c) => `${enumCase(c, `raw.${id(c.name)}`)} AS ${id(`_v_${c.name}`)}`),
  ];

  const lines = context.source.linesFromRowid;
  const typed = [
    ...(lines ? [] : ['_line']),
    ...columns.flatMap((c) => typedColumns(c, context)),
    ...columns.filter((c) => context.source.nested.has(c.name)).map((c) => nested(c)),
  ];
  const checks = columns.flatMap((c) => columnChecks(c, context)).concat(ruleChecks(table, context));
  // Most rows are valid: the list of entries is built only for a row that breaks a rule.
  const anyBroken = checks.map((check) => `(${check.when})`).join(' OR ');
  // A check's number is its place in this list, so ordering a row's entries by it keeps the order of the columns.
  const brokenEntry = (check: Check, k: number) =>
    `{'check': ${k}, 'value': ${check.value ?? 'CAST(NULL AS VARCHAR)'}, 'other': ${check.other ?? 'CAST(NULL AS VARCHAR)'}}`;
  const numbered = checks.map((check, k) => ({ check, k }));
  const entries = groupByColumn(numbered).map((group) => `CASE ${group.map(({ check, k }) => `WHEN ${check.when} THEN ${brokenEntry(check, k)}`).join(' ')} END`);
  const stored = columns.flatMap((c) => storedExpressions(c));

  const sql = `CREATE OR REPLACE TEMP TABLE _rows AS
WITH raw AS (${context.source.sql}),
with_parts AS (SELECT ${withParts.join(', ')} FROM raw),
split AS (SELECT *${dated.map((c) => { const { y, m, d } = dateColumns(c); return `, date_year(${parts(c)}) AS ${y}, date_month(${parts(c)}) AS ${m}, date_day(${parts(c)}) AS ${d}`; }).join('')} FROM with_parts),
typed AS (SELECT ${typed.join(',\n  ')} FROM split)
SELECT ${lines ? '' : '_line, '}${stored.join(', ')},
  CASE WHEN ${anyBroken} THEN list_filter([${entries.join(',\n    ')}], e -> e IS NOT NULL) END AS _errors
FROM typed`;

  const params: SqlParams = { ...context.source.params, now: context.now.toISOString(), today: chinaDate(context.now) };
  if (context.hmac && columns.some((c) => c.kind === 'identity_number')) {
    params.hmac_inner = blobValue(context.hmac.inner);
    params.hmac_outer = blobValue(context.hmac.outer);
  }
  const view = lines
    ? `CREATE OR REPLACE TEMP VIEW _parsed AS SELECT ${lines.lineSql} AS _line, _r.* FROM ${lines.from}`
    : `CREATE OR REPLACE TEMP VIEW _parsed AS SELECT * FROM _rows`;
  return { sql, params, view, quarantine: quarantineSelect(checks, context) };
}

/** The quarantine entries of `_parsed`'s bad rows, one per broken rule, in the order of the checks within a line. */
function quarantineSelect(checks: Check[], context: ParseContext): { sql: string; params: SqlParams } {
  const byCheck = (pick: (check: Check) => string) => `CASE e.check ${checks.map((check, k) => `WHEN ${k} THEN ${pick(check)}`).join(' ')} END`;
  const sql = `SELECT _line, e.check AS _check, ${byCheck((c) => lit(c.columnName))} AS column_name,
  ${byCheck((c) => (c.sourceColumn === null ? 'CAST(NULL AS VARCHAR)' : lit(c.sourceColumn)))} AS source_column,
  ${byCheck((c) => (c.value !== null ? STORED : 'CAST(NULL AS VARCHAR)'))} AS value,
  ${byCheck((c) => c.message)} AS message
FROM (SELECT _line, e, shown_value(e.value, ${STORED_VALUE_LENGTH}) AS ${STORED},
        format('''{}''', shown_value(e.value, ${MESSAGE_VALUE_LENGTH})) AS ${QUOTED}, shown_value(e.other, ${MESSAGE_VALUE_LENGTH}) AS ${OTHER_SHOWN}
      FROM (SELECT _line, unnest(_errors) AS e FROM _parsed WHERE _errors IS NOT NULL))`;
  return { sql, params: { today: chinaDate(context.now), now: context.now.toISOString() } };
}

/**
 * CASE lower(<value>) WHEN 'spelling' THEN 'value' … END over the accepted spellings of an enum column (ENUM_DOMAINS),
 * behind a CASE of the forms that need no lower() (the spellings in lower case, and the values whose lower case is a
 * spelling, such as M): lower() costs most on Chinese text, and most values come in one of those forms.
 */
function enumCase(c: ExportColumn, value: string): string {
  const domain = Object.entries(ENUM_DOMAINS[c.domain!]);
  const branches = domain.flatMap(([canonical, spellings]) =>
    spellings.map((spelling) => `WHEN ${lit(spelling.toLowerCase())} THEN ${lit(canonical)}`),
  );
  // What lower() of each form gives, as the CASE below reads it (the first spelling wins, as there).
  const byLowerCase = new Map<string, string>();
  for (const [canonical, spellings] of domain) for (const s of spellings) if (!byLowerCase.has(s.toLowerCase())) byLowerCase.set(s.toLowerCase(), canonical);
  const asGiven = new Map(byLowerCase);
  for (const [canonical] of domain) {
    if (/^[\x20-\x7e]+$/.test(canonical) && byLowerCase.has(canonical.toLowerCase())) asGiven.set(canonical, byLowerCase.get(canonical.toLowerCase())!);
  }
  const shortcut = [...asGiven].map(([form, canonical]) => `WHEN ${lit(form)} THEN ${lit(canonical)}`);
  return `CASE ${value} ${shortcut.join(' ')} ELSE CASE lower(${value}) ${branches.join(' ')} END END`;
}

/** In the `typed` layer: the raw text as _r_<c>, the parsed value as <c>, and helpers the rules need. */
function typedColumns(c: ExportColumn, context: ParseContext): string[] {
  const r = `${id(c.name)}`;
  const keepRaw = `${r} AS ${raw(c)}`;
  const i = iso(c);
  const date = dateColumns(c);
  const dateParts = `${date.y}, ${date.m}, ${date.d}`;
  switch (c.kind) {
    case 'text':
      return [keepRaw, `${r} AS ${id(c.name)}`];
    case 'date': {
      // A full date only: a day given (a day is never given without its month and year).
      const fullDate = `coalesce(${i}, CASE WHEN ${date.d} IS NOT NULL THEN imputed_date(${dateParts}) END)`;
      return [keepRaw, `${fullDate} AS ${id(c.name)}`, `${fullDate} AS ${first(c)}`];
    }
    case 'partial_date':
      return [
        keepRaw,
        `coalesce(${i}, imputed_date(${dateParts})) AS ${id(c.name)}`,
        `CASE WHEN ${i} IS NOT NULL THEN 'day' WHEN imputed_date(${dateParts}) IS NOT NULL THEN date_precision(${dateParts}) END AS ${id(`${c.name}_precision`)}`,
        `coalesce(${i}, first_day(${dateParts})) AS ${first(c)}`,
      ];
    case 'birth_date':
      return [
        keepRaw,
        `CASE WHEN ${i} IS NOT NULL THEN year(${i}) WHEN imputed_date(${dateParts}) IS NOT NULL THEN ${date.y} END AS birth_year`,
        `coalesce(${i}, first_day(${dateParts})) AS ${first(c)}`,
      ];
    case 'timestamp':
      return [keepRaw, `parse_timestamp(${r}) AS ${id(c.name)}`];
    case 'boolean':
      return [keepRaw, `parse_boolean(${r}) AS ${id(c.name)}`];
    case 'province':
    case 'enum':
      return [keepRaw, `${id(`_v_${c.name}`)} AS ${id(c.name)}`];
    case 'count':
      return [keepRaw, `parse_count(${r}) AS ${id(c.name)}`];
    case 'identity_number':
      // Only the keyed hash leaves this layer; without a key the column is dropped (NULL).
      return [context.hmac ? `CASE WHEN ${r} IS NOT NULL THEN hmac_sha256($hmac_inner, $hmac_outer, ${r}) END AS id_number_hmac` : `CAST(NULL AS VARCHAR) AS id_number_hmac`];
    case 'person_name':
      return [];
  }
}

/** The stored columns of the final SELECT (booleans: empty means false). */
function storedExpressions(c: ExportColumn): string[] {
  switch (c.kind) {
    case 'identity_number':
      return ['id_number_hmac'];
    case 'birth_date':
      return ['birth_year'];
    case 'partial_date':
      return [id(c.name), id(`${c.name}_precision`)];
    case 'boolean':
      return [`coalesce(${id(c.name)}, false) AS ${id(c.name)}`];
    default:
      return [id(c.name)];
  }
}

const KIND_LABELS: Partial<Record<ExportColumn['kind'], string>> = {
  date: 'a date',
  partial_date: 'a date',
  birth_date: 'a date',
  timestamp: 'a timestamp (ISO 8601)',
  boolean: 'a yes/no value (true/false, 1/0, Y/N, yes/no, 是/否)',
  province: 'a known province (code, Chinese or English name)',
  count: 'a whole number',
};

/** The header a clerk knows column c by, as the quarantine's source_column shows it (NULL for a column not in the file). */
function sourceColumn(c: ExportColumn, context: ParseContext): string | null {
  const header = context.source.headers.get(c.name) ?? null;
  return header === null ? null : printable(header);
}

/** "(line 418, column 失踪日期)": where a clerk finds the value. */
function where(c: ExportColumn, context: ParseContext): string {
  const header = context.source.headers.get(c.name) ?? c.name;
  return `format(' ({} {}, column {})', ${lit(context.source.positionWord)}, _line, ${lit(printable(header))})`;
}

/** One rule a value can break: the condition, and what its quarantine entry is made of when it holds. */
interface Check {
  /** Consecutive checks of the same column give one entry (see groupByColumn); 'rule:…' for a rule over two. */
  column: string;
  when: string;
  columnName: string;
  sourceColumn: string | null;
  /**
   * The raw text the entry quotes and the quarantine's value column keeps (SQL over the `typed` layer; null: none,
   * as for personal data), and the other one of an order rule.
   */
  value: string | null;
  other: string | null;
  /** The message, as SQL in quarantineSelect's terms (the quoted value, _line). */
  message: string;
}

/** Checks of one column, in the order they are tried: the first that holds is the entry for that column. */
function columnChecks(c: ExportColumn, context: ParseContext): Check[] {
  if (c.kind === 'identity_number' || c.kind === 'person_name') return [];
  const r = raw(c);
  const v = id(c.kind === 'birth_date' ? 'birth_year' : c.name);
  const personal = c.kind === 'birth_date';
  // Personal data is never copied into the quarantine: the message says which rule, not the value.
  const shown = personal ? `'(withheld: personal data)'` : QUOTED;
  const valueSql = personal ? null : r;
  const check = (when: string, value: string | null, message: string): Check => ({
    column: c.name,
    when,
    columnName: c.name,
    sourceColumn: sourceColumn(c, context),
    value,
    other: null,
    message,
  });
  const checks: Check[] = [];
  if (c.required) checks.push(check(`${r} IS NULL`, null, `${lit(`${c.name} is required but empty`)} || ${where(c, context)}`));
  // JSON lines or a Parquet list/struct column: an object or array where one value belongs.
  if (context.source.nested.has(c.name)) {
    checks.push(check(nested(c), valueSql, `${lit(`${c.name} is an object or array, not a single value`)} || ${where(c, context)}`));
  }
  if (c.kind === 'text') {
    // Ids and free text are shown in bulletins, tables and terminals: no control characters, a bounded length.
    checks.push(check(`has_unprintable(${r})`, valueSql, `${lit(c.name + ' ')} || ${shown} || ${lit(' holds a control character')} || ${where(c, context)}`));
    const max = maxLengthOf(c);
    // strlen (bytes) is free; length (characters) is counted only for the few texts that may be too long.
    checks.push(check(`strlen(${r}) > ${max} AND length(${r}) > ${max}`, valueSql, `${lit(c.name + ' ')} || ${shown} || ${lit(` is longer than ${max} characters`)} || ${where(c, context)}`));
  } else {
    const label =
      c.kind === 'enum' ? `one of ${Object.keys(ENUM_DOMAINS[c.domain!]).join(', ')}` : (KIND_LABELS[c.kind] ?? c.kind);
    checks.push(check(`${r} IS NOT NULL AND ${v} IS NULL`, valueSql, `${lit(c.name + ' ')} || ${shown} || ${lit(` is not ${label}`)} || ${where(c, context)}`));
  }
  if (c.kind === 'count') {
    checks.push(check(`${v} < 0`, valueSql, `${lit(c.name + ' ')} || ${shown} || ' is below 0' || ${where(c, context)}`));
  }
  if (c.kind === 'date' || c.kind === 'partial_date' || c.kind === 'birth_date') {
    checks.push(check(`${first(c)} > CAST($today AS DATE)`, valueSql, `${lit(c.name + ' ')} || ${shown} || ' is after the load date ' || $today || ${where(c, context)}`));
  }
  if (c.kind === 'timestamp') {
    checks.push(check(`${v} > CAST($now AS TIMESTAMPTZ)`, valueSql, `${lit(c.name + ' ')} || ${shown} || ' is after the load time ' || $now || ${where(c, context)}`));
  }
  return checks;
}

/** Consecutive checks of the same column become one CASE (one entry per column); rules stay separate entries. */
function groupByColumn<T extends { check: Check }>(checks: T[]): T[][] {
  const groups: T[][] = [];
  for (const item of checks) {
    const last = groups[groups.length - 1];
    if (last && last[0].check.column === item.check.column && !item.check.column.startsWith('rule:')) last.push(item);
    else groups.push([item]);
  }
  return groups;
}

/** Order rules and conditional requirements, which look at two columns of the row. */
function ruleChecks(table: ExportTable, context: ParseContext): Check[] {
  const column = (name: string) => table.columns.find((c) => c.name === name)!;
  const order = table.orderRules.map(({ column: laterName, notBefore }) => {
    const later = column(laterName);
    const earlier = column(notBefore);
    const message = `format('{} {} is before {} ''{}''', ${lit(later.name)}, ${QUOTED}, ${lit(earlier.name)}, ${OTHER_SHOWN}) || ${where(later, context)}`;
    return {
      column: `rule:${later.name}`,
      when: `${first(later)} < ${first(earlier)}`,
      columnName: later.name,
      sourceColumn: sourceColumn(later, context),
      value: raw(later),
      other: raw(earlier),
      message,
    };
  });
  const conditional = table.requiredWhen.map(({ column: name, whenPresent }) => {
    const c = column(name);
    const other = column(whenPresent);
    const message = `${lit(`${c.name} is required when ${other.name} is given`)} || ${where(c, context)}`;
    return {
      column: `rule:${c.name}`,
      when: `${raw(c)} IS NULL AND ${raw(other)} IS NOT NULL`,
      columnName: c.name,
      sourceColumn: sourceColumn(c, context),
      value: null,
      other: null,
      message,
    };
  });
  return [...order, ...conditional];
}
