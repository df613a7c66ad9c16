// The PDF printer against real Chromium: PDFs read back with poppler (pdftotext, pdffonts, pdfinfo), a real HTTP
// server that must never be reached, and `ps` to see that no Chromium process outlives a failure.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../pipeline/errors.ts';
import { FONTS_MISSING } from '../../pipeline/render/fonts.ts';
import { CHROME_CANDIDATES, findChrome, footerTemplate, headerTemplate, openPrinter, pageTimeoutMs, withPrinter, type Printer } from '../../pipeline/render/pdf.ts';
import { repoRoot, runNode, tempDir } from '../helpers.ts';
import { BULLETIN_FACES, fontNames, pageCount, pdffonts, pdftotext, squeeze } from './poppler.ts';


function chromiumProcessesUsing(dir: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((line) => line.includes(dir));
}

/** Whether a process runs; a zombie (killed, not yet reaped by whoever adopted it) does not. */
function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** An HTTP server on 127.0.0.1 that counts every connection and every request it receives. */
async function trapServer(): Promise<{ server: Server; base: string; requests: string[]; connections: () => number }> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end('body { color: red }');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, connections: () => connections };
}

const doc = (body: string, head = ''): string =>
  `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>@page { size: A4; margin: 20mm 18mm 18mm 18mm; } ` +
  `body { font-family: "Noto Serif CJK SC TT"; } h1 { font-family: "Noto Sans CJK SC TT"; }</style>${head}</head><body>${body}</body></html>`;

