// A shared Chromium (BULLETIN_CHROMIUM_WS, pipeline/render/pdf.ts): a printer given one prints in it, with the same
// hardening and fonts as a browser of its own, and leaves it running for the others; a printer whose Chromium or fonts
// differ from the shared one's, or which cannot reach it, launches its own as before.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChrome, launchSharedChromium, openPrinter, SHARED_CHROMIUM_VARIABLE, type SharedChromium } from '../../pipeline/render/pdf.ts';
import { runCli, tempDir } from '../helpers.ts';
import { BULLETIN_FACES, fontNames, pageCount, pdftotext, squeeze } from './poppler.ts';

const page = (body: string): string =>
  `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>@page { size: A4; margin: 20mm; } body { font-family: "Noto Serif CJK SC TT"; }</style></head><body>${body}</body></html>`;

describe('a shared Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  let shared: SharedChromium;
  let server: Server;
  let connections = 0;
  let base = '';
  const env = (variable: string) => ({ ...process.env, [SHARED_CHROMIUM_VARIABLE]: variable });

  beforeAll(async () => {
    tmp = tempDir('bulletin-shared-chromium-');
    shared = await launchSharedChromium();
    server = createServer((_, res) => res.end('x'));
    server.on('connection', () => connections++);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await shared?.close();
    server?.close();
    tmp?.cleanup();
  });

  it('a printer given it prints there (no browser of its own), hardened and in the bulletin faces, and leaves it running', async () => {
    for (const round of [1, 2]) {
      const printer = await openPrinter({ env: env(shared.variable) });
      expect(printer.pid, 'no browser of its own').toBeUndefined();
      expect(printer.userDataDir).toBe('');
      const file = join(tmp.dir, `shared-${round}.pdf`);
      const result = await printer.print({
        html: page(`<h1>团圆行动 round ${round}</h1><img src="${base}/pixel.png"><link rel="stylesheet" href="${base}/style.css">`),
        outFile: file,
        headerText: '头',
        footerText: '第 {page} 页',
      });
      await printer.close();
      expect(pageCount(file)).toBe(1);
      expect(squeeze(pdftotext(file))).toContain(`团圆行动round${round}`);
      expect(fontNames(file).filter((name) => !BULLETIN_FACES.test(name))).toEqual([]);
      expect(result.refusedRequests).toEqual(expect.arrayContaining([`${base}/pixel.png`, `${base}/style.css`]));
    }
    expect(connections, 'nothing reached the network').toBe(0);
    // Closing a printer left the shared browser running: a third one still prints there.
    const third = await openPrinter({ env: env(shared.variable) });
    expect(third.pid).toBeUndefined();
    await third.close();
  }, 120_000);

  it('a document printed there again (same HTML, header, footer and deadline) is not printed again: the first PDF, copied', async () => {
    const { default: puppeteer } = await import('puppeteer-core');
    const watcher = await puppeteer.connect({ browserWSEndpoint: shared.variable.split(' ')[0] });
    let pagesOpened = 0;
    watcher.on('targetcreated', (target) => {
      if (target.type() === 'page') pagesOpened++;
    });
    const job = (name: string, headerText = '头') => ({ html: page(`<h1>再次 ${base}</h1>`), outFile: join(tmp.dir, name), headerText, footerText: '第 {page} 页' });
    try {
      const print = async (name: string, headerText?: string, timeoutMs?: number) => {
        const printer = await openPrinter({ env: env(shared.variable), timeoutMs });
        try {
          return await printer.print(job(name, headerText));
        } finally {
          await printer.close();
        }
      };
      const first = await print('again-1.pdf');
      expect(pagesOpened).toBe(1);
      const second = await print('again-2.pdf');
      expect(pagesOpened, 'no page opened for the same document').toBe(1);
      expect(second).toEqual(first);
      expect(readFileSync(join(tmp.dir, 'again-2.pdf')).equals(readFileSync(join(tmp.dir, 'again-1.pdf')))).toBe(true);
      // Another header, or another deadline, is another print.
      await print('again-3.pdf', '另一个头');
      expect(pagesOpened).toBe(2);
      expect(squeeze(pdftotext(join(tmp.dir, 'again-3.pdf')))).toContain('另一个头');
      await print('again-4.pdf', undefined, 29_000);
      expect(pagesOpened).toBe(3);
    } finally {
      await watcher.disconnect();
    }
  }, 120_000);

  it('with another key (another Chromium or other fonts), or out of reach, it is passed over: the printer launches its own', async () => {
    const [endpoint, key] = shared.variable.split(' ');
    const dead = `ws://127.0.0.1:9/devtools/browser/none ${key}`;
    for (const [label, variable] of [
      ['another key', `${endpoint} 0000000000000000`],
      ['nothing listening', dead],
    ] as const) {
      const printer = await openPrinter({ env: env(variable) });
      try {
        expect(printer.pid, label).toBeDefined();
        expect(printer.userDataDir, label).toMatch(/bulletin-chromium-/);
        const file = join(tmp.dir, `own-${label.replaceAll(' ', '-')}.pdf`);
        await printer.print({ html: page(`<p>${label}</p>`), outFile: file, headerText: 'h', footerText: 'f' });
        expect(pageCount(file), label).toBe(1);
      } finally {
        await printer.close();
      }
    }
  }, 120_000);

  it('the key names the Chromium binary and the font configuration: another FONTCONFIG_FILE is another key', async () => {
    const printer = await openPrinter({ env: { ...env(shared.variable), FONTCONFIG_FILE: '/etc/fonts/fonts.conf' } });
    try {
      // The shared browser was started without FONTCONFIG_FILE: this printer's fonts could differ, so it launches.
      expect(printer.pid).toBeDefined();
    } finally {
      await printer.close();
    }
  }, 120_000);

  it('`bulletin render` given it prints there and launches no Chromium; without it, it launches its own', async () => {
    const { conformanceWarehouse } = await import('../conformance.ts');
    const db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'), 'batch1');
    // A Chromium that notes each launch: the shared browser is started through it, and so would a command's own be.
    const launches = join(tmp.dir, 'launches.log');
    const wrapper = join(tmp.dir, 'chromium');
    writeFileSync(wrapper, `#!/bin/sh\necho launch >> '${launches}'\nexec '${findChrome()}' "$@"\n`, { mode: 0o755 });
    const counted = await launchSharedChromium({ ...process.env, CHROME_PATH: wrapper });
    try {
      const launched = () => readFileSync(launches, 'utf8').split('\n').filter(Boolean).length;
      expect(launched()).toBe(1);
      const render = (out: string, variable: string) =>
        runCli(['render', '--db', db, '--as-of', '2021-08-31', '--lang', 'zh', '--out', join(tmp.dir, out)], { CHROME_PATH: wrapper, [SHARED_CHROMIUM_VARIABLE]: variable });
      const r = await render('shared', counted.variable);
      expect(r.code, r.stderr).toBe(0);
      expect(squeeze(pdftotext(join(tmp.dir, 'shared', 'press.zh.pdf')))).toContain('团圆');
      expect(launched(), 'printed in the shared browser').toBe(1);
      const own = await render('own', '');
      expect(own.code, own.stderr).toBe(0);
      expect(launched(), 'its own browser').toBe(2);
    } finally {
      await counted.close();
    }
  }, 120_000);
});
