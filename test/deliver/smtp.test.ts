// The SMTP mailer against a real SMTP server (test/deliver/smtp-server.ts) programmed per test: what arrives, and
// how every ending is classified, above all a connection lost before the final "." (temporary) against one lost
// after it (uncertain). Each outcome is checked not to carry the password.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../pipeline/errors.ts';
import {
  classifyFailure,
  createMailer,
  describeSmtp,
  smtpSettings,
  transportOptions,
  type OutgoingMail,
  type SendOutcome,
} from '../../pipeline/deliver/smtp.ts';
import { tempDir } from '../helpers.ts';
import { closedPort, makeTestCertificate, parseMail, startSmtpServer, TEST_SENDER, type SmtpServerOptions, type TestCertificate, type TestSmtpServer } from './smtp-server.ts';

const USER = 'bulletin-sender';
// Distinctive, with characters that must be percent-encoded in the URL.
const PASSWORD = 'Pw:9@zQ/团圆-never-print';
const SHORT_TIMEOUT_MS = 300;

const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000), Buffer.from('\r\n.\r\n..\n%%EOF\n')]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function bulletinMail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    messageId: '<2021-11-30.press.zh+en.4f2a@bulletin.example.org>',
    to: 'desk@press.example.org',
    subject: '团圆行动新闻通报（截至2021年11月30日）Reunion bulletin',
    text: '团圆行动：截至2021年11月30日，已找回被拐儿童 1,234 名。\n.以点开头的一行\n..\n详见附件。\n',
    attachments: [{ filename: 'reunion-2021.press.2021-11-30.zh.pdf', content: pdf, contentType: 'application/pdf' }],
    ...overrides,
  };
}

let tmp: { dir: string; cleanup: () => void };
let certificate: TestCertificate;
const servers: TestSmtpServer[] = [];

beforeAll(() => {
  tmp = tempDir('bulletin-smtp-');
  certificate = makeTestCertificate(tmp.dir);
});
afterAll(() => tmp?.cleanup());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const started = await startSmtpServer(options);
  servers.push(started);
  return started;
}

/** Sends one mail through `env`'s settings and checks the outcome is one line without the password. */
async function send(env: Record<string, string>, options: { timeoutMs?: number; signal?: AbortSignal; mail?: OutgoingMail } = {}): Promise<SendOutcome> {
  const mailer = createMailer(smtpSettings(env), { timeoutMs: options.timeoutMs ?? 5_000 });
  try {
    const outcome = await mailer.send(options.mail ?? bulletinMail(), options.signal);
    expectNoSecret(outcome.response);
    expect(outcome.response).not.toMatch(/[\r\n]/);
    return outcome;
  } finally {
    mailer.close();
  }
}

function expectNoSecret(text: string) {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(encodeURIComponent(PASSWORD));
  expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
}

describe('a message accepted', () => {
  it('arrives whole: attachment byte-identical, Chinese subject and body, Message-ID as given, envelope', async () => {
    const smtp = await server({ auth: { user: USER, pass: PASSWORD } });
    const outcome = await send(smtp.env());
    expect(outcome).toEqual({ kind: 'accepted', code: 250, response: expect.stringMatching(/^250 /) });
    expect(smtp.messages).toHaveLength(1);
    const [message] = smtp.messages;
    expect(message.from).toBe(TEST_SENDER);
    expect(message.to).toEqual(['desk@press.example.org']);
    expect(smtp.attempts.map((a) => a.stage)).toEqual(['connect', 'auth', 'mail', 'rcpt', 'data']);

    const mail = parseMail(message.raw);
    expect(mail.header('Message-ID')).toBe('<2021-11-30.press.zh+en.4f2a@bulletin.example.org>');
    expect(mail.headers.get('message-id')).toEqual(['<2021-11-30.press.zh+en.4f2a@bulletin.example.org>']);
    expect(mail.header('Subject')).toBe(bulletinMail().subject);
    expect(mail.header('From')).toBe(TEST_SENDER);
    expect(mail.header('To')).toBe('desk@press.example.org');
    expect(mail.text.replace(/\r\n/g, '\n')).toBe(bulletinMail().text);
    expect(mail.attachments).toHaveLength(1);
    const [attachment] = mail.attachments;
    expect(attachment.filename).toBe('reunion-2021.press.2021-11-30.zh.pdf');
    expect(attachment.contentType).toBe('application/pdf');
    expect(sha256(attachment.content)).toBe(sha256(pdf));
  });

  it('goes out unauthenticated when the URL has no credentials and the server asks none', async () => {
    const smtp = await server();
    expect((await send(smtp.env())).kind).toBe('accepted');
    expect(smtp.attempts.map((a) => a.stage)).not.toContain('auth');
    expect(smtp.messages).toHaveLength(1);
  });

  it('waits for the answer when stopped after the whole message was sent', async () => {
    const smtp = await server();
    smtp.answer('data', { code: 250, text: 'queued as 42', delayMs: 300 });
    const stop = new AbortController();
    const sending = send(smtp.env(), { signal: stop.signal });
    await smtp.waitFor(() => smtp.received.length === 1);
    stop.abort();
    expect(await sending).toEqual({ kind: 'accepted', code: 250, response: expect.stringContaining('queued as 42') });
  });
});

