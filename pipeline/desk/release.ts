// What leaves the desk by mail (desk.md rules 4, 5, 6, 8, 9): the release of an approved edition, pre-release
// copies, corrections to the people who got the corrected edition, the draft notice to the desk list and test
// sends. Every mail goes through deliver's mailFiles (each recipient once, every attempt in the delivery log) and
// is refused while a hold is in force; every one is appended to the desk log.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandRecipients } from '../config.ts';
import { chinaTime } from '../dates.ts';
import { InputRefused, UsageError } from '../errors.ts';
import { deliverBulletin, mailFiles, type DeliverOptions, type DeliverResult, type RecipientResult } from '../deliver/deliver.ts';
import { readDeliveryLog } from '../deliver/deliveries.ts';
import { bulletinFileStem, composeMail, type FiguresFile as MailFigures, type RenderedLanguage } from '../deliver/message.ts';
import { smtpSettings } from '../deliver/smtp.ts';
import type { Figures, FiguresResult } from '../figures/figures.ts';
import type { FigureParameters } from '../figures/parameters.ts';
import { LANGUAGES } from '../labels.ts';
import { releaseFigures } from '../publish/releases.ts';
import { renderPrereleaseAnnex } from '../render/annex.ts';
import { languagesOf } from '../render/render.ts';
import { checkedDate, operationWindow } from '../window.ts';
import { bulletinKind } from '../render/templates.ts';
import { fileSha256 } from '../files.ts';
import { snapshotPath, verifySnapshot } from '../warehouse/snapshots.ts';
import { Warehouse } from '../warehouse/warehouse.ts';
import { bulletinIdOf, renderEmbargoedCopy, type DeskContext } from './editions.ts';
import { appendLog, currentHold, getEdition, openEdition, refuseUnlessAllowed, releasedEdition, transition, withDesk, type Edition } from './store.ts';
import { userEmail } from './users.ts';
import type { Actor } from './workflow.ts';

/** The recipients of a bulletin: every address the configured jobs of its template send to. */
function bulletinRecipients(ctx: DeskContext, template: string): string[] {
  return [...new Set(ctx.config.jobs.filter((job) => job.kind !== 'ingest' && job.template === template).flatMap((job) => job.to))];
}

async function refuseWhileHeld(ctx: DeskContext, what: string): Promise<void> {
  const hold = await withDesk(ctx.dbPath, (desk) => currentHold(desk));
  if (hold) throw new InputRefused(`${what}: a hold is in force since ${chinaTime(new Date(hold.at))} China time (${hold.by}: ${hold.reason}); bulletin desk resume lifts it`);
}

/** The PDFs an edition has now, each checked against the sha256 recorded for it (byte-identical or refused). */
async function checkedPdfs(edition: Edition): Promise<RenderedLanguage[]> {
  const files: RenderedLanguage[] = [];
  for (const language of LANGUAGES) {
    const pdf = edition.pdfs[language];
    if (!pdf || !existsSync(pdf.path)) throw new InputRefused(`edition ${edition.edition_id}: its ${language} PDF is missing (${pdf?.path ?? 'never rendered'})`);
    const actual = await fileSha256(pdf.path);
    if (actual !== pdf.sha256) throw new InputRefused(`edition ${edition.edition_id}: ${pdf.path} is not the PDF that was approved (sha256 ${actual.slice(0, 12)}…, recorded ${pdf.sha256.slice(0, 12)}…)`);
    files.push({ language, pdf: pdf.path, figures: JSON.parse(readFileSync(pdf.path.replace(/\.pdf$/, '.figures.json'), 'utf8')) as MailFigures });
  }
  return files;
}

interface Mailing {
  /** The identity in the delivery log: the edition, or the edition and the kind of mail. */
  deliveryId: string;
  edition: Edition;
  files: RenderedLanguage[];
  recipients: string[];
  subjectPrefix?: string;
  /** Lines put before the body, in both parts (a test send says what it is first). */
  preface?: string;
  replyTo?: Record<string, string>;
  extraAttachments?: { filename: string; path: string }[];
  retryUncertain?: boolean;
  signal?: AbortSignal;
  action: string;
  actor: string;
  note?: string;
}

