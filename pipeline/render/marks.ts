// What an edition's PDFs say about their status at the press desk (/work/shared/spec/desk.md):
//   - rule 3: a draft says "DRAFT" / "草稿", a pre-release copy "EMBARGOED until <time>" / "<time>前不得发布", both
//     in the running header and as a large, light, diagonal watermark across every page (a position: fixed element,
//     which Chromium repeats on every printed page; behind the text, so it hides none);
//   - rule 4: an edition released without review says "Not reviewed" / "未经审核" in the footer of every page;
//   - rule 8: a correction says "Corrected on <date>: <note>" / "<date>更正：<note>" in a box at the top of page 1.
// The words are in templates/marks.yaml. The release time and the notes are data: checked here, escaped by the
// templates like every value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from '../schema.ts';
import { describeCharacter, refusedCharacter, shownText } from '../characters.ts';
import { isIsoDate } from '../dates.ts';
import { UsageError } from '../errors.ts';
import type { Language } from '../labels.ts';
import { formatDate } from './helpers.ts';
import { templatesDir } from './templates.ts';

export type DeskMark = { kind: 'draft' } | { kind: 'embargoed'; until: string } | { kind: 'unreviewed' };

export interface Correction {
  /** YYYY-MM-DD. */
  date: string;
  note: { en: string; zh: string };
}

/** A correction note is a paragraph: at most this many characters (as an editorial text). */
export const NOTE_MAX_CHARACTERS = 3000;

const line = z.strictObject({ text: z.nonEmptyText(), size: z.enum(['large', 'small']) });
const words = z.strictObject({
  draft: z.strictObject({ header: z.nonEmptyText(), watermark: z.array(line).check(z.minLength(1)) }),
  embargoed: z.strictObject({ header: z.string().check(z.includes('{until}')), watermark: z.array(line).check(z.minLength(1)) }),
  unreviewed: z.strictObject({ footer: z.nonEmptyText() }),
  corrected: z.string().check(z.includes('{date}')),
  prerelease_access: z.nonEmptyText(),
});
const fileSchema = z.strictObject({ en: words, zh: words });
type MarkWords = z.infer<typeof words>;

let cache: Record<Language, MarkWords> | undefined;

/** The words of templates/marks.yaml in one language. */
export function markWords(language: Language): MarkWords {
  if (!cache) {
    const parsed = fileSchema.safeParse(parse(readFileSync(join(templatesDir, 'marks.yaml'), 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`templates/marks.yaml: ${issue.path.join('.')}: ${issue.message}`);
    }
    cache = parsed.data;
  }
  return cache[language];
}

const UNTIL = /^(\d{4}-\d{2}-\d{2}) ([01]\d|2[0-3]):[0-5]\d$/;

/** The mark and correction as given, checked: a bad one is a UsageError naming the option, shown safely. */
export function checkMarks(mark: DeskMark | undefined, correction: Correction | undefined): void {
  if (mark !== undefined) {
    if (mark.kind === 'embargoed') {
      const match = typeof mark.until === 'string' ? UNTIL.exec(mark.until) : null;
      if (!match || !isIsoDate(match[1])) {
        throw new UsageError(`mark: embargoed until '${shownText(String(mark.until))}' is not a time YYYY-MM-DD HH:MM (China time)`);
      }
    } else if (mark.kind !== 'draft' && mark.kind !== 'unreviewed') {
      throw new UsageError(`mark: '${shownText(String((mark as { kind: unknown }).kind))}' is not one of draft, embargoed, unreviewed`);
    }
  }
  if (correction !== undefined) {
    if (typeof correction.date !== 'string' || !isIsoDate(correction.date)) {
      throw new UsageError(`correction: date '${shownText(String(correction.date))}' is not a date YYYY-MM-DD`);
    }
    for (const language of ['en', 'zh'] as const) {
      const note = correction.note?.[language];
      if (typeof note !== 'string' || note.trim() === '') throw new UsageError(`correction: the ${language} note is empty`);
      const refused = refusedCharacter(note, '\t\n');
      if (refused) {
        const position = [...note.slice(0, refused.index)].length + 1;
        throw new UsageError(`correction: the ${language} note has the character ${describeCharacter(refused.char)} (character ${position}), not allowed in a bulletin`);
      }
      const length = [...note].length;
      if (length > NOTE_MAX_CHARACTERS) throw new UsageError(`correction: the ${language} note has ${length} characters, more than the ${NOTE_MAX_CHARACTERS} allowed`);
    }
  }
}

/** What the document partial prints: the watermark's lines and the correction box (both null when none). */
export function markContext(mark: DeskMark | undefined, correction: Correction | undefined, language: Language) {
  const w = markWords(language);
  let watermark: { kind: string; lines: { text: string; size: string }[] } | null = null;
  if (mark?.kind === 'draft') watermark = { kind: 'draft', lines: w.draft.watermark };
  if (mark?.kind === 'embargoed') {
    const until = mark.until;
    watermark = { kind: 'embargoed', lines: w.embargoed.watermark.map((l) => ({ ...l, text: l.text.replaceAll('{until}', until) })) };
  }
  return {
    watermark,
    correction: correction
      ? { lead: w.corrected.replaceAll('{date}', formatDate(correction.date, language)), note: correction.note[language].trim() }
      : null,
  };
}

/** The running header with the mark first (so a long header's ellipsis never cuts it). */
export function markedHeader(header: string, mark: DeskMark | undefined, language: Language): string {
  const w = markWords(language);
  if (mark?.kind === 'draft') return `${w.draft.header} · ${header}`;
  if (mark?.kind === 'embargoed') return `${w.embargoed.header.replaceAll('{until}', mark.until)} · ${header}`;
  return header;
}

/** The running footer ({page} and {pages} kept) with "Not reviewed" first for an unreviewed edition. */
export function markedFooter(footer: string, mark: DeskMark | undefined, language: Language): string {
  if (mark?.kind === 'unreviewed') return `${markWords(language).unreviewed.footer} · ${footer}`;
  return footer;
}