describe('answers from the server', () => {
  it.each([
    { stage: 'data', code: 421, kind: 'temporary' },
    { stage: 'connect', code: 421, kind: 'temporary' },
    { stage: 'mail', code: 451, kind: 'temporary' },
    { stage: 'rcpt', code: 450, kind: 'temporary' },
    { stage: 'rcpt', code: 550, kind: 'permanent' },
    { stage: 'mail', code: 553, kind: 'permanent' },
    { stage: 'data', code: 554, kind: 'permanent' },
    { stage: 'data', code: 452, kind: 'temporary' },
  ] as const)('$code at $stage: $kind', async ({ stage, code, kind }) => {
    const smtp = await server();
    smtp.answer(stage, { code, text: `refused at ${stage} for the test` });
    const outcome = await send(smtp.env());
    expect(outcome).toEqual({ kind, code, response: expect.stringMatching(new RegExp(`^${code} .*refused at ${stage} for the test`)) });
    expect(smtp.messages).toHaveLength(0);
    // 'data' answers come after the whole message: it did reach the server.
    expect(smtp.received).toHaveLength(stage === 'data' ? 1 : 0);
  });

  it('535 at AUTH (wrong password): permanent, and the password is not in the answer', async () => {
    const smtp = await server({ auth: { user: USER, pass: 'the-right-one' } });
    const outcome = await send({ ...smtp.env(), BULLETIN_SMTP_URL: smtp.url({ user: USER, pass: PASSWORD }) });
    expect(outcome).toEqual({ kind: 'permanent', code: 535, response: expect.stringContaining('535') });
    expect(smtp.attempts.map((a) => a.stage)).toEqual(['connect', 'auth']);
  });

  it('454 at AUTH (temporary authentication failure): temporary', async () => {
    const smtp = await server({ auth: { user: USER, pass: PASSWORD } });
    smtp.answer('auth', { code: 454, text: 'try again later' });
    expect(await send(smtp.env())).toMatchObject({ kind: 'temporary', code: 454 });
  });

  it('an answer that repeats the password shows *** instead', async () => {
    const smtp = await server({ auth: { user: USER, pass: 'the-right-one' } });
    smtp.answer('auth', { code: 535, text: `no user ${USER} with password ${PASSWORD}` });
    const outcome = await send({ ...smtp.env(), BULLETIN_SMTP_URL: smtp.url({ user: USER, pass: PASSWORD }) });
    expect(outcome).toEqual({ kind: 'permanent', code: 535, response: expect.stringContaining(`no user ${USER} with password ***`) });
  });

  it('a reply on several lines is given on one', () => {
    const error = Object.assign(new Error('Message failed: 550-first\n550 second'), { code: 'EMESSAGE', command: 'DATA', response: '550-first\n550 second', responseCode: 550 });
    expect(classifyFailure(error, true)).toEqual({ kind: 'permanent', code: 550, response: '550-first 550 second (after DATA)' });
  });
});

