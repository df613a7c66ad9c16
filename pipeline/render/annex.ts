// The "Pre-release access" / "发布前知悉人员" annex of a released edition (/work/shared/spec/desk.md rule 6): who
// received the bulletin before its release time, when (China time) and why; "None" / "无" when nobody did. One PDF
// per language, <outDir>/prerelease-access.<lang>.pdf, from templates/annex/prerelease-access.<lang>.hbs with the
// bulletins' partials and stylesheet, printed by the same hardened printer (withPrinter). Every PDF is printed to a
// temporary file first and renamed into place only when all are printed: a failure leaves the folder as it was.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeCharacter, refusedCharacter, shownText } from '../characters.ts';
import { chinaTime } from '../dates.ts';
import { UsageError } from '../errors.ts';
import { LANGUAGES, type Language } from '../labels.ts';
import { checkedDate } from '../window.ts';
import { formatDate } from './helpers.ts';
import { markWords } from './marks.ts';
import { withPrinter } from './pdf.ts';
import { bulletinKind, fillSource, partialSources, templatesDir } from './templates.ts';

export interface PrereleaseEntry {
  /** The address the embargoed copy went to. */
  recipient: string;
  /** When it was sent: an ISO instant (2021-12-01T01:10:00Z, or with an offset). */
  at: string;
  reason: string;
}

export interface PrereleaseAnnexOptions {
  outDir: string;
  /** A name of templates/bulletins/bulletins.yaml: its title and running header are the annex's. */
  template: string;
  /** YYYY-MM-DD. */
  asOf: string;
  operationName: { en: string; zh: string };
  entries: PrereleaseEntry[];
  languages: Language[];
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** An address and a reason are short: a reason is one or two sentences. */
const RECIPIENT_MAX_CHARACTERS = 320;
const REASON_MAX_CHARACTERS = 1000;

/** desk.md rule 6: the annex, one PDF per language; returns where each is, in the order of `languages`. */
export async function renderPrereleaseAnnex(options: PrereleaseAnnexOptions): Promise<{ language: Language; pdf: string }[]> {
  const asOf = checkedDate('asOf', options.asOf);
  const kind = bulletinKind(options.template);
  if (options.languages.length === 0) throw new UsageError('prerelease annex: no language asked for');
  for (const language of options.languages) {
    if (!(LANGUAGES as readonly string[]).includes(language)) throw new UsageError(`prerelease annex: '${shownText(String(language))}' is not one of en, zh`);
  }
  const languages = [...new Set(options.languages)];
  const entries = options.entries.map((entry, i) => checkedEntry(entry, i));
  // Oldest first: the order the copies went out.
  entries.sort((a, b) => a.instant - b.instant);

  const pages = languages.map((language) => {
    const words = kind[language];
    const title = markWords(language).prerelease_access;
    const operationName = plainText(options.operationName?.[language], `operation name (${language})`, 200, '');
    const context = {
      language,
      html_lang: language === 'zh' ? 'zh-CN' : 'en',
      template: 'prerelease-access',
      title: `${title} · ${words.title}`,
      annex_title: title,
      bulletin_title: words.title,
      operation_name: operationName,
      as_of: asOf,
      entries: entries.map(({ recipient, time, reason }) => ({ recipient, time, reason })),
    };
    const where = `templates/annex/prerelease-access.${language}.hbs`;
    const { html } = fillSource(readFileSync(join(templatesDir, 'annex', `prerelease-access.${language}.hbs`), 'utf8'), partialSources(), context, where);
    const header = `${title} · ${words.header.replace('{operation}', operationName).replace('{date}', formatDate(asOf, language))}`;
    return { language, html, header, footer: words.footer, pdf: join(options.outDir, `prerelease-access.${language}.pdf`) };
  });

  const temporaries: string[] = [];
  try {
    await withPrinter(async (printer) => {
      for (const page of pages) {
        const temporary = `${page.pdf}.${process.pid}-${randomBytes(4).toString('hex')}.printing`;
        temporaries.push(temporary);
        await printer.print({ html: page.html, outFile: temporary, name: page.pdf, headerText: page.header, footerText: page.footer });
      }
    });
    pages.forEach((page, i) => renameSync(temporaries[i], page.pdf));
  } finally {
    for (const temporary of temporaries) rmSync(temporary, { force: true });
  }
  return pages.map(({ language, pdf }) => ({ language, pdf }));
}

function checkedEntry(entry: PrereleaseEntry, index: number): { recipient: string; time: string; reason: string; instant: number } {
  const where = `prerelease annex: entry ${index + 1}`;
  const recipient = plainText(entry?.recipient, `${where}: recipient`, RECIPIENT_MAX_CHARACTERS, '');
  const reason = plainText(entry?.reason, `${where}: reason`, REASON_MAX_CHARACTERS, '\t\n');
  const at = typeof entry?.at === 'string' ? entry.at : '';
  const instant = ISO_INSTANT.test(at) ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(instant)) throw new UsageError(`${where}: at '${shownText(String(entry?.at))}' is not an ISO instant`);
  return { recipient, time: chinaTime(new Date(instant)), reason, instant };
}

/** Text printed as written (the template escapes it): no control character but those allowed, not empty, capped. */
function plainText(value: unknown, what: string, max: number, allowed: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${what}: empty`);
  const refused = refusedCharacter(value, allowed);
  if (refused) throw new UsageError(`${what}: the character ${describeCharacter(refused.char)} (character ${[...value.slice(0, refused.index)].length + 1}) is not allowed`);
  const length = [...value].length;
  if (length > max) throw new UsageError(`${what}: ${length} characters, more than the ${max} allowed`);
  return value.trim();
}
