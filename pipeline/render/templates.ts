// The bulletin templates: templates/bulletins/<name>.<lang>.hbs, the partials of templates/partials/ and the one
// print stylesheet (templates/styles/print.css, inlined as the partial "print-css": no file or network is read by
// the page). Compiled strict with only the known helpers, so a missing field or a misspelt helper fails the render.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { parse } from 'yaml';
import * as z from '../schema.ts';
import { UsageError } from '../errors.ts';
import type { Language } from '../labels.ts';
import { repoRoot } from '../paths.ts';
import { HELPER_NAMES, bulletinHandlebars, type PrintedFigure } from './helpers.ts';

export const templatesDir = join(repoRoot, 'templates');
const bulletinsDir = join(templatesDir, 'bulletins');
const partialsDir = join(templatesDir, 'partials');
const stylesheet = join(templatesDir, 'styles', 'print.css');

const words = z.strictObject({ title: z.nonEmptyText(), header: z.nonEmptyText(), footer: z.nonEmptyText() });
const bulletinSchema = z.strictObject({ audience: z.enum(['public', 'internal']), en: words, zh: words });
export type BulletinKind = z.infer<typeof bulletinSchema>;

/** The bulletins of templates/bulletins/bulletins.yaml, by name. */
export function bulletinKinds(): Record<string, BulletinKind> {
  const file = join(bulletinsDir, 'bulletins.yaml');
  const parsed = z.record(z.string(), bulletinSchema).safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`templates/bulletins/bulletins.yaml: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export function bulletinKind(name: string): BulletinKind {
  const kinds = bulletinKinds();
  const kind = kinds[name];
  if (!kind) throw new UsageError(`--template '${name}' is not one of ${Object.keys(kinds).join(', ')} (templates/bulletins/bulletins.yaml)`);
  return kind;
}

export function templateFile(name: string, language: Language): string {
  return join(bulletinsDir, `${name}.${language}.hbs`);
}

/** The template's source and those of every partial and the stylesheet, by name, as Handlebars sees them. */
export function templateSources(name: string, language: Language): { main: string; partials: Record<string, string> } {
  const file = templateFile(name, language);
  if (!existsSync(file)) throw new UsageError(`${file.slice(repoRoot.length + 1)}: no such template`);
  return { main: readFileSync(file, 'utf8'), partials: partialSources() };
}

/** Every partial of templates/partials and the stylesheet (as "print-css"), by name. */
export function partialSources(): Record<string, string> {
  const partials: Record<string, string> = { 'print-css': readFileSync(stylesheet, 'utf8') };
  for (const entry of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
    partials[basename(entry, '.hbs')] = readFileSync(join(partialsDir, entry), 'utf8');
  }
  return partials;
}

const COMPILE_OPTIONS: CompileOptions = {
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries(HELPER_NAMES.map((name) => [name, true])),
  // Every value goes through Handlebars' escaping; prototype access stays off (the default).
};

/** Fills the template with the context; returns the HTML and the figures it printed through the helpers. */
export function fillTemplate(name: string, language: Language, context: object): { html: string; printed: PrintedFigure[] } {
  const sources = templateSources(name, language);
  return fillSource(sources.main, sources.partials, context, `templates/bulletins/${name}.${language}.hbs`);
}

/** Fills a template source with the bulletins' helpers, partials and strictness; `where` names it in an error. */
export function fillSource(source: string, partials: Record<string, string>, context: object, where: string): { html: string; printed: PrintedFigure[] } {
  const hb = bulletinHandlebars();
  for (const [partial, text] of Object.entries(partials)) {
    hb.registerPartial(partial, partial === 'print-css' ? text : hb.compile(text, COMPILE_OPTIONS));
  }
  const template = hb.compile(source, COMPILE_OPTIONS);
  const printed: PrintedFigure[] = [];
  try {
    return { html: template(context, { data: { printed } }), printed };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${where}: ${message.split('\n')[0]}`);
  }
}

/**
 * The expressions a template source prints unescaped ({{{…}}}), as their path text. The rule of the project: only
 * the SVG of a chart the code drew itself, i.e. a path ending in `.svg` (tested over every template and partial).
 */
export function unescapedExpressions(source: string): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; escaped?: boolean; path?: { original?: string }; body?: unknown[]; program?: unknown; inverse?: unknown };
    if ((n.type === 'MustacheStatement' || n.type === 'BlockStatement') && n.escaped === false) found.push(String(n.path?.original));
    for (const child of [...(n.body ?? []), n.program, n.inverse]) visit(child);
  };
  visit(Handlebars.parse(source));
  return found;
}