/** Two pages exactly: the second section starts a new page. */
const twoPages = doc(
  '<h1>团圆行动 Reunion operation</h1><p>全国公安机关找回历年失踪被拐儿童。Police recovered missing and abducted children.</p>' +
    '<section style="break-before: page"><p>第二页 Second page.</p></section>',
);

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('bulletin-pdf-test-');
});
afterAll(() => tmp.cleanup());
const outDir = (name: string): string => {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('finding Chromium', () => {
  it('CHROME_PATH pointing at no file: one line naming it, with the install hint', () => {
    const missing = join('/nonexistent', 'chromium');
    expect(() => findChrome({ CHROME_PATH: missing })).toThrow(UsageError);
    expect(() => findChrome({ CHROME_PATH: missing })).toThrow(
      /^Chromium not found: CHROME_PATH=\/nonexistent\/chromium is not an executable file; install it with `apt-get install -y chromium` or set CHROME_PATH$/,
    );
    expect(() => findChrome({ CHROME_PATH: repoRoot })).toThrow(/CHROME_PATH=.* is not an executable file/); // a folder
    expect(() => findChrome({ CHROME_PATH: join(repoRoot, 'package.json') })).toThrow(/is not an executable file/); // not executable
  });

  it('no Chromium anywhere: the install hint', () => {
    expect(() => findChrome({ PATH: '' }, ['/nonexistent/chromium', '/nonexistent/google-chrome'])).toThrow(
      new UsageError('Chromium not found: install it with `apt-get install -y chromium` or set CHROME_PATH'),
    );
    // PATH is searched too.
    const bin = outDir('path-bin');
    writeFileSync(join(bin, 'chromium'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findChrome({ PATH: bin }, [])).toBe(join(bin, 'chromium'));
  });

  it('finds the system Chromium, and CHROME_PATH wins', () => {
    const found = findChrome({ PATH: '' });
    expect(CHROME_CANDIDATES).toContain(found);
    expect(findChrome({ CHROME_PATH: found, PATH: '' }, [])).toBe(found);
  });

  it('withPrinter refuses a bad CHROME_PATH before launching anything', async () => {
    let called = false;
    await expect(withPrinter(async () => (called = true), { env: { ...process.env, CHROME_PATH: '/nonexistent/chromium' } })).rejects.toThrow(
      /^Chromium not found: CHROME_PATH=/,
    );
    expect(called).toBe(false);
  });
});

describe('page timeout setting', () => {
  it('option, else BULLETIN_PAGE_TIMEOUT_MS, else 30 s; nonsense is a usage error', () => {
    expect(pageTimeoutMs({})).toBe(30_000);
    expect(pageTimeoutMs({ BULLETIN_PAGE_TIMEOUT_MS: '1' })).toBe(1);
    expect(pageTimeoutMs({ BULLETIN_PAGE_TIMEOUT_MS: '1' }, 500)).toBe(500);
    expect(() => pageTimeoutMs({ BULLETIN_PAGE_TIMEOUT_MS: '10s' })).toThrow(new UsageError("BULLETIN_PAGE_TIMEOUT_MS: '10s' is not a positive whole number of milliseconds"));
    expect(() => pageTimeoutMs({ BULLETIN_PAGE_TIMEOUT_MS: '0' })).toThrow(UsageError);
  });
});

describe('header and footer templates', () => {
  it('escape the text and place the page numbers', () => {
    const header = headerTemplate('A & B <script>alert(1)</script> "x"\n<img src=x>');
    expect(header).toContain('A &amp; B &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot; &lt;img src=x&gt;');
    expect(header).not.toMatch(/<script|<img/);
    expect(header).toContain("font-family:'Noto Sans','Noto Sans CJK SC TT',sans-serif");
    const footer = footerTemplate('第 {page} 页，共 {pages} 页 <b>');
    expect(footer).toContain('第 <span class="pageNumber"></span> 页，共 <span class="totalPages"></span> 页 &lt;b&gt;');
  });
});

describe('printing with real Chromium', () => {
  let printer: Printer;
  let trap: Awaited<ReturnType<typeof trapServer>>;
  beforeAll(async () => {
    printer = await openPrinter({ timeoutMs: 30_000 });
    trap = await trapServer();
  }, 60_000);
  afterAll(async () => {
    await printer?.close();
    trap?.server.close();
    if (printer) {
      expect(chromiumProcessesUsing(printer.userDataDir)).toEqual([]);
      expect(existsSync(printer.userDataDir)).toBe(false);
    }
  });

  it('prints Chinese and English with the header and the localized "page x of y" footer, TrueType fonts embedded, only the bulletin faces', async () => {
    const dir = outDir('two-pages');
    const en = join(dir, 'en.pdf');
    const zh = join(dir, 'zh.pdf');
    const printedEn = await printer.print({ html: twoPages, outFile: en, headerText: 'Reunion · bulletin as of 30 November 2021', footerText: 'Page {page} of {pages}' });
    const printedZh = await printer.print({ html: twoPages, outFile: zh, headerText: '团圆行动 · 截至2021年11月30日', footerText: '第 {page} 页，共 {pages} 页' });
    expect(readdirSync(dir).sort()).toEqual(['en.pdf', 'zh.pdf']); // no temporary file left
    expect(printedEn).toMatchObject({ pages: 2, refusedRequests: [], droppedLinks: [] });
    expect(printedEn.bytes).toBe(readFileSync(en).length);
    expect(printedZh.pages).toBe(2);
    expect(pageCount(en)).toBe(2);
    expect(pageCount(zh)).toBe(2);

    const en1 = squeeze(pdftotext(en, 1));
    expect(en1).toContain('团圆行动Reunionoperation');
    expect(en1).toContain('全国公安机关找回历年失踪被拐儿童。Policerecoveredmissingandabductedchildren.');
    expect(en1).toContain('Reunion·bulletinasof30November2021');
    expect(en1).toContain('Page1of2');
    expect(squeeze(pdftotext(en, 2))).toContain('Page2of2');
    const zh1 = squeeze(pdftotext(zh, 1));
    expect(zh1).toContain('团圆行动·截至2021年11月30日');
    expect(zh1).toContain('第1页，共2页');
    const zh2 = squeeze(pdftotext(zh, 2));
    expect(zh2).toContain('第二页Secondpage.');
    expect(zh2).toContain('第2页，共2页');

    for (const file of [en, zh]) {
      const rows = pdffonts(file);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((row) => !row.embedded)).toEqual([]);
      // No Type 3 font (Chromium's form of CFF outlines): TrueType faces only.
      expect(rows.filter((row) => !['TrueType', 'CID TrueType'].includes(row.type))).toEqual([]);
      const names = fontNames(file);
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((name) => !BULLETIN_FACES.test(name))).toEqual([]);
      expect(names.some((name) => /^NotoSans-/.test(name))).toBe(true); // header, footer
      expect(names.some((name) => /^NotoSansCJKSCTT-/.test(name))).toBe(true); // h1
      expect(names.some((name) => /^NotoSerifCJKSCTT-/.test(name))).toBe(true); // body
    }
  }, 60_000);

  it('text without a font-family is set in the bulletin faces too; a fallback font would be seen', async () => {
    const dir = outDir('fonts');
    await printer.print({ html: '<p>No font-family 没有字体</p>', outFile: join(dir, 'plain.pdf'), headerText: 'h', footerText: '{page}' });
    expect(fontNames(join(dir, 'plain.pdf')).filter((name) => !BULLETIN_FACES.test(name))).toEqual([]);
    // The check above can fail: a font named by the HTML shows up.
    await printer.print({ html: '<p style="font-family: \'DejaVu Sans\'">DejaVu</p>', outFile: join(dir, 'dejavu.pdf'), headerText: 'h', footerText: '{page}' });
    expect(fontNames(join(dir, 'dejavu.pdf')).filter((name) => !BULLETIN_FACES.test(name))).toContain('DejaVuSans');
  }, 60_000);

  it('refuses every request of injected HTML: the server sees no request and no connection, the attempts are listed', async () => {
    const u = trap.base;
    const html = doc(
      `<h1>Injected 注入</h1><img src="${u}/img"><iframe src="${u}/iframe"></iframe>` +
        `<div style="background: url(${u}/bg); height: 20px">bg</div>` +
        `<script>fetch('${u}/js'); document.body.append('JS RAN')</script><script src="${u}/script.js"></script>` +
        `<a href="javascript:fetch('${u}/link')">javascript link</a> <a href="https://example.org/">web link</a>` +
        `<svg width="10" height="10"><image href="${u}/svgimage" width="10" height="10"/></svg>`,
      `<link rel="stylesheet" href="${u}/css"><style>@import url(${u}/import);</style>` +
        `<link rel="prefetch" href="${u}/prefetch"><link rel="preconnect" href="${u}"><link rel="dns-prefetch" href="//tracker.example">`,
    );
    const outFile = join(outDir('injection'), 'injected.pdf');
    const printed = await printer.print({ html, outFile, headerText: 'h', footerText: '{page}' });
    await new Promise((done) => setTimeout(done, 300)); // anything late would still arrive
    expect(trap.requests).toEqual([]);
    expect(trap.connections()).toBe(0);
    const refused = printed.refusedRequests.map((url) => url.replace(u, ''));
    for (const attempt of ['/img', '/iframe', '/bg', '/css', '/import', '/prefetch', '/svgimage']) expect(refused, attempt).toContain(attempt);
    expect(refused.filter((url) => url.startsWith('data:'))).toEqual([]);
    // JavaScript never ran: no fetch was even attempted and the DOM was not changed.
    expect(refused).not.toContain('/js');
    const text = squeeze(pdftotext(outFile));
    expect(text).toContain('Injected注入');
    expect(text).not.toContain('JSRAN');
    // The javascript: link is not in the PDF; the web link is.
    expect(printed.droppedLinks).toEqual([`javascript:fetch('${u}/link')`]);
    const raw = readFileSync(outFile).toString('latin1');
    expect(raw).not.toMatch(/javascript:/i);
    expect(raw).toContain('https://example.org/');
  }, 60_000);

  it('prints header and footer text holding markup as text, fetching nothing', async () => {
    const u = trap.base;
    const outFile = join(outDir('header'), 'header.pdf');
    const before = trap.requests.length;
    const printed = await printer.print({
      html: doc('<p>正文 body</p>'),
      outFile,
      headerText: `<script>alert(1)</script> <img src=${u}/h> 标题`,
      footerText: `<img src="${u}/f"> Page {page} of {pages}`,
    });
    await new Promise((done) => setTimeout(done, 300));
    expect(trap.requests.length).toBe(before);
    expect(trap.connections()).toBe(0);
    expect(printed.refusedRequests).toEqual([]);
    const text = pdftotext(outFile);
    expect(text).toContain(`<script>alert(1)</script> <img src=${u}/h> 标题`);
    expect(text).toContain(`<img src="${u}/f"> Page 1 of 1`);
  }, 60_000);

  it('refuses a page that navigates away (meta refresh) and a page without text; nothing written', async () => {
    const dir = outDir('refused');
    await expect(
      printer.print({ html: doc('<p>moving on</p>', `<meta http-equiv="refresh" content="0; url=${trap.base}/elsewhere">`), outFile: join(dir, 'nav.pdf'), headerText: 'h', footerText: '{page}' }),
    ).rejects.toThrow(/nav\.pdf: the page tried to navigate to http:\/\/127\.0\.0\.1:\d+\/elsewhere; nothing printed$/);
    await expect(printer.print({ html: doc('<div>   </div>'), outFile: join(dir, 'blank.pdf'), headerText: 'h', footerText: '{page}' })).rejects.toThrow(
      /blank\.pdf: the page has no text; nothing printed$/,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(trap.requests).toEqual([]);
  }, 60_000);
});

describe('no Chromium process and no file outlive a failure', () => {
  async function failingPrint(options: Parameters<typeof withPrinter>[1]): Promise<{ error: Error; dir: string; pid: number | undefined; out: string }> {
    const out = outDir(`failing-${Math.random().toString(36).slice(2)}`);
    let dir = '';
    let pid: number | undefined;
    const error = await withPrinter(async (printer) => {
      dir = printer.userDataDir;
      pid = printer.pid;
      expect(isAlive(pid)).toBe(true);
      expect(chromiumProcessesUsing(dir).length).toBeGreaterThan(0);
      await printer.print({ html: twoPages, outFile: join(out, 'x.pdf'), headerText: 'h', footerText: '{page}' });
    }, options).then(
      () => new Error('printed'),
      (e: Error) => e,
    );
    return { error, dir, pid, out };
  }

  function expectCleanedUp(dir: string, pid: number | undefined, out: string): void {
    expect(dir).toMatch(/bulletin-chromium-/);
    expect(chromiumProcessesUsing(dir)).toEqual([]);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(out)).toEqual([]); // neither the PDF nor a temporary file
  }

  it('a page over its deadline (1 ms, as an option) rejects with one line; browser gone, dir removed, nothing written', async () => {
    const { error, dir, pid, out } = await failingPrint({ timeoutMs: 1 });
    expect(error.message).toMatch(/x\.pdf: printing did not finish within 1 ms \(BULLETIN_PAGE_TIMEOUT_MS\); nothing written$/);
    expect(error.message).not.toContain('\n');
    expectCleanedUp(dir, pid, out);
  }, 60_000);

  it('the same with BULLETIN_PAGE_TIMEOUT_MS=1', async () => {
    const { error, dir, pid, out } = await failingPrint({ env: { ...process.env, BULLETIN_PAGE_TIMEOUT_MS: '1' } });
    expect(error.message).toMatch(/within 1 ms/);
    expectCleanedUp(dir, pid, out);
  }, 60_000);

  it('a callback that throws: the error comes through, the browser is closed', async () => {
    let dir = '';
    let pid: number | undefined;
    await expect(
      withPrinter(async (printer) => {
        dir = printer.userDataDir;
        pid = printer.pid;
        throw new Error('boom');
      }),
    ).rejects.toThrow(/^boom$/);
    expectCleanedUp(dir, pid, outDir('throwing'));
  }, 60_000);

  it('SIGTERM while printing: the command dies of it, its Chromium with it, the dir removed', async () => {
    const out = join(outDir('signal'), 'held.pdf');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), join(repoRoot, 'test', 'render', 'fixtures', 'printer-child.ts'), 'hold', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', () => stdout.includes('\n') && done());
      child.on('exit', (code) => fail(new Error(`child exited early (${code}): ${stdout}`)));
    });
    const [, dir, pidText] = stdout.trim().split(' ');
    expect(isAlive(Number(pidText))).toBe(true);
    expect(existsSync(out)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    await new Promise((done) => setTimeout(done, 200)); // SIGKILL is delivered at once, reaping takes a moment
    expect(chromiumProcessesUsing(dir)).toEqual([]);
    expect(isAlive(Number(pidText))).toBe(false);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});

