// The two faces of `bulletin metrics`: the JSON object of cli.md (a stable interface: keys and meaning fixed) and
// a table for people reading a terminal.
import type { Operation } from '../config.ts';
import { isLastDayOfYear, yearOf } from '../dates.ts';
import { figureName, label, labelsFor } from '../labels.ts';
import { FIGURE_IDS, type FigureId, type FigureProvenance, type Figures, type FiguresResult } from './figures.ts';

export interface MetricsJson {
  as_of: string;
  operation_start: string;
  /** D's year when D is not 31 December: its per-year figures count only to D. */
  partial_year: string | null;
  metrics: Figures;
  /** Only with --provenance. */
  provenance?: Record<FigureId, FigureProvenance>;
}

export function metricsJson(result: FiguresResult, withProvenance: boolean): MetricsJson {
  const { as_of, operation_start } = result.parameters;
  const json: MetricsJson = { as_of, operation_start, partial_year: partialYear(as_of), metrics: result.figures };
  if (withProvenance) json.provenance = result.provenance;
  return json;
}

export function partialYear(asOf: string): string | null {
  return isLastDayOfYear(asOf) ? null : String(yearOf(asOf));
}

/** The figures as an aligned table: one line per figure, splits one line per label. */
export function metricsTable(result: FiguresResult, operation: Operation | undefined, withProvenance: boolean): string {
  const { as_of, operation_start } = result.parameters;
  const partial = partialYear(as_of);
  const lines = [
    `figures as of ${as_of}, operation window ${operation_start} .. ${as_of}` +
      (operation ? ` (${operation.nameEn} ${operation.nameZh})` : ' (start given by --operation-start)'),
    `snapshot ${result.snapshot}` + (partial ? `; ${partial} counts to ${as_of} only` : ''),
    '',
  ];
  // For people: figure names and the words of the codes (province names, buckets, methods), as the English
  // bulletin prints them; the JSON keeps ids and codes.
  const rows: [string, string, string][] = [];
  for (const id of FIGURE_IDS) {
    const value = result.figures[id];
    const name = figureName('en', id, result.provenance[id]?.parameters);
    if (value !== null && typeof value === 'object') {
      const entries = flatten(value);
      if (entries.length === 0) rows.push([name, '', '(none)']);
      entries.forEach(([key, v], i) => rows.push([i === 0 ? name : '', keyWords(id, key), shown(id, v)]));
    } else {
      rows.push([name, '', shown(id, value)]);
    }
  }
  const nameWidth = Math.max(...rows.map((r) => r[0].length));
  const labelWidth = Math.max(...rows.map((r) => r[1].length));
  const valueWidth = Math.max(...rows.map((r) => r[2].length));
  for (const [name, key, value] of rows) lines.push(`${name.padEnd(nameWidth)}  ${key.padEnd(labelWidth)}  ${value.padStart(valueWidth)}`.trimEnd());
  if (withProvenance) lines.push('', ...provenanceLines(result));
  return lines.join('\n') + '\n';
}

/** The words of a split's key: a province's name with its code, a bucket or method as printed, a category and year. */
function keyWords(id: FigureId, key: string): string {
  const labels = labelsFor('en');
  if (id === 'recovered_by_province') return `${label(labels.province, key)} (${key})`;
  if (id === 'recovered_by_years_missing') return label(labels.years_missing, key);
  if (id === 'recovered_by_method') return label(labels.recovery_method, key);
  if (id === 'detection_rate_by_year') {
    const [category, ...rest] = key.split(' ');
    return [label(labels.category, category), ...rest].join(' ');
  }
  return key;
}

/** [label, value] pairs of a split or of a split of splits ("trafficking 2012"). */
function flatten(value: object): [string, number | null][] {
  return Object.entries(value).flatMap(([key, inner]): [string, number | null][] =>
    inner !== null && typeof inner === 'object' ? flatten(inner).map(([k, v]) => [`${key} ${k}`, v]) : [[key, inner as number | null]],
  );
}

/** Counts exactly; rates as percentages (rounding is presentation); no value as "-". */
function shown(id: FigureId, value: number | null): string {
  if (value === null) return '-';
  return id.includes('rate') ? `${(value * 100).toFixed(1)}%` : String(value);
}

/** One line per SQL file: path, sha256, bound parameters, and the figures it gave. */
function provenanceLines(result: FiguresResult): string[] {
  const byFile = new Map<string, { origin: FigureProvenance; ids: FigureId[] }>();
  for (const id of FIGURE_IDS) {
    const origin = result.provenance[id];
    const entry = byFile.get(origin.sql) ?? { origin, ids: [] };
    entry.ids.push(id);
    byFile.set(origin.sql, entry);
  }
  const [first] = byFile.values();
  const lines = [`provenance (snapshot ${result.snapshot}; macros ${first.origin.macros.sql} sha256 ${first.origin.macros.sha256})`];
  for (const { origin, ids } of byFile.values()) {
    const parameters = Object.entries(origin.parameters)
      .map(([name, v]) => `$${name}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' ');
    lines.push(`${origin.sql}  sha256 ${origin.sha256}  ${parameters}  -> ${ids.join(', ')}`);
  }
  return lines;
}
