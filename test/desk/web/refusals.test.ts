// Every refusal of the desk page (desk.md "The web page", issue 14), over HTTP with node fetch against
// `bulletin desk serve` as a real process: logins and sessions, wrong passwords, posts from elsewhere, the security
// headers, roles, unknown things, the calendar, --listen and the hold. Where a request is refused, the desk file is
// read before and after to show that nothing changed. The tests run in order on one edition: drafted, submitted,
// refused to the wrong people, approved, then held and test-sent.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../deliver/smtp-server.ts';
import { DEFAULT_LISTEN, parseListen } from '../../../pipeline/desk/web/server.ts';
import { SessionStore } from '../../../pipeline/desk/web/sessions.ts';
import { AS_OF, EDITION_ID, EDITION_PATH, RELEASE_AT, RELEASE_AT_UTC, USERS, Visitor, expectRedirect, webDesk, type DeskPage, type WebDesk } from './fixture.ts';

const sha256 = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const oneLine = (text: string): string[] => text.trim().split('\n');

/** A Content-Security-Policy header as directive -> values. */
function policy(header: string | null): Map<string, string[]> {
  expect(header).toBeTruthy();
  return new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name.toLowerCase(), values]),
  );
}

describe('the desk page refuses', () => {
  let desk: WebDesk;
  let page: DeskPage;
  const visitor = () => new Visitor(page);
  const as = async (user: keyof typeof USERS) => {
    const v = visitor();
    expectRedirect(await v.login(user), '/');
    return v;
  };

  beforeAll(async () => {
    desk = await webDesk('bulletin-desk-refusals-');
    const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' });
    expect(drafted.code, drafted.stderr).toBe(0);
    expect(drafted.stdout.split('\n')[0]).toBe(EDITION_ID);
    page = await desk.serve();
  }, 240_000);
  afterAll(async () => desk?.cleanup());

  it('every page but /login and /desk.css sends a visitor without a session to /login (a POST too), and nothing changes', async () => {
    const anonymous = visitor();
    const login = await anonymous.get('/login');
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('name="password"');
    const css = await anonymous.get('/desk.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    for (const path of ['/', EDITION_PATH, `${EDITION_PATH}/zh.pdf`, `${EDITION_PATH}/en.html`, '/calendar.ics', `/editions/reunion-2021/press/${AS_OF}/9`, '/no-such-page']) {
      expectRedirect(await anonymous.get(path), `/login?back=${encodeURIComponent(path)}`);
    }
    // A made-up session cookie is no session.
    anonymous.cookies.set('desk_session', 'made-up');
    expectRedirect(await anonymous.get('/'), '/login?back=%2F');
    anonymous.cookies.clear();

    const before = await desk.contents();
    const posts: [string, Record<string, string>][] = [
      ['/hold', { reason: 'not logged in' }],
      ['/draft', { as_of: '2021-10-31', template: 'press' }],
      [`${EDITION_PATH}/submit`, { note: 'not logged in' }],
      [`${EDITION_PATH}/notable-cases`, { cases: '0', title_en_0: 'x', title_zh_0: 'x', en_0: 'x', zh_0: 'x' }],
      ['/logout', {}],
    ];
    for (const [path, form] of posts) expectRedirect(await anonymous.post(path, form), '/login?back=%2F');
    expect(await desk.contents()).toEqual(before);
  }, 60_000);

  it('the session cookie is HttpOnly, SameSite=Strict, Path=/; logout ends the session, its cookie then opens nothing', async () => {
    const v = visitor();
    const login = await v.login('li.na');
    expectRedirect(login, '/');
    const [cookie, ...more] = login.headers.getSetCookie().filter((c) => c.startsWith('desk_session='));
    expect(more).toEqual([]);
    const attributes = cookie.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    expect(cookie.split(';')[0]).toMatch(/^desk_session=[A-Za-z0-9_-]{40,}$/);
    expect((await v.get('/')).status).toBe(200);

    const session = v.cookies.get('desk_session')!;
    const logout = await v.post('/logout');
    expectRedirect(logout, '/login');
    expect(logout.headers.getSetCookie().some((c) => /^desk_session=;.*Max-Age=0/i.test(c))).toBe(true);
    // The old cookie, sent again (as a copy of it would be), opens nothing.
    v.cookies.set('desk_session', session);
    expectRedirect(await v.get('/'), '/login?back=%2F');
    v.cookies.set('desk_session', session);
    expectRedirect(await v.get(EDITION_PATH), `/login?back=${encodeURIComponent(EDITION_PATH)}`);
    // A new login is a new session.
    const again = visitor();
    await again.login('li.na');
    expect(again.cookies.get('desk_session')).not.toBe(session);
    expect((await again.get('/')).status).toBe(200);
  }, 60_000);

  it('a session idle longer than desk.session_idle_minutes is over', async () => {
    // The store alone, on its own clock: each request moves the idle deadline; past it the session is forgotten.
    const store = new SessionStore(60_000);
    const id = store.create('li.na', 0);
    expect(store.get(id, 60_000)?.user).toBe('li.na');
    expect(store.get(id, 120_000)?.user).toBe('li.na');
    expect(store.get(id, 180_001)).toBeNull();
    expect(store.get(id, 180_002)).toBeNull();

    // The page itself with 0.02 minutes (1.2 s) of idle time: a wait of 2 s ends the session.
    const strict = await desk.serve({ desk: { session_idle_minutes: 0.02 } });
    try {
      const v = new Visitor(strict);
      expectRedirect(await v.login('li.na'), '/');
      await sleep(2_000);
      expectRedirect(await v.get('/'), '/login?back=%2F');
    } finally {
      await strict.stop();
    }
  }, 60_000);

  it('10 wrong passwords from one address: the 11th try is 429 with Retry-After, with the right password and for another user too; before that 401', async () => {
    // A page of its own: the throttle would keep every other test of this file from logging in for a minute.
    const own = await desk.serve();
    try {
      const v = new Visitor(own);
      for (let i = 0; i < 10; i++) {
        const wrong = await v.login('li.na', `not the password ${i}`);
        expect(wrong.status, `try ${i + 1}`).toBe(401);
        expect(await wrong.text()).toContain('用户名或密码错误');
        expect(v.cookies.has('desk_session')).toBe(false);
      }
      for (const user of ['li.na', 'wang.fang'] as const) {
        const throttled = await v.login(user, USERS[user].password);
        expect(throttled.status, user).toBe(429);
        const retryAfter = Number(throttled.headers.get('retry-after'));
        expect(retryAfter, user).toBeGreaterThanOrEqual(1);
        expect(retryAfter, user).toBeLessThanOrEqual(60);
        expect(await throttled.text()).toContain(`${retryAfter} 秒后再试`);
        expect(v.cookies.has('desk_session'), user).toBe(false);
      }
    } finally {
      await own.stop();
    }
  }, 120_000);

  it('a POST from another origin, a cross-site one without Origin, or one that is not a form is 403 and changes nothing; the same POST from the page works', async () => {
    const v = await as('wang.fang');
    const before = await desk.contents();
    const hold = { reason: 'figures under review' };
    const refused = [
      await v.post('/hold', hold, { origin: 'http://evil.example' }),
      await v.post('/hold', hold, { origin: 'http://127.0.0.1:1' }),
      await v.post('/hold', hold, { origin: null, headers: { 'Sec-Fetch-Site': 'cross-site' } }),
      await v.post('/hold', hold, { origin: null }),
      await v.post('/hold', {}, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hold) }),
      await v.post('/hold', {}, { headers: { 'Content-Type': 'text/plain' }, body: 'reason=figures under review' }),
      await v.post(`${EDITION_PATH}/submit`, { note: 'x' }, { origin: 'http://evil.example' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    expect(await desk.contents()).toEqual(before);

    expectRedirect(await v.post('/hold', hold), '/');
    expect(await desk.hold()).toMatchObject({ by: 'wang.fang', reason: 'figures under review' });
    expectRedirect(await v.post('/resume'), '/');
    expect(await desk.hold()).toBeNull();
  }, 60_000);

  it('pages carry a Content-Security-Policy (no script from anywhere, no framing by other sites) and X-Frame-Options; the draft HTML is sandboxed', async () => {
    const v = await as('li.na');
    for (const response of [await visitor().get('/login'), await v.get('/'), await v.get(EDITION_PATH)]) {
      expect(response.status, response.url).toBe(200);
      const csp = policy(response.headers.get('content-security-policy'));
      const scripts = csp.get('script-src') ?? csp.get('default-src');
      expect(scripts, response.url).toBeDefined();
      for (const source of scripts!) expect(["'none'", "'self'"], response.url).toContain(source);
      expect(csp.get('frame-ancestors'), response.url).toEqual(["'self'"]);
      expect(response.headers.get('x-frame-options'), response.url).toMatch(/^(SAMEORIGIN|DENY)$/i);
    }
    const draft = await v.get(`${EDITION_PATH}/zh.html`);
    expect(draft.status).toBe(200);
    expect(draft.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = policy(draft.headers.get('content-security-policy'));
    expect(csp.has('sandbox')).toBe(true);
    expect(csp.get('sandbox')).toEqual([]);
    expect(csp.get('script-src') ?? csp.get('default-src')).toEqual(["'none'"]);
    expect(await draft.text()).toContain('2021');
  }, 60_000);

  it('role: a drafter\'s approve or reject is 403, so is the submitter\'s own approval ("not the second pair of eyes"); nothing changes; another approver approves', async () => {
    const zhao = await as('zhao.lei');
    expectRedirect(await zhao.post(`${EDITION_PATH}/submit`, { note: '请审核', go: 'submit' }), EDITION_PATH);
    expect(await desk.edition()).toMatchObject({ state: 'submitted', submitted_by: 'zhao.lei' });
    const calendar = await (await zhao.get('/calendar.ics')).text();
    expect(new ICAL.Component(ICAL.parse(calendar)).getAllSubcomponents('vevent')).toEqual([]);

    const li = await as('li.na');
    const before = await desk.contents();
    const refusals: [Visitor, string, Record<string, string>, string][] = [
      [li, 'approve', { release_at: RELEASE_AT, go: 'approve' }, 'li.na (drafter) may not approve'],
      [li, 'reject', { note: 'no', go: 'reject' }, 'li.na (drafter) may not reject'],
      [zhao, 'approve', { release_at: RELEASE_AT, go: 'approve' }, 'not the second pair of eyes: zhao.lei submitted it'],
    ];
    for (const [who, action, form, message] of refusals) {
      const refused = await who.post(`${EDITION_PATH}/${action}`, form);
      expect(refused.status, `${action}: ${message}`).toBe(403);
      expect(await refused.text()).toContain(message);
    }
    expect(await desk.contents()).toEqual(before);
    // The page offers the drafter no Approve button in the first place.
    expect(await (await li.get(EDITION_PATH)).text()).not.toContain('value="approve"');

    const wang = await as('wang.fang');
    expect(await (await wang.get(EDITION_PATH)).text()).toContain('value="approve"');
    expectRedirect(await wang.post(`${EDITION_PATH}/approve`, { release_at: RELEASE_AT, go: 'approve' }), EDITION_PATH);
    expect(await desk.edition()).toMatchObject({ state: 'approved', approved_by: 'wang.fang', release_at: RELEASE_AT_UTC.replace('.000', '') });
  }, 240_000);

  it('an unknown edition, action or file is 404; the PDF route serves the edition\'s own bytes', async () => {
    const v = await as('li.na');
    const missing = [
      await v.get(`/editions/reunion-2021/press/${AS_OF}/9`),
      await v.get(`/editions/reunion-2021/press/2021-12-31/1`),
      await v.get(`/editions/reunion-2021/press/${AS_OF}/9/zh.pdf`),
      await v.get(`${EDITION_PATH}/xx.pdf`),
      await v.get(`${EDITION_PATH}/zh.docx`),
      await v.post(`/editions/reunion-2021/press/${AS_OF}/9/approve`, { release_at: RELEASE_AT }),
      await v.post(`${EDITION_PATH}/publish`, {}),
    ];
    expect(missing.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);

    const edition = await desk.edition();
    for (const lang of ['zh', 'en'] as const) {
      const pdf = await v.get(`${EDITION_PATH}/${lang}.pdf`);
      expect(pdf.status, lang).toBe(200);
      expect(pdf.headers.get('content-type'), lang).toBe('application/pdf');
      const bytes = Buffer.from(await pdf.arrayBuffer());
      expect(bytes.subarray(0, 5).toString('latin1'), lang).toBe('%PDF-');
      expect(bytes.equals(readFileSync(edition.pdfs[lang].path)), lang).toBe(true);
      expect(sha256(bytes), lang).toBe(edition.pdfs[lang].sha256);
    }
  }, 60_000);

  it('calendar.ics parses (ical.js) and holds one event per approved edition, starting at its release time in UTC', async () => {
    const v = await as('li.na');
    const response = await v.get('/calendar.ics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/calendar/);
    const text = await response.text();
    const events = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((c) => new ICAL.Event(c));
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.uid).toContain(EDITION_ID);
    expect(event.startDate.toJSDate().toISOString()).toBe(RELEASE_AT_UTC);
    expect(event.startDate.zone?.tzid).toBe('UTC');
    expect(text).toContain('DTSTART:20211202T013000Z');
  }, 60_000);

  it('--listen is 127.0.0.1:8080 unless given; a bad --listen exits 2 with one line', async () => {
    expect(DEFAULT_LISTEN).toBe('127.0.0.1:8080');
    expect(parseListen(DEFAULT_LISTEN)).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen(':8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    const help = await desk.cli(['desk', 'serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--listen <host:port>[\s\S]*\(default: "127\.0\.0\.1:8080"\)/);

    const port = new URL(page.url).port;
    for (const [listen, message] of [
      ['nonsense', /^bulletin: --listen 'nonsense' is not HOST:PORT/],
      ['127.0.0.1:99999', /^bulletin: --listen '127\.0\.0\.1:99999' is not HOST:PORT/],
      ['127.0.0.1', /^bulletin: --listen '127\.0\.0\.1' is not HOST:PORT/],
      [`127.0.0.1:${port}`, /^bulletin: --listen 127\.0\.0\.1:\d+: the address is in use/],
    ] as const) {
      const refused = await desk.cli(['desk', 'serve', '--listen', listen]);
      expect(refused.code, `${listen}: ${refused.stderr}`).toBe(2);
      expect(oneLine(refused.stderr), listen).toHaveLength(1);
      expect(refused.stderr, listen).toMatch(message);
    }
  }, 120_000);

  it('a hold (bulletin desk hold) shows on every page; the page\'s test send is refused under it, and after resume mails the logged-in user alone, "[TEST]"', async () => {
    const held = await desk.cli(['desk', 'hold', '--reason', 'figures under review'], { as: 'wang.fang' });
    expect(held.code, held.stderr).toBe(0);
    const li = await as('li.na');
    for (const path of ['/', EDITION_PATH]) {
      const html = await (await li.get(path)).text();
      expect(html, path).toContain('class="hold"');
      expect(html, path).toContain('暂停发送中');
      expect(html, path).toContain('figures under review');
    }
    // In English too (the header's language link).
    expectRedirect(await li.get(`/lang/en?back=${encodeURIComponent(EDITION_PATH)}`), EDITION_PATH);
    expect(await (await li.get(EDITION_PATH)).text()).toMatch(/class="hold"[^>]*><strong>Hold in force<\/strong>[^<]*wang\.fang, reason: figures under review/);

    const connections = desk.smtp.connections();
    const logBefore = await desk.log(EDITION_ID);
    expectRedirect(await li.post(`${EDITION_PATH}/test-send`, { go: 'test-send' }), EDITION_PATH);
    expect(await (await li.get(EDITION_PATH)).text()).toMatch(/class="flash error"[^>]*>[^<]*no test send: a hold is in force/);
    expect(desk.smtp.connections()).toBe(connections);
    expect(await desk.log(EDITION_ID)).toEqual(logBefore);

    const resumed = await desk.cli(['desk', 'resume'], { as: 'wang.fang' });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await (await li.get('/')).text()).not.toContain('class="hold"');
    expectRedirect(await li.post(`${EDITION_PATH}/test-send`, { go: 'test-send' }), EDITION_PATH);
    expect(await (await li.get(EDITION_PATH)).text()).toMatch(/class="flash ok"[^>]*>[^<]*Test mail sent to you/);
    expect(desk.smtp.messages.map((m) => m.to)).toEqual([[USERS['li.na'].email]]);
    const mail = parseMail(desk.smtp.messages[0].raw);
    expect(mail.header('subject')).toMatch(/^\[TEST\] /);
    const sends = (await desk.log(EDITION_ID)).filter((e) => e.action === 'test-send');
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ actor: 'li.na', detail: { recipient: USERS['li.na'].email, outcome: 'sent' } });
  }, 120_000);
});
