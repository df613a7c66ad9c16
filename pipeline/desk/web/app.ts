// The press desk page (desk.md "The web page"): server-rendered forms over the desk core. Every request that changes
// something is a form POST answered by a redirect (so it works without JavaScript and a reload repeats nothing);
// every decision is the core's (workflow.ts, editions.ts, release.ts): the page only asks, and shows the answer.
//
//   GET  /login, POST /login, POST /logout      sessions (sessions.ts), 429 after 10 wrong passwords a minute
//   GET  /                                      editions, hold banner, release calendar
//   GET  /editions/<bulletin>/<n>               one edition; POST /editions/<bulletin>/<n>/<action>
//   GET  /editions/<bulletin>/<n>/<lang>.pdf    its PDF; <lang>.html its HTML, shown in a sandboxed frame
//   GET  /calendar.ics                          planned releases
//   POST /hold, /resume, /draft                 the hold switch; a new or refreshed draft
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../paths.ts';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../../config.ts';
import { releasesPath } from '../../publish/releases.ts';
import { chinaTime, currentTime, isIsoDate } from '../../dates.ts';
import { InputRefused, UsageError } from '../../errors.ts';
import { figureName, type Language } from '../../labels.ts';
import { currentHold, getEdition, lastActions, listEditions, peopleOf, readDesk, readLog, resumeFromHold, setHold, withDesk, type Edition, type LogEntry } from '../store.ts';
import { authenticate, listUsers } from '../users.ts';
import { refusal, type Actor, type EditionEvent } from '../workflow.ts';
import type { DeskContext } from '../editions.ts';
import { calendarIcs } from './calendar.ts';
import { LoginThrottle, SessionStore, isLanguage, type Session } from './sessions.ts';
import { pageHtml, pageLabels } from './views.ts';

export interface DeskAppOptions {
  dbPath: string;
  config: Config;
  env: NodeJS.ProcessEnv;
  /** Minutes without a request after which a session ends. */
  idleMinutes: number;
  log: (line: string) => void;
}

const SESSION_COOKIE = 'desk_session';
const LANGUAGE_COOKIE = 'desk_lang';
const OWN_POLICY = 'x-desk-own-policy';

/** The heavy half of the desk (rendering, mail), imported on first use so the page starts at once. */
function loadCore() {
  return Promise.all([import('../editions.ts'), import('../release.ts'), import('../notable-cases.ts'), import('../comparison.ts')]).then(
    ([editions, release, notable, comparison]) => ({ ...editions, ...release, ...notable, ...comparison }),
  );
}
let corePromise: ReturnType<typeof loadCore> | null = null;
export function core(): ReturnType<typeof loadCore> {
  corePromise ??= loadCore();
  return corePromise;
}

interface Viewer {
  actor: Actor;
  session: Session;
  sessionId: string;
}

type Env = { Variables: { viewer: Viewer; lang: Language } };

