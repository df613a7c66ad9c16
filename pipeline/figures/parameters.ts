// The values the figure queries bind: the bulletin's date and window, the configured long-term start dates and the
// enum domains the splits list in full. Kept as plain JSON values (they are printed as provenance) and turned into
// typed DuckDB values only when bound.
import type { Config } from '../config.ts';
import { ENUM_DOMAINS } from '../warehouse/tables.ts';
import { dateParam, listValue, type SqlParams } from '../warehouse/warehouse.ts';

export interface FigureParameters {
  /** D: the bulletin's date, inclusive. */
  as_of: string;
  /** S: the first day of the operation's window. */
  operation_start: string;
  /** First calendar year of cases_reported_by_year and detection_rate_by_year. */
  trend_first_year: number;
  cases_solved_since: string;
  suspects_arrested_since: string;
  dna_since: string;
  alerts_since: string;
  /** Every recovery method, in the order of exports.md: recovered_by_method lists each one. */
  recovery_methods: string[];
  /** Every case category, in the order of exports.md: detection_rate_by_year lists each one. */
  categories: string[];
}

export function figureParameters(config: Config, asOf: string, operationStart: string): FigureParameters {
  return {
    as_of: asOf,
    operation_start: operationStart,
    trend_first_year: config.trends.firstYear,
    cases_solved_since: config.trends.casesSolvedSince,
    suspects_arrested_since: config.trends.suspectsArrestedSince,
    dna_since: config.trends.dnaSystemSince,
    alerts_since: config.trends.alertPlatformSince,
    recovery_methods: Object.keys(ENUM_DOMAINS.recovery_method),
    categories: Object.keys(ENUM_DOMAINS.category),
  };
}

/** The parameters as DuckDB binds them: dates as DATE, the domains as VARCHAR[] (the year binds as a DOUBLE, which the queries cast). */
export function sqlParams(p: FigureParameters): SqlParams {
  return {
    as_of: dateParam(p.as_of),
    operation_start: dateParam(p.operation_start),
    trend_first_year: p.trend_first_year,
    cases_solved_since: dateParam(p.cases_solved_since),
    suspects_arrested_since: dateParam(p.suspects_arrested_since),
    dna_since: dateParam(p.dna_since),
    alerts_since: dateParam(p.alerts_since),
    recovery_methods: listValue(p.recovery_methods),
    categories: listValue(p.categories),
  };
}

/** The parameters a statement binds (`$name` in its text), for its provenance. */
export function parametersUsedBy(sql: string, p: FigureParameters): Partial<FigureParameters> {
  const used = new Set(Array.from(sql.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g), (m) => m[1]));
  return Object.fromEntries(Object.entries(p).filter(([name]) => used.has(name))) as Partial<FigureParameters>;
}
