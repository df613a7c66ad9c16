// The press office's editorial file of a period: data/editorial/<YYYY-MM>.yaml (the month of the bulletin's date),
// optional. It holds the notable cases the press bulletin tells, in each language, as plain text: the templates
// escape it like every value, so markup in it is printed as written, never interpreted.
//
// Checked before anything is computed, each fault one UsageError (exit 2) naming the file and the key path:
//   - the file: readable (not a folder), at most 1 MiB, UTF-8, YAML without an alias bomb (config.ts readYamlFile);
//   - the text: no control character but tab and newline, no bidirectional formatting character (U+202E RIGHT-TO-LEFT
//     OVERRIDE would print text in another order than written), named as U+XXXX with its position;
//   - the size: a title at most TITLE_MAX_CHARACTERS, a text at most TEXT_MAX_CHARACTERS (Unicode characters), at
//     most MAX_NOTABLE_CASES cases: so a page prints well within its deadline (a 200,000-character word took longer
//     than the 30 s of BULLETIN_PAGE_TIMEOUT_MS).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import * as z from '../schema.ts';
import { describeCharacter, refusedCharacter, shownText } from '../characters.ts';
import { displayPath, issueLine, keyPath, MAX_YAML_ALIASES, readYamlFile } from '../config.ts';
import { UsageError } from '../errors.ts';
import type { Language } from '../labels.ts';
import { repoRoot } from '../paths.ts';

export interface NotableCase {
  /** Null when the entry has none: the templates are strict and test it. */
  title: string | null;
  text: string;
}

export type Editorial = Record<Language, NotableCase[]>;

export const TITLE_MAX_CHARACTERS = 200;
export const TEXT_MAX_CHARACTERS = 3000;
export const MAX_NOTABLE_CASES = 30;
const MAX_FILE_BYTES = 1024 * 1024;

/** Plain text of at most `max` characters; tab and newline are the only control characters it may hold. */
const text = (max: number) =>
  z.string().check(
    z.superRefine((value, ctx) => {
      const refused = refusedCharacter(value, '\t\n');
      if (refused) {
        const position = [...value.slice(0, refused.index)].length + 1;
        ctx.addIssue({ code: 'custom', message: `the character ${describeCharacter(refused.char)} (character ${position}) is not allowed in editorial text`, abort: true });
        return;
      }
      const length = [...value].length;
      if (length > max) ctx.addIssue({ code: 'custom', message: `${length} characters, more than the ${max} allowed`, abort: true });
    }),
    z.trim(),
    z.minLength(1, { error: 'empty' }),
  );
const item = z.strictObject({
  title: z.optional(z.partial(z.strictObject({ en: text(TITLE_MAX_CHARACTERS), zh: text(TITLE_MAX_CHARACTERS) }))),
  en: z.optional(text(TEXT_MAX_CHARACTERS)),
  zh: z.optional(text(TEXT_MAX_CHARACTERS)),
});
const fileSchema = z.strictObject({
  notable_cases: z._default(z.array(item).check(z.maxLength(MAX_NOTABLE_CASES, { error: `more than ${MAX_NOTABLE_CASES} cases` })), []),
});

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
  if (!existsSync(file)) return { en: [], zh: [] };
  const shown = displayPath(file);
  return editorialFromData(readYamlFile(file, shown, 'editorial file', MAX_FILE_BYTES), shown, languages);
}

/** A fault of an editorial file's content: where (the key path in the file) and what, for a caller that names it its own way. */
export class EditorialFault extends UsageError {
  constructor(
    message: string,
    readonly path: readonly PropertyKey[],
    readonly reason: string,
  ) {
    super(message);
  }
}

/**
 * The render's checks of an editorial file's text before it is written (the desk page's notable cases): the same
 * size limit, YAML and rules as readEditorial, so a file that passes here renders. `shown` names it in messages.
 */
