// The desk page's HTML: Handlebars templates in templates/desk/ (the same Handlebars the bulletins use), compiled
// once, with the words of each language from templates/desk/labels.yaml. Every value is escaped ({{ }}); the page
// has no triple braces, so nothing from data or from a user is ever markup.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { parse } from 'yaml';
import type { Language } from '../../labels.ts';
import { repoRoot } from '../../paths.ts';

const DIR = join(repoRoot, 'templates', 'desk');

type Words = Record<string, Record<string, string>>;

let compiled: { pages: Map<string, HandlebarsTemplateDelegate>; layout: HandlebarsTemplateDelegate; words: Record<Language, Words> } | null = null;

function templates() {
  if (compiled) return compiled;
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  const pages = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.hbs'))) {
    const source = readFileSync(join(DIR, file), 'utf8');
    if (file.startsWith('_')) hbs.registerPartial(file.slice(1, -4), source);
    else pages.set(file.slice(0, -4), hbs.compile(source, { strict: false, noEscape: false }));
  }
  const words = parse(readFileSync(join(DIR, 'labels.yaml'), 'utf8')) as Record<Language, Words>;
  compiled = { pages, layout: pages.get('layout')!, words };
  return compiled;
}

/** The words of the page in one language (templates/desk/labels.yaml). */
export function pageLabels(lang: Language) {
  return templates().words[lang] as Words & {
    login: Record<string, string>;
    editions: Record<string, string>;
    edition: Record<string, string>;
    state: Record<string, string>;
    kind: Record<string, string>;
    template: Record<string, string>;
    action: Record<string, string>;
    language: Record<string, string>;
    flash: Record<'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'prereleased' | 'corrected' | 'test_sent' | 'saved' | 'unchanged' | 'refreshed' | 'held' | 'resumed' | 'drafted', string>;
    error: Record<string, string>;
  };
}

/** A whole page: `name`'s body inside the layout. */
export function pageHtml(name: string, lang: Language, data: Record<string, unknown>): string {
  const { pages, layout } = templates();
  const body = pages.get(name);
  if (!body) throw new Error(`no desk page template ${name}.hbs`);
  const t = pageLabels(lang);
  const other: Language = lang === 'zh' ? 'en' : 'zh';
  const context = { ...data, t, lang, htmlLang: lang === 'zh' ? 'zh-CN' : 'en', other, otherName: t.language[`switch_${other}`] };
  return layout({ ...context, body: new Handlebars.SafeString(body(context)) });
}
