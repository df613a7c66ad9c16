// `bulletin deliver` end to end: the conformance sample in a real warehouse, the bulletin rendered by real Chromium,
// mailed through a real SMTP server on 127.0.0.1 whose answers each test programs; `bulletin deliveries` and the
// delivery log read back. Never twice: a second run, retries, a dropped connection after DATA, kill -9 mid-run.
// The mechanics are tried with the briefing (internal: rendered and mailed directly). A press bulletin goes out only
// as its released edition (desk.md rule 4; its sign-off and release are tried in test/desk/editions.test.ts): here,
// that deliver refuses one without it, and that `bulletin run monthly` holds the draft for the desk.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverBulletin } from '../../pipeline/deliver/deliver.ts';
import { deliveriesPath } from '../../pipeline/deliver/deliveries.ts';
import { UsageError } from '../../pipeline/errors.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { conformanceDir, queryDb, runCli, startCli, tempDir, writeConfig } from '../helpers.ts';
import { jobLogPath } from '../../pipeline/schedule/runs.ts';
import { loadConfig } from '../../pipeline/config.ts';
import { readWithPython, textParagraphs } from './mail-client.ts';
import { parseMail, startSmtpServer, TEST_SENDER, type TestSmtpServer } from './smtp-server.ts';

const expected = JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8'));
const AS_OF = expected.final.as_of as string; // 2021-11-30
const TEMPLATE = 'briefing';
const BULLETIN = `reunion-2021/${TEMPLATE}/${AS_OF}/en+zh`;

