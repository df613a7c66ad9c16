// The figures of ../shared/spec/metrics.md, computed on a reader's connection to a published snapshot.
//
//   1. create the shared macros (queries/figures/macros.sql: whole years, China Standard Time days)
//   2. run each queries/figures/<name>.sql with its parameters bound, never spliced
//   3. shape its rows into the typed figures it gives (one figure, or a small family sharing one scan)
//   4. record for every figure where it came from: SQL file, sha256 of its text, bound parameters, snapshot
import { createHash } from 'node:crypto';
import { sqlFile } from '../paths.ts';
import type { Row, Warehouse } from '../warehouse/warehouse.ts';
import { parametersUsedBy, sqlParams, type FigureParameters } from './parameters.ts';

/** A split: label -> count, in the order the methodology lists the labels. */
export type Split = Record<string, number>;

export interface Figures {
  recovered: number;
  recovered_by_years_missing: Split;
  recovered_by_method: Split;
  recovered_by_province: Split;
  recovered_by_month: Split;
  longest_separation_years: number | null;
  cold_cases_solved: number;
  cases_solved: number;
  suspects_arrested: number;
  long_fugitives_arrested: number;
  supervised_cases_solved_by_experts: number;
  recovered_by_expert_teams: number;
  recognition_events: number;
  families_reunited_at_events: number;
  blood_points_active: number;
  cases_reported_by_year: Split;
  /** category -> year -> rate (null where no case was filed that year). */
  detection_rate_by_year: Record<string, Record<string, number | null>>;
  cases_solved_since: number;
  suspects_arrested_since: number;
  alerts_released: number;
  alerts_recovered: number;
  alert_recovery_rate: number | null;
  dna_recoveries_since: number;
}

export type FigureId = keyof Figures;

/** Every figure id, in the order of metrics.md. */
export const FIGURE_IDS: readonly FigureId[] = [
  'recovered',
  'recovered_by_years_missing',
  'recovered_by_method',
  'recovered_by_province',
  'recovered_by_month',
  'longest_separation_years',
  'cold_cases_solved',
  'cases_solved',
  'suspects_arrested',
  'long_fugitives_arrested',
  'supervised_cases_solved_by_experts',
  'recovered_by_expert_teams',
  'recognition_events',
  'families_reunited_at_events',
  'blood_points_active',
  'cases_reported_by_year',
  'detection_rate_by_year',
  'cases_solved_since',
  'suspects_arrested_since',
  'alerts_released',
  'alerts_recovered',
  'alert_recovery_rate',
  'dna_recoveries_since',
];

export interface SqlSource {
  /** Path from the checkout, e.g. queries/figures/recovered.sql. */
  sql: string;
  /** sha256 of the file's text as run. */
  sha256: string;
}

export interface FigureProvenance extends SqlSource {
  /** The macros the statement may call. */
  macros: SqlSource;
  /** The values bound to the statement, by name. */
  parameters: Partial<FigureParameters>;
  /** The published snapshot the statement read. */
  snapshot: string;
}

export interface FiguresResult {
  parameters: FigureParameters;
  snapshot: string;
  figures: Figures;
  provenance: Record<FigureId, FigureProvenance>;
}

interface FigureQuery {
  /** Under queries/. */
  file: string;
  /** The figures the file gives, from its rows. */
  shape: (rows: Row[], file: string) => Partial<Figures>;
}

const MACROS_FILE = 'figures/macros.sql';

const FIGURE_QUERIES: FigureQuery[] = [
  { file: 'figures/recovered.sql', shape: oneRow({ recovered: count, recovered_by_province: splitList, recovered_by_month: splitList }) },
  { file: 'figures/recovered_by_years_missing.sql', shape: oneRow({ recovered_by_years_missing: splitList, longest_separation_years: nullableCount }) },
  {
    file: 'figures/recovered_by_method.sql',
    shape: oneRow({ recovered_by_method: splitList, recovered_by_expert_teams: count, dna_recoveries_since: count }),
  },
  {
    file: 'figures/cases_solved.sql',
    shape: oneRow({ cases_solved: count, cold_cases_solved: count, supervised_cases_solved_by_experts: count, cases_solved_since: count }),
  },
  { file: 'figures/suspects_arrested.sql', shape: oneRow({ suspects_arrested: count, long_fugitives_arrested: count, suspects_arrested_since: count }) },
  { file: 'figures/recognition_events.sql', shape: oneRow({ recognition_events: count, families_reunited_at_events: count }) },
  { file: 'figures/blood_points_active.sql', shape: oneRow({ blood_points_active: count }) },
  { file: 'figures/cases_by_year.sql', shape: oneRow({ cases_reported_by_year: splitList, detection_rate_by_year: ratesByCategoryAndYear }) },
  { file: 'figures/alerts.sql', shape: oneRow({ alerts_released: count, alerts_recovered: count, alert_recovery_rate: nullableRate }) },
];