/** Mails through deliver's log, then appends one desk-log entry per recipient (who, Message-ID, server answer). */
async function mail(ctx: DeskContext, mailing: Mailing): Promise<RecipientResult[]> {
  const { edition } = mailing;
  if (mailing.recipients.length === 0) return [];
  const kind = bulletinKind(edition.template);
  const composed = composeMail(kind, bulletinFileStem(edition.operation, edition.template, edition.as_of), mailing.files, {
    office: ctx.config.office,
    subjectPrefix: mailing.subjectPrefix,
    preface: mailing.preface,
  });
  for (const extra of mailing.extraAttachments ?? []) {
    const content = readFileSync(extra.path);
    composed.attachments.push({ filename: extra.filename, content, contentType: 'application/pdf', sha256: await fileSha256(extra.path) });
  }
  const results = await mailFiles({
    dbPath: ctx.dbPath,
    mail: ctx.config.mail,
    smtp: smtpSettings(process.env),
    bulletin: mailing.deliveryId,
    snapshot: edition.snapshot_id ?? '',
    composed,
    recipients: mailing.recipients,
    replyTo: mailing.replyTo,
    retryUncertain: mailing.retryUncertain,
    signal: mailing.signal,
    log: ctx.log,
  });
  await withDesk(ctx.dbPath, async (desk) => {
    for (const r of results) {
      if (r.outcome === 'already sent') continue;
      await appendLog(
        desk,
        {
          actor: mailing.actor,
          edition_id: edition.edition_id,
          action: mailing.action,
          from_state: null,
          to_state: null,
          note: mailing.note ?? null,
          content_sha256: edition.content_sha256,
          detail: { recipient: r.recipient, outcome: r.outcome, message_id: r.messageId, code: r.code, response: r.response, attachments: composed.attachments.map((a) => ({ filename: a.filename, sha256: a.sha256 })) },
        },
        ctx.now,
      );
    }
  });
  return results;
}

// ---- release ----------------------------------------------------------------------------------------------------

export interface ReleaseOutcome {
  edition: Edition;
  recipients: RecipientResult[];
}

/** Rule 5: an approved, due edition released: figures recorded, the corrected edition superseded, mailed. */
export async function releaseEdition(ctx: DeskContext, editionId: string, actor: Actor | 'system', options: { signal?: AbortSignal; retryUncertain?: boolean } = {}): Promise<ReleaseOutcome> {
  let edition = await withDesk(ctx.dbPath, (desk) => getEdition(desk, editionId));
  if (edition.state === 'released') {
    // Released before, perhaps by a run cut short while mailing: mail whoever has not been mailed yet.
    return { edition, recipients: await mailRelease(ctx, edition, actorLabel(actor), options) };
  }
  refuseUnlessAllowed('release', edition, actor);
  if (!edition.release_at || new Date(edition.release_at).getTime() > ctx.now.getTime()) {
    throw new InputRefused(`edition ${editionId}: not before its release time, ${chinaTime(new Date(edition.release_at!))} China time`);
  }
  await refuseWhileHeld(ctx, `edition ${editionId} not released`);
  // The mail settings before anything is recorded: a release that cannot be mailed is not made.
  if (bulletinRecipients(ctx, edition.template).length > 0 || edition.corrects) smtpSettings(process.env);
  const files = await checkedPdfs(edition);
  if (edition.snapshot_id && existsSync(snapshotPath(ctx.dbPath, edition.snapshot_id))) {
    await verifySnapshot(ctx.dbPath, edition.snapshot_id).catch((error: Error) => {
      throw new InputRefused(`edition ${editionId}: ${error.message}`);
    });
  }
  if (bulletinKind(edition.template).audience === 'public') await recordRelease(ctx, edition, files[0].figures as unknown as FiguresDocument);
  edition = await withDesk(ctx.dbPath, async (desk) => {
    const released = await transition(desk, editionId, 'release', actor, { patch: { released_at: ctx.now.toISOString() }, now: ctx.now });
    if (edition.corrects) await transition(desk, edition.corrects, 'supersede', 'system', { note: `superseded by ${editionId}`, now: ctx.now });
    return released;
  });
  // The hold and the PDFs were checked above, just before the release was recorded.
  return { edition, recipients: await mailRelease(ctx, edition, actorLabel(actor), options, files) };
}

interface FiguresDocument {
  as_of: string;
  operation_start: string;
  snapshot: string;
  figures: Record<string, { computed: unknown }>;
}

