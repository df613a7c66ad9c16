// The charts of a bulletin, drawn as SVG in Node by vega from the data-free Vega-Lite specs of templates/charts.
//
//   templates/charts/<id>.vl.json          a spec without words or data ("data": {"name": "rows"})
//     -> bind text                          "{{key}}" strings <- templates/charts/text.yaml[id][language]
//     -> compile (vega-lite)                config: theme.json + the language's number/time locale; a warning throws
//     -> bind rows                          dataset "rows" <- chartRows(id, figures, options)
//     -> SVG                                vega View, renderer 'none', view.toSVG(): width/height set, text escaped
//
// Every number printed on a chart comes preformatted in a `shown` field, from publish/rules.ts (exactNumber in the
// language's style, percentage, small-count suppression), so a chart prints what the tables beside it print.
// Small-count suppression applies to the published breakdowns metrics.md names (by method, by province): a
// suppressed cell draws no bar and keeps no count in its row. The years-missing split is not suppressed: the
// bulletin's text publishes every one of its buckets exactly, as the reference bulletins do, so a "<5" bar would
// hide nothing and contradict the page it is on. Axis numbers follow the language through the
// locale (zh: no thousands separator), given to the view through the compiled spec's config. Without a canvas vega
// only estimates text widths; useTextWidthEstimate() makes that estimate fit Chinese (see there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { parse as parseYaml } from 'yaml';
import type { Figures, Split } from '../figures/figures.ts';
import { label, labelsFor, type Language } from '../labels.ts';
import { repoRoot } from '../paths.ts';
import { exactNumber, percentage, suppressSmallCells } from '../publish/rules.ts';
import { CJK_SANS, LATIN_SANS } from '../typefaces.ts';

