// The Handlebars of the bulletins: one isolated instance per render, in strict mode (a missing field fails the
// render instead of printing blank), with the helpers the templates print figures and dates through. A figure is
// named by its id, so every figure the template prints is recorded, as printed and as computed, for the figures file.
// One module each (the package's index loads all of date-fns and every locale: a fifth of a second at each start).
import { format } from 'date-fns/format';
import { enUS } from 'date-fns/locale/en-US';
import { zhCN } from 'date-fns/locale/zh-CN';
import Handlebars from 'handlebars';
import type { Figures } from '../figures/figures.ts';
import { label, labelsFor, type Labels, type Language } from '../labels.ts';
import { exactNumber, percentage, pressRounded } from '../publish/rules.ts';

/** How a figure was printed: exactly, press-rounded ("more than 290"), as a percentage, or as a table cell. */
export type PrintRule = 'exact' | 'press' | 'percentage' | 'table';

export interface PrintedFigure {
  figure: string;
  /** The key within a split (a bucket, a year, a province code), when the figure is a split. */
  key?: string;
  computed: number | null;
  printed: string;
  rule: PrintRule;
}

/** What the helpers need from the root of the context. */
export interface HelperRoot {
  language: Language;
  figures: Figures;
}

const DATE_FORMATS: Record<Language, { long: string; month_day: string; month: string }> = {
  en: { long: 'MMMM d, yyyy', month_day: 'MMMM d', month: 'MMMM yyyy' },
  zh: { long: 'yyyy年M月d日', month_day: 'M月d日', month: 'yyyy年M月' },
};
const DATE_LOCALES = { en: enUS, zh: zhCN };

/** "2021年11月30日" / "November 30, 2021" (long), "11月30日" / "November 30" (month_day), "2021年11月" / "November 2021" (month). */
export function formatDate(isoDate: string, language: Language, style: keyof (typeof DATE_FORMATS)['en'] = 'long'): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  if (!year || !month) throw new Error(`not a date: ${isoDate}`);
  // A calendar day, so a local Date at noon: no time zone can move it to another day.
  return format(new Date(year, month - 1, day || 1, 12), DATE_FORMATS[language][style], { locale: DATE_LOCALES[language] });
}

/** The helper names, for knownHelpersOnly: a misspelt helper fails at compile time. */
export const HELPER_NAMES = ['exact', 'press', 'percent', 'number', 'date', 'label'] as const;

/** A fresh Handlebars with the bulletin helpers; `printed` collects every figure printed through them. */
export function bulletinHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();

  // {{exact "recovered"}}, {{exact "recovered_by_years_missing" "20-30"}}: the figure, published exactly.
  hb.registerHelper('exact', function (this: unknown, ...args: unknown[]) {
    return printFigure(args, 'exact', (value, language) => exactNumber(value, language));
  });
  // {{press "cold_cases_solved"}}: press rounding ("more than 290" / "290余").
  hb.registerHelper('press', function (this: unknown, ...args: unknown[]) {
    return printFigure(args, 'press', (value, language) => pressRounded(value, language));
  });
  // {{percent "alert_recovery_rate"}}, {{percent "detection_rate_by_year" "snatching" "2020"}}: "98.5%".
  hb.registerHelper('percent', function (this: unknown, ...args: unknown[]) {
    return printFigure(args, 'percentage', (value) => percentage(value));
  });
  // {{number value}}: a number that is not a figure (a row count of the annex), in the language's style.
  hb.registerHelper('number', function (this: unknown, value: unknown, options: Handlebars.HelperOptions) {
    if (typeof value !== 'number') throw new Error(`number: expected a number, got ${String(value)}`);
    return exactNumber(value, root(options).language);
  });
  // {{date as_of}}, {{date as_of "month_day"}}.
  hb.registerHelper('date', function (this: unknown, ...args: unknown[]) {
    const options = args.pop() as Handlebars.HelperOptions;
    const [value, style] = args as [unknown, unknown];
    if (typeof value !== 'string') throw new Error(`date: expected YYYY-MM-DD, got ${String(value)}`);
    const styleName = style === undefined ? 'long' : String(style);
    if (!(styleName in DATE_FORMATS.en)) throw new Error(`date: unknown style ${styleName}`);
    return formatDate(value, root(options).language, styleName as 'long');
  });
  // {{label "recovery_method" code}}: the word for a code (templates/labels.yaml, provinces.csv).
  hb.registerHelper('label', function (this: unknown, table: unknown, code: unknown, options: Handlebars.HelperOptions) {
    const labels = labelsFor(root(options).language);
    if (typeof table !== 'string' || !(table in labels)) throw new Error(`label: unknown table ${String(table)}`);
    return label(labels[table as keyof Labels], String(code));
  });
  return hb;
}

function root(options: Handlebars.HelperOptions): HelperRoot {
  return options.data.root as HelperRoot;
}

/** Looks the figure up by id (and keys), prints it, records it in @printed. Unknown ids and keys fail the render. */
function printFigure(
  args: unknown[],
  rule: PrintRule,
  print: (value: number, language: Language) => string,
): string {
  const options = args.pop() as Handlebars.HelperOptions;
  const [figure, ...keys] = args.map(String);
  const { figures, language } = root(options);
  if (!(figure in figures)) throw new Error(`${rule}: no figure "${figure}"`);
  let value: unknown = figures[figure as keyof Figures];
  for (const key of keys) {
    if (value === null || typeof value !== 'object' || !(key in value)) throw new Error(`${rule}: figure ${figure} has no "${keys.join(' ')}"`);
    value = (value as Record<string, unknown>)[key];
  }
  if (value !== null && typeof value !== 'number') throw new Error(`${rule}: ${figure} ${keys.join(' ')} is not a number`);
  const printed = value === null ? '–' : print(value, language);
  const log = options.data.printed as PrintedFigure[] | undefined;
  if (!log) throw new Error('render without a @printed log');
  log.push({ figure, ...(keys.length > 0 ? { key: keys.join(' ') } : {}), computed: value, printed, rule });
  return printed;
}
