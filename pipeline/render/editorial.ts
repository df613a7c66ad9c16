// The press office's editorial file of a period: data/editorial/<YYYY-MM>.yaml (the month of the bulletin's date),
// optional. It holds the notable cases the press bulletin tells, in each language, as plain text: the templates
// escape it like every value, so markup in it is printed as written, never interpreted.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { Language } from '../labels.ts';
import { repoRoot } from '../paths.ts';

export interface NotableCase {
  /** Null when the entry has none: the templates are strict and test it. */
  title: string | null;
  text: string;
}

export type Editorial = Record<Language, NotableCase[]>;

const text = z.string().trim().min(1, { error: 'empty' });
const item = z.strictObject({ title: z.strictObject({ en: text, zh: text }).partial().optional(), en: text.optional(), zh: text.optional() });
const fileSchema = z.strictObject({ notable_cases: z.array(item).default([]) });

/** BULLETIN_EDITORIAL_DIR, else data/editorial of the checkout. */
export function editorialDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BULLETIN_EDITORIAL_DIR || join(repoRoot, 'data', 'editorial');
}

/** The file of the period of `asOf`: <dir>/<YYYY-MM>.yaml. */
export function editorialFile(asOf: string, dir = editorialDir()): string {
  return join(dir, `${asOf.slice(0, 7)}.yaml`);
}

/**
 * The notable cases of the period in each language asked for. No file: none. A case must have the text of every
 * language rendered; a missing one fails the render naming the file and the entry, rather than print one language short.
 */
export function readEditorial(asOf: string, languages: readonly Language[], dir = editorialDir()): Editorial {
  const file = editorialFile(asOf, dir);
  const empty: Editorial = { en: [], zh: [] };
  if (!existsSync(file)) return empty;
  const shown = relative(process.cwd(), file) || file;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new UsageError(`${shown}: not YAML: ${doc.errors[0].message.split('\n')[0]}`);
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${shown}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  parsed.data.notable_cases.forEach((entry, i) => {
    for (const language of languages) {
      if (entry[language] === undefined) throw new UsageError(`${shown}: notable_cases[${i}].${language}: missing (the bulletin is rendered in ${language})`);
    }
  });
  for (const language of languages) {
    empty[language] = parsed.data.notable_cases.map((entry) => ({
      title: entry.title?.[language] ?? null,
      text: entry[language]!,
    }));
  }
  return empty;
}