export function checkEditorialText(text: string, shown: string, languages: readonly Language[]): Editorial {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new UsageError(`${shown}: the editorial file is larger than ${MAX_FILE_BYTES / 1024} KiB`);
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new UsageError(`${shown}: not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  return editorialFromData(document.toJS({ maxAliasCount: MAX_YAML_ALIASES }), shown, languages);
}

function editorialFromData(raw: unknown, shown: string, languages: readonly Language[]): Editorial {
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const unknownKey = issue.code === 'unrecognized_keys';
    throw new EditorialFault(
      `${shown}: ${issue.path.length === 0 && !unknownKey ? '(top): ' : ''}${issueLine(issue)}`,
      [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])],
      unknownKey ? 'unknown key' : issue.message,
    );
  }
  parsed.data.notable_cases.forEach((entry, i) => {
    for (const language of languages) {
      if (entry[language] === undefined) {
        const reason = `missing (the bulletin is rendered in ${language})`;
        throw new EditorialFault(`${shown}: ${keyPath(['notable_cases', i, language])}: ${reason}`, ['notable_cases', i, language], reason);
      }
    }
  });
  const editorial: Editorial = { en: [], zh: [] };
  for (const language of languages) {
    editorial[language] = parsed.data.notable_cases.map((entry) => ({
      title: entry.title?.[language] ?? null,
      text: entry[language]!,
    }));
  }
  return editorial;
}

/** The file of `asOf`'s period that a render reads (absolute), and the files of the folder a render does not read. */
export interface EditorialSources {
  /** Absolute path, or null when D's month has none. */
  file: string | null;
  /** One line per file that looks meant for a bulletin but is not read for D. */
  warnings: string[];
}

const WELL_NAMED = /^(\d{4})-(\d{2})\.yaml$/;

/**
 * The editorial file used for `asOf` and a warning for each file of the folder that looks meant for a bulletin but
 * is not read for it, so a file under the wrong name does not silently drop the notable cases:
 *   - a YAML file (.yaml/.yml, any case) or a name starting with a year and month (2021-11.txt, 2021_11.yaml.bak)
 *     that is not named <YYYY-MM>.yaml: never read by any bulletin (2021-11.yml, november.yaml, 2021-11-30.yaml);
 *   - <YYYY-MM>.yaml of the month after D's: not read for D (a bulletin as of Nov 30 is released in December:
 *     2021-12.yaml is the likely slip). Other months' files are not warned about: each is read by its own month's
 *     bulletins, and a folder keeps them all (rendering September's bulletin again is no slip because November's
 *     file exists).
 * Hidden files and editor backups (name~) are left alone. A folder that is missing or unreadable gives no warning
 * (readEditorial reports a fault of D's own file).
 */
export function findEditorial(asOf: string, dir = editorialDir()): EditorialSources {
  const file = editorialFile(asOf, dir);
  const month = asOf.slice(0, 7);
  const warnings: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // no folder: no editorial file, nothing to warn about
  }
  const reads = `${month}.yaml`;
  for (const name of names) {
    if (name === reads || name.startsWith('.') || name.endsWith('~')) continue;
    const yaml = /\.ya?ml$/i.test(name);
    const dated = /^\d{4}[-_.]?\d{2}/.test(name);
    if (!yaml && !dated) continue;
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
    } catch {
      continue;
    }
    const shown = shownText(displayPath(path));
    const wellNamed = WELL_NAMED.exec(name);
    if (wellNamed && Number(wellNamed[2]) >= 1 && Number(wellNamed[2]) <= 12) {
      if (name.slice(0, 7) === nextMonth(month)) warnings.push(`${shown}: not read: it is the editorial file of ${name.slice(0, 7)}, a bulletin as of ${asOf} reads ${reads}`);
      continue;
    }
    warnings.push(`${shown}: not read: an editorial file is named <YYYY-MM>.yaml; a bulletin as of ${asOf} reads ${reads}`);
  }
  return { file: existsSync(file) ? resolve(file) : null, warnings };
}

/** '2021-11' -> '2021-12', '2021-12' -> '2022-01'. */
function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}
