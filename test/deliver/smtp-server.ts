// A real SMTP server for tests (smtp-server on 127.0.0.1, a random port) whose answers each test programs, and
// what it received, to read back. Also: a self-signed certificate made with openssl at test time (smtp-server's
// built-in one has expired), a port nothing listens on, and a small MIME reader for the messages received.
//
//   const server = await startSmtpServer({ auth: { user: 'bulletin', pass: 'secret' } });
//   server.answer('data', 421, 250);     // the first message is refused with 421, the next one accepted
//   server.answer('rcpt', 'drop');       // the connection is dropped at RCPT TO (before DATA)
//   server.answer('data', 'drop');       // the whole message is read, then the connection dropped unanswered
//   server.answer('data', 'hang');       // the whole message is read, then no answer at all
//   ... send to server.url(...) or with server.env() ...
//   server.messages[0].raw               // the accepted message, as sent (dot-unstuffed)
//   await server.close();
//
// Every stage without a queued answer is accepted (or, for 'auth', the credentials are checked).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** Where an answer is given: the greeting, AUTH, MAIL FROM, RCPT TO, and the end of the message (after the "."). */
export type Stage = 'connect' | 'auth' | 'mail' | 'rcpt' | 'data';

/**
 * A reply code (2xx accepts; at 'data' the message is read whole first), optionally with text and a delay before
 * it is sent; 'drop': the connection is closed without an answer; 'hang': no answer ever (the client times out).
 */
export type Answer = number | { code: number; text?: string; delayMs?: number } | 'drop' | 'hang';

export interface TestCertificate {
  key: Buffer;
  cert: Buffer;
  /** The certificate as a PEM file: give it as BULLETIN_SMTP_CA_FILE to trust it. */
  certFile: string;
}

export interface SmtpServerOptions {
  /** Listen address, 127.0.0.1 unless given (e.g. a non-loopback address of this machine). */
  host?: string;
  /** AUTH (PLAIN, LOGIN) required, with these credentials; without, no AUTH is offered. */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS with this certificate (or TLS from the start with `implicitTls`); without, no STARTTLS. */
  certificate?: TestCertificate;
  implicitTls?: boolean;
}

export interface ReceivedMessage {
  /** 1 for the server's first connection, and so on. */
  connection: number;
  from: string;
  to: string[];
  /** The message as the client sent it, dot-unstuffed, without the final ".". */
  raw: Buffer;
  /** What the server did after reading it: a code, 'drop' or 'hang'. */
  answer: string;
}

export interface Attempt {
  connection: number;
  stage: Stage;
  /** A code, 'drop' or 'hang'. */
  answer: string;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  /** smtp:// (smtps:// with implicitTls) URL of the server, with credentials when given. */
  url(credentials?: { user: string; pass: string }): string;
  /** BULLETIN_SMTP_URL (with the server's own credentials), BULLETIN_MAIL_FROM and, with a certificate, BULLETIN_SMTP_CA_FILE. */
  env(): Record<string, string>;
  /** Queues answers for a stage, used one per time the stage is reached, in order. */
  answer(stage: Stage, ...answers: Answer[]): void;
  /** Messages accepted (answered 2xx). */
  messages: ReceivedMessage[];
  /** Messages read whole, whatever the answer. */
  received: ReceivedMessage[];
  /** Every stage reached, with the answer given, in order. */
  attempts: Attempt[];
  /** How many connections were opened. */
  connections(): number;
  /** Resolves once `condition()` holds; rejects after `ms`. */
  waitFor(condition: () => boolean, ms?: number): Promise<void>;
  /** Drops every open connection and stops listening. */
  close(): Promise<void>;
}

