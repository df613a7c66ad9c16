// Editions of a bulletin (desk.md): the one place that decides whether a bulletin may go out. The command line,
// the scheduler and the desk page call these functions; render and deliver know nothing of editions.
//
//   draft     render with the draft mark into <dir>/draft, content hash, back to draft if it changed after submit
//   submit    the checklist has no error -> submitted (the content hash of that moment is kept)
//   approve   four eyes; snapshot verified; re-rendered without mark into <dir>/final, written once; the hash
//             must equal the submitted one (else back to draft); release time set
//   release   due, no hold, PDFs byte-identical to the approved ones -> figures recorded as released, the
//             superseded edition marked, mailed to the bulletin's recipients (a correction: to those who got the
//             edition it corrects, threaded), each once
//   prerelease, correct, reject, withdraw, and the scheduler's held runs
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { type Config } from '../config.ts';
import { chinaDate, chinaTime } from '../dates.ts';
import { InputRefused, UsageError } from '../errors.ts';
import type { Figures } from '../figures/figures.ts';
import { operationWindow } from '../window.ts';
import { LANGUAGES, type Language } from '../labels.ts';
import { repoRoot, sqlFile } from '../paths.ts';
import { guardFalls, lastRelease } from '../publish/releases.ts';
import type { FiguresFile as MailFigures, RenderedLanguage } from '../deliver/message.ts';
import { renderBulletin, type RenderOptions, type RenderResult } from '../render/render.ts';
import { bulletinKind } from '../render/templates.ts';
import { fileSha256 } from '../files.ts';
import { snapshotPath, verifySnapshot } from '../warehouse/snapshots.ts';
import { Warehouse } from '../warehouse/warehouse.ts';
import { checklist, type Checklist, type EditorialEntry, type FiguresFile } from './checklist.ts';
import {
  actorName,
  getEdition,
  insertEdition,
  nextNumber,
  openEdition,
  readLog,
  refuseUnlessAllowed,
  releasedEdition,
  transition,
  updateEdition,
  withDesk,
  type Edition,
  type LogEntry,
  type PdfFile,
} from './store.ts';
import type { Actor } from './workflow.ts';

export interface DeskContext {
  dbPath: string;
  config: Config;
  now: Date;
  log: (line: string) => void;
}

/** `<operation>/<template>/<as-of>`: what desk.md calls a bulletin. */
export function bulletinIdOf(operationKey: string, template: string, asOf: string): string {
  return `${operationKey}/${template}/${asOf}`;
}

/** reports/<operation>/<as-of>/editions/<template>-<n>/, absolute. */
function editionDir(operationKey: string, asOf: string, template: string, number: number): string {
  return resolve('reports', operationKey.replace(':', '-'), asOf, 'editions', `${template}-${number}`);
}

/** An operation key `start:<date>` is a window given by its start; a configured one has its own start. */
function operationStartOf(operation: string): string | undefined {
  return operation.startsWith('start:') ? operation.slice('start:'.length) : undefined;
}

// ---- draft ------------------------------------------------------------------------------------------------------

export interface DraftRequest {
  asOf: string;
  template?: string;
  operationStart?: string;
  actor: Actor | 'system';
}

/** Makes or refreshes the open draft edition of the bulletin; returns it. */
export async function draftEdition(ctx: DeskContext, request: DraftRequest): Promise<Edition> {
  const template = request.template ?? 'press';
  bulletinKind(template);
  const window = operationWindow(ctx.config.file, ctx.config.operations, request.asOf, request.operationStart);
  const bulletin = bulletinIdOf(window.key, template, request.asOf);
  const by = actorName(request.actor);
  const edition = await withDesk(ctx.dbPath, async (desk) => {
    const open = await openEdition(desk, bulletin);
    if (open?.state === 'approved') {
      throw new InputRefused(`${open.edition_id} is approved (release ${describeTime(open.release_at)}); withdraw it to make a new draft`);
    }
    if (open) return open;
    const released = await releasedEdition(desk, bulletin);
    if (released) {
      throw new InputRefused(`${bulletin} was released as ${released.edition_id}; a change is a correction: bulletin edition correct ${released.edition_id} --kind correction --note-en TEXT --note-zh TEXT`);
    }
    const number = await nextNumber(desk, bulletin);
    const id = await insertEdition(
      desk,
      { bulletin, operation: window.key, template, as_of: request.asOf, number, kind: 'original', corrects: null, note_en: null, note_zh: null, dir: editionDir(window.key, request.asOf, template, number), created_by: by },
      ctx.now,
    );
    return getEdition(desk, id);
  });
  return refreshDraft(ctx, edition, request.actor);
}