describe('fonts', () => {
  it('without the fonts (fontconfig seeing no font at all, an empty fonts folder) printing is refused with one line, exit 2, before Chromium starts', async () => {
    const dir = outDir('no-fonts');
    const conf = join(dir, 'fonts.conf');
    writeFileSync(conf, '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n');
    const scratch = outDir('no-fonts-tmp');
    const out = join(dir, 'x.pdf');
    const child = (env: Record<string, string>) =>
      runNode([join(repoRoot, 'bin', 'run.js'), join(repoRoot, 'test', 'render', 'fixtures', 'printer-child.ts'), 'print', out], { TMPDIR: scratch, ...env });
    const refused = await child({ FONTCONFIG_FILE: conf, BULLETIN_FONTS_DIR: dir });
    expect(refused.stderr).toBe(`bulletin: ${FONTS_MISSING}; not found: Noto Serif, Noto Sans, Noto Serif CJK SC TT, Noto Sans CJK SC TT\n`);
    expect(refused.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    const chromiumDirs = () => readdirSync(scratch).filter((name) => name.startsWith('bulletin-chromium-')); // not tsx's cache
    expect(chromiumDirs()).toEqual([]); // no user-data dir was even made
    // The same child prints with the system's fonts: the refusal above is the fonts' doing.
    const printed = await child({});
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(squeeze(pdftotext(out))).toContain('子进程childprocess');
    expect(chromiumDirs()).toEqual([]); // made under TMPDIR, and removed
  }, 60_000);
});