export const CHART_IDS = [
  'recovered-by-years-missing',
  'recovered-by-month',
  'cases-reported-by-year',
  'detection-rate-by-year',
  'recovered-by-method',
  'top-provinces',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

export interface ChartOptions {
  language: Language;
  /** Breakdown cells below it are suppressed: 5 for the public press bulletin, 0 (nothing hidden) for the internal briefing. */
  smallCountThreshold: number;
  /** YYYY-MM-DD */
  asOf: string;
  /** YYYY-MM-DD */
  operationStart: string;
  /** The year counted only to asOf, e.g. "2021"; null when asOf is Dec 31. */
  partialYear: string | null;
}

export const chartsDir = join(repoRoot, 'templates', 'charts');
const TOP_PROVINCES = 10;

// 1. Rows --------------------------------------------------------------------------------------------------------

/** Rows each chart is drawn from (exported so the HTML can show the same numbers in a table if it wants). */
export function chartRows(id: ChartId, figures: Figures, options: ChartOptions): Record<string, unknown>[] {
  const { language } = options;
  const labels = labelsFor(language);
  const common = chartText().common[language];
  switch (id) {
    case 'recovered-by-years-missing':
      return breakdownRows(figures.recovered_by_years_missing, Object.keys(figures.recovered_by_years_missing), labels.years_missing, { ...options, smallCountThreshold: 0 });
    case 'recovered-by-method':
      return breakdownRows(figures.recovered_by_method, Object.keys(figures.recovered_by_method), labels.recovery_method, options);
    case 'top-provinces': {
      // The keys and their order of the province table (pipeline/render/context.ts), so both suppress the same cells.
      const split = figures.recovered_by_province;
      const keys = Object.keys(split)
        .filter((k) => split[k] > 0)
        .sort((a, b) => split[b] - split[a] || a.localeCompare(b));
      const rows = breakdownRows(split, keys, labels.province, options);
      // Shown cells first, most first; a hidden cell never ranks among them (its rank would tell its size).
      return [...rows.filter((r) => r.count !== null), ...rows.filter((r) => r.count === null)].slice(0, TOP_PROVINCES);
    }
    case 'recovered-by-month': {
      const split = figures.recovered_by_month;
      const months = [...new Set([...monthsBetween(options.operationStart, options.asOf), ...Object.keys(split)])].sort();
      const severalYears = new Set(months.map((m) => m.slice(0, 4))).size > 1;
      let total = 0;
      return months.map((month, i) => {
        const count = split[month] ?? 0;
        total += count;
        const name = common.months[Number(month.slice(5, 7)) - 1];
        return {
          month,
          label: severalYears ? fill(common.monthOfYear, { month: name, year: month.slice(0, 4) }) : name,
          count,
          shown: exactNumber(count, language),
          total,
          totalShown: exactNumber(total, language),
          last: i === months.length - 1,
        };
      });
    }
    case 'cases-reported-by-year':
      return Object.entries(figures.cases_reported_by_year).map(([year, count]) => ({
        year,
        label: yearLabel(year, options),
        count,
        shown: exactNumber(count, language),
        partial: year === options.partialYear,
      }));
    case 'detection-rate-by-year':
      return Object.entries(figures.detection_rate_by_year).flatMap(([category, rates]) =>
        Object.entries(rates).map(([year, rate]) => ({
          category,
          name: label(labels.category, category),
          year,
          label: yearLabel(year, options),
          rate,
          shown: percentage(rate),
        })),
      );
  }
}

/** A published breakdown: every key in the given order; a suppressed cell keeps no count, only what it shows. */
function breakdownRows(split: Split, keys: string[], names: Record<string, string>, options: ChartOptions) {
  const cells = suppressSmallCells(Object.fromEntries(keys.map((k) => [k, split[k]])), options.smallCountThreshold, true, options.language);
  return keys.map((code) => {
    const cell = cells[code];
    return { code, label: label(names, code), count: cell.suppressed ? null : cell.value, shown: cell.shown, suppressed: cell.suppressed };
  });
}

/** "2020"; the partial year "2021 (to Nov 30)" / "2021（截至11月30日）" (the specs break the line after the year). */
function yearLabel(year: string, options: ChartOptions): string {
  if (year !== options.partialYear) return year;
  const common = chartText().common[options.language];
  const [, month, day] = options.asOf.split('-').map(Number);
  const date = fill(common.dayOfMonth, { month: common.months[month - 1], day: String(day) });
  return fill(common.partialYear, { year, date });
}

/** Every YYYY-MM from the month of `start` to the month of `end`. */
function monthsBetween(start: string, end: string): string[] {
  const months: string[] = [];
  let [year, month] = start.split('-').map(Number);
  for (let key = start.slice(0, 7); key <= end.slice(0, 7); key = `${year}-${String(month).padStart(2, '0')}`) {
    months.push(key);
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return months;
}

function fill(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (all, key: string) => values[key] ?? all);
}

/** A chart's numbers as a small table beside it, so a screen reader and a text search find them too. */
export interface ChartTable {
  caption: string;
  /** The chart's categories (months, years, buckets, methods, provinces), one column each. */
  head: string[];
  /** One row per series: its name, then the number printed for each category. */
  rows: { name: string; cells: string[] }[];
}

/** The numbers a chart prints (the same `shown` strings), laid out across: categories as columns, series as rows. */
export function chartTable(id: ChartId, figures: Figures, options: ChartOptions): ChartTable {
  const { language } = options;
  const words = chartText()[id][language];
  const caption = fill(chartText().common[language].tableCaption, { title: words.title });
  const rows = chartRows(id, figures, options);
  const across = (name: string, field: string) => ({ name, cells: rows.map((row) => String(row[field])) });
  switch (id) {
    case 'recovered-by-month':
      return { caption, head: rows.map((r) => String(r.label)), rows: [across(words.month, 'shown'), across(words.total, 'totalShown')] };
    case 'recovered-by-years-missing':
    case 'cases-reported-by-year':
      return { caption, head: rows.map((r) => String(r.label)), rows: [across(words.y, 'shown')] };
    case 'recovered-by-method':
    case 'top-provinces':
      return { caption, head: rows.map((r) => String(r.label)), rows: [across(words.x, 'shown')] };
    case 'detection-rate-by-year': {
      const years = [...new Map(rows.map((r) => [String(r.year), String(r.label)])).entries()];
      const categories = [...new Map(rows.map((r) => [String(r.category), String(r.name)])).entries()];
      const shown = new Map(rows.map((r) => [`${r.category}\u0000${r.year}`, r.rate === null ? '–' : String(r.shown)]));
      return {
        caption,
        head: years.map(([, yearLabel]) => yearLabel),
        rows: categories.map(([category, name]) => ({ name, cells: years.map(([year]) => shown.get(`${category}\u0000${year}`) ?? '–') })),
      };
    }
  }
}

// 2. Text, spec, theme ---------------------------------------------------------------------------------------------

interface CommonText {
  months: string[];
  /** The caption of a chart's table, with {title}. */
  tableCaption: string;
  monthOfYear: string;
  dayOfMonth: string;
  partialYear: string;
}
type ChartText = { common: Record<Language, CommonText> } & Record<ChartId, Record<Language, Record<string, string>>>;

let textCache: ChartText | undefined;
function chartText(): ChartText {
  return (textCache ??= parseYaml(readFileSync(join(chartsDir, 'text.yaml'), 'utf8')) as ChartText);
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(chartsDir, file), 'utf8'));
}

/** The spec of a chart with its words: every string value exactly "{{key}}" replaced by words[key]. */
export function bindText(spec: unknown, words: Record<string, string>, where: string): unknown {
  const used = new Set<string>();
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const key = /^\{\{(\w+)\}\}$/.exec(node)?.[1];
      if (key === undefined) return node;
      if (typeof words[key] !== 'string') throw new Error(`${where}: no text for {{${key}}}`);
      used.add(key);
      return words[key];
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  const bound = walk(spec);
  const unused = Object.keys(words).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`${where}: text never used by the spec: ${unused.join(', ')}`);
  return bound;
}

