// "Send a test to me" (desk.md, the page's test-send) and desk users' own e-mail addresses: the real `bulletin`
// command on a real DuckDB warehouse (the conformance sample), real Chromium for the PDFs, real mail through the
// SMTP test server on 127.0.0.1. The refusals that need no PDFs call testSendEdition in this process.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWithPython, textParagraphs } from '../deliver/mail-client.ts';
import { parseMail, startSmtpServer, type TestSmtpServer } from '../deliver/smtp-server.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { queryDb, repoRoot, runCli, tempDir, writeConfig, type CliResult } from '../helpers.ts';
import { configPath, loadConfig } from '../../pipeline/config.ts';
import { deliveriesPath } from '../../pipeline/deliver/deliveries.ts';
import type { DeskContext } from '../../pipeline/desk/editions.ts';
import { testSendEdition } from '../../pipeline/desk/release.ts';
import { deskPath, insertEdition, readLog, transition, withDesk, type LogEntry } from '../../pipeline/desk/store.ts';
import { addUser, TEST_ONLY_SCRYPT_COST, listUsers, userEmail, usersPath } from '../../pipeline/desk/users.ts';

const AS_OF = '2021-11-30';
const ID = `reunion-2021/press/${AS_OF}#1`;
const DRAFTED = '2021-12-01T10:00:00+08:00';
const RELEASE_AT = '2021-12-02 09:30';
const AFTER_RELEASE = '2021-12-02T09:31:00+08:00';

/** li.na and wang.fang have addresses (wang.fang is also on the press list); zhao.lei has none. */
const USERS: Record<string, { role: string; password: string; email?: string }> = {
  'li.na': { role: 'drafter', password: 'li.na demo passphrase', email: 'li.na@reunion.example' },
  'wang.fang': { role: 'approver', password: 'wang.fang demo passphrase', email: 'wang.fang@reunion.example' },
  'zhao.lei': { role: 'approver', password: 'zhao.lei demo passphrase' },
};
const PRESS = ['wang.fang@reunion.example', 'a-press@reunion.example'];

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const lastLine = (r: CliResult): string => r.stderr.trim().split('\n').at(-1) ?? '';