export const TEST_SENDER = 'bulletin@example.org';

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  const queues = new Map<Stage, Answer[]>();
  const messages: ReceivedMessage[] = [];
  const received: ReceivedMessage[] = [];
  const attempts: Attempt[] = [];
  const connectionOf = new Map<string, number>(); // session id -> connection number
  let connectionCount = 0;

  const next = (stage: Stage): Answer => queues.get(stage)?.shift() ?? 250;
  const record = (session: SMTPServerSession, stage: Stage, answer: Answer) =>
    attempts.push({ connection: connectionOf.get(session.id) ?? 0, stage, answer: typeof answer === 'object' ? String(answer.code) : String(answer) });
  // The connection's own socket (the TLS one once encrypted): tearing a TLS socket down from below crashes Node.
  const drop = (session: SMTPServerSession) => {
    for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
  };

  /** Gives `answer` through the handler's callback, or drops, or hangs. */
  const reply = (session: SMTPServerSession, answer: Answer, callback: (err?: Error | null, text?: string) => void) => {
    if (answer === 'drop') return drop(session);
    if (answer === 'hang') return;
    const { code, text, delayMs } = typeof answer === 'number' ? { code: answer, text: undefined, delayMs: 0 } : answer;
    const give = () => (code < 400 ? callback(null, text) : callback(Object.assign(new Error(text ?? `test server says ${code}`), { responseCode: code })));
    if (delayMs) setTimeout(give, delayMs);
    else give();
  };

  const disabledCommands = [...(options.auth ? [] : ['AUTH']), ...(options.certificate ? [] : ['STARTTLS'])];
  const server = new SMTPServer({
    name: 'test-smtp',
    logger: false,
    secure: Boolean(options.implicitTls),
    ...(options.certificate ? { key: options.certificate.key, cert: options.certificate.cert } : {}),
    disabledCommands,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    closeTimeout: 20,
    disableReverseLookup: true,
    onConnect(session, callback) {
      connectionOf.set(session.id, ++connectionCount);
      const answer = next('connect');
      record(session, 'connect', answer);
      reply(session, answer, (err) => callback(err));
    },
    onAuth(auth, session, callback) {
      const queued = queues.get('auth')?.shift();
      const valid = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      const answer: Answer = queued ?? (valid ? 235 : { code: 535, text: 'Authentication credentials invalid' });
      record(session, 'auth', answer);
      reply(session, answer, (err) => (err ? callback(err) : callback(null, { user: auth.username })));
    },
    onMailFrom(_address, session, callback) {
      const answer = next('mail');
      record(session, 'mail', answer);
      reply(session, answer, (err) => callback(err));
    },
    onRcptTo(_address, session, callback) {
      const answer = next('rcpt');
      record(session, 'rcpt', answer);
      reply(session, answer, (err) => callback(err));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = next('data');
        record(session, 'data', answer);
        const message: ReceivedMessage = {
          connection: connectionOf.get(session.id) ?? 0,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          answer: typeof answer === 'object' ? String(answer.code) : String(answer),
        };
        received.push(message);
        reply(session, answer, (err, text) => {
          if (!err) messages.push(message);
          callback(err, text);
        });
      });
    },
  });
  server.on('error', () => undefined); // a client that goes away mid-session is not the test's failure
  await new Promise<void>((done, fail) => {
    server.server.once('error', fail);
    server.listen(0, host, () => done());
  });
  const port = (server.server.address() as { port: number }).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const url = (credentials?: { user: string; pass: string }) => {
    const userinfo = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : '';
    return `${options.implicitTls ? 'smtps' : 'smtp'}://${userinfo}${urlHost}:${port}`;
  };

  return {
    host,
    port,
    url,
    env: () => ({
      BULLETIN_SMTP_URL: url(options.auth),
      BULLETIN_MAIL_FROM: TEST_SENDER,
      ...(options.certificate ? { BULLETIN_SMTP_CA_FILE: options.certificate.certFile } : {}),
    }),
    answer(stage, ...answers) {
      queues.set(stage, [...(queues.get(stage) ?? []), ...answers]);
    },
    messages,
    received,
    attempts,
    connections: () => connectionCount,
    waitFor(condition, ms = 5_000) {
      return new Promise((done, fail) => {
        const started = Date.now();
        const check = () => {
          if (condition()) return done();
          if (Date.now() - started > ms) return fail(new Error(`test SMTP server: condition not met within ${ms} ms`));
          setTimeout(check, 10);
        };
        check();
      });
    },
    close() {
      for (const connection of server.connections) connection._socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** A fresh self-signed certificate for CN=localhost, IP 127.0.0.1 (and ::1), valid for two days, in `dir`. */
export function makeTestCertificate(dir = mkdtempSync(join(tmpdir(), 'bulletin-smtp-cert-'))): TestCertificate {
  const keyFile = join(dir, 'server.key');
  const certFile = join(dir, 'server.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

// ---- A small MIME reader: enough to read back what nodemailer composes (headers with encoded words, multipart,
// ---- base64 and quoted-printable, RFC 2231 parameters).

export interface MailPart {
  /** Header values by lower-case name, unfolded, encoded words not decoded. */
  headers: Map<string, string[]>;
  /** The first value of a header, encoded words decoded. */
  header(name: string): string | undefined;
  /** e.g. 'text/plain', lower case. */
  type: string;
  /** Content-Type parameters (charset, boundary, name), names lower case. */
  params: Record<string, string>;
  /** Content-Disposition parameters (filename). */
  disposition: { type: string; params: Record<string, string> } | undefined;
  /** The body, transfer encoding undone. */
  content: Buffer;
  /** The parts of a multipart. */
  parts: MailPart[];
}

export interface ParsedMail extends MailPart {
  /** The first text/plain part that is not an attachment, as text. */
  text: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export function parseMail(raw: Buffer): ParsedMail {
  const root = parsePart(raw);
  const all: MailPart[] = [];
  const walk = (part: MailPart) => {
    all.push(part);
    part.parts.forEach(walk);
  };
  walk(root);
  const isAttachment = (p: MailPart) => p.disposition?.type === 'attachment' || p.disposition?.params.filename !== undefined;
  const textPart = all.find((p) => p.type === 'text/plain' && !isAttachment(p));
  return {
    ...root,
    text: textPart ? new TextDecoder(textPart.params.charset ?? 'utf-8').decode(textPart.content) : '',
    attachments: all.filter(isAttachment).map((p) => ({ filename: p.disposition?.params.filename ?? p.params.name ?? '', contentType: p.type, content: p.content })),
  };
}

function parsePart(raw: Buffer): MailPart {
  const split = raw.indexOf('\r\n\r\n');
  const head = (split < 0 ? raw : raw.subarray(0, split)).toString('utf8').replace(/\r\n(?=[ \t])/g, '');
  const body = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4);
  const headers = new Map<string, string[]>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const first = (name: string) => headers.get(name.toLowerCase())?.[0];
  const contentType = parseStructured(first('content-type') ?? 'text/plain; charset=us-ascii');
  const disposition = first('content-disposition') ? parseStructured(first('content-disposition')!) : undefined;
  const encoding = (first('content-transfer-encoding') ?? '7bit').toLowerCase();
  const parts: MailPart[] = [];
  if (contentType.type.startsWith('multipart/') && contentType.params.boundary) {
    const delimiter = `\r\n--${contentType.params.boundary}`;
    const pieces = `\r\n${body.toString('latin1')}`.split(delimiter).slice(1);
    for (const piece of pieces) {
      if (piece.startsWith('--')) break;
      parts.push(parsePart(Buffer.from(piece.slice(piece.indexOf('\r\n') + 2), 'latin1')));
    }
  }
  return {
    headers,
    header: (name) => {
      const value = first(name);
      return value === undefined ? undefined : decodeEncodedWords(value);
    },
    type: contentType.type,
    params: contentType.params,
    disposition,
    content: encoding === 'base64' ? Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body,
    parts,
  };
}

/** 'type/sub; a=b; c="d"' with RFC 2231 parameters (name*=utf-8''..., name*0*=..., name*1=...). */
function parseStructured(value: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = value.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const pieces = new Map<string, { index: number; text: string; encoded: boolean }[]>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    let text = param.slice(eq + 1).trim();
    if (text.startsWith('"')) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    const match = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key)!;
    const list = pieces.get(match[1]) ?? [];
    list.push({ index: Number(match[2] ?? 0), text, encoded: Boolean(match[3]) });
    pieces.set(match[1], list);
  }
  const params: Record<string, string> = {};
  for (const [name, list] of pieces) {
    list.sort((a, b) => a.index - b.index);
    let charset = 'utf-8';
    const bytes: number[] = [];
    for (const [i, piece] of list.entries()) {
      let text = piece.text;
      if (piece.encoded && i === 0 && /^[^']*'[^']*'/.test(text)) {
        charset = text.slice(0, text.indexOf("'")) || 'utf-8';
        text = text.slice(text.indexOf("'", text.indexOf("'") + 1) + 1);
      }
      if (piece.encoded) bytes.push(...Buffer.from(text.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'));
      else bytes.push(...Buffer.from(text, 'utf8'));
    }
    params[name] = new TextDecoder(charset).decode(Buffer.from(bytes));
  }
  return { type: type.trim().toLowerCase(), params };
}

/** RFC 2047: =?charset?B?...?= and =?charset?Q?...?=; adjacent words are joined (before decoding, so a character
 *  split over two words survives). */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value.replace(/=\?[^?]+\?[BbQq]\?[^?]*\?=(?:\s+=\?[^?]+\?[BbQq]\?[^?]*\?=)*/g, (run) => {
    let charset = 'utf-8';
    const bytes: Buffer[] = [];
    for (const [, set, kind, text] of run.matchAll(word)) {
      charset = set.split('*')[0];
      bytes.push(kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(Buffer.from(text.replace(/_/g, ' '), 'latin1')));
    }
    return new TextDecoder(charset).decode(Buffer.concat(bytes));
  });
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body
    .toString('latin1')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(text, 'latin1');
}