/** Renders the open edition again with the draft mark; records a change of content (and sends a submitted one back). */
export async function refreshDraft(ctx: DeskContext, edition: Edition, actor: Actor | 'system'): Promise<Edition> {
  const draftDir = join(edition.dir, 'draft');
  const rendered = await renderEdition(ctx, edition, draftDir, { kind: 'draft' });
  const content = contentHash(rendered, edition);
  const pdfs = await pdfFiles(rendered);
  const snapshot = { snapshot_id: rendered.snapshot, snapshot_sha256: recordedSnapshotSha256(ctx.dbPath, rendered.snapshot) };
  return withDesk(ctx.dbPath, async (desk) => {
    const now = await getEdition(desk, edition.edition_id);
    const changed = now.content_sha256 !== content;
    const patch = { content_sha256: content, pdfs, editorial_file: rendered.editorialFile, ...snapshot, ...(changed ? { last_changed_by: actorName(actor) } : {}) };
    if (changed && now.state === 'submitted') {
      return transition(desk, now.edition_id, 'back_to_draft', 'system', { patch, note: 'the content changed since it was submitted (new data or edited text)', now: ctx.now });
    }
    if (changed) {
      return transition(desk, now.edition_id, 'refresh', actor, { patch, note: now.content_sha256 ? 'content changed' : 'first draft rendered', detail: { editorial_file: rendered.editorialFile }, now: ctx.now });
    }
    await updateEdition(desk, now.edition_id, { pdfs, ...snapshot }, null, ctx.now);
    return getEdition(desk, now.edition_id);
  });
}

async function renderEdition(ctx: DeskContext, edition: Edition, out: string, mark: RenderOptions['mark']): Promise<RenderResult> {
  const result = await renderBulletin({
    dbPath: ctx.dbPath,
    config: ctx.config,
    asOf: edition.as_of,
    operationStart: operationStartOf(edition.operation),
    lang: 'all',
    template: edition.template,
    out,
    now: ctx.now,
    mark,
    skipReleaseGuard: true,
    ...(edition.kind !== 'original' ? { correction: { date: chinaDate(new Date(edition.created_at)), note: { en: edition.note_en ?? '', zh: edition.note_zh ?? '' } } } : {}),
  });
  for (const warning of result.editorialWarnings) ctx.log(`warning: ${warning}`);
  return result;
}

/**
 * Rule 6's embargoed copy: the approved content rendered again with the embargo mark (never the approved files
 * themselves), refused when the content is no longer what was approved (new data since).
 */
export async function renderEmbargoedCopy(ctx: DeskContext, edition: Edition, releaseAt: Date): Promise<RenderedLanguage[]> {
  const dir = join(edition.dir, 'embargoed');
  const rendered = await renderEdition(ctx, edition, dir, { kind: 'embargoed', until: chinaTime(releaseAt) });
  if (contentHash(rendered, edition) !== edition.submitted_sha256) {
    throw new InputRefused(`edition ${edition.edition_id}: the data changed since it was approved, so an embargoed copy would not be the approved bulletin; release it, or withdraw it and draft again`);
  }
  return rendered.files.map((f) => ({ language: f.language, pdf: f.pdf, figures: JSON.parse(readFileSync(f.figures, 'utf8')) as MailFigures }));
}

// ---- content hash -------------------------------------------------------------------------------------------------

/**
 * sha256 over what decides what the reader sees: both figures files (without the render time and the snapshot's
 * name, which a reader never sees), the editorial text used, every template and chart spec, and the edition's kind
 * and correction notes.
 */
function contentHash(rendered: RenderResult, edition: Pick<Edition, 'kind' | 'note_en' | 'note_zh'>): string {
  const hash = createHash('sha256');
  for (const file of [...rendered.files].sort((a, b) => a.language.localeCompare(b.language))) {
    hash.update(`figures ${file.language}\n${JSON.stringify(withoutVolatile(JSON.parse(readFileSync(file.figures, 'utf8'))))}\n`);
  }
  hash.update(`editorial ${rendered.editorialFile ? sha256(readFileSync(rendered.editorialFile)) : 'none'}\n`);
  // templates/desk/ is the desk page's own, not the bulletin's: it decides nothing a reader sees.
  for (const file of filesUnder(join(repoRoot, 'templates')).filter((f) => !f.startsWith(join(repoRoot, 'templates', 'desk') + sep))) hash.update(`template ${relative(repoRoot, file)} ${sha256(readFileSync(file))}\n`);
  hash.update(`kind ${edition.kind}\nnote_en ${edition.note_en ?? ''}\nnote_zh ${edition.note_zh ?? ''}\n`);
  return hash.digest('hex');
}

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'rendered_at' && key !== 'snapshot').map(([key, inner]) => [key, withoutVolatile(inner)]));
  }
  return value;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function pdfFiles(rendered: RenderResult): Promise<Record<string, PdfFile>> {
  const pdfs: Record<string, PdfFile> = {};
  for (const file of rendered.files) pdfs[file.language] = { path: resolve(file.pdf), sha256: await fileSha256(file.pdf) };
  return pdfs;
}