export function deskApp(options: DeskAppOptions): Hono<Env> {
  const sessions = new SessionStore(options.idleMinutes * 60_000);
  const throttle = new LoginThrottle();
  const now = () => currentTime(options.env);
  const facts = new EditionFacts(options.dbPath);
  const deskContext = (): DeskContext => ({ dbPath: options.dbPath, config: options.config, now: now(), log: options.log });
  const app = new Hono<Env>();

  // A response may carry a policy of its own (the framed bulletin HTML): set here, outside secureHeaders, which
  // would otherwise put the pages' policy over it.
  app.use(async (c, next) => {
    await next();
    const own = c.res.headers.get(OWN_POLICY);
    if (own) {
      c.res.headers.set('Content-Security-Policy', own);
      c.res.headers.delete(OWN_POLICY);
    }
  });
  // No script at all, nothing from elsewhere, no framing by other sites; forms post only here.
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'self'"],
      },
      xFrameOptions: 'SAMEORIGIN',
      referrerPolicy: 'same-origin',
      strictTransportSecurity: false,
    }),
  );
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  // A state-changing request from another origin is refused (hono/csrf checks Origin and Sec-Fetch-Site of form
  // posts); a POST that is not a form cannot come from these pages, so it is refused the same way.
  app.use(csrf());
  app.use(async (c, next) => {
    if (c.req.method === 'POST' && !/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('content-type') ?? '')) {
      return c.text('Forbidden: the desk takes form posts from its own pages only', 403);
    }
    return next();
  });
  app.use(async (c, next) => {
    const chosen = getCookie(c, LANGUAGE_COOKIE);
    c.set('lang', isLanguage(chosen) ? chosen : 'zh');
    return next();
  });

  app.get('/desk.css', (c) => {
    c.header('Cache-Control', 'max-age=300');
    return c.body(stylesheet(), 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  // The language switch is a preference of this browser, not a change of the desk: a GET is right for it.
  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if (isLanguage(lang)) setCookie(c, LANGUAGE_COOKIE, lang, { path: '/', httpOnly: true, sameSite: 'Strict', maxAge: 365 * 86400 });
    return c.redirect(localPath(c.req.query('back')), 303);
  });

  app.get('/login', (c) => c.html(pageHtml('login', c.get('lang'), { title: pageLabels(c.get('lang')).login.title, back: localPath(c.req.query('back')) })));

  app.post('/login', async (c) => {
    const lang = c.get('lang');
    const form = await c.req.parseBody();
    const username = String(form.username ?? '').trim();
    const password = String(form.password ?? '');
    const back = localPath(String(form.back ?? '/'));
    const keys = [`address ${clientAddress(c)}`, `user ${username}`];
    const wait = throttle.retryAfter(keys, Date.now());
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return c.html(pageHtml('login', lang, { title: pageLabels(lang).login.title, back, username, error: pageLabels(lang).login.too_many.replace('{seconds}', String(wait)) }), 429);
    }
    try {
      const actor = await authenticate(options.dbPath, username, password);
      const old = getCookie(c, SESSION_COOKIE);
      sessions.end(old);
      setCookie(c, SESSION_COOKIE, sessions.create(actor.name, Date.now()), { path: '/', httpOnly: true, sameSite: 'Strict' });
      options.log(`desk page: ${actor.name} logged in`);
      return c.redirect(back, 303);
    } catch (error) {
      if (!(error instanceof InputRefused)) throw error;
      throttle.fail(keys, Date.now());
      return c.html(pageHtml('login', lang, { title: pageLabels(lang).login.title, back, username, error: pageLabels(lang).login.wrong }), 401);
    }
  });

  // Everything below needs a logged-in desk user who still exists (the users file is read at each request, so a
  // removed user or a changed role counts at once).
  app.use(async (c, next) => {
    const sessionId = getCookie(c, SESSION_COOKIE);
    const session = sessions.get(sessionId, Date.now());
    const user = session ? listUsers(options.dbPath).find((u) => u.name === session.user) : undefined;
    if (!session || !user || !sessionId) {
      if (sessionId) deleteCookie(c, SESSION_COOKIE, { path: '/' });
      const back = c.req.method === 'GET' ? c.req.path : '/';
      return c.redirect(`/login?back=${encodeURIComponent(back)}`, 303);
    }
    c.set('viewer', { actor: { name: user.name, role: user.role }, session, sessionId });
    return next();
  });

  app.post('/logout', (c) => {
    sessions.end(c.get('viewer').sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  app.get('/', async (c) => {
    const lang = c.get('lang');
    const { editions, hold, last } = await readDesk(options.dbPath, async (desk) => ({ editions: await listEditions(desk), hold: await currentHold(desk), last: await lastActions(desk) }));
    const t = pageLabels(lang);
    const rows = editions.map((e) => {
      const act = last.get(e.edition_id);
      return {
        id: e.edition_id,
        href: editionHref(e),
        state: e.state,
        stateLabel: t.state[e.state] ?? e.state,
        template: t.template[e.template] ?? e.template,
        asOf: e.as_of,
        releaseAt: e.release_at ? chinaTime(new Date(e.release_at)) : '',
        lastBy: act?.actor ?? e.created_by,
        lastAction: act ? (t.action[act.action] ?? act.action) : '',
        lastAt: act ? chinaTime(new Date(act.at)) : chinaTime(new Date(e.updated_at)),
      };
    });
    return c.html(
      page(c, 'editions', {
        title: t.editions.title,
        hold: holdView(hold),
        editions: rows,
        calendar: releaseCalendar(editions, now(), t),
        templates: Object.entries(t.template).map(([value, name]) => ({ value, name })),
      }),
    );
  });

  app.get('/calendar.ics', async (c) => {
    const editions = await readDesk(options.dbPath, (desk) => listEditions(desk));
    return c.body(calendarIcs(editions, now()), 200, { 'Content-Type': 'text/calendar; charset=utf-8', 'Content-Disposition': 'attachment; filename="bulletin-releases.ics"' });
  });

  app.post('/hold', async (c) => {
    const form = await c.req.parseBody();
    return act(c, '/', async (actor) => {
      await withDesk(options.dbPath, (desk) => setHold(desk, actor, String(form.reason ?? ''), now()));
      return pageLabels(c.get('lang')).flash.held;
    });
  });

  app.post('/resume', async (c) =>
    act(c, '/', async (actor) => {
      await withDesk(options.dbPath, (desk) => resumeFromHold(desk, actor, now()));
      return pageLabels(c.get('lang')).flash.resumed;
    }),
  );

  app.post('/draft', async (c) => {
    const form = await c.req.parseBody();
    const asOf = String(form.as_of ?? '').trim();
    const template = String(form.template ?? 'press');
    if (!isIsoDate(asOf)) return act(c, '/', async () => { throw new UsageError(`as-of date '${asOf}' is not a date YYYY-MM-DD`); });
    let made: Edition | null = null;
    const response = await act(c, '/', async (actor) => {
      made = await (await core()).draftEdition(deskContext(), { asOf, template, actor });
      return pageLabels(c.get('lang')).flash.drafted;
    });
    return made ? c.redirect(editionHref(made), 303) : response;
  });

  const EDITION = '/editions/:operation/:template/:asOf/:n';
  const editionIdOf = (c: Context<Env>) => `${c.req.param('operation')}/${c.req.param('template')}/${c.req.param('asOf')}#${c.req.param('n')}`;

  app.get(`${EDITION}/:file{(zh|en)\\.(pdf|html)}`, async (c) => {
    const edition = await findEdition(options.dbPath, editionIdOf(c));
    const [lang, kind] = c.req.param('file').split('.') as [Language, 'pdf' | 'html'];
    const pdf = edition?.pdfs[lang];
    const path = pdf && (kind === 'pdf' ? pdf.path : pdf.path.replace(/\.pdf$/, '.html'));
    if (!edition || !path || !existsSync(path)) return c.html(await page(c, 'missing', { title: '404' }), 404);
    if (kind === 'html') {
      // The bulletin's own HTML, framed beside the other language: styles and inline SVG only, nothing runs.
      c.header(OWN_POLICY, "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'self'; sandbox");
      return c.body(readFileSync(path), 200, { 'Content-Type': 'text/html; charset=utf-8' });
    }
    const name = `${edition.bulletin.replaceAll('/', '-')}-${edition.number}.${lang}.pdf`;
    return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200, {
      'Content-Type': 'application/pdf',
      'Content-Length': String(statSync(path).size),
      'Content-Disposition': `inline; filename="${name}"`,
    });
  });

  app.get(EDITION, async (c) => {
    const lang = c.get('lang');
    const t = pageLabels(lang);
    const viewer = c.get('viewer');
    const id = editionIdOf(c);
    const found = await readDesk(options.dbPath, async (desk) => {
      const edition = await findEditionIn(desk, id);
      return edition ? { edition, history: await readLog(desk, id), hold: await currentHold(desk), all: await listEditions(desk, { bulletin: edition.bulletin }) } : null;
    });
    if (!found) return c.html(await page(c, 'missing', { title: '404' }), 404);
    const { edition, history, hold, all } = found;
    const desk = await core();
    const ctx = deskContext();
    const { checklist, figures } = await facts.get(edition, () =>
      Promise.all([desk.editionChecklist(ctx, edition), edition.pdfs.en ? desk.figureComparison(ctx, edition) : Promise.resolve([])]).then(([checklist, figures]) => ({ checklist, figures })),
    );
    const cases = desk.readNotableCases(edition);
    const allowed = new Set<string>(allowedActions(edition, viewer.actor));
    const email = listUsers(options.dbPath).find((u) => u.name === viewer.actor.name)?.email ?? null;
    const suppressed = checklist.warnings.filter((w) => w.code === 'small_counts_suppressed');
    return c.html(
      page(c, 'edition', {
        title: edition.edition_id,
        hold: holdView(hold),
        edition: {
          id: edition.edition_id,
          state: edition.state,
          stateLabel: t.state[edition.state] ?? edition.state,
          kind: edition.kind,
          kindLabel: t.kind[edition.kind] ?? edition.kind,
          corrects: edition.corrects,
          notes: edition.note_en || edition.note_zh ? { en: edition.note_en, zh: edition.note_zh } : null,
          href: editionHref(edition),
          releaseAt: edition.release_at ? chinaTime(new Date(edition.release_at)) : null,
          releasedAt: edition.released_at ? chinaTime(new Date(edition.released_at)) : null,
          contentSha256: edition.content_sha256,
          snapshot: edition.snapshot_id,
          createdBy: edition.created_by,
          submittedBy: edition.submitted_by,
          lastChangedBy: edition.last_changed_by,
          approvedBy: edition.approved_by,
          pdfs: (['zh', 'en'] as const).filter((l) => edition.pdfs[l]).map((l) => ({ lang: l, name: t.language[l], href: `${editionHref(edition)}/${l}.pdf`, html: `${editionHref(edition)}/${l}.html`, sha256: edition.pdfs[l].sha256 })),
        },
        otherEditions: all.filter((e) => e.edition_id !== edition.edition_id).map((e) => ({ id: e.edition_id, href: editionHref(e), stateLabel: t.state[e.state] ?? e.state })),
        checklist: {
          errors: checklist.errors,
          warnings: checklist.warnings.filter((w) => w.code !== 'small_counts_suppressed'),
          clear: checklist.errors.length === 0 && checklist.warnings.length === 0,
        },
        suppressed: suppressed.flatMap((w) => w.message.replace(/^small counts suppressed: /, '').split(', ')),
        figures: figures.map((f) => ({
          ...f,
          name: figureName(lang, f.figure, f.provenance.parameters),
          shown: f.value !== null ? f.printed.join(' / ') : `${f.rows ?? 0} ${t.edition.rows}`,
          parameters: Object.entries(f.provenance.parameters).map(([k, v]) => `${k}=${String(v)}`).join(', '),
          ...comparedAs(f.printed.some((p) => p.endsWith('%')) ? 'percent' : 'count', f.released, f.change),
          recordsText: f.records ? `${f.records.ids.join(', ')}${f.records.count > f.records.ids.length ? ', …' : ''}` : '',
        })),
        releasedAsOf: figures.find((f) => f.releasedAsOf)?.releasedAsOf ?? null,
        cases: cases.map((c, i) => ({ ...c, index: i, number: i + 1 })),
        newCase: cases.length,
        editable: allowed.has('edit'),
        actions: Object.fromEntries([...allowed].map((a) => [a.replace('-', '_'), true])),
        defaultReleaseAt: edition.state === 'submitted' ? chinaTime(desk.defaultReleaseAt(options.config.desk.releaseTime, now())) : '',
        email,
        history: history.map((h) => historyRow(h, t)),
        // A test send is not a delivery of the edition (desk.md): it is in the log only.
        deliveries: history.filter((h) => h.detail && 'recipient' in h.detail && h.action !== 'test-send').map((h) => deliveryRow(h, t)),
      }),
    );
  });

  // Each action: the form's fields to the core function; the workflow's refusal first, as 403 (a hand-made POST for
  // a button the page did not show gets the same answer as the page would have given).
  const ACTIONS: Record<string, { event?: EditionEvent; run: (ctx: DeskContext, edition: Edition, actor: Actor, form: Record<string, string>) => Promise<{ message: keyof ReturnType<typeof pageLabels>['flash']; goTo?: Edition }> }> = {
    submit: { event: 'submit', run: async (ctx, e, actor, f) => (await (await core()).submitEdition(ctx, e.edition_id, actor, f.note || undefined), { message: 'submitted' }) },
    approve: { event: 'approve', run: async (ctx, e, actor, f) => (await (await core()).approveEdition(ctx, e.edition_id, actor, f.release_at ? f.release_at : undefined), { message: 'approved' }) },
    reject: { event: 'reject', run: async (ctx, e, actor, f) => (await (await core()).rejectEdition(ctx, e.edition_id, actor, f.note ?? ''), { message: 'rejected' }) },
    withdraw: { event: 'withdraw', run: async (ctx, e, actor, f) => (await (await core()).withdrawEdition(ctx, e.edition_id, actor, f.reason ?? ''), { message: 'withdrawn' }) },
    prerelease: { run: async (ctx, e, actor, f) => (await (await core()).prereleaseEdition(ctx, e.edition_id, actor, f.to ?? '', f.reason ?? ''), { message: 'prereleased' }) },
    correct: {
      run: async (ctx, e, actor, f) => ({ message: 'corrected', goTo: await (await core()).correctEdition(ctx, e.edition_id, actor, { kind: f.kind ?? '', noteEn: f.note_en ?? '', noteZh: f.note_zh ?? '' }) }),
    },
    'test-send': { run: async (ctx, e, actor) => (await (await core()).testSendEdition(ctx, e.edition_id, actor), { message: 'test_sent' }) },
    'notable-cases': {
      run: async (ctx, e, actor, f) => {
        const count = Math.min(Number(f.cases) || 0, 100);
        const cases = Array.from({ length: count + 1 }, (_, i) => ({ title_en: f[`title_en_${i}`] ?? '', title_zh: f[`title_zh_${i}`] ?? '', en: f[`en_${i}`] ?? '', zh: f[`zh_${i}`] ?? '' }));
        const saved = await (await core()).saveNotableCases(ctx, e.edition_id, actor, cases);
        return { message: saved.changes.length > 0 ? 'saved' : 'unchanged' };
      },
    },
    refresh: { event: 'refresh', run: async (ctx, e, actor) => (await (await core()).draftEdition(ctx, { asOf: e.as_of, template: e.template, actor }), { message: 'refreshed' }) },
  };

  app.post(`${EDITION}/:action`, async (c) => {
    const action = ACTIONS[c.req.param('action')];
    const edition = await findEdition(options.dbPath, editionIdOf(c));
    if (!action || !edition) return c.html(await page(c, 'missing', { title: '404' }), 404);
    const actor = c.get('viewer').actor;
    const refused = action.event ? refusal(action.event, peopleOf(edition), actor) : null;
    if (refused) return c.html(await page(c, 'refused', { title: '403', message: `edition ${edition.edition_id}: ${refused}`, back: editionHref(edition) }), 403);
    const form = Object.fromEntries(Object.entries(await c.req.parseBody()).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
    let goTo: Edition | undefined;
    const response = await act(c, editionHref(edition), async () => {
      const done = await action.run(deskContext(), edition, actor, form);
      goTo = done.goTo;
      return pageLabels(c.get('lang')).flash[done.message];
    });
    return goTo ? c.redirect(editionHref(goTo), 303) : response;
  });

  app.notFound(async (c) => c.html(await page(c, 'missing', { title: '404' }), 404));
  app.onError((error, c) => {
    // hono/csrf's refusal of another origin: its own 403, not an internal error.
    if (error instanceof HTTPException) return error.getResponse();
    options.log(`desk page: ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    try {
      return c.html(pageHtml('refused', c.get('lang') ?? 'zh', { title: '500', message: pageLabels(c.get('lang') ?? 'zh').error.internal, back: '/' }), 500);
    } catch {
      return c.text('Internal error, logged.', 500);
    }
  });

  /** Runs a change as the viewer; its outcome becomes the next page's message. Refusals are shown, not thrown. */
  async function act(c: Context<Env>, back: string, run: (actor: Actor) => Promise<string>) {
    const viewer = c.get('viewer');
    try {
      viewer.session.flash = { kind: 'ok', text: await run(viewer.actor) };
    } catch (error) {
      if (!(error instanceof InputRefused || error instanceof UsageError)) throw error;
      viewer.session.flash = { kind: 'error', text: error.message };
    }
    return c.redirect(back, 303);
  }

  /** A page in the layout: the viewer, the hold (on every page, rule 9), the language switch, the flash. */
  async function page(c: Context<Env>, name: string, data: Record<string, unknown>): Promise<string> {
    const viewer = c.get('viewer');
    const flash = viewer?.session.flash ?? null;
    if (viewer) viewer.session.flash = null;
    const hold = 'hold' in data || !viewer ? data.hold : holdView(await readDesk(options.dbPath, (desk) => currentHold(desk)));
    return pageHtml(name, c.get('lang'), { ...data, hold, viewer: viewer?.actor, flash, path: c.req.path });
  }

  return app;
}

/**
 * The checklist and the figures' comparison of an edition, kept while nothing they are made of has changed: the
 * edition's row (its files and content hash), the release log and the editorial file. Each costs DuckDB opens of
 * the release log and the snapshot; a second look at the same edition then costs none.
 */
class EditionFacts {
  private readonly cache = new Map<string, Promise<EditionFactsValue>>();

  constructor(private readonly dbPath: string) {}

  get(edition: Edition, compute: () => Promise<EditionFactsValue>): Promise<EditionFactsValue> {
    const key = [edition.edition_id, edition.updated_at, edition.content_sha256, modified(releasesPath(this.dbPath)), modified(edition.editorial_file)].join('|');
    let value = this.cache.get(key);
    if (!value) {
      value = compute();
      value.catch(() => this.cache.delete(key));
      if (this.cache.size >= 100) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, value);
    }
    return value;
  }
}

type EditionFactsValue = { checklist: import('../checklist.ts').Checklist; figures: import('../comparison.ts').FigureRow[] };

function modified(path: string | null): number {
  try {
    return path ? statSync(path).mtimeMs : 0;
  } catch {
    return 0;
  }
}

/** The actions the page offers the viewer on this edition: the workflow's answer, plus the desk's own actions. */
function allowedActions(edition: Edition, actor: Actor): string[] {
  const people = peopleOf(edition);
  const events: EditionEvent[] = ['submit', 'approve', 'reject', 'withdraw', 'refresh'];
  const allowed: string[] = events.filter((event) => refusal(event, people, actor) === null);
  if (edition.state === 'draft' || edition.state === 'submitted') allowed.push('edit');
  if (edition.state === 'approved') allowed.push('prerelease');
  if (edition.state === 'released') allowed.push('correct');
  if (edition.state !== 'withdrawn' && edition.state !== 'superseded' && Object.keys(edition.pdfs).length > 0) allowed.push('test-send');
  return allowed;
}

async function findEdition(dbPath: string, id: string): Promise<Edition | null> {
  return readDesk(dbPath, (desk) => findEditionIn(desk, id));
}

async function findEditionIn(desk: Parameters<Parameters<typeof withDesk>[1]>[0], id: string): Promise<Edition | null> {
  try {
    return await getEdition(desk, id);
  } catch (error) {
    if (error instanceof InputRefused || error instanceof UsageError) return null;
    throw error;
  }
}

function editionHref(edition: Pick<Edition, 'operation' | 'template' | 'as_of' | 'number'>): string {
  return `/editions/${[edition.operation, edition.template, edition.as_of, String(edition.number)].map(encodeURIComponent).join('/')}`;
}

/** Only a path of this site: never another site (`//evil`, `http://…`), so a login link cannot send anyone away. */
function localPath(back: string | undefined): string {
  return back && back.startsWith('/') && !back.startsWith('//') && !back.startsWith('/\\') ? back : '/';
}

function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

function holdView(hold: { reason: string; by: string; at: string } | null) {
  return hold ? { reason: hold.reason, by: hold.by, at: chinaTime(new Date(hold.at)) } : null;
}

type PageLabels = ReturnType<typeof pageLabels>;

/** Upcoming approved releases and the last month's releases, by China day. */
function releaseCalendar(editions: Edition[], now: Date, t: PageLabels) {
  const monthAgo = now.getTime() - 31 * 86400_000;
  const planned = editions
    .filter((e) => e.release_at && (e.state === 'approved' || ((e.state === 'released' || e.state === 'superseded') && new Date(e.release_at).getTime() >= monthAgo)))
    .sort((a, b) => a.release_at!.localeCompare(b.release_at!));
  const days = new Map<string, { day: string; items: { time: string; id: string; href: string; stateLabel: string; past: boolean }[] }>();
  for (const e of planned) {
    const [day, time] = chinaTime(new Date(e.release_at!)).split(' ');
    if (!days.has(day)) days.set(day, { day, items: [] });
    days.get(day)!.items.push({ time, id: e.edition_id, href: editionHref(e), stateLabel: t.state[e.state] ?? e.state, past: new Date(e.release_at!).getTime() <= now.getTime() });
  }
  return [...days.values()];
}

function historyRow(h: LogEntry, t: PageLabels) {
  return {
    at: chinaTime(new Date(h.at)),
    actor: h.actor,
    action: t.action[h.action] ?? h.action,
    change: h.to_state ? `${t.state[h.from_state ?? ''] ?? h.from_state ?? '—'} → ${t.state[h.to_state] ?? h.to_state}` : '',
    note: h.note ?? '',
    recipient: h.detail && 'recipient' in h.detail ? String(h.detail.recipient) : '',
    hash: h.content_sha256 ? h.content_sha256.slice(0, 12) : '',
  };
}

function deliveryRow(h: LogEntry, t: PageLabels) {
  const d = h.detail as Record<string, unknown>;
  return {
    at: chinaTime(new Date(h.at)),
    kind: t.action[h.action] ?? h.action,
    recipient: String(d.recipient ?? d.to ?? ''),
    outcome: String(d.outcome ?? ''),
    messageId: String(d.message_id ?? ''),
    // The server's answer as it gave it (it begins with its code); the code alone when there was no answer text.
    answer: String(d.response ?? d.code ?? ''),
  };
}

/** The last released value and the change as the bulletin prints the figure: a rate in per cent, its change in points. */
function comparedAs(unit: 'percent' | 'count', released: number | null, change: number | null): { released: string; changeText: string } {
  const shown = (value: number) => (unit === 'percent' ? `${(value * 100).toFixed(1)}` : value.toLocaleString('en-US', { maximumFractionDigits: 2 }));
  const sign = (value: number) => (value > 0 ? '+' : '');
  return {
    released: released === null ? '' : `${shown(released)}${unit === 'percent' ? '%' : ''}`,
    changeText: change === null ? '' : `${sign(change)}${shown(change)}${unit === 'percent' ? ' pp' : ''}`,
  };
}

let css: string | null = null;
function stylesheet(): string {
  css ??= readFileSync(join(repoRoot, 'templates', 'desk', 'desk.css'), 'utf8');
  return css;
}
