// The desk page under test as the press office meets it: `bulletin desk serve` as a real process on a real DuckDB
// warehouse (the conformance sample), desk users with passwords and addresses, the SMTP test server on 127.0.0.1,
// the editorial folder and the working directory in a temporary folder. People reach it through node fetch (a
// cookie jar of one session, `Visitor`) or through a real Chromium (`launchChromium`, one per test file).
//
// The desk's clock is BULLETIN_NOW: the page and every command run on 2021-12-01 10:00 China time unless told, so
// "before" and "after" a release time are settings of BULLETIN_NOW, never a wait.
import { mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { expect } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../deliver/smtp-server.ts';
import { conformanceDir, repoRoot, runCli, startCli, tempDir, writeConfig, type CliResult, type RunningCli } from '../../helpers.ts';
import { currentHold, getEdition, listEditions, readDesk, readLog, type Edition, type Hold, type LogEntry } from '../../../pipeline/desk/store.ts';
import { addUser, TEST_ONLY_SCRYPT_COST } from '../../../pipeline/desk/users.ts';

export const AS_OF = '2021-11-30';
export const EDITION_ID = `reunion-2021/press/${AS_OF}#1`;
/** The edition's page: /editions/<operation>/<template>/<as-of>/<n>. */
export const EDITION_PATH = `/editions/reunion-2021/press/${AS_OF}/1`;
export const DRAFTED = '2021-12-01T10:00:00+08:00';
export const RELEASE_AT = '2021-12-02 09:30';
/** RELEASE_AT as an instant. */
export const RELEASE_AT_UTC = '2021-12-02T01:30:00.000Z';
export const AFTER_RELEASE = '2021-12-02T09:31:00+08:00';

export type UserName = 'li.na' | 'wang.fang' | 'zhao.lei';
/** A drafter and two approvers, each with a password and an address of their own. */
export const USERS: Record<UserName, { role: string; password: string; email: string }> = {
  'li.na': { role: 'drafter', password: 'li.na demo passphrase', email: 'li.na@reunion.example' },
  'wang.fang': { role: 'approver', password: 'wang.fang demo passphrase', email: 'wang.fang@reunion.example' },
  'zhao.lei': { role: 'approver', password: 'zhao.lei demo passphrase', email: 'zhao.lei@reunion.example' },
};
/** The press list: the monthly job's recipients, mailed by a release. */
export const PRESS = ['a-press1@reunion.example', 'a-press2@reunion.example'];

export interface DeskPage {
  /** http://127.0.0.1:PORT */
  url: string;
  server: RunningCli;
  stop(): Promise<void>;
}

export interface WebDesk {
  dir: string;
  db: string;
  /** The working directory of the page and the commands (editions' reports go under it). */
  cwd: string;
  editorialDir: string;
  smtp: TestSmtpServer;
  /** The figures recorded as released by `releasedAsOf` (metrics --release --json), or null. */
  released: Record<string, unknown> | null;
  /** `bulletin ARGS` on this desk; `as` adds --as and the user's password. */
  cli(args: string[], options?: { as?: UserName; now?: string }): Promise<CliResult>;
  /** `bulletin desk serve --listen 127.0.0.1:0`, with `desk` settings of the configuration when given. */
  serve(options?: { desk?: Record<string, unknown> }): Promise<DeskPage>;
  edition(id?: string): Promise<Edition>;
  log(id?: string): Promise<LogEntry[]>;
  hold(): Promise<Hold | null>;
  /** Everything the desk file holds (editions and log), to show that a refused request changed nothing. */
  contents(): Promise<{ editions: Edition[]; log: LogEntry[]; hold: Hold | null }>;
  cleanup(): Promise<void>;
}

/**
 * A loaded warehouse with the desk users, an SMTP server and a configuration whose monthly job mails the press
 * list. `releasedAsOf`: figures recorded as released at that date first (`metrics --release`), so an edition's
 * figures have a last release to be compared with.
 */
export async function webDesk(prefix: string, options: { releasedAsOf?: string } = {}): Promise<WebDesk> {
  const tmp = tempDir(prefix);
  const db = join(tmp.dir, 'warehouse.duckdb');
  const cwd = join(tmp.dir, 'cwd');
  const editorialDir = join(tmp.dir, 'editorial');
  mkdirSync(cwd);
  mkdirSync(editorialDir);
  copyFileSync(join(repoRoot, 'data', 'editorial', '2021-11.yaml'), join(editorialDir, '2021-11.yaml'));
  const loaded = await runCli(['load', '--db', db, join(conformanceDir, 'batch1'), join(conformanceDir, 'batch2')]);
  expect(loaded.code, loaded.stderr).toBe(0);
  for (const [name, user] of Object.entries(USERS)) await addUser(db, name, user.role, user.password, new Date(DRAFTED), user.email, TEST_ONLY_SCRYPT_COST);
  const smtp = await startSmtpServer();
  let configs = 0;
  const configFile = (desk: Record<string, unknown> = {}) =>
    writeConfig(join(tmp.dir, `bulletin-${++configs}.yaml`), {
      jobs: [{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }],
      mail: { lists: { press: PRESS, desk: ['a-desk@reunion.example'] }, attempts: 3, retry_delay_seconds: 0.05, max_retry_delay_seconds: 0.2 },
      desk,
    });
  const config = configFile();
  const env = { ...smtp.env(), BULLETIN_CONFIG: config, BULLETIN_DB: db, BULLETIN_EDITORIAL_DIR: editorialDir, BULLETIN_NOW: DRAFTED, BULLETIN_PII_KEY: 'test-key', TZ: 'UTC' };
  const pages: DeskPage[] = [];

  const desk: WebDesk = {
    dir: tmp.dir,
    db,
    cwd,
    editorialDir,
    smtp,
    released: null,
    cli: (args, { as, now } = {}) => runCli([...args, ...(as ? ['--as', as] : [])], { ...env, ...(now ? { BULLETIN_NOW: now } : {}), ...(as ? { BULLETIN_DESK_PASSWORD: USERS[as].password } : {}) }, cwd),
    async serve({ desk: settings } = {}) {
      const server = startCli(['desk', 'serve', '--listen', '127.0.0.1:0'], { ...env, ...(settings ? { BULLETIN_CONFIG: configFile(settings) } : {}) }, cwd);
      await server.waitFor(/desk page on http:\/\/\S+/, 60_000, 'stderr');
      const url = /desk page on (http:\/\/\S+)/.exec(server.stderr())![1];
      const page: DeskPage = {
        url,
        server,
        async stop() {
          if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
          await server.exited;
        },
      };
      pages.push(page);
      return page;
    },
    edition: (id = EDITION_ID) => readDesk(db, (d) => getEdition(d, id)),
    log: (id) => readDesk(db, (d) => readLog(d, id)),
    hold: () => readDesk(db, (d) => currentHold(d)),
    contents: () => readDesk(db, async (d) => ({ editions: await listEditions(d), log: await readLog(d), hold: await currentHold(d) })),
    async cleanup() {
      await Promise.all(pages.map((p) => p.stop()));
      await smtp.close();
      tmp.cleanup();
    },
  };
  if (options.releasedAsOf) {
    const released = await desk.cli(['metrics', '--as-of', options.releasedAsOf, '--release', '--json']);
    expect(released.code, released.stderr).toBe(0);
    desk.released = JSON.parse(released.stdout).metrics;
  }
  return desk;
}

/**
 * One person's browser as node fetch: the cookies the page sets (session, language), sent with every request;
 * redirects are not followed.
 */
export class Visitor {
  readonly cookies = new Map<string, string>();

  constructor(readonly page: DeskPage) {}

  /** POST /login with the form's fields. */
  login(user: string, password = USERS[user as UserName]?.password ?? ''): Promise<Response> {
    return this.post('/login', { username: user, password, back: '/' });
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(path, { headers: { ...this.cookieHeader(), ...headers } });
  }

  /**
   * A form post as the page's own forms send it: the page's Origin, a form body. `origin: null` sends no Origin;
   * `body` with a `Content-Type` in `headers` sends something else than a form.
   */
  post(path: string, form: Record<string, string> = {}, options: { origin?: string | null; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const origin = options.origin === undefined ? this.page.url : options.origin;
    return this.send(path, {
      method: 'POST',
      headers: { ...(origin === null ? {} : { Origin: origin }), 'Content-Type': 'application/x-www-form-urlencoded', ...this.cookieHeader(), ...options.headers },
      body: options.body ?? new URLSearchParams(form).toString(),
    });
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const response = await fetch(this.page.url + path, { ...init, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()];
      if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size > 0 ? { Cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {};
  }
}

/** Expects a 303 to `location` (a path of the page). */
export function expectRedirect(response: Response, location: string | RegExp): void {
  expect(response.status, `${response.url}`).toBe(303);
  if (typeof location === 'string') expect(response.headers.get('location')).toBe(location);
  else expect(response.headers.get('location')).toMatch(location);
}

/** Debian's Chromium with a fresh profile, as the bulletins print with it; close it in afterAll. */
export function launchChromium(dir: string): Promise<Browser> {
  const profile = join(dir, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  return puppeteer.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