/** Every figure of metrics.md with its provenance. `warehouse` is a reader's connection to snapshot `snapshot`. */
export async function computeFigures(warehouse: Warehouse, parameters: FigureParameters, snapshot: string): Promise<FiguresResult> {
  const macrosText = sqlFile(MACROS_FILE);
  const macros = source(MACROS_FILE, macrosText);
  await warehouse.run(macrosText);

  const bound = sqlParams(parameters);
  const figures: Partial<Figures> = {};
  const provenance: Partial<Record<FigureId, FigureProvenance>> = {};
  for (const query of FIGURE_QUERIES) {
    const text = sqlFile(query.file);
    const rows = await warehouse.all(text, bound);
    const given = query.shape(rows, query.file);
    const origin: FigureProvenance = { ...source(query.file, text), macros, parameters: parametersUsedBy(text, parameters), snapshot };
    for (const id of Object.keys(given) as FigureId[]) provenance[id] = origin;
    Object.assign(figures, given);
  }
  const missing = FIGURE_IDS.filter((id) => !(id in figures));
  if (missing.length > 0) throw new Error(`figures not computed by any query: ${missing.join(', ')}`);
  return {
    parameters,
    snapshot,
    figures: Object.fromEntries(FIGURE_IDS.map((id) => [id, figures[id]])) as unknown as Figures,
    provenance: provenance as Record<FigureId, FigureProvenance>,
  };
}

function source(file: string, text: string): SqlSource {
  return { sql: `queries/${file}`, sha256: createHash('sha256').update(text).digest('hex') };
}

// Row shapes. A query that returns something else is a bug of the query, reported with its file and column.

type Reader<T> = (value: unknown, where: string) => T;

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Error(`${where}: expected a count, got ${String(value)}`);
  return value;
}

function nullableCount(value: unknown, where: string): number | null {
  return value === null ? null : count(value, where);
}

function nullableRate(value: unknown, where: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`${where}: expected a rate, got ${String(value)}`);
  return value;
}

/** The figures of a one-row query, one per column. */
function oneRow<K extends FigureId>(columns: { [id in K]: Reader<Figures[id]> }): FigureQuery['shape'] {
  return (rows, file) => {
    if (rows.length !== 1) throw new Error(`queries/${file}: expected one row, got ${rows.length}`);
    const out: Partial<Figures> = {};
    for (const id of Object.keys(columns) as K[]) out[id] = columns[id](rows[0][id], `queries/${file}: ${id}`);
    return out;
  };
}

/** A split from a column holding a list of {label, count}, in list order (a query giving several splits in one row). */
function splitList(value: unknown, where: string): Split {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list of {label, count}, got ${String(value)}`);
  return Object.fromEntries(
    value.map((item: unknown) => {
      const { label, count: n } = (item ?? {}) as { label?: unknown; count?: unknown };
      if (typeof label !== 'string') throw new Error(`${where}: expected a label, got ${String(label)}`);
      return [label, count(n, `${where} ${label}`)];
    }),
  );
}

/** detection_rate_by_year from a list of {category, year, rate}, in list order; a NULL year: a category with no year. */
function ratesByCategoryAndYear(value: unknown, where: string): Figures['detection_rate_by_year'] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list of {category, year, rate}, got ${String(value)}`);
  const rates: Figures['detection_rate_by_year'] = {};
  for (const item of value as { category?: unknown; year?: unknown; rate?: unknown }[]) {
    const category = String(item?.category);
    rates[category] ??= {};
    if (item.year !== null) rates[category][String(item.year)] = nullableRate(item.rate, `${where} ${category} ${String(item.year)}`);
  }
  return rates;
}