/** What `metrics --release` does, from the approved figures: the consistency guard and the release record. */
async function recordRelease(ctx: DeskContext, edition: Edition, doc: FiguresDocument): Promise<void> {
  const figures = Object.fromEntries(Object.entries(doc.figures).map(([id, f]) => [id, f.computed])) as unknown as Figures;
  const result = { parameters: { as_of: doc.as_of, operation_start: doc.operation_start } as FigureParameters, snapshot: doc.snapshot, figures, provenance: {} } as FiguresResult;
  const snapshot = existsSync(snapshotPath(ctx.dbPath, doc.snapshot)) ? snapshotPath(ctx.dbPath, doc.snapshot) : null;
  if (!snapshot) throw new InputRefused(`edition ${edition.edition_id}: the snapshot its figures came from (${doc.snapshot}) is gone; the release cannot be checked against the last one`);
  const reader = await Warehouse.open(snapshot, { readOnly: true });
  try {
    await releaseFigures(ctx.dbPath, reader, result, edition.operation, edition.kind === 'revision' ? `revision ${edition.edition_id}: ${edition.note_en}` : undefined);
  } finally {
    reader.close();
  }
}

/** Mails a released edition; `checked`: its PDFs as releaseEdition has just checked them (with the hold). */
async function mailRelease(
  ctx: DeskContext,
  edition: Edition,
  actor: string,
  options: { signal?: AbortSignal; retryUncertain?: boolean },
  checked?: RenderedLanguage[],
): Promise<RecipientResult[]> {
  if (!checked) await refuseWhileHeld(ctx, `edition ${edition.edition_id} not mailed`);
  const files = checked ?? (await checkedPdfs(edition));
  const annex = await prereleaseAnnex(ctx, edition);
  let recipients = bulletinRecipients(ctx, edition.template);
  let replyTo: Record<string, string> | undefined;
  let subjectPrefix: string | undefined;
  if (edition.corrects) {
    // Rule 8: only those who received the edition it corrects, as a reply to the mail they got.
    const earlier = await receivedRelease(ctx, edition.corrects);
    recipients = earlier.map((d) => d.recipient);
    replyTo = Object.fromEntries(earlier.map((d) => [d.recipient, d.message_id]));
    subjectPrefix = 'Correction: 更正：';
  }
  if (recipients.length === 0) ctx.log(`edition ${edition.edition_id}: released; nobody to mail (no configured job sends the ${edition.template} template)`);
  const results = await mail(ctx, { deliveryId: edition.edition_id, edition, files, recipients, replyTo, subjectPrefix, extraAttachments: annex, action: 'deliver', actor, ...options });
  // Every recipient had their attempt (none stopped): the release is done; otherwise the scheduler finishes it.
  if (!results.some((r) => r.outcome === 'stopped')) {
    await withDesk(ctx.dbPath, (desk) =>
      appendLog(desk, { actor, edition_id: edition.edition_id, action: 'delivery_done', from_state: null, to_state: null, note: `${results.length} recipient(s)`, content_sha256: edition.content_sha256, detail: null }, ctx.now),
    );
  }
  return results;
}

/** The recipients the release of `editionId` reached, with the Message-ID each received. */
async function receivedRelease(ctx: DeskContext, editionId: string): Promise<{ recipient: string; message_id: string }[]> {
  const log = await readDeliveryLog(ctx.dbPath, editionId);
  return log.deliveries.filter((d) => d.state === 'sent').map((d) => ({ recipient: d.recipient, message_id: d.message_id }));
}

/** Rule 6's annex of the released edition: the people who had it before release (none: no annex). */
async function prereleaseAnnex(ctx: DeskContext, edition: Edition): Promise<{ filename: string; path: string }[]> {
  const entries = (await withDesk(ctx.dbPath, (desk) => desk.all<{ recipient: string; at: string; reason: string }>(
    `SELECT json_extract_string(detail, '$.recipient') AS recipient, strftime(logged_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS at, note AS reason
       FROM desk_log WHERE edition_id = $id AND action = 'prerelease' AND json_extract_string(detail, '$.outcome') = 'sent' ORDER BY seq`,
    { id: edition.edition_id },
  )));
  if (entries.length === 0) return [];
  const operationName = operationNames(ctx, edition.operation);
  const pdfs = await renderPrereleaseAnnex({ outDir: join(edition.dir, 'annex'), template: edition.template, asOf: edition.as_of, operationName, entries, languages: [...LANGUAGES] });
  const stem = bulletinFileStem(edition.operation, edition.template, edition.as_of);
  return pdfs.map((p) => ({ filename: `${stem}.prerelease-access.${p.language}.pdf`, path: p.pdf }));
}

function operationNames(ctx: DeskContext, operation: string): { en: string; zh: string } {
  const op = ctx.config.operations.find((o) => o.id === operation);
  return op ? { en: op.nameEn, zh: op.nameZh } : { en: operation, zh: operation };
}

