// The press desk end to end (desk.md rules 1-10): the real `bulletin` command on a real DuckDB warehouse (the
// conformance sample), real Chromium for every PDF, real mail through the SMTP test server on 127.0.0.1, and
// `bulletin schedule` as a real process. The sample is loaded once; each group of tests works on its own copy of
// that warehouse (and its own working directory, editorial folder and configuration), so one group's approved
// editions, holds and deliveries never reach another's.
//
// Clocks: BULLETIN_NOW is every command's clock. Editions are drafted and approved on 2021-12-01 10:00 China time
// and released on the next days, so "before" and "after" a release time are plain settings of BULLETIN_NOW.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail, startSmtpServer, type TestSmtpServer } from '../deliver/smtp-server.ts';
import { conformanceDir, queryDb, repoRoot, runCli, startCli, tempDir, writeConfig, type CliResult, type RunningCli } from '../helpers.ts';
import { pageCount, squeeze } from '../render/poppler.ts';
import { deskPath, type LogEntry } from '../../pipeline/desk/store.ts';
import { addUser } from '../../pipeline/desk/users.ts';
import { jobLogPath } from '../../pipeline/schedule/runs.ts';

const AS_OF = '2021-11-30';
const BULLETIN = `reunion-2021/press/${AS_OF}`;
const DRAFTED = '2021-12-01T10:00:00+08:00';
const RELEASE_AT = '2021-12-02 09:30';
const BEFORE_RELEASE = '2021-12-02T09:29:00+08:00';
const AFTER_RELEASE = '2021-12-02T09:31:00+08:00';

/** Desk users: a drafter, two approvers and an admin, each with a password of their own. */
const USERS: Record<string, { role: string; password: string }> = {
  'li.na': { role: 'drafter', password: 'li.na demo passphrase' },
  'wang.fang': { role: 'approver', password: 'wang.fang demo passphrase' },
  'zhao.lei': { role: 'approver', password: 'zhao.lei demo passphrase' },
  'chen.jie': { role: 'admin', password: 'chen.jie demo passphrase' },
};

const MARK_WORDS = ['DRAFT', '草稿', 'EMBARGOED', '不得发布', 'Notreviewed', '未经审核'];

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
/** One page's text in content-stream order (the diagonal watermark comes out whole), without whitespace. */
const rawPage = (file: string, page: number): string =>
  squeeze(execFileSync('pdftotext', ['-raw', '-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' }));
const pagesOf = (file: string): string[] => Array.from({ length: pageCount(file) }, (_, i) => rawPage(file, i + 1));
const count = (text: string, word: string): number => text.split(word).length - 1;
const lastLine = (r: CliResult): string => r.stderr.trim().split('\n').at(-1) ?? '';

// The desk's store read directly (read-only, in this process): each `bulletin` command costs seconds of start-up
// on a busy machine, so the commands are run for what they do and the state is looked at here.
const AT = (column: string) => `strftime(${column} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ${column}`;

interface StoredEdition {
  edition_id: string;
  state: string;
  corrects: string | null;
  content_sha256: string | null;
  submitted_sha256: string | null;
  release_at: string | null;
  pdfs: Record<string, { path: string; sha256: string }>;
}

async function stored(db: string, id: string): Promise<StoredEdition> {
  const rows = await queryDb<StoredEdition & { pdfs: string }>(
    deskPath(db),
    `SELECT edition_id, state, corrects, content_sha256, submitted_sha256, ${AT('release_at')}, CAST(pdfs AS VARCHAR) AS pdfs FROM editions WHERE edition_id = '${id}'`,
  );
  expect(rows, id).toHaveLength(1);
  return { ...rows[0], pdfs: JSON.parse(rows[0].pdfs) };
}

async function deskLog(db: string, id?: string): Promise<LogEntry[]> {
  const rows = await queryDb<Omit<LogEntry, 'at' | 'detail'> & { logged_at: string; detail: string | null }>(
    deskPath(db),
    `SELECT seq, ${AT('logged_at')}, actor, edition_id, action, from_state, to_state, note, content_sha256, CAST(detail AS VARCHAR) AS detail
       FROM desk_log ${id ? `WHERE edition_id = '${id}'` : ''} ORDER BY seq`,
  );
  return rows.map(({ logged_at, ...row }) => ({ ...row, at: logged_at, detail: row.detail ? JSON.parse(row.detail) : null }) as LogEntry);
}

/** Everything the desk holds: every edition's row and the whole log. */
async function deskContents(db: string): Promise<unknown> {
  const editions = await queryDb(deskPath(db), `SELECT * EXCLUDE (pdfs), CAST(pdfs AS VARCHAR) AS pdfs FROM editions ORDER BY edition_id`);
  return { editions, log: await deskLog(db) };
}

/** Writes a PDF (a mail attachment) to a file for poppler. */
function pdfFile(dir: string, name: string, content: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** GB 11643's check character of 17 digits (ISO 7064 MOD 11-2), computed here independently of the pipeline. */
function withCheckCharacter(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(first17[i]), 0);
  return first17 + '10X98765432'[sum % 11];
}

interface EditionJson {
  id: string;
  state: string;
  content_sha256: string;
  submitted_sha256: string | null;
  release_at: string | null;
  corrects: string | null;
  pdfs: Record<string, { path: string; sha256: string }>;
  checklist: { errors: { code: string; message: string }[]; warnings: { code: string; message: string }[] };
  history: LogEntry[];
}


interface Job {
  name: string;
  kind: string;
  cron: string;
  to?: string[];
  template?: string;
  approval?: string;
}