describe('test send', () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestSmtpServer;
  let db: string;
  let cwd: string;
  let env: Record<string, string>;

  /** `bulletin ARGS --as USER` in the warehouse's working directory, with that user's password. */
  const cli = (args: string[], as?: string, now = DRAFTED) =>
    runCli([...args, ...(as ? ['--as', as] : [])], { ...env, BULLETIN_NOW: now, ...(as ? { BULLETIN_DESK_PASSWORD: USERS[as].password } : {}) }, cwd);
  const mailsTo = (address: string) => server.messages.filter((m) => m.to.includes(address)).map((m) => parseMail(m.raw));
  const deskLog = () => withDesk(db, (desk) => readLog(desk, ID));
  const testSends = async () => (await deskLog()).filter((e: LogEntry) => e.action === 'test-send');
  const deliveryKeys = async () => (await queryDb<{ bulletin: string; recipient: string; state: string }>(deliveriesPath(db), 'SELECT bulletin, recipient, state FROM deliveries ORDER BY first_at'));
  const pdfsOf = async (): Promise<Record<string, { path: string; sha256: string }>> => {
    const [row] = await queryDb<{ pdfs: string }>(deskPath(db), `SELECT CAST(pdfs AS VARCHAR) AS pdfs FROM editions WHERE edition_id = '${ID}'`);
    return JSON.parse(row.pdfs);
  };

  beforeAll(async () => {
    tmp = tempDir('bulletin-test-send-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
    cwd = join(tmp.dir, 'cwd');
    mkdirSync(cwd);
    // The demo's notable cases for November 2021, as the desk tests use them.
    mkdirSync(join(tmp.dir, 'editorial'));
    copyFileSync(join(repoRoot, 'data', 'editorial', '2021-11.yaml'), join(tmp.dir, 'editorial', '2021-11.yaml'));
    for (const [name, user] of Object.entries(USERS)) await addUser(db, name, user.role, user.password, new Date(DRAFTED), user.email, TEST_ONLY_SCRYPT_COST);
    server = await startSmtpServer();
    const config = writeConfig(join(tmp.dir, 'bulletin.yaml'), {
      jobs: [{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }],
      mail: { lists: { press: PRESS }, attempts: 3, retry_delay_seconds: 0.05, max_retry_delay_seconds: 0.2 },
    });
    env = { ...server.env(), BULLETIN_CONFIG: config, BULLETIN_DB: db, BULLETIN_EDITORIAL_DIR: join(tmp.dir, 'editorial') };
    const drafted = await cli(['edition', 'draft', '--as-of', AS_OF], 'li.na');
    expect(drafted.code, drafted.stderr).toBe(0);
    expect(drafted.stdout.split('\n')[0]).toBe(ID);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

  it('mails the draft PDFs once, to the acting user alone, "[TEST]" first in the subject; logged as a test send, not a delivery', async () => {
    const sent = await cli(['edition', 'test-send', ID], 'li.na');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^sent\tli\.na@reunion\.example\t<[0-9a-f]{32}\.bulletin@example\.org>\t250\t/);

    expect(server.messages.map((m) => m.to)).toEqual([['li.na@reunion.example']]);
    const [mail] = mailsTo('li.na@reunion.example');
    expect(mail.header('subject')).toMatch(/^\[TEST\] /);
    expect(mail.header('subject')).toContain('2021');
    expect(mail.text).toContain(`test send of edition ${ID} (state draft)`);
    expect(mail.text).toContain('not a release');
    // The HTML part says it first too.
    const read = readWithPython(server.messages[0].raw);
    expect(read.htmlParagraphs[0]).toContain(`test send of edition ${ID} (state draft)`);
    expect(read.htmlParagraphs).toEqual(textParagraphs(read.text));
    const pdfs = await pdfsOf();
    expect(pdfs.zh.path).toMatch(/\/draft\/press\.zh\.pdf$/);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['reunion-2021-press-2021-11-30.zh.pdf', 'reunion-2021-press-2021-11-30.en.pdf']);
    expect(mail.attachments.map((a) => sha256(a.content))).toEqual([pdfs.zh.sha256, pdfs.en.sha256]);
    expect(mail.attachments.map((a) => sha256(a.content))).toEqual([sha256(readFileSync(pdfs.zh.path)), sha256(readFileSync(pdfs.en.path))]);

    const [entry, ...more] = await testSends();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor: 'li.na', edition_id: ID, detail: { recipient: 'li.na@reunion.example', outcome: 'sent', message_id: mail.header('message-id'), code: 250 } });
    expect((entry.detail!.attachments as { sha256: string }[]).map((a) => a.sha256)).toEqual([pdfs.zh.sha256, pdfs.en.sha256]);
    // The delivery log knows it under a key of its own, never the edition's.
    const keys = await deliveryKeys();
    expect(keys).toEqual([{ bulletin: expect.stringMatching(new RegExp(`^${ID.replace(/[.#/]/g, '\\$&')}/test/\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z/[0-9a-f]{8}$`)), recipient: 'li.na@reunion.example', state: 'sent' }]);
  }, 60_000);

  it('is refused for a user without an address, saying how to give one; nothing sent', async () => {
    const connections = server.connections();
    const refused = await cli(['edition', 'test-send', ID], 'zhao.lei');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(lastLine(refused)).toBe('bulletin: desk user zhao.lei has no e-mail address: bulletin desk user email zhao.lei ADDR');
    expect(server.connections()).toBe(connections);
    expect(await testSends()).toHaveLength(1);
  }, 30_000);

  it('rule 9: is refused while the desk holds: nothing sent, nothing logged as sent; after resume it goes', async () => {
    const connections = server.connections();
    const logBefore = await deskLog();
    const deliveriesBefore = await deliveryKeys();
    expect((await cli(['desk', 'hold', '--reason', 'figures under review'], 'wang.fang')).code).toBe(0);
    const held = await cli(['edition', 'test-send', ID], 'li.na', '2021-12-01T10:05:00+08:00');
    expect(held.code).toBe(1);
    expect(held.stderr.trim().split('\n')).toHaveLength(1);
    expect(lastLine(held)).toMatch(/^bulletin: edition .*#1: no test send: a hold is in force since 2021-12-01 10:00 China time \(wang\.fang: figures under review\)/);
    expect(held.stdout).toBe('');
    expect(server.connections()).toBe(connections);
    expect(await deskLog()).toEqual(logBefore);
    expect(await deliveryKeys()).toEqual(deliveriesBefore);

    expect((await cli(['desk', 'resume'], 'wang.fang')).code).toBe(0);
    const resumed = await cli(['edition', 'test-send', ID], 'li.na', '2021-12-01T10:06:00+08:00');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(mailsTo('li.na@reunion.example')).toHaveLength(2);
  }, 60_000);

  it('after a test send to someone who is also a recipient, the release still mails that person, once', async () => {
    expect((await cli(['edition', 'submit', ID], 'li.na')).code).toBe(0);
    const approved = await cli(['edition', 'approve', ID, '--release-at', RELEASE_AT], 'zhao.lei');
    expect(approved.code, approved.stderr).toBe(0);
    // wang.fang, on the press list, tests the approved edition: its final PDFs, before the release.
    const tested = await cli(['edition', 'test-send', ID], 'wang.fang', '2021-12-01T11:00:00+08:00');
    expect(tested.code, tested.stderr).toBe(0);
    const final = await pdfsOf();
    expect(final.zh.path).toMatch(/\/final\/press\.zh\.pdf$/);
    const [test] = mailsTo('wang.fang@reunion.example');
    expect(test.header('subject')).toMatch(/^\[TEST\] /);
    expect(test.text).toContain('(state approved)');
    expect(test.attachments.map((a) => sha256(a.content))).toEqual([final.zh.sha256, final.en.sha256]);
    expect(mailsTo('a-press@reunion.example')).toEqual([]);

    const released = await cli(['edition', 'release', ID], undefined, AFTER_RELEASE);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' ')).sort()).toEqual(['sent a-press@reunion.example', 'sent wang.fang@reunion.example']);
    const toWang = mailsTo('wang.fang@reunion.example');
    expect(toWang).toHaveLength(2);
    const release = toWang[1];
    expect(release.header('subject')).not.toMatch(/TEST/);
    expect(release.header('subject')).toBe(test.header('subject')!.slice('[TEST] '.length));
    expect(release.header('message-id')).not.toBe(test.header('message-id'));
    expect(release.attachments.map((a) => sha256(a.content))).toEqual([final.zh.sha256, final.en.sha256]);
    expect(mailsTo('a-press@reunion.example')).toHaveLength(1);
    // Test sends went to the two users who asked, nowhere else.
    expect(server.messages.filter((m) => parseMail(m.raw).header('subject')!.startsWith('[TEST]')).map((m) => m.to[0])).toEqual([
      'li.na@reunion.example',
      'li.na@reunion.example',
      'wang.fang@reunion.example',
    ]);
  }, 180_000);

  it('is refused for an edition without rendered PDFs and for a withdrawn one', async () => {
    const other = join(tmp.dir, 'other.duckdb');
    await addUser(other, 'li.na', 'drafter', USERS['li.na'].password, new Date(DRAFTED), USERS['li.na'].email);
    const ctx: DeskContext = { dbPath: other, config: loadConfig(configPath(env.BULLETIN_CONFIG)), now: new Date(DRAFTED), log: () => undefined };
    const actor = { name: 'li.na', role: 'drafter' as const };
    const id = await withDesk(other, (desk) =>
      insertEdition(
        desk,
        { bulletin: 'reunion-2021/press/2021-10-31', operation: 'reunion-2021', template: 'press', as_of: '2021-10-31', number: 1, kind: 'original', corrects: null, note_en: null, note_zh: null, dir: join(tmp.dir, 'none'), created_by: 'li.na' },
        ctx.now,
      ),
    );
    const connections = server.connections();
    await expect(testSendEdition(ctx, id, actor)).rejects.toThrow(`edition ${id}: no test send: it has no rendered PDFs yet`);
    await withDesk(other, (desk) => transition(desk, id, 'withdraw', actor, { note: 'test', now: ctx.now }));
    await expect(testSendEdition(ctx, id, actor)).rejects.toThrow(`edition ${id}: no test send: it is withdrawn`);
    expect(server.connections()).toBe(connections);
  });
});

