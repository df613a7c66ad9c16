// The press desk end to end through the real `bulletin` command (desk.md rules 1-10), shared by the
// test/desk/editions*.test.ts files: a copy of the conformance warehouse loaded once (test/conformance.ts) with the
// desk users, real Chromium for every PDF, real mail through an SMTP test server on 127.0.0.1 of the file's own, and
// `bulletin schedule` as a real process. Each group of tests works on its own copy of that warehouse (and its own
// working directory, editorial folder and configuration), so one group's approved editions, holds and deliveries
// never reach another's. The groups are files of their own so that they run side by side.
//
// Clocks: BULLETIN_NOW is every command's clock. Editions are drafted and approved on 2021-12-01 10:00 China time
// and released on the next days, so "before" and "after" a release time are plain settings of BULLETIN_NOW.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startSmtpServer, type ReceivedMessage, type TestSmtpServer } from '../deliver/smtp-server.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { queryDb, repoRoot, runCli, startCli, tempDir, writeConfig, type CliResult, type RunningCli } from '../helpers.ts';
import { pageCount, rawPage } from '../render/poppler.ts';
import { deskPath, type LogEntry } from '../../pipeline/desk/store.ts';
import { addUser, TEST_ONLY_SCRYPT_COST } from '../../pipeline/desk/users.ts';
export const AS_OF = '2021-11-30';
export const BULLETIN = `reunion-2021/press/${AS_OF}`;
export const DRAFTED = '2021-12-01T10:00:00+08:00';
export const RELEASE_AT = '2021-12-02 09:30';
export const BEFORE_RELEASE = '2021-12-02T09:29:00+08:00';
export const AFTER_RELEASE = '2021-12-02T09:31:00+08:00';

/** Desk users: a drafter, two approvers and an admin, each with a password of their own. */
export const USERS: Record<string, { role: string; password: string }> = {
  'li.na': { role: 'drafter', password: 'li.na demo passphrase' },
  'wang.fang': { role: 'approver', password: 'wang.fang demo passphrase' },
  'zhao.lei': { role: 'approver', password: 'zhao.lei demo passphrase' },
  'chen.jie': { role: 'admin', password: 'chen.jie demo passphrase' },
};

export const MARK_WORDS = ['DRAFT', '草稿', 'EMBARGOED', '不得发布', 'Notreviewed', '未经审核'];

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
export { rawPage };
/** Every page's text in content-stream order, without whitespace. */
export const pagesOf = (file: string): string[] => Array.from({ length: pageCount(file) }, (_, i) => rawPage(file, i + 1));
export const count = (text: string, word: string): number => text.split(word).length - 1;
export const lastLine = (r: CliResult): string => r.stderr.trim().split('\n').at(-1) ?? '';

// The desk's store read directly (read-only, in this process): each `bulletin` command costs seconds of start-up
// on a busy machine, so the commands are run for what they do and the state is looked at here.
const AT = (column: string) => `strftime(${column} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ${column}`;

export interface StoredEdition {
  edition_id: string;
  state: string;
  corrects: string | null;
  content_sha256: string | null;
  submitted_sha256: string | null;
  release_at: string | null;
  pdfs: Record<string, { path: string; sha256: string }>;
}

export async function stored(db: string, id: string): Promise<StoredEdition> {
  const rows = await queryDb<StoredEdition & { pdfs: string }>(
    deskPath(db),
    `SELECT edition_id, state, corrects, content_sha256, submitted_sha256, ${AT('release_at')}, CAST(pdfs AS VARCHAR) AS pdfs FROM editions WHERE edition_id = '${id}'`,
  );
  expect(rows, id).toHaveLength(1);
  return { ...rows[0], pdfs: JSON.parse(rows[0].pdfs) };
}

export async function deskLog(db: string, id?: string): Promise<LogEntry[]> {
  const rows = await queryDb<Omit<LogEntry, 'at' | 'detail'> & { logged_at: string; detail: string | null }>(
    deskPath(db),
    `SELECT seq, ${AT('logged_at')}, actor, edition_id, action, from_state, to_state, note, content_sha256, CAST(detail AS VARCHAR) AS detail
       FROM desk_log ${id ? `WHERE edition_id = '${id}'` : ''} ORDER BY seq`,
  );
  return rows.map(({ logged_at, ...row }) => ({ ...row, at: logged_at, detail: row.detail ? JSON.parse(row.detail) : null }) as LogEntry);
}

/** Everything the desk holds: every edition's row and the whole log. */
export async function deskContents(db: string): Promise<unknown> {
  const editions = await queryDb(deskPath(db), `SELECT * EXCLUDE (pdfs), CAST(pdfs AS VARCHAR) AS pdfs FROM editions ORDER BY edition_id`);
  return { editions, log: await deskLog(db) };
}

/** Writes a PDF (a mail attachment) to a file for poppler. */
export function pdfFile(dir: string, name: string, content: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** GB 11643's check character of 17 digits (ISO 7064 MOD 11-2), computed here independently of the pipeline. */
export function withCheckCharacter(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(first17[i]), 0);
  return first17 + '10X98765432'[sum % 11];
}

export interface EditionJson {
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


export interface Job {
  name: string;
  kind: string;
  cron: string;
  to?: string[];
  template?: string;
  approval?: string;
}

/** One copy of the loaded warehouse with its own working directory, editorial folder and configuration. */
export interface Desk {
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

export interface CommandDesks {
  /** The SMTP test server of this file: every desk's mail goes through it. */
  readonly server: TestSmtpServer;
  /** A fresh copy of the loaded warehouse with the users, its own folders and an empty configuration. */
  newDesk(name: string): Desk;
  /** Messages the server accepted for `address`. */
  mailsTo(address: string): ReceivedMessage[];
  /** Messages that reached the server for `address`, accepted or not. */
  receivedBy(address: string): ReceivedMessage[];
}

/**
 * Call at the top of a test file: in beforeAll, a copy of the loaded conformance warehouse with the desk users and
 * the SMTP test server; in afterAll, both gone.
 */
export function commandDesks(prefix: string): CommandDesks {
  let tmp: { dir: string; cleanup: () => void };
  let pristine: string;
  let server: TestSmtpServer;
  let desks = 0;

  beforeAll(async () => {
    tmp = tempDir(prefix);
    pristine = join(tmp.dir, 'pristine');
    mkdirSync(pristine);
    const db = conformanceWarehouse(join(pristine, 'warehouse.duckdb'));
    // Users are set up in this process (addUser, what `desk user add` calls): every command below authenticates
    // them through --as and BULLETIN_DESK_PASSWORD.
    for (const [name, user] of Object.entries(USERS)) await addUser(db, name, user.role, user.password, undefined, undefined, TEST_ONLY_SCRYPT_COST);
    server = await startSmtpServer();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

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

  return {
    get server() {
      return server;
    },
    newDesk,
    mailsTo: (address) => server.messages.filter((m) => m.to.includes(address)),
    receivedBy: (address) => server.received.filter((m) => m.to.includes(address)),
  };
}