describe('no answer: before the final "." temporary, after it uncertain', () => {
  it('connection refused: temporary', async () => {
    const port = await closedPort();
    const outcome = await send({ BULLETIN_SMTP_URL: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, BULLETIN_MAIL_FROM: TEST_SENDER });
    expect(outcome).toEqual({ kind: 'temporary', code: null, response: expect.stringContaining('ECONNREFUSED') });
  });

  it.each(['connect', 'auth', 'mail', 'rcpt'] as const)('dropped at %s (before DATA): temporary', async (stage) => {
    const smtp = await server({ auth: { user: USER, pass: PASSWORD } });
    smtp.answer(stage, 'drop');
    const outcome = await send(smtp.env());
    expect(outcome).toMatchObject({ kind: 'temporary', code: null });
    expect(smtp.received).toHaveLength(0);
  });

  it('dropped after the final "." before any answer: uncertain', async () => {
    const smtp = await server({ auth: { user: USER, pass: PASSWORD } });
    smtp.answer('data', 'drop');
    const outcome = await send(smtp.env());
    expect(outcome).toEqual({ kind: 'uncertain', code: null, response: expect.stringMatching(/whole message was sent.*closed/i) });
    // The server had read the whole message: it could have accepted it.
    expect(smtp.received).toHaveLength(1);
    expect(sha256(parseMail(smtp.received[0].raw).attachments[0].content)).toBe(sha256(pdf));
  });

  it('no answer after the final "." within the timeout: uncertain', async () => {
    const smtp = await server();
    smtp.answer('data', 'hang');
    const started = Date.now();
    const outcome = await send(smtp.env(), { timeoutMs: SHORT_TIMEOUT_MS });
    expect(outcome).toEqual({ kind: 'uncertain', code: null, response: expect.stringMatching(/whole message was sent.*timeout/i) });
    expect(Date.now() - started).toBeLessThan(SHORT_TIMEOUT_MS + 2_000);
    expect(smtp.received).toHaveLength(1);
  });

  it.each(['connect', 'rcpt'] as const)('no answer at %s within the timeout: temporary', async (stage) => {
    const smtp = await server();
    smtp.answer(stage, 'hang');
    const outcome = await send(smtp.env(), { timeoutMs: SHORT_TIMEOUT_MS });
    expect(outcome).toMatchObject({ kind: 'temporary', code: null, response: expect.stringMatching(/time/i) });
    expect(smtp.received).toHaveLength(0);
  });

  it('stopped before the message went out: temporary, and the server got nothing', async () => {
    const smtp = await server();
    smtp.answer('rcpt', { code: 250, delayMs: 300 });
    const stop = new AbortController();
    const sending = send(smtp.env(), { signal: stop.signal });
    await smtp.waitFor(() => smtp.attempts.some((a) => a.stage === 'rcpt'));
    stop.abort();
    expect(await sending).toEqual({ kind: 'temporary', code: null, response: 'stopped before the end of the message' });
    await new Promise((done) => setTimeout(done, 400));
    expect(smtp.received).toHaveLength(0);
  });

  it.each([
    { stage: 'rcpt', kind: 'temporary' },
    { stage: 'data', kind: 'uncertain' },
  ] as const)('mailer closed while waiting at $stage: $kind', async ({ stage, kind }) => {
    const smtp = await server();
    smtp.answer(stage, 'hang');
    const mailer = createMailer(smtpSettings(smtp.env()), { timeoutMs: 10_000 });
    const started = Date.now();
    const sending = mailer.send(bulletinMail());
    await smtp.waitFor(() => smtp.attempts.some((a) => a.stage === stage));
    mailer.close();
    expect(await sending).toMatchObject({ kind, code: null, response: expect.stringContaining('Mailer closed during the send') });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a 421-then-250 pair: each send is its own connection, the second delivers once', async () => {
    const smtp = await server();
    smtp.answer('data', 421, 250);
    expect((await send(smtp.env())).kind).toBe('temporary');
    expect((await send(smtp.env())).kind).toBe('accepted');
    expect(smtp.connections()).toBe(2);
    expect(smtp.messages).toHaveLength(1);
  });
});