function recordedSnapshotSha256(dbPath: string, id: string): string | null {
  const file = `${snapshotPath(dbPath, id)}.sha256`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

// ---- checklist ----------------------------------------------------------------------------------------------------

/** Rule 7's checklist of an edition, from its current files (draft, or final once approved). */
export async function editionChecklist(ctx: DeskContext, edition: Edition): Promise<Checklist> {
  const figures = {} as Record<Language, FiguresFile>;
  for (const language of LANGUAGES) {
    const pdf = edition.pdfs[language];
    if (!pdf) return { errors: [{ code: 'not_rendered', message: `the ${language} PDF has not been rendered` }], warnings: [] };
    figures[language] = JSON.parse(readFileSync(pdf.path.replace(/\.pdf$/, '.figures.json'), 'utf8')) as FiguresFile;
  }
  const computed = Object.fromEntries(Object.entries(figures.en.figures).map(([id, f]) => [id, f.computed])) as unknown as Figures;
  const audience = bulletinKind(edition.template).audience;
  const last = await lastRelease(ctx.dbPath, edition.operation, edition.as_of, true);
  const snapshot = edition.snapshot_id && existsSync(snapshotPath(ctx.dbPath, edition.snapshot_id)) ? snapshotPath(ctx.dbPath, edition.snapshot_id) : null;
  let falls: string[] = [];
  let newestLoad: string | null = null;
  let quarantined = 0;
  if (snapshot) {
    const reader = await Warehouse.open(snapshot, { readOnly: true });
    try {
      if (audience === 'public') falls = await guardFalls(ctx.dbPath, reader, computed, edition.operation, edition.as_of);
      const [row] = await reader.all<{ newest: string | null; quarantined: number }>(sqlFile('desk/checklist_facts.sql'), { since: last?.released_at ?? null });
      newestLoad = row.newest;
      quarantined = Number(row.quarantined);
    } finally {
      reader.close();
    }
  }
  const suppressed = Object.entries(figures.en.figures).flatMap(([id, f]) => f.printed.filter((p) => /^(<\d|–)/.test(p.printed)).map((p) => `${id} ${p.key ?? ''}`.trim()));
  return checklist({
    figures,
    editorial: editorialEntries(edition.editorial_file),
    falls,
    isRevision: edition.kind === 'revision',
    asOf: edition.as_of,
    newestLoad,
    quarantinedSinceRelease: quarantined,
    suppressedCells: [...new Set(suppressed)],
  });
}

/** The notable cases as written (either language may be missing), for the checklist; none without a file. */
function editorialEntries(file: string | null): EditorialEntry[] {
  if (!file || !existsSync(file)) return [];
  const data = parseDocument(readFileSync(file, 'utf8')).toJS({ maxAliasCount: 100 }) as { notable_cases?: EditorialEntry[] } | null;
  return Array.isArray(data?.notable_cases) ? data.notable_cases : [];
}

function blockingErrors(list: Checklist): string | null {
  if (list.errors.length === 0) return null;
  return `the checklist has ${list.errors.length} error${list.errors.length === 1 ? '' : 's'}: ${list.errors.map((e) => e.message).join('; ')}`;
}

// ---- submit, approve, reject, withdraw --------------------------------------------------------------------------

export async function submitEdition(ctx: DeskContext, editionId: string, actor: Actor, note?: string): Promise<Edition> {
  const edition = await withDesk(ctx.dbPath, (desk) => getEdition(desk, editionId));
  refuseUnlessAllowed('submit', edition, actor);
  const blocked = blockingErrors(await editionChecklist(ctx, edition));
  if (blocked) throw new InputRefused(`edition ${editionId}: not submitted: ${blocked}`);
  return withDesk(ctx.dbPath, (desk) =>
    transition(desk, editionId, 'submit', actor, { patch: { submitted_by: actor.name, submitted_sha256: edition.content_sha256 }, note: note ?? null, now: ctx.now }),
  );
}

export async function approveEdition(ctx: DeskContext, editionId: string, actor: Actor, releaseAtText?: string): Promise<Edition> {
  const edition = await withDesk(ctx.dbPath, (desk) => getEdition(desk, editionId));
  // Rule 1 before any work: the same refusal transition() gives, without rendering first.
  refuseUnlessAllowed('approve', edition, actor);
  const releaseAt = releaseAtText !== undefined ? parseReleaseAt(releaseAtText, ctx.now) : defaultReleaseAt(ctx.config.desk.releaseTime, ctx.now);
  const finalDir = join(edition.dir, 'final');
  if (existsSync(finalDir)) throw new InputRefused(`edition ${editionId}: ${finalDir} exists already; approved PDFs are written once`);
  // Rule 2: rendered again; the bytes approved are these, and the content must be what was submitted.
  const staging = `${finalDir}.${process.pid}.partial`;
  rmSync(staging, { recursive: true, force: true });
  // The snapshot's bytes are checked while the render runs (reading a large snapshot takes seconds); both must pass.
  const verified = edition.snapshot_id ? verifySnapshot(ctx.dbPath, edition.snapshot_id) : Promise.resolve(null);
  verified.catch(() => undefined);
  try {
    const rendered = await renderEdition(ctx, edition, staging, undefined);
    await verified.catch(refuseWith(editionId));
    if (rendered.snapshot !== edition.snapshot_id) await verifySnapshot(ctx.dbPath, rendered.snapshot).catch(refuseWith(editionId));
    const content = contentHash(rendered, edition);
    if (content !== edition.submitted_sha256) {
      await withDesk(ctx.dbPath, (desk) =>
        transition(desk, editionId, 'back_to_draft', 'system', { note: 'changed since it was submitted (new data or edited text); approval refused', detail: { submitted: edition.submitted_sha256, now: content }, now: ctx.now }),
      );
      throw new InputRefused(`edition ${editionId}: changed since it was submitted (new data or edited text): back to draft; draft and submit it again`);
    }
    const staged = await pdfFiles(rendered);
    const blocked = blockingErrors(await editionChecklist(ctx, { ...edition, pdfs: staged }));
    if (blocked) throw new InputRefused(`edition ${editionId}: not approved: ${blocked}`);
    const pdfs = Object.fromEntries(Object.entries(staged).map(([language, pdf]) => [language, { ...pdf, path: join(finalDir, relative(resolve(staging), pdf.path)) }]));
    const approvedHash = sha256(`${content}\n${LANGUAGES.map((l) => `${l} ${pdfs[l]?.sha256 ?? ''}`).join('\n')}`);
    renameSync(staging, finalDir);
    try {
      return await withDesk(ctx.dbPath, (desk) =>
        transition(desk, editionId, 'approve', actor, {
          patch: { approved_by: actor.name, release_at: releaseAt.toISOString(), pdfs, content_sha256: approvedHash, snapshot_id: rendered.snapshot, snapshot_sha256: recordedSnapshotSha256(ctx.dbPath, rendered.snapshot) },
          detail: { release_at_china: chinaTime(releaseAt), pdfs },
          now: ctx.now,
        }),
      );
    } catch (error) {
      // Not approved after all (e.g. another approver was quicker): these files are no approval's.
      rmSync(finalDir, { recursive: true, force: true });
      throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function rejectEdition(ctx: DeskContext, editionId: string, actor: Actor, note: string): Promise<Edition> {
  if (!note.trim()) throw new UsageError('a rejection needs a note (--note TEXT) saying what to change');
  return withDesk(ctx.dbPath, (desk) => transition(desk, editionId, 'reject', actor, { note, now: ctx.now }));
}

export async function withdrawEdition(ctx: DeskContext, editionId: string, actor: Actor, reason: string): Promise<Edition> {
  if (!reason.trim()) throw new UsageError('a withdrawal needs a reason (--reason TEXT)');
  return withDesk(ctx.dbPath, (desk) => transition(desk, editionId, 'withdraw', actor, { note: reason, now: ctx.now }));
}

// ---- corrections ------------------------------------------------------------------------------------------------

/** Rule 8: opens the next edition of a released bulletin as a correction or revision, with a note in both languages. */
export async function correctEdition(
  ctx: DeskContext,
  editionId: string,
  actor: Actor,
  request: { kind: string; noteEn: string; noteZh: string },
): Promise<Edition> {
  if (request.kind !== 'correction' && request.kind !== 'revision') throw new UsageError(`--kind '${request.kind}' is not one of correction, revision`);
  if (!request.noteEn.trim() || !request.noteZh.trim()) throw new UsageError('a correction needs a note in both languages (--note-en TEXT --note-zh TEXT)');
  const edition = await withDesk(ctx.dbPath, async (desk) => {
    const corrected = await getEdition(desk, editionId);
    if (corrected.state !== 'released') throw new InputRefused(`edition ${editionId}: only a released edition is corrected; this one is ${corrected.state}`);
    const open = await openEdition(desk, corrected.bulletin);
    if (open) throw new InputRefused(`edition ${editionId}: ${open.edition_id} is open already (${open.state}); finish or withdraw it first`);
    const number = await nextNumber(desk, corrected.bulletin);
    const id = await insertEdition(
      desk,
      {
        bulletin: corrected.bulletin,
        operation: corrected.operation,
        template: corrected.template,
        as_of: corrected.as_of,
        number,
        kind: request.kind as 'correction' | 'revision',
        corrects: corrected.edition_id,
        note_en: request.noteEn.trim(),
        note_zh: request.noteZh.trim(),
        dir: editionDir(corrected.operation, corrected.as_of, corrected.template, number),
        created_by: actor.name,
      },
      ctx.now,
    );
    return getEdition(desk, id);
  });
  return refreshDraft(ctx, edition, actor);
}

// ---- scheduled runs ---------------------------------------------------------------------------------------------

/**
 * Rule 4 for a job without `approval: none`: the draft made or refreshed, and mailed to the review list once per
 * content ("ready for review"); never to the bulletin's recipients. Returns the edition and what was mailed.
 */
export async function draftForReview(ctx: DeskContext, request: { asOf: string; template: string }, signal?: AbortSignal) {
  const edition = await draftEdition(ctx, { ...request, actor: 'system' });
  const { mailDraftNotice } = await import('./release.ts');
  const notice = await mailDraftNotice(ctx, edition, signal);
  return { edition, notice };
}

/** Rule 4 for a job with `approval: none`: rendered with the "not reviewed" mark and released at once. */
export async function releaseUnreviewed(ctx: DeskContext, request: { asOf: string; template: string }): Promise<Edition> {
  const edition = await draftEdition(ctx, { ...request, actor: 'system' });
  const finalDir = join(edition.dir, 'final');
  rmSync(finalDir, { recursive: true, force: true });
  const rendered = await renderEdition(ctx, edition, finalDir, { kind: 'unreviewed' });
  const pdfs = await pdfFiles(rendered);
  return withDesk(ctx.dbPath, (desk) =>
    transition(desk, edition.edition_id, 'release_unreviewed', 'system', {
      patch: { pdfs, released_at: ctx.now.toISOString(), release_at: ctx.now.toISOString(), content_sha256: contentHash(rendered, edition) },
      note: 'released without review (approval: none)',
      now: ctx.now,
    }),
  );
}

// ---- show -------------------------------------------------------------------------------------------------------

export interface EditionView {
  edition: Edition;
  checklist: Checklist;
  history: LogEntry[];
}

export async function showEdition(ctx: DeskContext, editionId: string): Promise<EditionView> {
  const { edition, history } = await withDesk(ctx.dbPath, async (desk) => ({ edition: await getEdition(desk, editionId), history: await readLog(desk, editionId) }));
  return { edition, checklist: await editionChecklist(ctx, edition), history };
}

// ---- times --------------------------------------------------------------------------------------------------------

/** "YYYY-MM-DD HH:MM" in China time -> the instant; must be in the future. */
function parseReleaseAt(text: string, now: Date): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  const instant = match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:00+08:00`) : null;
  if (!instant || Number.isNaN(instant.getTime()) || chinaTime(instant) !== `${match![1]}-${match![2]}-${match![3]} ${match![4]}:${match![5]}`) {
    throw new UsageError(`--release-at '${text}' is not a China time "YYYY-MM-DD HH:MM"`);
  }
  if (instant.getTime() <= now.getTime()) throw new UsageError(`--release-at ${text} is not in the future (now ${chinaTime(now)} China time)`);
  return instant;
}

/** The configured release time (HH:MM, China) on the next working day (Monday to Friday) after `now`. */
export function defaultReleaseAt(releaseTime: string, now: Date): Date {
  let day = new Date(`${chinaDate(now)}T${releaseTime}:00+08:00`);
  do day = new Date(day.getTime() + 86_400_000);
  while ([0, 6].includes(new Date(day.getTime() + 8 * 3600_000).getUTCDay()));
  return day;
}

function describeTime(iso: string | null): string {
  return iso ? `${chinaTime(new Date(iso))} China time` : 'not set';
}

function refuseWith(editionId: string) {
  return (error: unknown): never => {
    throw new InputRefused(`edition ${editionId}: ${error instanceof Error ? error.message : String(error)}`);
  };
}

/** Where the edition's files are, for people: relative to the working directory. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
