// What a bulletin template is filled with, per language: the figures (printed only through the helpers), the
// charts' SVG, the tables with their publication rules applied, the comparisons of the briefing, the data-quality
// annex and the press office's notable cases. Every table cell that prints a figure is recorded like a helper's.
import type { Figures } from '../figures/figures.ts';
import type { ChartTable } from '../charts/charts.ts';
import { label, labelsFor, type Language } from '../labels.ts';
import { exactNumber, percentage, suppressSmallCells } from '../publish/rules.ts';
import type { NotableCase } from './editorial.ts';
import { formatDate, type PrintedFigure } from './helpers.ts';

/** Chart ids as they appear in the context (charts.recovered_by_month.svg): dashes become underscores. */
export type ChartSvgs = Record<string, string>;
/** A chart's numbers as a table (pipeline/charts chartTable), shown beside it where the template asks. */
export type ChartTables = Record<string, ChartTable>;

export interface Comparison {
  /** The figures of the bulletin released before this one (the release log), when there is one. */
  previous: { asOf: string; figures: Figures } | null;
  /** The figures as of the same day a year earlier, in the operation containing that day, when one is configured. */
  lastYear: { asOf: string; operationStart: string; figures: Figures } | null;
}

export interface DataQuality {
  snapshot: string;
  files: { table_name: string; files: number; rows_read: number; rows_stored: number; rows_quarantined: number; rows_stale: number; last_loaded: string }[];
  reasons: { table_name: string; column_name: string; reason: string; rows: number }[];
}

export interface BulletinFacts {
  template: string;
  audience: 'public' | 'internal';
  title: string;
  operationName: string;
  asOf: string;
  operationStart: string;
  partialYear: string | null;
  /** The configured dates long-term figures count from, by figure id. */
  since: Partial<Record<keyof Figures, string>>;
  figures: Figures;
  smallCountThreshold: number;
  comparison: Comparison;
  quality: DataQuality;
  notableCases: NotableCase[];
  charts: ChartSvgs;
  chartTables?: ChartTables;
}

/** Scalar figures, in the order of metrics.md: the rows of the briefing's table of figures. */
const SCALAR_FIGURES: (keyof Figures)[] = [
  'recovered',
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
  'cases_solved_since',
  'suspects_arrested_since',
  'alerts_released',
  'alerts_recovered',
  'alert_recovery_rate',
  'dna_recoveries_since',
];

const RATE_FIGURES = new Set<keyof Figures>(['alert_recovery_rate']);

export function templateContext(facts: BulletinFacts, language: Language): { context: object; printed: PrintedFigure[] } {
  const printed: PrintedFigure[] = [];
  const labels = labelsFor(language);
  const { figures } = facts;
  const show = (figure: keyof Figures, value: number | null, key?: string): string => {
    const text = value === null ? '–' : RATE_FIGURES.has(figure) ? percentage(value) : exactNumber(value, language);
    printed.push({ figure, ...(key !== undefined ? { key } : {}), computed: value, printed: text, rule: 'table' });
    return text;
  };

  // A breakdown as a published table: small cells suppressed at the audience's threshold (the total is published).
  const breakdown = (figure: 'recovered_by_province' | 'recovered_by_method', names: Record<string, string>, sortByCount: boolean) => {
    const split = figures[figure];
    const keys = Object.keys(split).filter((k) => figure !== 'recovered_by_province' || split[k] > 0);
    if (sortByCount) keys.sort((a, b) => split[b] - split[a] || a.localeCompare(b));
    const cells = suppressSmallCells(Object.fromEntries(keys.map((k) => [k, split[k]])), facts.smallCountThreshold, true, language);
    return keys.map((k) => {
      printed.push({ figure, key: k, computed: split[k], printed: cells[k].shown, rule: 'table' });
      return { code: k, name: label(names, k), shown: cells[k].shown, suppressed: cells[k].suppressed !== null };
    });
  };

  const years = Object.keys(figures.cases_reported_by_year);
  const lastFullYear = facts.partialYear === null ? years.at(-1) : years.at(-2);
  const longBuckets = Object.keys(figures.recovered_by_years_missing).filter((bucket) => !['0-10', '10-20'].includes(bucket));
  const since = (figure: keyof Figures) => {
    const date = facts.since[figure];
    return date ? formatDate(date, language) : '';
  };

  const comparison = SCALAR_FIGURES.map((figure) => {
    const now = figures[figure] as number | null;
    const previous = facts.comparison.previous ? (facts.comparison.previous.figures[figure] as number | null) : undefined;
    const lastYear = facts.comparison.lastYear ? (facts.comparison.lastYear.figures[figure] as number | null) : undefined;
    return {
      id: figure,
      name: label(labels.figure, figure).replace('{since}', since(figure)),
      now: show(figure, now),
      previous: previous === undefined ? null : formatValue(figure, previous, language),
      change: previous === undefined ? null : change(figure, now, previous, language),
      last_year: lastYear === undefined ? null : formatValue(figure, lastYear, language),
    };
  });

  const context = {
    language,
    html_lang: language === 'zh' ? 'zh-CN' : 'en',
    template: facts.template,
    internal: facts.audience === 'internal',
    title: facts.title,
    operation_name: facts.operationName,
    as_of: facts.asOf,
    operation_start: facts.operationStart,
    partial_year: facts.partialYear,
    since: Object.fromEntries(Object.entries(facts.since)),
    figures,
    charts: Object.fromEntries(Object.entries(facts.charts).map(([id, svg]) => [id, { svg, table: facts.chartTables?.[id] ?? null }])),
    long_buckets: longBuckets,
    trend: {
      first_year: years[0],
      last_full_year: lastFullYear ?? null,
      fell: lastFullYear !== undefined && figures.cases_reported_by_year[lastFullYear] < figures.cases_reported_by_year[years[0]],
    },
    small_count_threshold: facts.smallCountThreshold,
    provinces: breakdown('recovered_by_province', labels.province, true),
    methods: breakdown('recovered_by_method', labels.recovery_method, false),
    comparison,
    previous_as_of: facts.comparison.previous?.asOf ?? null,
    last_year_as_of: facts.comparison.lastYear?.asOf ?? null,
    quality: facts.quality,
    notable_cases: facts.notableCases,
  };
  return { context, printed };
}

function formatValue(figure: keyof Figures, value: number | null, language: Language): string {
  if (value === null) return '–';
  return RATE_FIGURES.has(figure) ? percentage(value) : exactNumber(value, language);
}

/** The change since the previous bulletin: "+1,234", "−3", "0"; for a rate, in percentage points. */
function change(figure: keyof Figures, now: number | null, previous: number | null, language: Language): string {
  if (now === null || previous === null) return '–';
  if (RATE_FIGURES.has(figure)) {
    const points = Math.round((now - previous) * 1000) / 10;
    return `${points > 0 ? '+' : points < 0 ? '−' : ''}${Math.abs(points).toFixed(1)} ${language === 'zh' ? '个百分点' : 'pts'}`;
  }
  const delta = now - previous;
  return `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${exactNumber(Math.abs(delta), language)}`;
}
