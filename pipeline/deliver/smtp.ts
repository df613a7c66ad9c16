// Mail out through one SMTP server (nodemailer's SMTP client), one connection per message.
//
//   settings   BULLETIN_SMTP_URL, BULLETIN_MAIL_FROM, BULLETIN_SMTP_CA_FILE, checked once; the password is never
//              printed: describeSmtp() and every message put *** in its place
//   TLS        smtps:// is TLS from the start; smtp:// must upgrade with STARTTLS, except on a loopback address,
//              where plain is allowed (STARTTLS is still used when offered). Certificates are always verified,
//              against Node's CAs plus the CA file when one is given
//   send()     never throws for a mail or network problem: every ending is a SendOutcome
//
// The outcome that matters most is "uncertain". nodemailer reports a connection dropped, or a reply that never came,
// with the same error (code ECONNECTION or ETIMEDOUT, command 'CONN', no responseCode) whether it happened while
// the envelope was sent, while the message was streamed, or after the final "." while waiting for the answer. So
// the stage is tracked here: the message is handed over as our own stream, and once that stream has ended
// (everything read into nodemailer's dot-stuffing stream, whose end writes the final ".") the server may have
// accepted the message, and a failure without a reply is uncertain. Before that the "." cannot have been written,
// so nothing can have been accepted and the failure is temporary. The moment between the two only ever turns a
// temporary failure into an uncertain one, never the reverse.
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { PassThrough } from 'node:stream';
import { rootCertificates } from 'node:tls';
// Types only: nodemailer is loaded by the first send (a command that mails nothing, or stops at a check, never does).
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { shownText } from '../characters.ts';
import { oneLine, UsageError } from '../errors.ts';
import { addressProblem } from './address.ts';

export interface SmtpSettings {
  url: URL;
  from: string;
  caFile?: string;
}

export interface OutgoingMail {
  /** Used verbatim as the Message-ID header, e.g. '<abc@bulletin>'. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  /** An HTML alternative of `text` (multipart/alternative), when given. */
  html?: string;
  /** The display name of From (RFC 2047-encoded by nodemailer); the address is always BULLETIN_MAIL_FROM. */
  fromName?: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
  /** A reply to an earlier message (a correction to the mail of the edition it corrects): In-Reply-To and References. */
  inReplyTo?: string;
}

export type SendOutcome =
  /** The server said 2xx after the end of the message. */
  | { kind: 'accepted'; code: number; response: string }
  /** Nothing was accepted (a 4xx, or no connection, or dropped before the end of the message): safe to retry. */
  | { kind: 'temporary'; code: number | null; response: string }
  /** 5xx, authentication refused, TLS required but not offered, certificate not trusted: retrying will not help. */
  | { kind: 'permanent'; code: number | null; response: string }
  /** The whole message was sent but no answer came: it may have been accepted; not to be retried automatically. */
  | { kind: 'uncertain'; code: number | null; response: string };

export interface Mailer {
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<SendOutcome>;
  /** Closes the connections of sends still under way; their outcomes say how far they got. */
  close(): void;
}

const URL_EXAMPLE = 'smtp://user:password@host:587 or smtps://user:password@host:465';
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The settings from the environment; a missing or bad one is a UsageError of one line, without the password. */
export function smtpSettings(env: NodeJS.ProcessEnv = process.env): SmtpSettings {
  const raw = env.BULLETIN_SMTP_URL?.trim();
  if (!raw) throw new UsageError(`BULLETIN_SMTP_URL is not set: the server to mail through, as ${URL_EXAMPLE}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not the value itself: it would carry the password.
    throw new UsageError(`BULLETIN_SMTP_URL is not a URL; expected ${URL_EXAMPLE} (special characters in user or password percent-encoded)`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new UsageError(`BULLETIN_SMTP_URL: scheme ${url.protocol} not supported; use smtp:// (STARTTLS) or smtps:// (TLS from the start)`);
  }
  if (!url.hostname) throw new UsageError(`BULLETIN_SMTP_URL has no host; expected ${URL_EXAMPLE}`);
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
    // Options in the URL (nodemailer reads some from the query) would be ignored here: refused rather than ignored.
    throw new UsageError(`BULLETIN_SMTP_URL: no path, query or fragment expected (in user or password, write / ? # as %2F %3F %23); expected ${URL_EXAMPLE}`);
  }
  if (Boolean(url.username) !== Boolean(url.password)) {
    throw new UsageError(`BULLETIN_SMTP_URL: give both user and password, or neither (${describeUrl(url)})`);
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new UsageError(`BULLETIN_SMTP_URL: bad percent-encoding in user or password (${describeUrl(url)})`);
  }

  const rawFrom = env.BULLETIN_MAIL_FROM ?? '';
  const from = rawFrom.trim();
  if (!from) throw new UsageError('BULLETIN_MAIL_FROM is not set: the sender address of the bulletins, e.g. bulletin@example.org');
  // Checked untrimmed: a CR LF at its end would start a header of its own.
  if (addressProblem(rawFrom)) {
    throw new UsageError(`BULLETIN_MAIL_FROM is not a plain address: '${shownText(rawFrom)}' (e.g. bulletin@example.org)`);
  }

  const caFile = env.BULLETIN_SMTP_CA_FILE?.trim() || undefined;
  if (caFile) readCaFile(caFile);
  return { url, from, caFile };
}