describe('desk users\' e-mail addresses', () => {
  const { dir, cleanup } = tempDir('bulletin-desk-email-');
  const db = join(dir, 'w.duckdb');
  afterAll(cleanup);
  const cli = (args: string[], password?: string) => runCli(['--db', db, ...args], password ? { BULLETIN_DESK_PASSWORD: password } : {});

  it('desk user add --email and desk user email set it, list shows it; a bad address or an unknown user is refused with one line', async () => {
    const added = await cli(['desk', 'user', 'add', 'li.na', '--role', 'drafter', '--email', 'li.na@reunion.example'], 'li.na demo passphrase');
    expect(added.code, added.stderr).toBe(0);
    const without = await cli(['desk', 'user', 'add', 'zhao.lei', '--role', 'approver'], 'zhao.lei demo passphrase');
    expect(without.code, without.stderr).toBe(0);
    expect(without.stderr).toContain('bulletin desk user email zhao.lei ADDR');
    expect(userEmail(db, 'li.na')).toBe('li.na@reunion.example');
    expect(userEmail(db, 'zhao.lei')).toBeNull();

    const set = await cli(['desk', 'user', 'email', 'zhao.lei', ' zhao.lei@reunion.example ']);
    expect(set.code, set.stderr).toBe(0);
    const changed = await cli(['desk', 'user', 'email', 'li.na', 'na.li@reunion.example']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(listUsers(db).map((u) => [u.name, u.role, u.email])).toEqual([
      ['li.na', 'drafter', 'na.li@reunion.example'],
      ['zhao.lei', 'approver', 'zhao.lei@reunion.example'],
    ]);
    const listed = await cli(['desk', 'user', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^name\s+role\s+e-mail\s+added/);
    expect(listed.stdout).toMatch(/li\.na\s+drafter\s+na\.li@reunion\.example\s+2026-11-23 12:00/);
    expect(listed.stdout).toMatch(/zhao\.lei\s+approver\s+zhao\.lei@reunion\.example/);

    const file = readFileSync(usersPath(db));
    const refusals: [string[], RegExp][] = [
      [['desk', 'user', 'email', 'li.na', 'li.na@reunion.example\r\nBcc: x@evil.example'], /^bulletin: desk user li\.na: 'li\.na@reunion\.example<U\+000D><U\+000A>Bcc: x@evil\.example' is not an e-mail address: it holds the character U\+000D/],
      [['desk', 'user', 'email', 'li.na', 'Li Na <li.na@reunion.example>'], /^bulletin: desk user li\.na: 'Li Na <li\.na@reunion\.example>' is not an e-mail address$/],
      [['desk', 'user', 'email', 'nobody', 'nobody@reunion.example'], /^bulletin: desk user nobody: no such user/],
      [['desk', 'user', 'add', 'wang.fang', '--role', 'approver', '--email', 'a@b.c, d@e.f'], /^bulletin: desk user wang\.fang: 'a@b\.c, d@e\.f' is not an e-mail address$/],
    ];
    for (const [args, message] of refusals) {
      const r = await cli(args, 'wang.fang demo passphrase');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
    }
    // Nothing changed, and the file is still the owner's only.
    expect(readFileSync(usersPath(db))).toEqual(file);
    expect(statSync(usersPath(db)).mode & 0o777).toBe(0o600);
  }, 60_000);
});
