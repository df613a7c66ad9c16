// `bulletin deliver`: a bulletin mailed to each recipient once.
//
//   1. settings first (SMTP URL, sender, recipients): a bad one stops before anything is rendered
//   2. the bulletin rendered unless the out folder holds it for the newest snapshot (PDF and figures file)
//   3. per recipient, in order: the delivery log decides, then attempts, each recorded before and after
//
// Never twice: a recipient recorded as sent is skipped. The state is 'sending' only while an attempt is under way;
// found on a later run, it means the process died during an attempt, which may have been accepted: the delivery
// is reported uncertain and sent again only when asked (--retry-uncertain), with the same Message-ID. An attempt
// whose whole message went out without an answer is uncertain too. A temporary failure (nothing accepted) leaves
// 'retrying' and is retried after a backoff, also by a later run; a permanent one is not retried in the run.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { configPath, expandRecipients, loadConfig, type Config } from '../config.ts';
import { InputRefused } from '../errors.ts';
import { checkedDate, operationWindow } from '../window.ts';
import type { Language } from '../labels.ts';
import { bulletinStem, defaultOutDir, languagesOf, renderBulletin } from '../render/render.ts';
import { bulletinKind } from '../render/templates.ts';
import { latestSnapshotId } from '../warehouse/snapshots.ts';
import { deliveryOf, finishAttempt, recordState, startAttempt } from './deliveries.ts';
import { bulletinFileStem, composeMail, messageIdFor, type BulletinMail, type FiguresFile, type RenderedLanguage } from './message.ts';
import { createMailer, describeSmtp, smtpSettings, type SendOutcome } from './smtp.ts';