/** Number and time formats of a language, for the axes (d3-format / d3-time-format locale definitions). */
function locale(language: Language): NonNullable<Config['locale']> {
  const months = chartText().common[language].months as vega.Vector12<string>;
  return {
    number: { decimal: '.', thousands: language === 'zh' ? '' : ',', grouping: [3], currency: language === 'zh' ? ['¥', ''] : ['$', ''] },
    time: {
      dateTime: '%x %X',
      date: language === 'zh' ? '%Y/%-m/%-d' : '%-m/%-d/%Y',
      time: '%H:%M:%S',
      periods: ['AM', 'PM'],
      days: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
      shortDays: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
      months,
      shortMonths: months,
    },
  };
}

/** The vega spec of a chart in a language: its words bound, compiled with the theme. */
export function compileChart(id: ChartId, language: Language): vega.Spec {
  const where = `templates/charts/${id}.vl.json (${language})`;
  const words = chartText()[id]?.[language];
  if (!words) throw new Error(`templates/charts/text.yaml: no ${language} text for ${id}`);
  return compileSpec(bindText(readJson(`${id}.vl.json`), words, where) as TopLevelSpec, language, where);
}

/**
 * The charts' fonts (pipeline/render/fonts.ts, TrueType): English in Noto Sans with the CJK face for any Chinese
 * within, Chinese in the CJK face. Names unquoted: the SVG carries them in a font-family attribute.
 */
export const CHART_FONTS: Record<Language, string> = { en: `${LATIN_SANS}, ${CJK_SANS}, sans-serif`, zh: `${CJK_SANS}, sans-serif` };

/**
 * A Vega-Lite spec compiled with theme.json, the language's font and locale. Any warning throws: it is a bug of the
 * spec. theme.json sets vertical axes' titles horizontal, above the axis: a rotated title comes out of a PDF's text
 * reversed ("nerdlihC").
 */
export function compileSpec(spec: TopLevelSpec, language: Language, where: string): vega.Spec {
  const config: Config = { ...(readJson('theme.json') as Config), font: CHART_FONTS[language], locale: locale(language) };
  const warnings: string[] = [];
  const compiled = compile(spec, { config, logger: collectingLogger(warnings) }).spec;
  if (warnings.length > 0) throw new Error(`${where}: vega-lite warnings: ${warnings.join('; ')}`);
  return compiled;
}

// 3. SVG -------------------------------------------------------------------------------------------------------------

/** SVG text of each chart requested (default: all), compiled with vega-lite and rendered by vega in Node (renderer 'none', view.toSVG()), no canvas. */
export async function renderCharts(figures: Figures, options: ChartOptions, ids: readonly ChartId[] = CHART_IDS): Promise<Record<ChartId, string>> {
  useTextWidthEstimate();
  const svgs: Partial<Record<ChartId, string>> = {};
  for (const id of ids) {
    const warnings: string[] = [];
    const view = new vega.View(vega.parse(compileChart(id, options.language)), { renderer: 'none', logger: collectingLogger(warnings) });
    try {
      view.data('rows', chartRows(id, figures, options));
      const svg = await view.toSVG();
      const faults = warnings.filter((w) => !NOTHING_TO_DRAW.test(w));
      if (faults.length > 0) throw new Error(`chart ${id} (${options.language}): vega warnings: ${faults.join('; ')}`);
      svgs[id] = svg;
    } finally {
      view.finalize();
    }
  }
  return svgs as Record<ChartId, string>;
}

/** The one warning the data may cause: a scale with no value to span (every cell suppressed, or no year yet). */
const NOTHING_TO_DRAW = /^WARN Infinite extent for field "[^"]+": \[Infinity, -Infinity\]$/;

/** A logger that keeps warnings and errors instead of printing them. */
function collectingLogger(warnings: string[]): vega.LoggerInterface {
  return vega.logger(vega.Warn, 'warn', (_method, level, args) => {
    warnings.push(`${level} ${args.map(String).join(' ')}`);
  });
}

interface TextMetrics {
  width: (item: { fontSize?: number; text?: unknown }, text?: unknown) => number;
  estimateWidth: unknown;
}

/**
 * Without a canvas vega guesses a text's width as 0.8 em a character, which leaves Chinese labels (1 em) clipped
 * or overlapping. When vega is guessing, guess per character instead: 1 em for wide (CJK) characters, 0.6 em for
 * others. Deterministic, so the golden files hold; vega supports replacing textMetrics.width (vl-convert does).
 */
function useTextWidthEstimate(): void {
  const metrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  if (metrics.width !== metrics.estimateWidth) return;
  metrics.width = (item, text) => {
    const value = text ?? item.text;
    const line = Array.isArray(value) ? value.join(' ') : value == null ? '' : String(value);
    const size = item.fontSize ?? 11;
    let ems = 0;
    for (const char of line) ems += WIDE.test(char) ? 1 : 0.6;
    return Math.ceil(ems * size);
  };
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;