/** One copy of the loaded warehouse with its own working directory, editorial folder and configuration. */
interface Desk {
  dir: string;
  db: string;
  cwd: string;
  editorialFile: string;
  /** `bulletin ARGS` in the desk's working directory; `as` adds --as and the user's password. */
  cli(args: string[], options?: { now?: string; as?: string; env?: Record<string, string> }): Promise<CliResult>;
  start(args: string[], options?: { now?: string; env?: Record<string, string> }): RunningCli;
  configure(jobs: Job[], lists: Record<string, string[]>): void;
  show(id: string): Promise<EditionJson>;
  log(id?: string): Promise<LogEntry[]>;
  /** Draft by li.na, submit by li.na, approve by wang.fang for `releaseAt`: the approved edition's id. */
  signOff(asOf?: string, releaseAt?: string): Promise<string>;
}

describe('the press desk, end to end', () => {
  let tmp: { dir: string; cleanup: () => void };
  let pristine: string;
  let server: TestSmtpServer;
  let desks = 0;

  beforeAll(async () => {
    tmp = tempDir('bulletin-desk-');
    pristine = join(tmp.dir, 'pristine');
    mkdirSync(pristine);
    const db = join(pristine, 'warehouse.duckdb');
    const loaded = await runCli(['load', '--db', db, join(conformanceDir, 'batch1'), join(conformanceDir, 'batch2')]);
    expect(loaded.code, loaded.stderr).toBe(0);
    // Users are set up in this process (addUser, what `desk user add` calls): every command below authenticates
    // them through --as and BULLETIN_DESK_PASSWORD.
    for (const [name, user] of Object.entries(USERS)) await addUser(db, name, user.role, user.password);
    server = await startSmtpServer();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

  const mailsTo = (address: string) => server.messages.filter((m) => m.to.includes(address));
  const receivedBy = (address: string) => server.received.filter((m) => m.to.includes(address));

  function newDesk(name: string): Desk {
    const dir = join(tmp.dir, `${++desks}-${name}`);
    cpSync(pristine, dir, { recursive: true });
    const db = join(dir, 'warehouse.duckdb');
    const cwd = join(dir, 'cwd');
    const editorial = join(dir, 'editorial');
    mkdirSync(cwd);
    mkdirSync(editorial);
    // The demo's notable cases for November 2021: every bulletin of that month reads this file.
    const editorialFile = join(editorial, '2021-11.yaml');
    copyFileSync(join(repoRoot, 'data', 'editorial', '2021-11.yaml'), editorialFile);
    const config = join(dir, 'bulletin.yaml');
    const env = { ...server.env(), BULLETIN_CONFIG: config, BULLETIN_DB: db, BULLETIN_EDITORIAL_DIR: editorial };
    const envFor = (options: { now?: string; as?: string; env?: Record<string, string> }) => ({
      ...env,
      BULLETIN_NOW: options.now ?? DRAFTED,
      ...(options.as ? { BULLETIN_DESK_PASSWORD: USERS[options.as].password } : {}),
      ...options.env,
    });
    const desk: Desk = {
      dir,
      db,
      cwd,
      editorialFile,
      cli: (args, options = {}) => runCli([...args, ...(options.as ? ['--as', options.as] : [])], envFor(options), cwd),
      start: (args, options = {}) => startCli(args, { ...envFor(options), BULLETIN_PII_KEY: 'test-key', TZ: 'UTC' }, cwd),
      configure: (jobs, lists) => {
        writeConfig(config, { jobs, mail: { lists, attempts: 3, retry_delay_seconds: 0.05, max_retry_delay_seconds: 0.2 } });
      },
      async show(id) {
        const r = await desk.cli(['edition', 'show', id, '--json']);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as EditionJson;
      },
      async log(id) {
        const r = await desk.cli(['edition', 'log', ...(id ? [id] : []), '--json']);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as LogEntry[];
      },
      async signOff(asOf = AS_OF, releaseAt = RELEASE_AT) {
        const drafted = await desk.cli(['edition', 'draft', '--as-of', asOf], { as: 'li.na' });
        expect(drafted.code, drafted.stderr).toBe(0);
        const id = drafted.stdout.split('\n')[0];
        const submitted = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
        expect(submitted.code, submitted.stderr).toBe(0);
        const approved = await desk.cli(['edition', 'approve', id, '--release-at', releaseAt], { as: 'wang.fang' });
        expect(approved.code, approved.stderr).toBe(0);
        expect(approved.stdout).toBe(`${id}\tapproved\n`);
        return id;
      },
    };
    desk.configure([], {});
    return desk;
  }

  // ---- rules 1, 2, 3, 5, 8, 10 on one bulletin ----------------------------------------------------------------------

  describe('sign-off, release and correction of one bulletin', () => {
    let desk: Desk;
    const id = `${BULLETIN}#1`;
    const press = ['a-press1@reunion.example', 'a-press2@reunion.example'];
    let draftPdfs: Record<string, { path: string; sha256: string }>;
    let logAfterApproval: LogEntry[];
    beforeAll(() => {
      desk = newDesk('sign-off');
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }], { press, desk: ['a-desk@reunion.example'] });
    });

    it('rule 1: approval by the submitter, by the last person who changed the content or by a drafter is refused, and nothing changes', async () => {
      // wang.fang (approver) makes the draft, zhao.lei (approver) submits it, li.na is a drafter.
      const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'wang.fang' });
      expect(drafted.code, drafted.stderr).toBe(0);
      expect(drafted.stdout.split('\n')[0]).toBe(id);
      const submitted = await desk.cli(['edition', 'submit', id], { as: 'zhao.lei' });
      expect(submitted.code, submitted.stderr).toBe(0);
      expect((await stored(desk.db, id)).state).toBe('submitted');
      draftPdfs = (await stored(desk.db, id)).pdfs;
      const before = await deskContents(desk.db);
      const finalDir = join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'final');

      const refusals: [string, RegExp][] = [
        ['zhao.lei', /^bulletin: edition reunion-2021\/press\/2021-11-30#1: not the second pair of eyes: zhao\.lei submitted it/],
        ['wang.fang', /^bulletin: edition reunion-2021\/press\/2021-11-30#1: not the second pair of eyes: wang\.fang last changed its content/],
        ['li.na', /^bulletin: edition reunion-2021\/press\/2021-11-30#1: li\.na \(drafter\) may not approve/],
      ];
      for (const [user, message] of refusals) {
        const r = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: user });
        expect(r.code, `${user}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim().split('\n'), user).toHaveLength(1);
        expect(r.stderr, user).toMatch(message);
        expect(r.stdout, user).toBe('');
        // Nothing changed: the editions, the desk log; no final PDFs written.
        expect(await deskContents(desk.db), user).toEqual(before);
        expect(existsSync(finalDir), user).toBe(false);
      }
      // The right user with another's password is nobody.
      const impostor = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'chen.jie', env: { BULLETIN_DESK_PASSWORD: USERS['li.na'].password } });
      expect(impostor.code).toBe(1);
      expect(lastLine(impostor)).toBe('bulletin: desk user chen.jie: unknown user or wrong password');
      expect(await deskContents(desk.db)).toEqual(before);

      // A second approver (an admin) approves.
      const approved = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'chen.jie' });
      expect(approved.code, approved.stderr).toBe(0);
      expect(await stored(desk.db, id)).toMatchObject({ state: 'approved', release_at: '2021-12-02T01:30:00Z' });
      expect(readdirSync(finalDir).filter((f) => f.endsWith('.pdf')).sort()).toEqual(['press.en.pdf', 'press.zh.pdf']);
      logAfterApproval = await deskLog(desk.db);
    }, 120_000);

    it('rule 3: every page of the draft PDFs says DRAFT / 草稿 (header and across the page); the approved PDFs none of the marks', async () => {
      const after = await stored(desk.db, id);
      for (const language of ['en', 'zh']) {
        const word = language === 'en' ? 'DRAFT' : '草稿';
        const draft = pagesOf(draftPdfs[language].path);
        expect(draft.length).toBeGreaterThanOrEqual(2);
        draft.forEach((page, i) => expect(count(page, word), `${language} draft page ${i + 1}`).toBeGreaterThanOrEqual(2));
        const final = pagesOf(after.pdfs[language].path);
        expect(final.length).toBe(draft.length);
        final.forEach((page, i) => {
          for (const mark of MARK_WORDS) expect(page, `${language} final page ${i + 1}`).not.toContain(mark);
        });
      }
    }, 60_000);

    it('rules 4, 5: nothing goes out before the release time; after it, each recipient gets the approved PDFs once, byte for byte', async () => {
      const connections = server.connections();
      // deliver of a press bulletin without a released edition: refused, saying how.
      const early = await desk.cli(['deliver', '--as-of', AS_OF, '--to', 'press'], { now: AFTER_RELEASE });
      expect(early.code).toBe(1);
      expect(lastLine(early)).toMatch(/a press bulletin is delivered only as its released edition.*#1 is approved, released at 2021-12-02 09:30 China time/);
      // The release before its time: refused, still approved.
      const tooSoon = await desk.cli(['edition', 'release', id], { now: BEFORE_RELEASE });
      expect(tooSoon.code).toBe(1);
      expect(tooSoon.stderr.trim().split('\n')).toHaveLength(1);
      expect(tooSoon.stderr).toMatch(/not before its release time, 2021-12-02 09:30 China time/);
      expect((await stored(desk.db, id)).state).toBe('approved');
      expect(server.connections()).toBe(connections);

      // By a named desk user (--as): recorded as theirs.
      const released = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE, as: 'zhao.lei' });
      expect(released.code, released.stderr).toBe(0);
      const shown = await desk.show(id);
      expect(shown.state).toBe('released');
      // sha256: what edition show says == the files in final/ == the attachments each recipient got.
      for (const language of ['en', 'zh']) {
        expect(shown.pdfs[language].path).toBe(join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'final', `press.${language}.pdf`));
        expect(sha256(readFileSync(shown.pdfs[language].path))).toBe(shown.pdfs[language].sha256);
      }
      for (const address of press) {
        expect(mailsTo(address), address).toHaveLength(1);
        const mail = parseMail(mailsTo(address)[0].raw);
        expect(mail.attachments.map((a) => a.filename)).toEqual(['reunion-2021-press-2021-11-30.zh.pdf', 'reunion-2021-press-2021-11-30.en.pdf']);
        expect(mail.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
        expect(mail.header('subject')).not.toMatch(/DRAFT|草稿|EMBARGOED|Correction/);
      }
      // The desk log has one delivery per recipient with the attachments' sha256, and the release transition.
      const deliveries = shown.history.filter((h) => h.action === 'deliver');
      expect(deliveries.map((d) => d.detail!.recipient).sort()).toEqual(press);
      for (const d of deliveries) {
        expect(d.detail).toMatchObject({ outcome: 'sent' });
        expect((d.detail!.attachments as { sha256: string }[]).map((a) => a.sha256)).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
      expect(shown.history.filter((h) => h.action === 'release')).toMatchObject([{ from_state: 'approved', to_state: 'released', actor: 'zhao.lei' }]);
    }, 90_000);

    it('rule 5: a second release and a deliver of the released bulletin send nothing more', async () => {
      const connections = server.connections();
      const again = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' ')).sort()).toEqual(press.map((p) => `already sent ${p}`));
      const delivered = await desk.cli(['deliver', '--as-of', AS_OF, '--to', 'press'], { now: AFTER_RELEASE });
      expect(delivered.code, delivered.stderr).toBe(0);
      expect(delivered.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['already sent', 'already sent']);
      expect(server.connections()).toBe(connections);
      for (const address of press) expect(mailsTo(address), address).toHaveLength(1);
      // No second edition of a released bulletin by draft: a change is a correction.
      const redraft = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na', now: AFTER_RELEASE });
      expect(redraft.code).toBe(1);
      expect(redraft.stderr).toMatch(/was released as reunion-2021\/press\/2021-11-30#1; a change is a correction/);
    }, 60_000);

    it('rule 8: a correction signed off by two people reaches exactly the earlier recipients, threaded, "Correction:"; the corrected edition is superseded', async () => {
      // A recipient added to the list since the release does not get the correction of a bulletin never sent to them.
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }], { press: [...press, 'a-press3@reunion.example'] });
      const noNote = await desk.cli(['edition', 'correct', id, '--kind', 'correction', '--note-en', 'x', '--note-zh', ' '], { as: 'li.na', now: AFTER_RELEASE });
      expect(noNote.code).toBe(2);
      const corrected = await desk.cli(
        ['edition', 'correct', id, '--kind', 'correction', '--note-en', 'The Guangxi case dates from 1999.', '--note-zh', '广西案件发生于1999年。'],
        { as: 'li.na', now: AFTER_RELEASE },
      );
      expect(corrected.code, corrected.stderr).toBe(0);
      const second = `${BULLETIN}#2`;
      expect(corrected.stdout).toBe(`${second}\tdraft\n`);
      expect((await desk.cli(['edition', 'submit', second], { as: 'li.na', now: AFTER_RELEASE })).code).toBe(0);
      // li.na made and submitted it: she may not approve; wang.fang may.
      const self = await desk.cli(['edition', 'approve', second, '--release-at', '2021-12-03 09:30'], { as: 'li.na', now: AFTER_RELEASE });
      expect(self.code).toBe(1);
      const approved = await desk.cli(['edition', 'approve', second, '--release-at', '2021-12-03 09:30'], { as: 'wang.fang', now: AFTER_RELEASE });
      expect(approved.code, approved.stderr).toBe(0);
      const tooSoon = await desk.cli(['edition', 'release', second], { now: '2021-12-03T09:29:00+08:00' });
      expect(tooSoon.code).toBe(1);
      expect(mailsTo(press[0])).toHaveLength(1);
      const released = await desk.cli(['edition', 'release', second], { now: '2021-12-03T09:31:00+08:00' });
      expect(released.code, released.stderr).toBe(0);

      const shown = await desk.show(second);
      expect(shown).toMatchObject({ state: 'released', corrects: id });
      for (const address of press) {
        const [original, correction] = mailsTo(address).map((m) => parseMail(m.raw));
        expect(mailsTo(address), address).toHaveLength(2);
        const messageId = original.header('message-id')!;
        expect(messageId).toMatch(/^<.+@.+>$/);
        expect(correction.header('in-reply-to')).toBe(messageId);
        expect(correction.header('references')).toBe(messageId);
        expect(correction.header('message-id')).not.toBe(messageId);
        expect(correction.header('subject')).toMatch(/^Correction: /);
        expect(correction.header('subject')).toContain('更正：');
        expect(correction.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
      expect(receivedBy('a-press3@reunion.example')).toHaveLength(0);
      // Page 1 of the correction says so, in each language.
      expect(rawPage(shown.pdfs.en.path, 1)).toContain(squeeze('Corrected on December 2, 2021: The Guangxi case dates from 1999.'));
      expect(rawPage(shown.pdfs.zh.path, 1)).toContain(squeeze('2021年12月2日更正：广西案件发生于1999年。'));
      // The superseded edition stays readable, marked superseded, its PDFs as they were.
      const first = await stored(desk.db, id);
      expect(first.state).toBe('superseded');
      for (const language of ['en', 'zh']) expect(sha256(readFileSync(first.pdfs[language].path))).toBe(first.pdfs[language].sha256);
      expect((await deskLog(desk.db, id)).filter((e) => e.to_state).at(-1)).toMatchObject({ action: 'supersede', from_state: 'released', to_state: 'superseded', note: `superseded by ${second}` });
    }, 150_000);

    it('rule 10: the desk log is only appended to, and records every transition with who, from, to and content hash', async () => {
      const log = await desk.log();
      expect(log).toEqual(await deskLog(desk.db));
      expect(log.slice(0, logAfterApproval.length)).toEqual(logAfterApproval);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      const transitions = log.filter((e) => e.edition_id === id && e.to_state).map((e) => `${e.actor} ${e.action} ${e.from_state ?? '-'}->${e.to_state}`);
      expect(transitions).toEqual([
        'wang.fang draft -->draft',
        'wang.fang refresh draft->draft',
        'zhao.lei submit draft->submitted',
        'chen.jie approve submitted->approved',
        'zhao.lei release approved->released',
        'system supersede released->superseded',
      ]);
      for (const e of log.filter((e) => e.to_state && e.action !== 'draft')) expect(e.content_sha256, `${e.action} ${e.edition_id}`).toMatch(/^[0-9a-f]{64}$/);
    }, 30_000);
  });

  // ---- rule 2 ---------------------------------------------------------------------------------------------------------

  describe('approval is bound to the bytes submitted', () => {
    let desk: Desk;
    beforeAll(() => {
      desk = newDesk('bytes');
    });

    it('rule 2: an edit of the notable cases after submit refuses approval ("changed since it was submitted"); the edition is back in draft', async () => {
      const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' });
      expect(drafted.code, drafted.stderr).toBe(0);
      const id = drafted.stdout.split('\n')[0];
      const finalDir = join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'final');
      const original = readFileSync(desk.editorialFile, 'utf8');
      // Two kinds of edit: a word of an English text, one character of a Chinese title.
      const edits: [string, string][] = [
        ['younger brother', 'elder brother'],
        ['离家74年终团圆', '离家74年后团圆'],
      ];
      for (const [from, to] of edits) {
        const submitted = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
        expect(submitted.code, submitted.stderr).toBe(0);
        const before = await stored(desk.db, id);
        expect(original).toContain(from);
        writeFileSync(desk.editorialFile, original.replace(from, to));
        const r = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'wang.fang' });
        expect(r.code, `${from}: ${r.stderr}`).toBe(1);
        expect(lastLine(r)).toMatch(/^bulletin: edition reunion-2021\/press\/2021-11-30#1: changed since it was submitted/);
        const after = await stored(desk.db, id);
        expect(after.state, from).toBe('draft');
        expect(after.release_at).toBeNull();
        expect(after.pdfs).toEqual(before.pdfs);
        expect((await deskLog(desk.db, id)).at(-1)).toMatchObject({ action: 'back_to_draft', from_state: 'submitted', to_state: 'draft', actor: 'system' });
        expect(existsSync(finalDir)).toBe(false);
        // The text as it was, for the next round: the draft's content again.
        writeFileSync(desk.editorialFile, original);
      }
      // Unedited, the same edition is approved: the refusals were the edits, not the edition.
      expect((await desk.cli(['edition', 'submit', id], { as: 'li.na' })).code).toBe(0);
      const approved = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'wang.fang' });
      expect(approved.code, approved.stderr).toBe(0);
    }, 180_000);
  });

  // ---- rule 4 ---------------------------------------------------------------------------------------------------------

  describe('scheduled bulletin jobs go through the desk', () => {
    let desk: Desk;
    beforeAll(() => {
      desk = newDesk('scheduled');
    });

    it('rule 4: a monthly run without approval mails nobody on the press list, mails the draft to the desk list and records held', async () => {
      const reviewers = ['c-desk1@reunion.example', 'c-desk2@reunion.example'];
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }], { press: ['c-press@reunion.example'], desk: reviewers });
      const run = await desk.cli(['run', 'monthly', '--as-of', AS_OF]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/job monthly \(manual\): held in [\d.]+ s: reunion-2021\/press\/2021-11-30#1 draft: awaiting sign-off; draft mailed for review to 2 of 2/);
      expect(receivedBy('c-press@reunion.example')).toHaveLength(0);
      const shown = await stored(desk.db, `${BULLETIN}#1`);
      expect(shown.state).toBe('draft');
      for (const address of reviewers) {
        expect(mailsTo(address), address).toHaveLength(1);
        const mail = parseMail(mailsTo(address)[0].raw);
        expect(mail.header('subject')).toMatch(/^Ready for review \(DRAFT\)/);
        expect(mail.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
      const attached = parseMail(mailsTo(reviewers[0])[0].raw).attachments;
      pagesOf(pdfFile(desk.dir, 'review.zh.pdf', attached[0].content)).forEach((page, i) => expect(count(page, '草稿'), `zh page ${i + 1}`).toBeGreaterThanOrEqual(2));
      pagesOf(pdfFile(desk.dir, 'review.en.pdf', attached[1].content)).forEach((page, i) => expect(count(page, 'DRAFT'), `en page ${i + 1}`).toBeGreaterThanOrEqual(2));
      // bulletin jobs and the job log say held.
      const jobs = await desk.cli(['jobs', '--json']);
      expect(JSON.parse(jobs.stdout)).toMatchObject([{ name: 'monthly', last_run: { trigger: 'manual', outcome: 'held' } }]);
      // Run again on the same content: held again, the reviewers are not mailed twice, the press list still not at all.
      const again = await desk.cli(['run', 'monthly', '--as-of', AS_OF]);
      expect(again.stdout).toMatch(/: held in /);
      for (const address of reviewers) expect(mailsTo(address), address).toHaveLength(1);
      expect(receivedBy('c-press@reunion.example')).toHaveLength(0);
      const runs = await queryDb<{ outcome: string }>(jobLogPath(desk.db), `SELECT outcome FROM job_runs ORDER BY run_id`);
      expect(runs.map((r) => r.outcome)).toEqual(['held', 'held']);
    }, 120_000);

    it('rule 4: a job with approval: none is released at once, recorded without review, its PDFs say "Not reviewed" / "未经审核"', async () => {
      desk.configure([{ name: 'weekly', kind: 'briefing', cron: '0 8 * * 1', to: ['c-lead@reunion.example'], approval: 'none' }], { desk: ['c-desk1@reunion.example'] });
      const run = await desk.cli(['run', 'weekly', '--as-of', AS_OF]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/job weekly \(manual\): ok in [\d.]+ s: reunion-2021\/briefing\/2021-11-30#1 released without review: 1 sent/);
      const shown = await stored(desk.db, `reunion-2021/briefing/${AS_OF}#1`);
      expect(shown.state).toBe('released');
      expect((await deskLog(desk.db, shown.edition_id)).find((h) => h.action === 'release_unreviewed')).toMatchObject({ actor: 'system', from_state: 'draft', to_state: 'released', note: 'released without review (approval: none)' });
      expect(mailsTo('c-lead@reunion.example')).toHaveLength(1);
      const mail = parseMail(mailsTo('c-lead@reunion.example')[0].raw);
      expect(mail.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      for (const [language, words] of [['en', 'Notreviewed'], ['zh', '未经审核']]) {
        pagesOf(shown.pdfs[language].path).forEach((page, i) => {
          expect(page, `${language} page ${i + 1}`).toContain(words);
          expect(page).not.toContain(language === 'en' ? 'DRAFT' : '草稿');
        });
      }
    }, 90_000);
  });

  // ---- rule 5 by the scheduler, and a release killed -9 -------------------------------------------------------------

  describe('release by the scheduler', () => {
    it('rule 5: bulletin schedule releases a due approved edition at its first wake-up, each recipient once; not before its time', async () => {
      const desk = newDesk('scheduler');
      const recipients = ['d-press1@reunion.example', 'd-press2@reunion.example'];
      // A job that never fires while the test runs (29 February): the scheduler only wakes for the desk.
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 29 2 *', to: ['press'] }], { press: recipients });
      const id = await desk.signOff();
      const stopScheduler = async (scheduler: RunningCli) => {
        scheduler.child.kill('SIGTERM');
        expect(await scheduler.exited).toBe(0);
      };

      // Before the release time: it does not release.
      const early = desk.start(['schedule'], { now: BEFORE_RELEASE });
      await early.waitFor(/schedule: 1 job\(s\)/, 60_000, 'stderr');
      await new Promise((r) => setTimeout(r, 4000));
      await stopScheduler(early);
      expect((await stored(desk.db, id)).state).toBe('approved');
      for (const address of recipients) expect(receivedBy(address)).toHaveLength(0);

      // After it: released at once, without a job running.
      const scheduler = desk.start(['schedule'], { now: AFTER_RELEASE });
      try {
        await server.waitFor(() => recipients.every((a) => mailsTo(a).length > 0), 90_000);
        await scheduler.waitFor(/desk: reunion-2021\/press\/2021-11-30#1 released: 2 sent, 0 already sent/, 30_000, 'stderr');
      } finally {
        await stopScheduler(scheduler);
      }
      expect(scheduler.stdout()).not.toMatch(/job monthly/);
      const shown = await stored(desk.db, id);
      expect(shown.state).toBe('released');
      expect((await deskLog(desk.db, id)).filter((h) => h.action === 'release')).toMatchObject([{ actor: 'system' }]);
      for (const address of recipients) {
        expect(receivedBy(address), address).toHaveLength(1);
        expect(parseMail(mailsTo(address)[0].raw).attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
    }, 240_000);

    it('rule 5: a release killed with kill -9 while mailing and run again mails each recipient at most once, and finishes', async () => {
      const desk = newDesk('kill');
      const recipients = Array.from({ length: 6 }, (_, i) => `e-kill${i}@reunion.example`);
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 29 2 *', to: recipients }], {});
      const id = await desk.signOff();
      // Each message is answered after 500 ms, so the kill lands during or between attempts.
      server.answer('data', ...recipients.map(() => ({ code: 250, delayMs: 500 })));
      const first = desk.start(['edition', 'release', id], { now: AFTER_RELEASE });
      await server.waitFor(() => receivedBy(recipients[1]).length > 0, 90_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect((await stored(desk.db, id)).state).toBe('released');

      const restarted = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE });
      for (const r of recipients) expect(receivedBy(r).length, r).toBeLessThanOrEqual(1);
      const outcomes = Object.fromEntries(restarted.stdout.split('\n').filter(Boolean).map((l) => [l.split('\t')[1], l.split('\t')[0]]));
      // Everyone not uncertain got it exactly once; an uncertain one is the attempt the kill cut short.
      for (const r of recipients) {
        if (outcomes[r] === 'uncertain') expect(receivedBy(r).length).toBeLessThanOrEqual(1);
        else expect(mailsTo(r), `${r}: ${outcomes[r]}`).toHaveLength(1);
      }
      expect(Object.values(outcomes).filter((o) => o === 'uncertain').length).toBeLessThanOrEqual(1);
      expect(Object.values(outcomes).filter((o) => o === 'sent').length).toBeGreaterThan(0);
      // Once more: nothing sent at all.
      const received = server.received.length;
      const third = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE });
      expect(third.stdout).not.toMatch(/^sent/m);
      expect(server.received.length).toBe(received);
      const log = await deskLog(desk.db, id);
      expect(log.filter((e) => e.action === 'release')).toHaveLength(1);
      expect(log.filter((e) => e.action === 'delivery_done').length).toBeGreaterThanOrEqual(1);
    }, 180_000);
  });

  // ---- rule 7 ---------------------------------------------------------------------------------------------------------

  describe('personal data in the editorial text', () => {
    it('rule 7: an 18-digit identity number with a valid check digit in a notable case blocks submit, and the number is never printed', async () => {
      const desk = newDesk('personal-data');
      const original = readFileSync(desk.editorialFile, 'utf8');
      const numbers = [withCheckCharacter('44030119850715123'), withCheckCharacter('11010519491231002'), withCheckCharacter('53010220000229457')];
      // 11010519491231002X is the standard's own example (check character X), here written with a small x.
      expect(numbers[1]).toBe('11010519491231002X');
      const placements: [string, (n: string) => string][] = [
        ['English text', (n) => original.replace('in Jinan.', `in Jinan (ID ${n}).`)],
        ['Chinese text, small x, no spaces', (n) => original.replace('与弟弟相认。', `与弟弟相认，身份证号${n.toLowerCase()}。`)],
        ['Chinese title', (n) => original.replace('1999年积案告破', `1999年积案告破${n}`)],
      ];
      let id = '';
      for (const [i, [where, place]] of placements.entries()) {
        const number = numbers[i];
        writeFileSync(desk.editorialFile, place(number));
        const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' });
        expect(drafted.code, `${where}: ${drafted.stderr}`).toBe(0);
        id = drafted.stdout.split('\n')[0];
        const r = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
        expect(r.code, `${where}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim().split('\n'), where).toHaveLength(1);
        expect(r.stderr, where).toMatch(/not submitted: the checklist has 1 error: notable case \d \((en|zh)\)( title)? holds a resident identity number: remove it/);
        // Not in any output of the desk (the checklist's errors and warnings in edition show), not even in part
        // (8 digits in a row of it) or rounded as a number.
        for (const text of [r, drafted, await desk.cli(['edition', 'show', id])].flatMap((o) => [o.stdout, o.stderr])) {
          for (let k = 0; k + 8 <= 17; k++) expect(text, where).not.toContain(number.slice(k, k + 8));
        }
        expect((await stored(desk.db, id)).state, where).toBe('draft');
      }
      const log = (await desk.cli(['edition', 'log', '--json'])).stdout;
      for (const number of numbers) for (let k = 0; k + 8 <= 17; k++) expect(log).not.toContain(number.slice(k, k + 8));
      // The same digits with a wrong check character are no identity number: submitted.
      const wrong = numbers[0].slice(0, 17) + (numbers[0][17] === '0' ? '1' : '0');
      writeFileSync(desk.editorialFile, placements[0][1](wrong));
      expect((await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' })).code).toBe(0);
      const submitted = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
      expect(submitted.code, submitted.stderr).toBe(0);
    }, 180_000);
  });

  // ---- rules 6, 9 -----------------------------------------------------------------------------------------------------

  describe('hold and pre-release', () => {
    let desk: Desk;
    let id = '';
    const press = ['g-press1@reunion.example', 'g-press2@reunion.example'];
    const minister = 'g-minister@reunion.example';
    const reviewer = 'g-desk@reunion.example';
    // Released on 3 December at 09:30: more than 24 hours after the approval.
    const releaseAt = '2021-12-03 09:30';
    const after = '2021-12-03T09:31:00+08:00';
    const within = '2021-12-02T09:31:00+08:00';
    const reason = 'briefing the minister before the press conference';
    beforeAll(() => {
      desk = newDesk('hold');
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 29 2 *', to: ['press'] }], { press, desk: [reviewer] });
    });

    it('rule 6: a pre-release copy more than 24 hours before the release time, or once that time has come, is refused', async () => {
      id = await desk.signOff(AS_OF, releaseAt);
      const r = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now: '2021-12-02T09:29:00+08:00' });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/at most 24 hours before the release at 2021-12-03 09:30 China time/);
      // Nor once the release time has come (then it is released, not pre-released), still unreleased or not.
      for (const now of [after, '2021-12-03T09:30:00+08:00']) {
        const late = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now });
        expect(late.code, now).toBe(1);
        expect(lastLine(late), now).toMatch(/no pre-release copy: its release time, 2021-12-03 09:30 China time, has come; release it/);
      }
      expect(receivedBy(minister)).toHaveLength(0);
      expect((await deskLog(desk.db, id)).filter((e) => e.action === 'prerelease')).toHaveLength(0);
    }, 150_000);

    it('rule 9: a hold stops the release, deliver, a pre-release, the scheduler and the scheduled draft notice', async () => {
      const hold = await desk.cli(['desk', 'hold', '--reason', 'figures under review'], { as: 'zhao.lei', now: within });
      expect(hold.code, hold.stderr).toBe(0);
      const listed = await desk.cli(['edition', 'list']);
      expect(listed.stdout).toMatch(/^HOLD since 2021-12-02 09:31 by zhao\.lei: figures under review/);
      const connections = server.connections();

      const prerelease = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now: within });
      expect(prerelease.code).toBe(1);
      expect(lastLine(prerelease)).toMatch(/no pre-release: a hold is in force .*zhao\.lei: figures under review/);
      const release = await desk.cli(['edition', 'release', id], { now: after });
      expect(release.code).toBe(1);
      expect(lastLine(release)).toMatch(/not released: a hold is in force/);
      expect((await stored(desk.db, id)).state).toBe('approved');
      // deliver: a briefing (rendered and mailed without the desk's sign-off) stops as well, before rendering.
      const briefing = await desk.cli(['deliver', '--as-of', AS_OF, '--template', 'briefing', '--to', 'g-lead@reunion.example'], { now: after });
      expect(briefing.code).toBe(1);
      expect(lastLine(briefing)).toMatch(/nothing delivered: a hold is in force/);
      expect(existsSync(join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'briefing.en.pdf'))).toBe(false);
      // The scheduled draft notice of another bulletin: the run is held with the reason, nothing drafted or mailed.
      const run = await desk.cli(['run', 'monthly', '--as-of', '2021-11-29'], { now: after });
      expect(run.stdout).toMatch(/job monthly \(manual\): held in [\d.]+ s: reunion-2021\/press\/2021-11-29: hold in force \(zhao\.lei: figures under review\)/);
      // The scheduler, with the edition due: it says why and releases nothing.
      const scheduler = desk.start(['schedule'], { now: after });
      try {
        await scheduler.waitFor(/desk: edition reunion-2021\/press\/2021-11-30#1 not released: a hold is in force/, 60_000, 'stderr');
      } finally {
        scheduler.child.kill('SIGTERM');
        expect(await scheduler.exited).toBe(0);
      }
      expect(server.connections()).toBe(connections);
      expect((await stored(desk.db, id)).state).toBe('approved');
      expect(await queryDb(deskPath(desk.db), `SELECT edition_id FROM editions WHERE as_of = DATE '2021-11-29'`)).toEqual([]);
    }, 120_000);

    it('rule 6: after resume, a pre-release copy within 24 hours goes out marked EMBARGOED on every page, and is logged', async () => {
      const resume = await desk.cli(['desk', 'resume'], { as: 'zhao.lei', now: within });
      expect(resume.code, resume.stderr).toBe(0);
      const r = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now: within });
      expect(r.code, r.stderr).toBe(0);
      expect(mailsTo(minister)).toHaveLength(1);
      const mail = parseMail(mailsTo(minister)[0].raw);
      expect(mail.header('subject')).toMatch(/^EMBARGOED until 2021-12-03 09:30 \/ 2021-12-03 09:30前不得发布: /);
      const approved = await stored(desk.db, id);
      const [zh, en] = mail.attachments.map((a, i) => pdfFile(desk.dir, `embargoed-${i}.pdf`, a.content));
      pagesOf(en).forEach((page, i) => expect(page, `en page ${i + 1}`).toContain('EMBARGOEDuntil2021-12-0309:30'));
      pagesOf(zh).forEach((page, i) => expect(page, `zh page ${i + 1}`).toContain('2021-12-0309:30前不得发布'));
      // Not the approved files: those stay unmarked and unchanged.
      expect(mail.attachments.map((a) => sha256(a.content))).not.toContain(approved.pdfs.en.sha256);
      for (const language of ['en', 'zh']) expect(sha256(readFileSync(approved.pdfs[language].path))).toBe(approved.pdfs[language].sha256);
      // Logged: who, when, why, to whom, and the sha256 of what was sent.
      const [logged] = (await deskLog(desk.db, id)).filter((e) => e.action === 'prerelease');
      expect(logged).toMatchObject({ actor: 'wang.fang', at: '2021-12-02T01:31:00Z', note: reason, detail: { recipient: minister, outcome: 'sent' } });
      expect((logged.detail!.attachments as { sha256: string }[]).map((a) => a.sha256)).toEqual(mail.attachments.map((a) => sha256(a.content)));
    }, 120_000);

    it('rules 6, 9: after resume the release goes out with the pre-release access annex naming that person; the held draft notice goes to the desk', async () => {
      const released = await desk.cli(['edition', 'release', id], { now: after });
      expect(released.code, released.stderr).toBe(0);
      const shown = await stored(desk.db, id);
      for (const address of press) {
        expect(mailsTo(address), address).toHaveLength(1);
        const mail = parseMail(mailsTo(address)[0].raw);
        expect(mail.attachments.map((a) => a.filename)).toEqual([
          'reunion-2021-press-2021-11-30.zh.pdf',
          'reunion-2021-press-2021-11-30.en.pdf',
          'reunion-2021-press-2021-11-30.prerelease-access.en.pdf',
          'reunion-2021-press-2021-11-30.prerelease-access.zh.pdf',
        ]);
        expect(mail.attachments.slice(0, 2).map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
        const annexEn = squeeze(execFileSync('pdftotext', ['-raw', pdfFile(desk.dir, 'annex.en.pdf', mail.attachments[2].content), '-'], { encoding: 'utf8' }));
        const annexZh = squeeze(execFileSync('pdftotext', ['-raw', pdfFile(desk.dir, 'annex.zh.pdf', mail.attachments[3].content), '-'], { encoding: 'utf8' }));
        expect(annexEn).toContain('Pre-releaseaccess');
        expect(annexZh).toContain('发布前知悉人员');
        for (const annex of [annexEn, annexZh]) {
          expect(annex).toContain(minister);
          expect(annex).toContain(squeeze(reason));
        }
      }
      expect(mailsTo(minister)).toHaveLength(1);
      // The monthly run held during the hold now drafts and mails the draft to the desk list.
      const run = await desk.cli(['run', 'monthly', '--as-of', '2021-11-29'], { now: after });
      expect(run.stdout).toMatch(/held in [\d.]+ s: reunion-2021\/press\/2021-11-29#1 draft: awaiting sign-off; draft mailed for review to 1 of 1/);
      expect(mailsTo(reviewer)).toHaveLength(1);
      for (const address of press) expect(mailsTo(address), address).toHaveLength(1);
    }, 150_000);

    it('rule 9: a hold stops a deliver of the released bulletin; resume lets it go, once', async () => {
      const late = 'g-late@reunion.example';
      expect((await desk.cli(['desk', 'hold', '--reason', 'wrong recipients'], { as: 'wang.fang', now: after })).code).toBe(0);
      const held = await desk.cli(['deliver', '--as-of', AS_OF, '--to', late], { now: after });
      expect(held.code).toBe(1);
      expect(lastLine(held)).toMatch(/nothing delivered: a hold is in force .*wang\.fang: wrong recipients/);
      expect(receivedBy(late)).toHaveLength(0);
      expect((await desk.cli(['desk', 'resume'], { as: 'wang.fang', now: after })).code).toBe(0);
      const delivered = await desk.cli(['deliver', '--as-of', AS_OF, '--to', late], { now: after });
      expect(delivered.code, delivered.stderr).toBe(0);
      expect((await desk.cli(['deliver', '--as-of', AS_OF, '--to', late], { now: after })).code).toBe(0);
      expect(mailsTo(late)).toHaveLength(1);
    }, 60_000);
  });
});