describe('bulletin deliver', () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestSmtpServer;
  let db: string;
  let out: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    tmp = tempDir('bulletin-deliver-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
    out = join(tmp.dir, 'out');
    server = await startSmtpServer();
    const config = writeConfig(join(tmp.dir, 'bulletin.yaml'), {
      jobs: [],
      mail: { lists: { press: ['press1@reunion.example', 'press2@reunion.example'] }, attempts: 3, retry_delay_seconds: 0.05, max_retry_delay_seconds: 0.2 },
    });
    env = { ...server.env(), BULLETIN_CONFIG: config, BULLETIN_DB: db, BULLETIN_EDITORIAL_DIR: join(tmp.dir, 'no-editorial') };
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

  const deliver = (to: string[], extra: string[] = [], more: Record<string, string> = {}) =>
    runCli(['deliver', '--as-of', AS_OF, '--template', TEMPLATE, '--out', out, '--to', ...to, ...extra], { ...env, ...more });
  const messagesTo = (address: string) => server.messages.filter((m) => m.to.includes(address));
  const receivedBy = (address: string) => server.received.filter((m) => m.to.includes(address));
  const log = async (recipient: string) => {
    const [state] = await queryDb<{ state: string; message_id: string }>(deliveriesPath(db), `SELECT state, message_id FROM deliveries WHERE recipient = '${recipient}'`);
    const attempts = await queryDb<{ outcome: string | null; smtp_code: number | null }>(
      deliveriesPath(db),
      `SELECT outcome, smtp_code FROM delivery_attempts WHERE recipient = '${recipient}' ORDER BY attempt`,
    );
    return { state: state?.state, messageId: state?.message_id, attempts };
  };

  it('renders the briefing and mails it to each recipient of a list once: both PDFs byte-identical, headline figures in the body', async () => {
    const r = await deliver(['press']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rendered reunion-2021\/briefing\/2021-11-30\/en\+zh from snapshot \S+; mailing 2 recipient\(s\) through smtp:\/\/127\.0\.0\.1:\d+/m);
    expect(messagesTo('press1@reunion.example')).toHaveLength(1);
    expect(messagesTo('press2@reunion.example')).toHaveLength(1);
    const mail = parseMail(messagesTo('press1@reunion.example')[0].raw);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['reunion-2021-briefing-2021-11-30.zh.pdf', 'reunion-2021-briefing-2021-11-30.en.pdf']);
    expect(mail.attachments[0].content.equals(readFileSync(join(out, 'briefing.zh.pdf')))).toBe(true);
    expect(mail.attachments[1].content.equals(readFileSync(join(out, 'briefing.en.pdf')))).toBe(true);
    expect(mail.header('subject')).toBe('【内部资料】“团圆”行动领导简报（截至2021年11月30日） / [INTERNAL] Leadership briefing of the “Reunion” operation, as of November 30, 2021');
    expect(mail.text).toContain(`找回历年失踪被拐儿童${expected.final.metrics.recovered}名`);
    expect(mail.text).toContain(`${expected.final.metrics.recovered.toLocaleString('en-US')} children recovered`);
    // As a mail client (Python's email) reads it: the office by name, a text and an HTML part with the same words.
    const read = readWithPython(messagesTo('press1@reunion.example')[0].raw);
    const office = loadConfig(env.BULLETIN_CONFIG).office!;
    expect(read.from).toEqual({ displayName: `${office.nameZh} ${office.nameEn}`, address: TEST_SENDER });
    expect(read.structure).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/html', 'application/pdf', 'application/pdf']);
    expect(read.htmlParagraphs).toEqual(textParagraphs(read.text));
    expect(read.htmlParagraphs.join('\n')).toContain(`找回历年失踪被拐儿童${expected.final.metrics.recovered}名`);
    expect(read.attachments.map((a) => a.filename)).toEqual(mail.attachments.map((a) => a.filename));
    // The Message-ID printed, recorded and sent are one, and differ between recipients.
    const line = r.stdout.split('\n').find((l) => l.includes('press1@reunion.example'))!;
    const [outcome, , messageId] = line.split('\t');
    expect(outcome).toBe('sent');
    expect(mail.header('message-id')).toBe(messageId);
    expect((await log('press1@reunion.example')).messageId).toBe(messageId);
    expect(parseMail(messagesTo('press2@reunion.example')[0].raw).header('message-id')).not.toBe(messageId);
    const shown = await runCli(['deliveries', '--json'], env);
    const { deliveries, attempts } = JSON.parse(shown.stdout);
    expect(deliveries.map((d: { recipient: string; state: string }) => `${d.recipient} ${d.state}`).sort()).toEqual(['press1@reunion.example sent', 'press2@reunion.example sent']);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ bulletin: BULLETIN, attempt: 1, smtp_code: 250, outcome: 'accepted' });
  }, 120_000);

  it('a second deliver sends nothing and renders nothing', async () => {
    const before = server.connections();
    const r = await deliver(['press']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^already rendered /m);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['already sent', 'already sent']);
    expect(server.connections()).toBe(before);
    expect(messagesTo('press1@reunion.example')).toHaveLength(1);
  }, 60_000);

  it('a server answering 421 then 250 is retried and delivers once, with the same Message-ID', async () => {
    server.answer('data', 421, 250);
    const r = await deliver(['retry@reunion.example']);
    expect(r.code, r.stderr).toBe(0);
    expect(messagesTo('retry@reunion.example')).toHaveLength(1);
    const both = receivedBy('retry@reunion.example').map((m) => parseMail(m.raw).header('message-id'));
    expect(both).toHaveLength(2);
    expect(new Set(both).size).toBe(1);
    expect(await log('retry@reunion.example')).toMatchObject({ state: 'sent', attempts: [{ outcome: 'temporary', smtp_code: 421 }, { outcome: 'accepted', smtp_code: 250 }] });
  }, 60_000);

  it('a 550 is not retried: exit 1, one line naming the recipient and the answer', async () => {
    server.answer('rcpt', 550);
    const r = await deliver(['nobody@reunion.example']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^bulletin: deliver reunion-2021\/briefing\/2021-11-30\/en\+zh: nobody@reunion\.example: failed: 550 .*permanent, not retried/);
    expect(server.attempts.filter((a) => a.stage === 'rcpt' && a.answer === '550')).toHaveLength(1);
    expect(await log('nobody@reunion.example')).toMatchObject({ state: 'failed', attempts: [{ outcome: 'permanent', smtp_code: 550 }] });
  }, 60_000);

  it('temporary failures until the attempts run out: failed after 3, nothing recorded as sent', async () => {
    server.answer('connect', 421, 421, 421);
    const r = await deliver(['busy@reunion.example']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/busy@reunion\.example: failed: 421 .*gave up after 3 attempts/);
    expect(messagesTo('busy@reunion.example')).toHaveLength(0);
    expect((await log('busy@reunion.example')).attempts.map((a) => a.outcome)).toEqual(['temporary', 'temporary', 'temporary']);
  }, 60_000);

  it('a connection dropped after DATA is uncertain: not sent again, unless asked, and then with the same Message-ID', async () => {
    server.answer('data', 'drop');
    const first = await deliver(['dropped@reunion.example']);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/dropped@reunion\.example: uncertain: .*may have been delivered; not retried/);
    expect(receivedBy('dropped@reunion.example')).toHaveLength(1);
    const again = await deliver(['dropped@reunion.example']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/dropped@reunion\.example: uncertain: .*--retry-uncertain/);
    expect(receivedBy('dropped@reunion.example')).toHaveLength(1);
    const asked = await deliver(['dropped@reunion.example'], ['--retry-uncertain']);
    expect(asked.code, asked.stderr).toBe(0);
    const ids = receivedBy('dropped@reunion.example').map((m) => parseMail(m.raw).header('message-id'));
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect((await log('dropped@reunion.example')).state).toBe('sent');
  }, 90_000);

  it('the sender killed with kill -9 mid-run and restarted sends each recipient at most once', async () => {
    const recipients = Array.from({ length: 6 }, (_, i) => `kill${i}@reunion.example`);
    // Each message is answered after 400 ms, so the kill lands during or between attempts.
    server.answer('data', ...recipients.map(() => ({ code: 250, delayMs: 400 })));
    const first = startCli(['deliver', '--as-of', AS_OF, '--template', TEMPLATE, '--out', out, '--to', ...recipients], env);
    await server.waitFor(() => receivedBy(recipients[1]).length > 0, 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const restarted = await deliver(recipients);
    // At most one message reached the server for every recipient, whatever the answer.
    for (const r of recipients) expect(receivedBy(r).length, r).toBeLessThanOrEqual(1);
    // Everyone not reported uncertain got it exactly once; an uncertain one is the attempt the kill cut short.
    const outcomes = Object.fromEntries(restarted.stdout.split('\n').filter(Boolean).map((l) => [l.split('\t')[1], l.split('\t')[0]]));
    for (const r of recipients) {
      if (outcomes[r] === 'uncertain') expect(receivedBy(r).length).toBeLessThanOrEqual(1);
      else expect(messagesTo(r), `${r}: ${outcomes[r]}`).toHaveLength(1);
    }
    expect(Object.values(outcomes).filter((o) => o === 'uncertain').length).toBeLessThanOrEqual(1);
    expect(restarted.code).toBe(Object.values(outcomes).includes('uncertain') ? 1 : 0);
  }, 120_000);

  // Every name Object.prototype has, and header injection in every form: refused before anything is rendered or
  // sent, whether in --to or in the configuration's mail lists.
  const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
  const HOSTILE_ADDRESSES = [
    'evil@reunion.example\r',
    'evil@reunion.example\n',
    'evil@reunion.example\r\n',
    'evil@reunion.example\0',
    'evil@reunion.example\r\nBcc: x@y.example',
    'evil@reunion.example\nBcc: x@y.example',
    '\r\nevil@reunion.example',
    'evil@reunion.example\u001b',
    'evil@reunion.example\u2028Bcc: x@y.example',
    'evil@reunion.example\u202e',
    'evil@reunion.example, x@y.example',
    'Evil <evil@reunion.example>',
    'evil@reunion.example>\r\nRCPT TO:<x@y.example',
  ];

  it('--to a name of Object.prototype or an address with CR, LF, NUL or a second header: a usage error, nothing rendered or sent', async () => {
    expect(PROTOTYPE_NAMES).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']));
    const connections = server.connections();
    const messages = server.received.length;
    const fresh = join(tmp.dir, 'hostile-out');
    const attempt = (to: string[]) =>
      deliverBulletin({ dbPath: db, configPath: env.BULLETIN_CONFIG, asOf: AS_OF, out: fresh, to, env: { ...process.env, ...env } }).then(
        () => null,
        (error: unknown) => error,
      );
    for (const name of PROTOTYPE_NAMES) {
      const error = await attempt([name]);
      expect(error, name).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(`'${name}' is neither an e-mail address nor a list of mail.lists of ${env.BULLETIN_CONFIG}`);
    }
    for (const address of HOSTILE_ADDRESSES) {
      // Also behind a good address: nothing is sent to anyone.
      const error = await attempt(['good@reunion.example', address]);
      expect(error, JSON.stringify(address)).toBeInstanceOf(UsageError);
      expect((error as Error).message, JSON.stringify(address)).toMatch(/ is not an e-mail address/);
      expect((error as Error).message, JSON.stringify(address)).not.toMatch(/[\u0000-\u001f\u2028\u202e]/);
    }
    expect(server.connections()).toBe(connections);
    expect(server.received.length).toBe(messages);
    expect(existsSync(fresh)).toBe(false);

    // The command itself, for the press bulletin (the desk's path) and the briefing: exit 2, one line, the control
    // characters shown as U+XXXX. (No NUL: argv cannot hold one.)
    for (const [template, to] of ['press', TEMPLATE].flatMap((t) => ['__proto__', 'toString', 'constructor', 'evil@reunion.example\r\nBcc: x@y.example', 'evil@reunion.example\nBcc: x@y.example'].map((a) => [t, a]))) {
      const r = await runCli(['deliver', '--as-of', AS_OF, '--template', template, '--out', fresh, '--to', 'good@reunion.example', to], env);
      expect(r.code, `${template} ${JSON.stringify(to)}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), JSON.stringify(to)).toHaveLength(1);
      expect(r.stderr).not.toMatch(/toLowerCase|TypeError/);
      expect(r.stderr).toMatch(to.includes('@') ? /^bulletin: 'evil@reunion\.example<U\+000[DA]>.*' is not an e-mail address: it holds the character U\+000[DA]/ : /is neither an e-mail address nor a list/);
      expect(r.stdout).toBe('');
    }
    expect(server.connections()).toBe(connections);
    expect(server.received.length).toBe(messages);
    expect(existsSync(fresh)).toBe(false);
  }, 120_000);

  it('mail lists of the configuration: a hostile address in one is refused before sending; a list named constructor is a list', async () => {
    const connections = server.connections();
    for (const address of HOSTILE_ADDRESSES) {
      const config = writeConfig(join(tmp.dir, 'hostile.yaml'), { jobs: [], mail: { lists: { press: ['press1@reunion.example', address] } } });
      const r = await runCli(['deliver', '--as-of', AS_OF, '--template', TEMPLATE, '--out', out, '--to', 'press'], { ...env, BULLETIN_CONFIG: config });
      expect(r.code, `${JSON.stringify(address)}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^bulletin: \S*hostile\.yaml: mail\.lists\.press\[1\]: not an e-mail address/);
    }
    expect(server.connections()).toBe(connections);
    const config = writeConfig(join(tmp.dir, 'constructor.yaml'), { jobs: [], mail: { lists: { constructor: ['constructor@reunion.example'] } } });
    const r = await runCli(['deliver', '--as-of', AS_OF, '--template', TEMPLATE, '--out', out, '--to', 'constructor'], { ...env, BULLETIN_CONFIG: config });
    expect(r.code, r.stderr).toBe(0);
    expect(messagesTo('constructor@reunion.example')).toHaveLength(1);
  }, 300_000);

  it('without BULLETIN_SMTP_URL it stops before rendering: exit 2, one line', async () => {
    const fresh = join(tmp.dir, 'fresh-out');
    for (const template of ['press', TEMPLATE]) {
      const r = await runCli(['deliver', '--as-of', AS_OF, '--template', template, '--out', fresh, '--to', 'x@reunion.example'], { ...env, BULLETIN_SMTP_URL: '' });
      expect(r.code, `${template}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/BULLETIN_SMTP_URL/);
      expect(existsSync(fresh)).toBe(false);
      const unknownList = await runCli(['deliver', '--as-of', AS_OF, '--template', template, '--out', fresh, '--to', 'pres'], env);
      expect(unknownList.code, template).toBe(2);
      expect(unknownList.stderr).toMatch(/'pres' is neither an e-mail address nor a list/);
    }
  }, 60_000);

  it('a press bulletin without a released edition is not delivered: exit 1, one line naming bulletin edition draft; nothing rendered, sent or logged', async () => {
    const connections = server.connections();
    const received = server.received.length;
    const cwd = join(tmp.dir, 'press-cwd');
    mkdirSync(cwd);
    const fresh = join(cwd, 'press-out');
    // Every language, and without --template (press is the default).
    for (const args of [['--template', 'press'], ['--template', 'press', '--lang', 'en'], ['--template', 'press', '--lang', 'zh'], []]) {
      const r = await runCli(['deliver', '--as-of', AS_OF, ...args, '--out', fresh, '--to', 'press'], env, cwd);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^bulletin: reunion-2021\/press\/2021-11-30: a press bulletin is delivered only as its released edition, and it has none yet: make one: bulletin edition draft --as-of 2021-11-30 --template press --as USER, then submit, approve and release it$/m,
      );
      expect(r.stdout).toBe('');
    }
    expect(server.connections()).toBe(connections);
    expect(server.received.length).toBe(received);
    expect(readdirSync(cwd)).toEqual([]);
    const shown = await runCli(['deliveries', '--json'], env);
    expect(JSON.parse(shown.stdout).deliveries.filter((d: { bulletin: string }) => d.bulletin.includes('/press/'))).toEqual([]);
  }, 60_000);

  it('bulletin run monthly --as-of holds the press bulletin for sign-off: the draft to the desk list once, nothing to the press list', async () => {
    const config = writeConfig(join(tmp.dir, 'monthly.yaml'), {
      jobs: [{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }],
      mail: {
        lists: { press: ['monthly@reunion.example'], desk: ['monthly-desk@reunion.example'] },
        attempts: 3,
        retry_delay_seconds: 0.05,
        max_retry_delay_seconds: 0.2,
      },
    });
    const cwd = join(tmp.dir, 'monthly-cwd');
    mkdirSync(cwd);
    const first = await runCli(['run', 'monthly', '--as-of', AS_OF], { ...env, BULLETIN_CONFIG: config }, cwd);
    // Held is not done: the run exits 1 and says so.
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr.trim().split('\n').at(-1)).toBe('bulletin: job monthly: held');
    expect(first.stdout).toMatch(/job monthly \(manual\): held in [\d.]+ s: reunion-2021\/press\/2021-11-30#1 draft: awaiting sign-off; draft mailed for review to 1 of 1$/m);
    // The draft edition is rendered under the working directory; the desk list gets exactly its PDFs.
    const draft = join(cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'draft');
    expect(messagesTo('monthly-desk@reunion.example')).toHaveLength(1);
    const mail = parseMail(messagesTo('monthly-desk@reunion.example')[0].raw);
    expect(mail.header('subject')).toBe('Ready for review (DRAFT) / 待审核（草稿）: “团圆”行动通报（截至2021年11月30日） / Bulletin of the “Reunion” operation, as of November 30, 2021');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['reunion-2021-press-2021-11-30.zh.pdf', 'reunion-2021-press-2021-11-30.en.pdf']);
    expect(mail.attachments[0].content.equals(readFileSync(join(draft, 'press.zh.pdf')))).toBe(true);
    expect(mail.attachments[1].content.equals(readFileSync(join(draft, 'press.en.pdf')))).toBe(true);
    // Run again on the same content: held again, the desk not mailed twice.
    const again = await runCli(['run', 'monthly', '--as-of', AS_OF], { ...env, BULLETIN_CONFIG: config }, cwd);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toMatch(/job monthly \(manual\): held in [\d.]+ s: reunion-2021\/press\/2021-11-30#1 draft: awaiting sign-off; draft mailed for review to 0 of 1$/m);
    expect(messagesTo('monthly-desk@reunion.example')).toHaveLength(1);
    const runs = await queryDb<{ outcome: string }>(jobLogPath(db), `SELECT outcome FROM job_runs WHERE job = 'monthly' ORDER BY run_id`);
    expect(runs.map((r) => r.outcome)).toEqual(['held', 'held']);
    // A deliver to the press list is refused too while the edition is a draft. Nothing reached the press list (no
    // message, not even one cut short) and the delivery log has no attempt for it.
    const delivered = await runCli(['deliver', '--as-of', AS_OF, '--to', 'press'], { ...env, BULLETIN_CONFIG: config }, cwd);
    expect(delivered.code, delivered.stderr).toBe(1);
    expect(delivered.stderr).toMatch(/^bulletin: reunion-2021\/press\/2021-11-30: a press bulletin is delivered only as its released edition, and it has none yet: reunion-2021\/press\/2021-11-30#1 is draft/);
    expect(receivedBy('monthly@reunion.example')).toHaveLength(0);
    expect((await log('monthly@reunion.example')).attempts).toEqual([]);
    expect((await log('monthly@reunion.example')).state).toBeUndefined();
  }, 180_000);

  it('the scheduler stopped by SIGTERM while a delivery waits to retry: exits 0, the run recorded stopped, nothing sent', async () => {
    // approval: none, so the run mails its recipients at once (released without review); with sign-off it would
    // only hold the draft.
    const config = writeConfig(join(tmp.dir, 'schedule.yaml'), {
      operations: [{ id: 'reunion-now', name_zh: '团圆行动', name_en: 'Reunion', start: '2025-01-01', end: '2027-12-31' }],
      jobs: [{ name: 'weekly', kind: 'briefing', cron: '*/2 * * * * *', to: ['waiting@reunion.example'], approval: 'none' }],
      mail: { attempts: 5, retry_delay_seconds: 60 },
    });
    server.answer('connect', 421, 421, 421);
    // In its own working directory: the edition goes to reports/<operation>/<as-of>/editions/ there.
    const scheduler = startCli(['schedule'], { ...env, BULLETIN_CONFIG: config }, tmp.dir);
    await scheduler.waitFor(/waiting@reunion\.example: .*retrying in 60 s/, 90_000, 'stderr');
    const stopping = Date.now();
    scheduler.child.kill('SIGTERM');
    expect(await scheduler.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(scheduler.stdout()).toMatch(/job weekly \(schedule for [^)]+\): stopped/);
    const [run] = await queryDb<{ outcome: string }>(jobLogPath(db), `SELECT outcome FROM job_runs WHERE job = 'weekly'`);
    expect(run.outcome).toBe('stopped');
    expect((await log('waiting@reunion.example')).state).toBe('retrying');
    expect(messagesTo('waiting@reunion.example')).toHaveLength(0);
  }, 150_000);
});
