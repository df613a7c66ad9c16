// The notable cases of an edition, as the desk page edits them: read from and saved to the editorial file the
// render reads for the edition's as-of (data/editorial/<YYYY-MM>.yaml, or BULLETIN_EDITORIAL_DIR). That file is per
// month, so it is shared with every other bulletin of the month (the briefing): a save changes their text too.
//
// A save is checked with the render's own rules (render/editorial.ts) before anything is written, so a saved file
// always renders; it keeps the file's leading comments, appends one desk-log entry saying what changed, and renders
// the draft again (content hash, PDFs; a submitted edition whose content changed goes back to draft, and the saver
// becomes its last changer, so rule 1 keeps them from approving it).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { Document, isMap, parseDocument } from 'yaml';
import { displayPath, MAX_YAML_ALIASES } from '../config.ts';
import { InputRefused, oneLine, UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { LANGUAGES } from '../labels.ts';
import { checkEditorialText, EditorialFault, editorialDir, editorialFile } from '../render/editorial.ts';
import { refreshDraft, type DeskContext } from './editions.ts';
import { appendLog, getEdition, refuseUnlessAllowed, withDesk, type Edition } from './store.ts';
import type { Actor } from './workflow.ts';

/** One case as the form has it: an empty string means none in that language. */
export interface NotableCaseInput {
  title_en: string;
  title_zh: string;
  en: string;
  zh: string;
}

type Field = keyof NotableCaseInput;
const FIELDS: readonly Field[] = ['title_en', 'title_zh', 'en', 'zh'];
const FIELD_WORDS: Record<Field, string> = { title_en: 'en title', title_zh: 'zh title', en: 'en text', zh: 'zh text' };
/** Before and after in the log's detail are editorial text (no personal data), cut to this many characters. */
const LOGGED_CHARACTERS = 500;

export interface CaseChange {
  /** The case's number after the save; for a removed case, its number before. */
  case: number;
  field: Field;
  before: string;
  after: string;
}

/** The notable cases the edition's bulletin reads now, for the form; none without a file. */
export function readNotableCases(edition: Edition): NotableCaseInput[] {
  // The file a save writes (the one the render reads for the as-of), so the form shows what it will change.
  const file = editorialFile(edition.as_of, editorialDir());
  return existsSync(file) ? casesOf(parsedFile(file)) : [];
}

/**
 * Saves the notable cases of the edition's month as `actor`, on an open draft or submitted edition. Refused
 * (InputRefused) on any other edition; invalid text is a UsageError naming the case and field, nothing written. A
 * save that changes nothing writes, logs and renders nothing. `changes` says what changed, in words.
 */
export async function saveNotableCases(ctx: DeskContext, editionId: string, actor: Actor, cases: NotableCaseInput[]): Promise<{ edition: Edition; changes: string[] }> {
  const wanted = cases.map(normalized).filter((c) => FIELDS.some((field) => c[field] !== ''));
  const saved = await withDesk(ctx.dbPath, (desk) =>
    // One desk transaction around the check, the write and the log entry: an edition approved meanwhile by another
    // process is not edited, and a failed write leaves no entry.
    desk.transaction(async () => {
      const edition = await getEdition(desk, editionId);
      refuseUnlessEditable(edition, actor);
      const file = editorialFile(edition.as_of, editorialDir());
      const exists = existsSync(file);
      const document = exists ? parsedFile(file) : newFileDocument(edition.as_of);
      const edits = caseEdits(exists ? casesOf(document) : [], wanted);
      if (edits.length === 0) return null;
      if (!isMap(document.contents) && document.contents !== null) throw new UsageError(`${displayPath(file)}: (top): not a mapping with notable_cases; correct it by hand first`);
      document.set('notable_cases', document.createNode(wanted.map(entryOf)));
      const text = document.toString({ lineWidth: 116 });
      checkAsRendered(text, file, wanted);
      const note = edits.map(describeEdit);
      const cut = (value: string) => [...value].slice(0, LOGGED_CHARACTERS).join('');
      await appendLog(
        desk,
        {
          actor: actor.name,
          edition_id: edition.edition_id,
          action: 'editorial',
          from_state: null,
          to_state: null,
          note: note.join('; '),
          content_sha256: edition.content_sha256,
          detail: { file, changes: edits.flatMap((e) => e.fields).map((c) => ({ ...c, before: cut(c.before), after: cut(c.after) })) },
        },
        ctx.now,
      );
      // Through a symbolic link to the file it names; the file keeps its mode.
      const target = exists ? realpathSync(file) : file;
      writeFileAtomically(target, text, exists ? statSync(target).mode & 0o777 : 0o666);
      return { edition, changes: note };
    }),
  );
  if (!saved) return { edition: await withDesk(ctx.dbPath, (desk) => getEdition(desk, editionId)), changes: [] };
  return { edition: await refreshDraft(ctx, saved.edition, actor), changes: saved.changes };
}

/** Text is edited on a draft or a submitted edition (which goes back to draft), by whoever the workflow lets refresh it. */
function refuseUnlessEditable(edition: Edition, actor: Actor): void {
  if (edition.state === 'approved' || edition.state === 'released') {
    throw new InputRefused(`edition ${edition.edition_id} is ${edition.state}: approved editions are not edited; withdraw it or correct the released one`);
  }
  if (edition.state !== 'draft' && edition.state !== 'submitted') {
    throw new InputRefused(`edition ${edition.edition_id} is ${edition.state}: the notable cases are edited on a draft or submitted edition`);
  }
  refuseUnlessAllowed(edition.state === 'submitted' ? 'back_to_draft' : 'refresh', edition, actor);
}

/** Windows line ends of a browser's textarea made plain newlines; surrounding white space dropped (the render drops it). */
function normalized(input: NotableCaseInput): NotableCaseInput {
  const clean = (value: unknown) => String(value ?? '').replace(/\r\n?/g, '\n').trim();
  return { title_en: clean(input.title_en), title_zh: clean(input.title_zh), en: clean(input.en), zh: clean(input.zh) };
}

/** A case as the editorial file holds it: a language without text has no key. */
function entryOf(input: NotableCaseInput): Record<string, unknown> {
  const title = { ...(input.title_en ? { en: input.title_en } : {}), ...(input.title_zh ? { zh: input.title_zh } : {}) };
  return { ...(Object.keys(title).length > 0 ? { title } : {}), ...(input.en ? { en: input.en } : {}), ...(input.zh ? { zh: input.zh } : {}) };
}

/** The render's rules on the new file (editions are rendered in both languages); a fault names the case and field. */
function checkAsRendered(text: string, file: string, wanted: NotableCaseInput[]): void {
  const shown = displayPath(file);
  try {
    const editorial = checkEditorialText(text, shown, LANGUAGES);
    // The YAML written reads back as the text given: nothing lost or changed by its quoting.
    const readBack = editorial.en.map((c, i) => normalized({ title_en: c.title ?? '', title_zh: editorial.zh[i].title ?? '', en: c.text, zh: editorial.zh[i].text }));
    if (JSON.stringify(readBack) !== JSON.stringify(wanted)) throw new Error(`${shown}: the notable cases written would not read back as given`);
  } catch (error) {
    if (!(error instanceof EditorialFault) || error.path[0] !== 'notable_cases' || typeof error.path[1] !== 'number') throw error;
    const [, index, key, language] = error.path;
    const field = key === 'title' ? (language === undefined ? 'title' : `title_${String(language)}`) : key === undefined ? '' : String(key);
    throw new UsageError(`notable case ${index + 1}${field ? `, ${field}` : ''}: ${error.reason}; nothing saved`);
  }
}

/** The editorial file as a YAML document (comments kept); a file that does not parse is refused, never overwritten. */
function parsedFile(file: string): Document {
  const document = parseDocument(readFileSync(file, 'utf8'));
  if (document.errors.length > 0) {
    throw new UsageError(`${displayPath(file)}: not valid YAML (${document.errors[0].message.split('\n')[0]}); correct it by hand first`);
  }
  return document;
}

/** The cases of the file as written, each field a string ('' when absent or not text). */
function casesOf(document: Document): NotableCaseInput[] {
  let data: { notable_cases?: unknown } | null;
  try {
    data = document.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as { notable_cases?: unknown } | null;
  } catch (error) {
    // An alias bomb: refused as the render refuses it.
    throw new UsageError(`the editorial file is not valid YAML: ${oneLine(error)}; correct it by hand first`);
  }
  const list = Array.isArray(data?.notable_cases) ? (data.notable_cases as unknown[]) : [];
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return list.map((entry) => {
    const item = (entry && typeof entry === 'object' ? entry : {}) as { title?: { en?: unknown; zh?: unknown }; en?: unknown; zh?: unknown };
    const title = item.title && typeof item.title === 'object' ? item.title : {};
    return { title_en: text(title.en), title_zh: text(title.zh), en: text(item.en), zh: text(item.zh) };
  });
}

/** A new month's file: a short header like data/editorial/2021-11.yaml's. */
function newFileDocument(asOf: string): Document {
  const month = new Date(`${asOf.slice(0, 7)}-01T00:00:00Z`).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const document = new Document({ notable_cases: [] });
  document.commentBefore = [
    ` Editorial file of the press office for the bulletins dated in ${month} (data/editorial/<YYYY-MM>.yaml), written`,
    ' by the desk page. Plain text only: every value is escaped, so markup is printed as written. No names or identity',
    ' numbers of children, families or suspects: write "a boy from Shandong", not a name.',
  ].join('\n');
  return document;
}

interface CaseEdit {
  kind: 'added' | 'removed' | 'changed';
  fields: CaseChange[];
}

/**
 * What changed from `before` to `after`, case by case: cases equal in both are matched in order (a longest common
 * subsequence), so removing or adding one case is told as that, not as every later case changed; between two
 * matches, cases are paired in order as changed, and the rest are added or removed.
 */
function caseEdits(before: NotableCaseInput[], after: NotableCaseInput[]): CaseEdit[] {
  const old = before.map(normalized);
  const same = (a: NotableCaseInput, b: NotableCaseInput) => FIELDS.every((field) => a[field] === b[field]);
  // common[i][j]: how many cases old[i..] and after[j..] have in common, in order.
  const common = Array.from({ length: old.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = old.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) common[i][j] = same(old[i], after[j]) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
  }
  const fieldsOf = (number: number, a: NotableCaseInput | null, b: NotableCaseInput | null): CaseChange[] =>
    FIELDS.filter((field) => (a?.[field] ?? '') !== (b?.[field] ?? '')).map((field) => ({ case: number, field, before: a?.[field] ?? '', after: b?.[field] ?? '' }));
  const edits: CaseEdit[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const [r, a] = [removed[k], added[k]];
      if (r !== undefined && a !== undefined) edits.push({ kind: 'changed', fields: fieldsOf(a + 1, old[r], after[a]) });
      else if (r !== undefined) edits.push({ kind: 'removed', fields: fieldsOf(r + 1, old[r], null) });
      else edits.push({ kind: 'added', fields: fieldsOf(a + 1, null, after[a]) });
    }
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < old.length || j < after.length) {
    if (i < old.length && j < after.length && same(old[i], after[j])) {
      flush();
      i++;
      j++;
    } else if (j === after.length || (i < old.length && common[i + 1][j] >= common[i][j + 1])) removed.push(i++);
    else added.push(j++);
  }
  flush();
  return edits;
}

/** One phrase per case: "case 2 zh text changed", "case 3 added", "case 1 removed" (its number before the save). */
function describeEdit(edit: CaseEdit): string {
  const number = edit.fields[0].case;
  if (edit.kind !== 'changed') return `case ${number} ${edit.kind}`;
  const words = edit.fields.map((c) => FIELD_WORDS[c.field]);
  return `case ${number} ${words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0]} changed`;
}