/** The approved editions whose release time has come, and released ones whose mailing was cut short. */
export async function dueEditions(ctx: DeskContext): Promise<Edition[]> {
  return withDesk(ctx.dbPath, async (desk) => {
    const rows = await desk.all<{ edition_id: string }>(
      `SELECT edition_id FROM editions e
        WHERE (state = 'approved' AND release_at <= CAST($now AS TIMESTAMPTZ))
           OR (state = 'released' AND NOT EXISTS (SELECT 1 FROM desk_log l WHERE l.edition_id = e.edition_id AND l.action = 'delivery_done'))
        ORDER BY release_at, edition_id`,
      { now: ctx.now.toISOString() },
    );
    return Promise.all(rows.map((r) => getEdition(desk, r.edition_id)));
  });
}

// ---- bulletin deliver ---------------------------------------------------------------------------------------------

/**
 * `bulletin deliver` under the desk's rules: nothing while a hold is in force; a public (press) bulletin only as its
 * released edition, byte for byte; an internal one (the briefing) rendered and mailed as before.
 */
export async function deliverThroughDesk(ctx: DeskContext, options: DeliverOptions): Promise<DeliverResult> {
  await refuseWhileHeld(ctx, 'nothing delivered');
  const template = options.template ?? 'press';
  const window = operationWindow(ctx.config.file, ctx.config.operations, checkedDate('--as-of', options.asOf), options.operationStart);
  const bulletin = bulletinIdOf(window.key, template, options.asOf);
  const languages = languagesOf(options.lang ?? 'all');
  const recipients = expandRecipients(options.to, ctx.config.mail.lists, `mail.lists of ${ctx.config.file}`);
  smtpSettings(process.env);
  const { released, open } = await withDesk(ctx.dbPath, async (desk) => {
    return { released: await releasedEdition(desk, bulletin), open: await openEdition(desk, bulletin) };
  });
  // A briefing never released as an edition is rendered and mailed as before; once released, it goes as that
  // edition (the same delivery-log entry, so nobody gets it twice by two routes).
  if (!released && bulletinKind(template).audience !== 'public') return deliverBulletin({ ...options, config: ctx.config, log: ctx.log });
  if (!released) {
    const how = !open
      ? `make one: bulletin edition draft --as-of ${options.asOf} --template ${template} --as USER, then submit, approve and release it`
      : open.state === 'approved'
        ? `${open.edition_id} is approved, released at ${chinaTime(new Date(open.release_at!))} China time`
        : `${open.edition_id} is ${open.state}; it needs ${open.state === 'draft' ? 'submitting and ' : ''}a second person's approval`;
    throw new InputRefused(`${bulletin}: a press bulletin is delivered only as its released edition, and it has none yet: ${how}`);
  }
  const files = (await checkedPdfs(released)).filter((f) => languages.includes(f.language));
  const deliveryId = languages.length === LANGUAGES.length ? released.edition_id : `${released.edition_id}/${languages.join('+')}`;
  const results = await mail(ctx, { deliveryId, edition: released, files, recipients, action: 'deliver', actor: 'command line', retryUncertain: options.retryUncertain, signal: options.signal });
  return { bulletin: deliveryId, snapshot: released.snapshot_id ?? '', rendered: false, pdfs: files.map((f) => f.pdf), recipients: results };
}

// ---- draft notice -------------------------------------------------------------------------------------------------

/** "Ready for review": the draft PDFs to the review list, once per content of the draft; nothing when no list. */
export async function mailDraftNotice(ctx: DeskContext, edition: Edition, signal?: AbortSignal): Promise<RecipientResult[]> {
  const list = ctx.config.desk.reviewList;
  if (!Object.hasOwn(ctx.config.mail.lists, list)) {
    ctx.log(`edition ${edition.edition_id}: draft not mailed for review: mail.lists has no list '${list}' (desk.review_list)`);
    return [];
  }
  await refuseWhileHeld(ctx, `edition ${edition.edition_id}: draft not mailed for review`);
  const files = await checkedPdfs(edition);
  return mail(ctx, {
    deliveryId: `${edition.edition_id}/review/${(edition.content_sha256 ?? '').slice(0, 16)}`,
    edition,
    files,
    recipients: expandRecipients([list], ctx.config.mail.lists),
    subjectPrefix: 'Ready for review (DRAFT) / 待审核（草稿）: ',
    action: 'review_notice',
    actor: 'system',
    signal,
  });
}

// ---- pre-release ------------------------------------------------------------------------------------------------

