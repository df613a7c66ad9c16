// The PDF printer of the render stage: one headless Chromium (puppeteer-core) for every PDF of a run.
//
// Hardened, because a bulletin's HTML holds data from outside:
//   - JavaScript is off before any content is set (puppeteer's own calls still work: they run over CDP);
//   - no network: every request but data: is refused three times over: puppeteer's request interception (which
//     records it), CDP Network.setBlockedURLs, and the launch flag --host-resolver-rules="MAP * ~NOTFOUND", which
//     resolves no name and no address at all, so what escapes DevTools (<link rel=prefetch>, preconnect, DNS
//     prefetch, the header and footer) connects nowhere either. Every attempt is listed in the result;
//   - a page that navigates away from its content (a meta refresh) is refused, and links other than http(s):,
//     mailto: and #fragment (javascript:, file:, data:) are dropped so the PDF holds no such link;
//   - each page has a deadline (PrinterOptions.timeoutMs, else BULLETIN_PAGE_TIMEOUT_MS, else 30 s);
//   - the browser runs in a fresh user-data dir under TMPDIR, in its own process group; it is closed and the dir
//     removed on every path: success, error, deadline, and SIGINT/SIGTERM/SIGHUP or process.exit() meanwhile
//     (puppeteer's own signal handlers are off: they would exit without removing the dir).
//
// A shared Chromium (BULLETIN_CHROMIUM_WS): a process that starts many commands, such as the test suite, can start
// one browser with launchSharedChromium, with the same flags and fonts, and hand it to them. A command then prints in
// it (same checks, same hardening of each page) instead of launching its own: a fresh browser costs about 0.9 CPU-s
// a render more, most of it a new renderer process loading the Chinese faces again. The variable names the browser
// with the Chromium binary and font configuration it was started with; a command whose own differ, or which cannot
// reach it, launches its own browser as usual.
// A shared browser also remembers what it printed (PrintMemo): a document printed there again, byte for byte the same
// HTML, header and footer, gets the PDF Chromium printed the first time, written to its new file, instead of a second
// identical print. In a test run the same bulletin of the same sample is printed dozens of times (each test's own
// copy of the desk drafts it again); the first print of every document is real.
//
// Header and footer: Chromium prints them inside the page margins, so the caller's stylesheet must leave room with
// its @page margin: at least 15 mm at the top and the bottom (templates/styles/print.css has 20 mm and 18 mm).
// Without an @page margin, 15 mm all round is used. They are set in Noto Sans (Chinese in Noto Sans CJK SC TT) at 8.5 px.
//
// Fonts: Chromium gets a fontconfig configuration (fonts.ts, fontconfigEnv) that adds the converted Chinese faces.
//
// Output is written atomically (temporary file in the target folder, then rename) and only when the page had text
// and the result is a PDF of at least one page.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
// Types only: puppeteer-core itself is loaded by openPrinter, once the machine's checks have passed.
import type { Browser, CDPSession, HTTPRequest, Page } from 'puppeteer-core';
import { oneLine, UsageError } from '../errors.ts';
import { CJK_SANS, CJK_SERIF, LATIN_SANS, LATIN_SERIF } from '../typefaces.ts';
import { checkFonts, fontConfigurationKey, fontconfigEnv } from './fonts.ts';
import { writeFileAtomically } from '../files.ts';

type Puppeteer = typeof import('puppeteer-core');

export interface PrintJob {
  /** The whole document; its stylesheet sets @page size and margins (leave >= 15 mm top and bottom). */
  html: string;
  outFile: string;
  /** What messages call the output; default outFile (e.g. the bulletin's PDF while outFile is a temporary file). */
  name?: string;
  /** Plain text (HTML-escaped here), e.g. the bulletin's title and as-of date; printed at the top of every page. */
  headerText: string;
  /** Plain text with {page} and {pages}, e.g. `Page {page} of {pages}`, `第 {page} 页，共 {pages} 页`. */
  footerText: string;
}

