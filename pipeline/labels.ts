// The words printed for the data's codes, per language: templates/labels.yaml for years-missing buckets, recovery
// methods and case categories; data/reference/provinces.csv for province names. Read once; shared by the charts
// and the templates so a chart and the text beside it name things alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { provincesCsv, repoRoot } from './paths.ts';

export type Language = 'en' | 'zh';
export const LANGUAGES: readonly Language[] = ['en', 'zh'];

export interface Labels {
  years_missing: Record<string, string>;
  recovery_method: Record<string, string>;
  category: Record<string, string>;
  /** Figure id -> its name in a table; `{since}` stands for the date a long-term figure counts from. */
  figure: Record<string, string>;
  /** 2-digit province code -> short name (北京 / Beijing). */
  province: Record<string, string>;
}

const cache = new Map<Language, Labels>();

export function labelsFor(language: Language): Labels {
  let labels = cache.get(language);
  if (!labels) {
    const words = parse(readFileSync(join(repoRoot, 'templates', 'labels.yaml'), 'utf8'))[language];
    labels = { ...words, province: provinceNames(language) } as Labels;
    cache.set(language, labels);
  }
  return labels;
}

/** A label, or the code itself when the table has no word for it (a code added to the data before the table). */
export function label(table: Record<string, string>, code: string): string {
  return table[code] ?? code;
}

/**
 * A figure's name for people (templates/labels.yaml), `{since}` filled from the bound parameters the figure was
 * computed with (the parameter whose name ends in "since"); the id itself when the table has no name for it.
 */
export function figureName(language: Language, id: string, parameters: Record<string, unknown> = {}): string {
  const since = Object.entries(parameters).find(([key]) => key.endsWith('since'))?.[1];
  return label(labelsFor(language).figure, id).replace('{since}', String(since ?? ''));
}

function provinceNames(language: Language): Record<string, string> {
  const [header, ...lines] = readFileSync(provincesCsv, 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  const code = columns.indexOf('code');
  const name = columns.indexOf(language === 'zh' ? 'name_zh' : 'name_en');
  return Object.fromEntries(lines.map((line) => line.split(',')).map((cells) => [cells[code], cells[name]]));
}