/** Rule 6: an embargoed copy of an approved edition to one named person, at most N hours before release. */
export async function prereleaseEdition(ctx: DeskContext, editionId: string, actor: Actor, to: string, reason: string): Promise<RecipientResult> {
  if (!reason.trim()) throw new UsageError('a pre-release needs a reason (--reason TEXT)');
  const [recipient] = expandRecipients([to], {}, 'an address');
  const edition = await withDesk(ctx.dbPath, (desk) => getEdition(desk, editionId));
  if (edition.state !== 'approved') throw new InputRefused(`edition ${editionId}: a pre-release copy needs an approved edition; this one is ${edition.state}`);
  const releaseAt = new Date(edition.release_at!);
  const hours = ctx.config.desk.prereleaseMaxHours;
  // Only before the release time (rule 6): from then on the edition is released, to everyone at once.
  if (ctx.now.getTime() >= releaseAt.getTime()) {
    throw new InputRefused(`edition ${editionId}: no pre-release copy: its release time, ${chinaTime(releaseAt)} China time, has come; release it (bulletin edition release ${editionId})`);
  }
  if (ctx.now.getTime() < releaseAt.getTime() - hours * 3600_000) {
    throw new InputRefused(`edition ${editionId}: a pre-release copy may go at most ${hours} hours before the release at ${chinaTime(releaseAt)} China time (desk.prerelease_max_hours)`);
  }
  await refuseWhileHeld(ctx, `edition ${editionId}: no pre-release`);
  await checkedPdfs(edition);
  const files = await renderEmbargoedCopy(ctx, edition, releaseAt);
  const [result] = await mail(ctx, {
    deliveryId: `${editionId}/prerelease`,
    edition,
    files,
    recipients: [recipient],
    subjectPrefix: `EMBARGOED until ${chinaTime(releaseAt)} / ${chinaTime(releaseAt)}前不得发布: `,
    action: 'prerelease',
    actor: actor.name,
    note: reason,
  });
  return result;
}

// ---- test send ---------------------------------------------------------------------------------------------------

/**
 * "Send a test to me" (the desk page's test-send): the edition's current PDFs, draft or final, to the acting user's
 * own address only, subject "[TEST] " and the real subject. Refused while the desk holds (rule 9), for a user
 * without an address, for an edition without PDFs and for a withdrawn or superseded one.
 *
 * Not a delivery of the edition: it goes through mailFiles (the delivery log records its attempts, temporary
 * failures are retried, an uncertain one is reported as such) under a key of its own, `<edition>/test/<time>/<random>`, so
 * the release, keyed by the edition id, still mails that person; and each test send is a new message.
 */
export async function testSendEdition(ctx: DeskContext, editionId: string, actor: Actor): Promise<RecipientResult> {
  const email = userEmail(ctx.dbPath, actor.name);
  if (!email) throw new InputRefused(`desk user ${actor.name} has no e-mail address: bulletin desk user email ${actor.name} ADDR`);
  // The users file is checked when written, but read again like any recipient: it may have been edited by hand.
  const [recipient] = expandRecipients([email], {}, `desk user ${actor.name}'s address`);
  const edition = await withDesk(ctx.dbPath, (desk) => getEdition(desk, editionId));
  if (edition.state === 'withdrawn' || edition.state === 'superseded') {
    throw new InputRefused(`edition ${editionId}: no test send: it is ${edition.state}`);
  }
  if (LANGUAGES.some((language) => !edition.pdfs[language])) {
    throw new InputRefused(`edition ${editionId}: no test send: it has no rendered PDFs yet (bulletin edition draft makes them)`);
  }
  await refuseWhileHeld(ctx, `edition ${editionId}: no test send`);
  smtpSettings(process.env);
  const files = await checkedPdfs(edition);
  const preface =
    `TEST: a test send of edition ${editionId} (state ${edition.state}) to ${actor.name} alone. It is not a release; nobody else received it.\n` +
    `测试邮件：版本 ${editionId}（状态 ${edition.state}）仅发给 ${actor.name}，并非正式发布，其他人未收到。`;
  const [result] = await mail(ctx, {
    // The real clock and a random tail: each click sends one test, also under a fixed BULLETIN_NOW.
    deliveryId: `${editionId}/test/${new Date().toISOString()}/${randomUUID().slice(0, 8)}`,
    edition,
    files,
    recipients: [recipient],
    subjectPrefix: '[TEST] ',
    preface,
    action: 'test-send',
    actor: actor.name,
  });
  return result;
}

function actorLabel(actor: Actor | 'system'): string {
  return actor === 'system' ? 'system' : actor.name;
}