export interface DeliverOptions {
  dbPath: string;
  /** The configuration as the command read it; absent: read from configPath. */
  config?: Config;
  configPath?: string;
  asOf: string;
  operationStart?: string;
  template?: string;
  lang?: string;
  /** Addresses and list names of mail.lists. */
  to: string[];
  out?: string;
  /** Send again, with the same Message-ID, to recipients whose delivery is uncertain. */
  retryUncertain?: boolean;
  /** Aborted: no new attempt starts, a backoff wait ends (the scheduler's SIGTERM). */
  signal?: AbortSignal;
  /** A line for people (stderr). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export type RecipientOutcome = 'sent' | 'already sent' | 'failed' | 'uncertain' | 'stopped';

export interface RecipientResult {
  recipient: string;
  outcome: RecipientOutcome;
  messageId: string;
  attempts: number;
  code: number | null;
  response: string;
}

export interface DeliverResult {
  bulletin: string;
  snapshot: string;
  rendered: boolean;
  pdfs: string[];
  recipients: RecipientResult[];
}

export async function deliverBulletin(options: DeliverOptions): Promise<DeliverResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  // 1.
  const asOf = checkedDate('--as-of', options.asOf);
  const templateName = options.template ?? 'press';
  const kind = bulletinKind(templateName);
  const languages = languagesOf(options.lang ?? 'all');
  const config = options.config ?? loadConfig(configPath(options.configPath));
  const window = operationWindow(config.file, config.operations, asOf, options.operationStart);
  const smtp = smtpSettings(env);
  const recipients = expandRecipients(options.to, config.mail.lists, `mail.lists of ${config.file}`);
  const bulletin = `${window.key}/${templateName}/${asOf}/${languages.join('+')}`;
  const outDir = options.out ?? defaultOutDir(window.key, asOf);

  // 2.
  const snapshot = latestSnapshotId(options.dbPath);
  let rendered = false;
  let files = readRendered(outDir, templateName, languages);
  if (!files || snapshot === null || files.some((f) => f.figures.snapshot !== snapshot)) {
    await renderBulletin({ dbPath: options.dbPath, config, asOf, operationStart: options.operationStart, lang: options.lang, template: templateName, out: outDir });
    rendered = true;
    files = readRendered(outDir, templateName, languages)!;
  }
  const usedSnapshot = files[0].figures.snapshot;
  const mail = composeMail(kind, bulletinFileStem(window.key, templateName, asOf), files, { office: config.office });
  log(`${rendered ? 'rendered' : 'already rendered'} ${bulletin} from snapshot ${usedSnapshot}; mailing ${recipients.length} recipient(s) through ${describeSmtp(smtp)}`);

  // 3.
  const results = await mailFiles({
    dbPath: options.dbPath,
    mail: config.mail,
    smtp,
    bulletin,
    snapshot: usedSnapshot,
    composed: mail,
    recipients,
    retryUncertain: options.retryUncertain,
    signal: options.signal,
    log,
  });
  return { bulletin, snapshot: usedSnapshot, rendered, pdfs: files.map((f) => f.pdf), recipients: results };
}

export interface FilesDelivery {
  dbPath: string;
  /** Retry settings of the configuration. */
  mail: { attempts: number; retryDelaySeconds: number; maxRetryDelaySeconds: number };
  smtp: ReturnType<typeof smtpSettings>;
  /** The identity of what is mailed in the delivery log: each (bulletin, recipient) is sent once. */
  bulletin: string;
  snapshot: string;
  composed: BulletinMail;
  recipients: string[];
  /** Per recipient, the Message-ID this mail answers (In-Reply-To, References): a correction's thread. */
  replyTo?: Record<string, string>;
  retryUncertain?: boolean;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/** Mails a composed bulletin to each recipient once, through the delivery log (the rules at the top of this file). */
export async function mailFiles(delivery: FilesDelivery): Promise<RecipientResult[]> {
  const { dbPath, bulletin, composed: mail } = delivery;
  const attachments = mail.attachments.map(({ filename, sha256 }) => ({ filename, sha256 }));
  const mailer = createMailer(delivery.smtp);
  const results: RecipientResult[] = [];
  try {
    for (const recipient of delivery.recipients) {
      const messageId = messageIdFor(bulletin, recipient, delivery.smtp.from);
      const record = { bulletin, recipient, messageId, snapshot: delivery.snapshot, attachments };
      const previous = await deliveryOf(dbPath, bulletin, recipient);
      // The Message-ID of the first attempt stays, whatever may have changed since.
      record.messageId = previous?.message_id ?? messageId;
      if (previous?.state === 'sent') {
        results.push({ recipient, outcome: 'already sent', messageId: record.messageId, attempts: 0, code: previous.smtp_code, response: `sent ${previous.updated_at}` });
        continue;
      }
      if (previous?.state === 'sending') {
        // The process died during an attempt: it may have been accepted.
        await recordState(dbPath, record, 'uncertain', { code: null, response: 'the sending process ended during an attempt' });
      }
      if ((previous?.state === 'sending' || previous?.state === 'uncertain') && !delivery.retryUncertain) {
        results.push({
          recipient,
          outcome: 'uncertain',
          messageId: record.messageId,
          attempts: 0,
          code: previous.smtp_code,
          response: `an earlier attempt may have been delivered (${previous.state === 'sending' ? 'the sending process ended during it' : previous.smtp_response}); send again with --retry-uncertain`,
        });
        continue;
      }
      if (delivery.signal?.aborted) {
        results.push({ recipient, outcome: 'stopped', messageId: record.messageId, attempts: 0, code: null, response: 'stopped before sending' });
        continue;
      }
      results.push(await sendWithRetries(delivery, mailer, record, mail, delivery.replyTo?.[recipient]));
    }
  } finally {
    mailer.close();
  }
  return results;
}

/** The PDF and the read figures file of every language in the out folder; null when one is missing or unreadable. */
function readRendered(outDir: string, template: string, languages: Language[]): RenderedLanguage[] | null {
  const files: RenderedLanguage[] = [];
  for (const language of languages) {
    const stem = bulletinStem(outDir, template, language);
    if (!existsSync(`${stem}.pdf`)) return null;
    try {
      files.push({ language, pdf: `${stem}.pdf`, figures: JSON.parse(readFileSync(`${stem}.figures.json`, 'utf8')) as FiguresFile });
    } catch {
      return null;
    }
  }
  return files;
}

async function sendWithRetries(
  delivery: FilesDelivery,
  mailer: ReturnType<typeof createMailer>,
  record: { bulletin: string; recipient: string; messageId: string; snapshot: string; attachments: unknown },
  mail: BulletinMail,
  inReplyTo: string | undefined): Promise<RecipientResult> {
  const { dbPath, mail: retry, log } = delivery;
  let delaySeconds = retry.retryDelaySeconds;
  let last: SendOutcome | undefined;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    // Recorded before: a crash from here until the answer is recorded leaves 'sending', read later as uncertain.
    await recordState(dbPath, record, 'sending');
    const number = await startAttempt(dbPath, record.bulletin, record.recipient, record.messageId);
    last = await mailer.send(
      {
        messageId: record.messageId,
        to: record.recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        ...(mail.fromName ? { fromName: mail.fromName } : {}),
        attachments: mail.attachments.map(({ filename, content, contentType }) => ({ filename, content, contentType })),
        ...(inReplyTo ? { inReplyTo } : {}),
      },
      delivery.signal,
    );
    const outcome = last.kind === 'accepted' ? 'accepted' : last.kind;
    await finishAttempt(dbPath, record.bulletin, record.recipient, number, { code: last.code, response: last.response, outcome });
    const answer = { code: last.code, response: last.response };
    if (last.kind === 'accepted') {
      await recordState(dbPath, record, 'sent', answer);
      return { recipient: record.recipient, outcome: 'sent', messageId: record.messageId, attempts: attempt, code: last.code, response: last.response };
    }
    if (last.kind === 'uncertain') {
      await recordState(dbPath, record, 'uncertain', answer);
      return { recipient: record.recipient, outcome: 'uncertain', messageId: record.messageId, attempts: attempt, code: last.code, response: `${last.response} (the message may have been delivered; not retried)` };
    }
    if (last.kind === 'permanent') {
      await recordState(dbPath, record, 'failed', answer);
      return { recipient: record.recipient, outcome: 'failed', messageId: record.messageId, attempts: attempt, code: last.code, response: `${last.response} (permanent, not retried)` };
    }
    // Temporary: nothing was accepted; safe to try again, now or in a later run.
    await recordState(dbPath, record, 'retrying', answer);
    if (attempt === retry.attempts) break;
    log(`${record.recipient}: ${last.response}; retrying in ${delaySeconds} s (attempt ${attempt + 1} of ${retry.attempts})`);
    if (!(await pause(delaySeconds * 1000, delivery.signal))) {
      return { recipient: record.recipient, outcome: 'stopped', messageId: record.messageId, attempts: attempt, code: last.code, response: `${last.response} (stopped before retrying)` };
    }
    delaySeconds = Math.min(delaySeconds * 2, retry.maxRetryDelaySeconds);
  }
  await recordState(dbPath, record, 'failed', { code: last!.code, response: last!.response });
  return { recipient: record.recipient, outcome: 'failed', messageId: record.messageId, attempts: retry.attempts, code: last!.code, response: `${last!.response} (temporary; gave up after ${retry.attempts} attempts)` };
}

/** Waits; false when the signal ended the wait. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return sleep(ms, undefined, { signal }).then(
    () => true,
    () => false,
  );
}

/** One line for a failed run: the recipients not delivered, each with the server's answer. */
export function deliveryFailure(result: DeliverResult): InputRefused | null {
  const bad = result.recipients.filter((r) => r.outcome === 'failed' || r.outcome === 'uncertain' || r.outcome === 'stopped');
  if (bad.length === 0) return null;
  const each = bad.map((r) => `${r.recipient}: ${r.outcome}: ${r.code ?? ''}${r.code ? ' ' : ''}${r.response}`);
  return new InputRefused(bad.length === 1 ? `deliver ${result.bulletin}: ${each[0]}` : `deliver ${result.bulletin}: ${bad.length} of ${result.recipients.length} recipients not delivered: ${each.join('; ')}`);
}