export interface PrintResult {
  /** Size of the PDF written. */
  bytes: number;
  /** Pages of the PDF written. */
  pages: number;
  /** The URL of every request the page attempted, all refused (anything but data:), in order, once each. */
  refusedRequests: string[];
  /** Link targets dropped before printing (schemes other than http, https, mailto, or a #fragment). */
  droppedLinks: string[];
}

export interface Printer {
  print(job: PrintJob): Promise<PrintResult>;
  /** Closes the browser and removes its user-data dir (a shared browser: disconnects from it); safe to call twice. */
  close(): Promise<void>;
  /** The browser's temporary user-data dir (its path is on every Chromium process's command line); '' when shared. */
  readonly userDataDir: string;
  /** The browser's process id (leader of its process group); undefined when shared. */
  readonly pid: number | undefined;
  readonly timeoutMs: number;
}

export interface PrinterOptions {
  /** Deadline of each page; default BULLETIN_PAGE_TIMEOUT_MS, else 30 s. */
  timeoutMs?: number;
  /** Environment for CHROME_PATH, BULLETIN_PAGE_TIMEOUT_MS and the font check; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_PAGE_TIMEOUT_MS = 30_000;
const LAUNCH_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;

export const CHROME_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/usr/lib/chromium/chromium',
  '/snap/bin/chromium',
  '/usr/local/bin/chromium',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
const CHROME_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const INSTALL_HINT = 'install it with `apt-get install -y chromium` or set CHROME_PATH';

const CHROME_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-crash-reporter',
  '--disable-domain-reliability',
  '--dns-prefetch-disable',
  '--font-render-hinting=none',
  '--mute-audio',
  // No host name and no address resolves: nothing can connect anywhere, whatever escapes DevTools.
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

// Generic families: a script-less default is the Latin face; Chinese text in a generic family gets the CJK one.
const DEFAULT_FONT_FAMILIES = {
  standard: LATIN_SERIF,
  serif: LATIN_SERIF,
  sansSerif: LATIN_SANS,
  fixed: LATIN_SANS,
  cursive: LATIN_SERIF,
  fantasy: LATIN_SERIF,
  math: LATIN_SERIF,
};
const HAN_FONT_FAMILIES = { standard: CJK_SERIF, serif: CJK_SERIF, sansSerif: CJK_SANS, fixed: CJK_SANS, cursive: CJK_SERIF, fantasy: CJK_SERIF, math: CJK_SERIF };

const BLOCKED_URL_PATTERNS = ['http://*', 'https://*', 'ws://*', 'wss://*', 'ftp://*', 'file://*', 'blob:*', 'filesystem:*'];

/** The Chromium to use: CHROME_PATH, else the first executable of the usual paths and of PATH. */
export function findChrome(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = CHROME_CANDIDATES): string {
  const configured = env.CHROME_PATH?.trim();
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new UsageError(`Chromium not found: CHROME_PATH=${configured} is not an executable file; ${INSTALL_HINT}`);
  }
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).flatMap((dir) => CHROME_NAMES.map((name) => join(dir, name)));
  const found = [...candidates, ...onPath].find(isExecutableFile);
  if (!found) throw new UsageError(`Chromium not found: ${INSTALL_HINT}`);
  return found;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The deadline of one page: the option, else BULLETIN_PAGE_TIMEOUT_MS, else 30 s. */
export function pageTimeoutMs(env: NodeJS.ProcessEnv = process.env, explicit?: number): number {
  if (explicit !== undefined) {
    if (!Number.isFinite(explicit) || explicit <= 0) throw new UsageError(`page timeout ${explicit} is not a positive number of milliseconds`);
    return explicit;
  }
  const text = env.BULLETIN_PAGE_TIMEOUT_MS?.trim();
  if (!text) return DEFAULT_PAGE_TIMEOUT_MS;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`BULLETIN_PAGE_TIMEOUT_MS: '${text}' is not a positive whole number of milliseconds`);
  return Number(text);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const MARGIN_STYLE =
  `width:100%;box-sizing:border-box;padding:0 12mm;font-family:'${LATIN_SANS}','${CJK_SANS}',sans-serif;font-size:8.5px;line-height:1.3;color:#444;text-align:center;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;-webkit-print-color-adjust:exact;`;