/** The URL as safe to print: the password replaced by ***. */
export function describeSmtp(settings: SmtpSettings): string {
  return describeUrl(settings.url);
}

function describeUrl(url: URL): string {
  const port = url.port || defaultPort(url);
  const user = url.username ? `${url.username}${url.password ? ':***' : ''}@` : '';
  return `${url.protocol}//${user}${url.hostname}:${port}`;
}

function defaultPort(url: URL): number {
  return url.protocol === 'smtps:' ? 465 : 587;
}

function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`BULLETIN_SMTP_CA_FILE: cannot read ${file}: ${oneLine(error)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`BULLETIN_SMTP_CA_FILE: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

// 127.0.0.0/8 and ::1; an IPv4-mapped address (::ffff:127.0.0.1) is checked as the IPv4 one.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** A loopback address or localhost: the only hosts where mail may go unencrypted. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** The options of nodemailer's SMTP connection for these settings (TLS rules in the header). */
export function transportOptions(settings: SmtpSettings, timeoutMs = DEFAULT_TIMEOUT_MS): SMTPConnectionOptions {
  const { url } = settings;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const implicitTls = url.protocol === 'smtps:';
  return {
    host,
    port: Number(url.port) || defaultPort(url),
    secure: implicitTls,
    requireTLS: !implicitTls && !isLoopback(host),
    // An upgrade that fails is a failure, also on loopback: never continue in plain after offering STARTTLS.
    opportunisticTLS: false,
    // Certificates are verified (Node's default); a private CA is trusted in addition to Node's, never instead.
    tls: settings.caFile ? { ca: [...rootCertificates, readCaFile(settings.caFile)] } : {},
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    logger: false,
  };
}