describe('TLS', () => {
  it('smtp:// to a host that is not loopback requires STARTTLS; loopback allows plain; smtps:// is TLS from the start', () => {
    const settings = (url: string) => smtpSettings({ BULLETIN_SMTP_URL: url, BULLETIN_MAIL_FROM: TEST_SENDER });
    expect(transportOptions(settings('smtp://u:p@mail.example.org'))).toMatchObject({ host: 'mail.example.org', port: 587, secure: false, requireTLS: true });
    expect(transportOptions(settings('smtp://u:p@10.1.2.3:25'))).toMatchObject({ port: 25, secure: false, requireTLS: true });
    expect(transportOptions(settings('smtps://u:p@mail.example.org'))).toMatchObject({ port: 465, secure: true });
    for (const loopback of ['127.0.0.1', '127.8.0.1', 'localhost', '[::1]']) {
      expect(transportOptions(settings(`smtp://u:p@${loopback}:2525`))).toMatchObject({ secure: false, requireTLS: false, opportunisticTLS: false });
    }
    expect(transportOptions(settings('smtp://u:p@[::1]:2525')).host).toBe('::1');
    expect(transportOptions(settings('smtp://u:p@128.0.0.1:2525')).requireTLS).toBe(true);
  });

  it('certificates are verified; a CA file is trusted in addition to Node\'s CAs', () => {
    const plain = transportOptions(smtpSettings({ BULLETIN_SMTP_URL: 'smtps://mail.example.org', BULLETIN_MAIL_FROM: TEST_SENDER }));
    expect(plain.tls?.rejectUnauthorized).not.toBe(false);
    expect(plain.tls?.ca).toBeUndefined(); // Node's default CAs
    const withCa = transportOptions(smtpSettings({ BULLETIN_SMTP_URL: 'smtps://mail.example.org', BULLETIN_MAIL_FROM: TEST_SENDER, BULLETIN_SMTP_CA_FILE: certificate.certFile }));
    expect(withCa.tls?.rejectUnauthorized).not.toBe(false);
    const ca = withCa.tls?.ca as string[];
    expect(ca.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    expect(ca.at(-1)).toBe(certificate.cert.toString('utf8'));
  });

  const outward = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(!outward)('smtp:// to a non-loopback address without STARTTLS: permanent, nothing sent', async () => {
    const smtp = await server({ host: outward, auth: { user: USER, pass: PASSWORD } });
    const outcome = await send(smtp.env());
    expect(outcome).toMatchObject({ kind: 'permanent', code: expect.any(Number), response: expect.stringMatching(/STARTTLS/i) });
    expect(outcome.code! >= 500).toBe(true);
    expect(smtp.attempts.map((a) => a.stage)).toEqual(['connect']);
  });

  it('STARTTLS with a certificate not trusted: permanent, no credentials or message sent', async () => {
    const smtp = await server({ certificate, auth: { user: USER, pass: PASSWORD } });
    const { BULLETIN_SMTP_CA_FILE: _trusted, ...untrusted } = smtp.env();
    const outcome = await send(untrusted);
    expect(outcome).toEqual({ kind: 'permanent', code: null, response: expect.stringMatching(/^TLS failed: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/) });
    expect(smtp.attempts.map((a) => a.stage)).toEqual(['connect']);
  });

  it('STARTTLS with the certificate in BULLETIN_SMTP_CA_FILE: accepted', async () => {
    const smtp = await server({ certificate, auth: { user: USER, pass: PASSWORD } });
    expect(await send(smtp.env())).toMatchObject({ kind: 'accepted', code: 250 });
    expect(smtp.messages).toHaveLength(1);
  });

  it('smtps:// (TLS from the start): accepted with the CA file, permanent without', async () => {
    const smtp = await server({ certificate, implicitTls: true, auth: { user: USER, pass: PASSWORD } });
    expect(smtp.url()).toMatch(/^smtps:/);
    expect(await send(smtp.env())).toMatchObject({ kind: 'accepted', code: 250 });
    const { BULLETIN_SMTP_CA_FILE: _trusted, ...untrusted } = smtp.env();
    expect(await send(untrusted)).toMatchObject({ kind: 'permanent', code: null });
    expect(smtp.messages).toHaveLength(1);
  });

  it('smtps:// to a server speaking plain SMTP: permanent', async () => {
    const smtp = await server();
    expect(await send({ ...smtp.env(), BULLETIN_SMTP_URL: smtp.url().replace(/^smtp:/, 'smtps:') })).toMatchObject({ kind: 'permanent', code: null });
  });
});

describe('settings', () => {
  const good = { BULLETIN_SMTP_URL: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@mail.example.org:587`, BULLETIN_MAIL_FROM: TEST_SENDER };

  it('reads URL, sender and CA file; the password is decoded for login but printed as ***', () => {
    const settings = smtpSettings({ ...good, BULLETIN_SMTP_CA_FILE: certificate.certFile });
    expect(settings.from).toBe(TEST_SENDER);
    expect(settings.caFile).toBe(certificate.certFile);
    expect(decodeURIComponent(settings.url.password)).toBe(PASSWORD);
    expect(describeSmtp(settings)).toBe(`smtp://${USER}:***@mail.example.org:587`);
    expect(describeSmtp(smtpSettings({ ...good, BULLETIN_SMTP_URL: 'smtps://relay.example.org' }))).toBe('smtps://relay.example.org:465');
  });

  it.each([
    [{ BULLETIN_SMTP_URL: undefined }, /BULLETIN_SMTP_URL is not set/],
    [{ BULLETIN_SMTP_URL: '  ' }, /BULLETIN_SMTP_URL is not set/],
    [{ BULLETIN_SMTP_URL: `mail.example.org:${PASSWORD}` }, /BULLETIN_SMTP_URL is not a URL|scheme/],
    [{ BULLETIN_SMTP_URL: `smtp://${USER}:${PASSWORD} x@host` }, /BULLETIN_SMTP_URL: no path, query or fragment expected \(in user or password, write \//],
    [{ BULLETIN_SMTP_URL: `smtp://${USER}:pass word@[host` }, /BULLETIN_SMTP_URL is not a URL/],
    [{ BULLETIN_SMTP_URL: `http://${USER}:${encodeURIComponent(PASSWORD)}@mail.example.org` }, /scheme http: not supported/],
    [{ BULLETIN_SMTP_URL: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@mail.example.org/?tls.rejectUnauthorized=false` }, /no path, query/],
    [{ BULLETIN_SMTP_URL: `smtp://:${encodeURIComponent(PASSWORD)}@mail.example.org` }, /both user and password/],
    [{ BULLETIN_SMTP_URL: `smtp://${USER}:${encodeURIComponent(PASSWORD)}%zz@mail.example.org` }, /percent-encoding/],
    [{ BULLETIN_MAIL_FROM: undefined }, /BULLETIN_MAIL_FROM is not set/],
    [{ BULLETIN_MAIL_FROM: 'Bulletin <bulletin@example.org>' }, /BULLETIN_MAIL_FROM is not a plain address/],
    [{ BULLETIN_MAIL_FROM: 'bulletin' }, /BULLETIN_MAIL_FROM is not a plain address/],
    // Header injection through the sender: CR, LF, NUL, a second header; refused, never trimmed away.
    [{ BULLETIN_MAIL_FROM: 'bulletin@example.org\r\nBcc: x@y.example' }, /BULLETIN_MAIL_FROM is not a plain address: 'bulletin@example\.org<U\+000D><U\+000A>Bcc/],
    [{ BULLETIN_MAIL_FROM: 'bulletin@example.org\n' }, /BULLETIN_MAIL_FROM is not a plain address: 'bulletin@example\.org<U\+000A>'/],
    [{ BULLETIN_MAIL_FROM: 'bulletin@example.org\r' }, /BULLETIN_MAIL_FROM is not a plain address/],
    [{ BULLETIN_MAIL_FROM: 'bulletin@example.org\0' }, /BULLETIN_MAIL_FROM is not a plain address: 'bulletin@example\.org<U\+0000>'/],
    [{ BULLETIN_SMTP_CA_FILE: '/nonexistent/ca.pem' }, /BULLETIN_SMTP_CA_FILE: cannot read \/nonexistent\/ca\.pem/],
  ])('%o: UsageError of one line, without the password', (change, message) => {
    let thrown: unknown;
    try {
      smtpSettings({ ...good, ...change } as NodeJS.ProcessEnv);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    const text = (thrown as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toMatch(/\n/);
    expectNoSecret(text);
  });

  it('a CA file without a certificate is refused', () => {
    const notPem = join(tmp.dir, 'not-a-cert.txt');
    writeFileSync(notPem, 'hello');
    expect(() => smtpSettings({ ...good, BULLETIN_SMTP_CA_FILE: notPem })).toThrow(/holds no PEM certificate/);
  });
});