/** Chromium's headerTemplate for a plain-text header. */
export function headerTemplate(text: string): string {
  return `<div style="${MARGIN_STYLE}padding-top:7mm;">${escapeHtml(oneLineText(text))}</div>`;
}

/** Chromium's footerTemplate for a plain-text footer with {page} and {pages}. */
export function footerTemplate(text: string): string {
  const html = escapeHtml(oneLineText(text))
    .replaceAll('{pages}', '<span class="totalPages"></span>')
    .replaceAll('{page}', '<span class="pageNumber"></span>');
  return `<div style="${MARGIN_STYLE}padding-bottom:7mm;">${html}</div>`;
}

const oneLineText = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Pages of a PDF as Chromium (Skia) writes it: one uncompressed `/Type /Page` dictionary per page. */
export function pdfPageCount(pdf: Uint8Array): number {
  return Buffer.from(pdf).toString('latin1').match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

/** Launches one browser, hands a Printer to fn, and always closes it (and removes its user-data dir). */
export async function withPrinter<T>(fn: (printer: Printer) => Promise<T>, options: PrinterOptions = {}): Promise<T> {
  const printer = await openPrinter(options);
  try {
    return await fn(printer);
  } finally {
    await printer.close();
  }
}

/**
 * Launches the browser, or connects to the shared one that BULLETIN_CHROMIUM_WS names. The caller must close() the
 * Printer; prefer withPrinter.
 */
export async function openPrinter(options: PrinterOptions = {}): Promise<Printer> {
  const env = options.env ?? process.env;
  const timeoutMs = pageTimeoutMs(env, options.timeoutMs);
  const executablePath = findChrome(env);
  checkFonts(env);
  const { default: puppeteer } = await import('puppeteer-core');
  const shared = await connectShared(puppeteer, env, executablePath, timeoutMs);
  if (shared) return new ChromiumPrinter(shared.browser, null, timeoutMs, shared.memo);
  const { browser, guard } = await launch(puppeteer, env, executablePath, timeoutMs, { shared: false });
  return new ChromiumPrinter(browser, guard, timeoutMs, null);
}

/** The variable a shared Chromium is handed to commands in: its DevTools endpoint, sharedKey and PrintMemo folder, space-separated. */
export const SHARED_CHROMIUM_VARIABLE = 'BULLETIN_CHROMIUM_WS';

export interface SharedChromium {
  /** The value of BULLETIN_CHROMIUM_WS for the commands that are to print in it. */
  readonly variable: string;
  close(): Promise<void>;
}

/**
 * Starts a Chromium for other commands to print in (BULLETIN_CHROMIUM_WS): the printer's flags and fonts, DevTools
 * on a free port of 127.0.0.1. Its owner closes it; until then any local process can drive it, so it is for a
 * machine of one user, such as a test run.
 */
export async function launchSharedChromium(env: NodeJS.ProcessEnv = process.env): Promise<SharedChromium> {
  const timeoutMs = pageTimeoutMs(env);
  const executablePath = findChrome(env);
  checkFonts(env);
  const { default: puppeteer } = await import('puppeteer-core');
  const { browser, guard } = await launch(puppeteer, env, executablePath, timeoutMs, { shared: true });
  const printer = new ChromiumPrinter(browser, guard, timeoutMs, null);
  const memo = mkdtempSync(join(tmpdir(), 'bulletin-printed-'));
  return {
    variable: `${browser.wsEndpoint()} ${sharedKey(env, executablePath)} ${memo}`,
    close: async () => {
      await printer.close();
      rmSync(memo, { recursive: true, force: true });
    },
  };
}

/** What a shared browser must have been started with to print as this command would: Chromium and fonts. */
function sharedKey(env: NodeJS.ProcessEnv, executablePath: string): string {
  return createHash('sha256').update(`${executablePath}\u0000${fontConfigurationKey(env)}`).digest('hex').slice(0, 16);
}

/** The shared browser BULLETIN_CHROMIUM_WS names, when it was started as this command would start its own. */
async function connectShared(puppeteer: Puppeteer, env: NodeJS.ProcessEnv, executablePath: string, timeoutMs: number): Promise<{ browser: Browser; memo: PrintMemo | null } | undefined> {
  const [endpoint, key, memo] = (env[SHARED_CHROMIUM_VARIABLE] ?? '').trim().split(/\s+/);
  if (!endpoint || key !== sharedKey(env, executablePath)) return undefined;
  try {
    const browser = await withDeadline(puppeteer.connect({ browserWSEndpoint: endpoint, protocolTimeout: Math.max(timeoutMs, LAUNCH_TIMEOUT_MS) }), CLOSE_TIMEOUT_MS, 'connecting');
    return { browser, memo: memo && existsSync(memo) ? new PrintMemo(memo) : null };
  } catch {
    // Gone or not answering: this command launches its own.
    return undefined;
  }
}

/**
 * Launches Chromium in a fresh user-data dir under a ProcessGuard. A printer's own browser speaks DevTools over a
 * pipe; a shared one (`shared`) over a WebSocket on a free port of 127.0.0.1, which other processes connect to.
 */
async function launch(puppeteer: Puppeteer, env: NodeJS.ProcessEnv, executablePath: string, timeoutMs: number, { shared }: { shared: boolean }): Promise<{ browser: Browser; guard: ProcessGuard }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'bulletin-chromium-'));
  const guard = new ProcessGuard(userDataDir);
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: !shared,
      userDataDir,
      // Shared: the pages of every command that prints there share two renderer processes instead of starting one
      // each (which loads the Chinese faces again): a fifth less of Chromium's CPU, measured with three printing at once.
      args: shared ? [...CHROME_ARGS, '--renderer-process-limit=2', '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0'] : CHROME_ARGS,
      timeout: LAUNCH_TIMEOUT_MS,
      protocolTimeout: Math.max(timeoutMs, LAUNCH_TIMEOUT_MS),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      env: fontconfigEnv(env, userDataDir),
    });
  } catch (error) {
    guard.release();
    throw new Error(`Chromium (${executablePath}) did not start: ${(error as Error).message.split('\n')[0]}`);
  }
  guard.watch(browser);
  return { browser, guard };
}