export function createMailer(settings: SmtpSettings, options: { timeoutMs?: number } = {}): Mailer {
  const connectionOptions = transportOptions(settings, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const credentials = settings.url.username
    ? { user: decodeURIComponent(settings.url.username), pass: decodeURIComponent(settings.url.password) }
    : undefined;
  const hide = secretHider(settings.url);
  const open = new Set<SMTPConnection>();
  let closed = false;

  async function send(mail: OutgoingMail, signal?: AbortSignal): Promise<SendOutcome> {
    if (closed) throw new Error('mailer already closed');
    if (signal?.aborted) return { kind: 'temporary', code: null, response: 'stopped before connecting' };
    const message = await composeMessage(settings.from, mail);
    const { default: SMTPConnection } = await import('nodemailer/lib/smtp-connection');
    if (signal?.aborted) return { kind: 'temporary', code: null, response: 'stopped before connecting' };

    return new Promise<SendOutcome>((resolve) => {
      const connection = new SMTPConnection(connectionOptions);
      open.add(connection);
      // Set once the message stream has been read to its end: from then on the final "." may have gone out.
      let wholeMessageWritten = false;
      let settled = false;
      const finish = (outcome: SendOutcome) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        open.delete(connection);
        connection.close();
        resolve({ ...outcome, response: hide(oneLine(outcome.response)) } as SendOutcome);
      };
      const fail = (error: unknown) => finish(classifyFailure(error as SmtpError, wholeMessageWritten));
      // Stopping is safe until the message is complete; after that, the answer is waited for (a stop then would
      // only turn a delivery into an uncertain one).
      const onAbort = () => {
        if (!wholeMessageWritten) finish({ kind: 'temporary', code: null, response: 'stopped before the end of the message' });
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      // Errors come as an 'error' event or through a callback (both for some), 'end' when closed without either.
      connection.on('error', fail);
      connection.on('end', () => {
        // Deferred: nodemailer may close first and hand the reply's error to the callback just after.
        setImmediate(() => fail(Object.assign(new Error(closed ? 'Mailer closed during the send' : 'Connection closed'), { code: 'ECONNECTION' })));
      });
      connection.connect((error) => {
        if (error) return fail(error);
        const transfer = () => {
          const body = new PassThrough();
          body.once('end', () => (wholeMessageWritten = true));
          body.end(message);
          connection.send({ from: settings.from, to: [mail.to], size: message.length }, body, (error, info) => {
            if (error || !info) return fail(error);
            finish({ kind: 'accepted', code: replyCode(info.response) ?? 250, response: info.response });
          });
        };
        if (credentials && connection.allowsAuth) connection.login(credentials, (error) => (error ? fail(error) : transfer()));
        else transfer();
      });
    });
  }

  return {
    send,
    close() {
      closed = true;
      for (const connection of open) connection.close();
    },
  };
}

/** The message as it goes out: headers, the text part (and its HTML alternative), the attachments (base64). */
async function composeMessage(from: string, mail: OutgoingMail): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  return new MailComposer({
    from: mail.fromName ? { name: mail.fromName, address: from } : from,
    to: mail.to,
    subject: mail.subject,
    messageId: mail.messageId,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    attachments: mail.attachments.map(({ filename, content, contentType }) => ({ filename, content, contentType })),
  })
    .compile()
    .build();
}

interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

// Node's and OpenSSL's codes for a certificate that is not trusted or not the host's, and for a TLS session that
// cannot be set up at all (e.g. smtps:// to a plain port): a retry would meet the same.
const TLS_REFUSAL = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME|INVALID_CA|PATH_LENGTH|ERR_SSL_|ERR_TLS_/;

/** How a failed send ended; `wholeMessageWritten` decides a failure without a reply (see the header). */
export function classifyFailure(error: SmtpError | undefined, wholeMessageWritten: boolean): SendOutcome {
  const code = error?.responseCode ?? replyCode(error?.response);
  // The server's answer, and the command it answered when that is not plain from the answer.
  const after = error?.command && !['CONN', 'API'].includes(error.command) ? ` (after ${error.command})` : '';
  const answer = error?.response ? `${oneLine(error.response)}${after}` : '';
  if (code !== null && code >= 400 && code < 500) return { kind: 'temporary', code, response: answer };
  if (code !== null && code >= 500) return { kind: 'permanent', code, response: answer };
  const why = error?.code === 'ETIMEDOUT' ? `timed out (${oneLine(error.message)})` : oneLine(error?.message ?? 'no answer');
  if (error?.code === 'EAUTH' || error?.code === 'ENOAUTH') return { kind: 'permanent', code, response: `authentication failed: ${why}` };
  const tlsCode = [error?.originalCode, error?.code].find((c) => c && TLS_REFUSAL.test(c));
  if (tlsCode) return { kind: 'permanent', code, response: `TLS failed: ${why} (${tlsCode})` };
  // Refused by nodemailer itself before anything was sent (a bad address, a message over the server's SIZE).
  if ((error?.code === 'EENVELOPE' || error?.code === 'EMESSAGE') && !wholeMessageWritten) return { kind: 'permanent', code, response: why };
  if (wholeMessageWritten) return { kind: 'uncertain', code, response: `no answer after the whole message was sent: ${why}` };
  return { kind: 'temporary', code, response: why };
}

function replyCode(response: string | undefined): number | null {
  const match = /^([2-5]\d\d)\b/.exec(response ?? '');
  return match ? Number(match[1]) : null;
}

/** Replaces the password (as written in the URL and decoded) by *** in a message. */
function secretHider(url: URL): (text: string) => string {
  const secrets = [url.password, safeDecode(url.password)].filter((s) => s.length > 0);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