/**
 * Makes sure no Chromium process and no user-data dir outlive the command: on a signal or process.exit() while the
 * browser runs, its process group is killed and the dir removed synchronously.
 */
class ProcessGuard {
  #pid: number | undefined;
  #exited = true;
  #active = true;
  readonly #signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

  constructor(readonly userDataDir: string) {
    process.on('exit', this.#onExit);
    for (const signal of this.#signals) process.on(signal, this.#onSignal);
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  watch(browser: Browser): void {
    const child = browser.process();
    this.#pid = child?.pid;
    this.#exited = !child || child.exitCode !== null || child.signalCode !== null;
    child?.once('exit', () => (this.#exited = true));
  }

  get running(): boolean {
    return !this.#exited;
  }

  /** SIGKILL to the browser's process group (puppeteer starts it detached, as a group leader). */
  kill(): void {
    if (this.#pid === undefined || this.#exited) return;
    try {
      process.kill(-this.#pid, 'SIGKILL');
    } catch {
      try {
        process.kill(this.#pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  removeDir(): void {
    try {
      rmSync(this.userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch {
      // best effort: a process killed a moment ago may still write into it
    }
  }

  /** The browser is closed: stop guarding, remove the dir. */
  release(): void {
    if (!this.#active) return;
    this.#active = false;
    process.off('exit', this.#onExit);
    for (const signal of this.#signals) process.off(signal, this.#onSignal);
    this.removeDir();
  }

  readonly #onExit = (): void => {
    this.kill();
    this.removeDir();
  };

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.kill();
    this.release();
    // Without another listener, die of the signal as if none of ours had been installed.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
}

/**
 * What a shared browser printed, in a folder of its own: `<sha256 of the job>.pdf` and, written after it, `.json` with
 * the PrintResult. A document whose `.json` is there is not printed again: its PDF is copied to the new file.
 */
class PrintMemo {
  constructor(readonly dir: string) {}

  // The deadline too: a print given too little time must fail as it would in a browser of its own.
  #path(job: PrintJob, timeoutMs: number, extension: string): string {
    const key = createHash('sha256').update(JSON.stringify([job.html, job.headerText, job.footerText, timeoutMs])).digest('hex');
    return join(this.dir, `${key}.${extension}`);
  }

  recall(job: PrintJob, timeoutMs: number): PrintResult | undefined {
    let result: PrintResult;
    let pdf: Buffer;
    try {
      result = JSON.parse(readFileSync(this.#path(job, timeoutMs, 'json'), 'utf8')) as PrintResult;
      pdf = readFileSync(this.#path(job, timeoutMs, 'pdf'));
    } catch {
      return undefined;
    }
    writeFileAtomically(job.outFile, pdf);
    return result;
  }

  remember(job: PrintJob, timeoutMs: number, pdf: Uint8Array, result: PrintResult): void {
    writeFileAtomically(this.#path(job, timeoutMs, 'pdf'), pdf);
    writeFileAtomically(this.#path(job, timeoutMs, 'json'), JSON.stringify(result));
  }
}

class ChromiumPrinter implements Printer {
  #closing: Promise<void> | undefined;

  /** guard: the browser this printer launched; null when it prints in a shared one, whose memo is `memo`. */
  constructor(
    readonly browser: Browser,
    readonly guard: ProcessGuard | null,
    readonly timeoutMs: number,
    readonly memo: PrintMemo | null,
  ) {}

  get userDataDir(): string {
    return this.guard?.userDataDir ?? '';
  }

  get pid(): number | undefined {
    return this.guard?.pid;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (!this.guard) {
      // A shared browser stays for the others; this command's pages are closed already (print closes its own).
      await withDeadline(this.browser.disconnect(), CLOSE_TIMEOUT_MS, 'disconnecting from Chromium').catch(() => undefined);
      return;
    }
    try {
      await withDeadline(this.browser.close(), CLOSE_TIMEOUT_MS, 'closing Chromium');
    } catch {
      // killed below
    }
    if (this.guard.running) {
      this.guard.kill();
      const child = this.browser.process();
      if (child && child.exitCode === null && child.signalCode === null) {
        await withDeadline(new Promise((done) => child.once('exit', done)), CLOSE_TIMEOUT_MS, 'killing Chromium').catch(() => undefined);
      }
    }
    this.guard.release();
  }

  async print(job: PrintJob): Promise<PrintResult> {
    if (this.#closing) throw new Error(`${job.name ?? job.outFile}: the printer is closed`);
    const printed = this.memo?.recall(job, this.timeoutMs);
    if (printed) return printed;
    const state: JobState = { expired: false, page: undefined, refused: new Set(), droppedLinks: [], navigatedTo: undefined };
    const work = this.#print(job, state);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        state.expired = true;
        reject(new Error(`${job.name ?? job.outFile}: printing did not finish within ${this.timeoutMs} ms (BULLETIN_PAGE_TIMEOUT_MS); nothing written`));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      // The page being opened finishes opening first (bounded): a browser closed under puppeteer's newPage left its
      // 30-s wait for the page's target running, and the failed command alive that long after its error.
      await withDeadline(work.catch(() => undefined), CLOSE_TIMEOUT_MS, 'stopping the print').catch(() => undefined);
      // Own errors name the file already; Chromium's and puppeteer's get it, on one line.
      if (error instanceof Error && error.message.startsWith(`${job.name ?? job.outFile}: `)) throw error;
      throw new Error(`${job.name ?? job.outFile}: printing failed: ${oneLine(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      const page = state.page;
      if (page && !page.isClosed()) await withDeadline(page.close(), CLOSE_TIMEOUT_MS, 'closing the page').catch(() => undefined);
    }
  }

  async #print(job: PrintJob, state: JobState): Promise<PrintResult> {
    const page = await this.browser.newPage();
    state.page = page;
    if (state.expired) throw new Error('expired');
    page.setDefaultTimeout(this.timeoutMs);
    page.setDefaultNavigationTimeout(this.timeoutMs);
    await page.setJavaScriptEnabled(false);
    const cdp: CDPSession = await page.createCDPSession();
    // Text in no font-family, or in a generic one, is set in the TrueType faces too.
    await cdp.send('Page.setFontFamilies', { fontFamilies: DEFAULT_FONT_FAMILIES, forScripts: [{ script: 'Hans', fontFamilies: HAN_FONT_FAMILIES }] });

    // Second layer, and the record of every attempt, also of those that never reach the interception.
    cdp.on('Network.requestWillBeSent', (event) => {
      if (!event.request.url.startsWith('data:')) state.refused.add(event.request.url);
    });
    await cdp.send('Network.enable');
    await cdp.send('Network.setBlockedURLs', { urls: BLOCKED_URL_PATTERNS });

    await page.setRequestInterception(true);
    page.on('request', (request: HTTPRequest) => {
      const url = request.url();
      if (url.startsWith('data:')) {
        void request.continue().catch(() => undefined);
        return;
      }
      state.refused.add(url);
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && state.navigatedTo === undefined) state.navigatedTo = url;
      void request.abort('blockedbyclient').catch(() => undefined);
    });

    await page.setContent(job.html, { waitUntil: 'load', timeout: this.timeoutMs });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && state.navigatedTo === undefined) state.navigatedTo = frame.url() || 'about:blank';
    });
    const { text, refresh } = await page.evaluate(async () => {
      await document.fonts.ready;
      // With JavaScript off, a meta refresh is the one way a page can navigate; its timer may fire only after the
      // PDF is printed, so it is looked for rather than waited for.
      const meta = Array.from(document.querySelectorAll('meta[http-equiv]')).find((m) => m.getAttribute('http-equiv')!.trim().toLowerCase() === 'refresh');
      return { text: document.body?.innerText ?? '', refresh: meta ? (meta.getAttribute('content') ?? '') : null };
    });
    if (refresh !== null && state.navigatedTo === undefined) state.navigatedTo = refresh.replace(/^\s*\d*\s*[;,]?\s*(url\s*=\s*)?/i, '').replace(/^['"]|['"]$/g, '') || 'itself (meta refresh)';
    if (state.navigatedTo !== undefined) throw new Error(`${job.name ?? job.outFile}: the page tried to navigate to ${state.navigatedTo}; nothing printed`);
    if (text.trim() === '') throw new Error(`${job.name ?? job.outFile}: the page has no text; nothing printed`);
    state.droppedLinks.push(
      ...(await page.evaluate(() => {
        const dropped: string[] = [];
        // Links only (HTML and SVG <a>, <area>): what a PDF viewer could follow.
        for (const element of Array.from(document.querySelectorAll('a, area'))) {
          for (const name of ['href', 'xlink:href']) {
            const target = element.getAttribute(name);
            if (target === null || /^\s*(https?:|mailto:|#)/i.test(target)) continue;
            dropped.push(target);
            element.removeAttribute(name);
          }
        }
        return dropped;
      })),
    );

    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(job.headerText),
      footerTemplate: footerTemplate(job.footerText),
      // Used only where the stylesheet has no @page margin.
      margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' },
      // Tagged PDF (structure tree, reading order; the catalog's /Lang from <html lang>), for screen readers.
      tagged: true,
      timeout: this.timeoutMs,
    });
    if (state.navigatedTo !== undefined) throw new Error(`${job.name ?? job.outFile}: the page tried to navigate to ${state.navigatedTo}; nothing printed`);
    const pages = pdfPageCount(pdf);
    if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-' || pages < 1) throw new Error(`${job.name ?? job.outFile}: Chromium returned no PDF page; nothing written`);
    // Checked and written in one synchronous step: once the deadline has passed, nothing is written.
    if (state.expired) throw new Error('expired');
    writeFileAtomically(job.outFile, pdf);
    const result = { bytes: pdf.byteLength, pages, refusedRequests: [...state.refused.values()], droppedLinks: state.droppedLinks };
    this.memo?.remember(job, this.timeoutMs, pdf, result);
    return result;
  }
}

interface JobState {
  expired: boolean;
  page: Page | undefined;
  refused: Set<string>;
  droppedLinks: string[];
  navigatedTo: string | undefined;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
