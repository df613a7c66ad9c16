// `npm run screenshots`: pictures of the press desk page for the README, made from the demo so they stay true.
// On a copy of the demo warehouse (data/demo, made by `npm run setup`), with two desk users, the real `bulletin`
// command drafts, submits and approves the September bulletin and drafts and submits November's; then
// `bulletin desk serve` runs and Chromium, logged in as the approver, photographs the editions list and the
// November edition in Chinese and in English into docs/screenshots/. The desk's clock is 1 December 2021, 10:00.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';

const repo = resolve(import.meta.dirname, '..');
const out = join(repo, 'docs', 'screenshots');
const work = mkdtempSync(join(tmpdir(), 'bulletin-screenshots-'));
const db = join(work, 'warehouse.duckdb');
const USERS = { 'li.na': { role: 'drafter', password: 'li.na demo passphrase' }, 'wang.fang': { role: 'approver', password: 'wang.fang demo passphrase' } };
const env = {
  ...process.env,
  BULLETIN_NOW: '2021-12-01T10:00:00+08:00',
  BULLETIN_EDITORIAL_DIR: join(work, 'editorial'),
  BULLETIN_PII_KEY_FILE: join(repo, 'data', 'demo', 'pii.key'),
  TZ: 'UTC',
};

function bulletin(args: string[], as?: keyof typeof USERS): string {
  return execFileSync(process.execPath, [join(repo, 'bin', 'bulletin.js'), '--db', db, '--config', join(repo, 'config', 'bulletin.yaml'), ...args, ...(as ? ['--as', as] : [])], {
    cwd: work,
    env: { ...env, ...(as ? { BULLETIN_DESK_PASSWORD: USERS[as].password } : {}) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function main(): Promise<void> {
  const demo = join(repo, 'data', 'demo');
  for (const name of readdirSync(demo).filter((n) => n.startsWith('warehouse.duckdb') && !n.includes('.desk'))) cpSync(join(demo, name), join(work, name), { recursive: true });
  cpSync(join(repo, 'data', 'editorial'), join(work, 'editorial'), { recursive: true });
  for (const [name, user] of Object.entries(USERS)) {
    execFileSync(process.execPath, [join(repo, 'bin', 'bulletin.js'), '--db', db, 'desk', 'user', 'add', name, '--role', user.role, '--email', `${name}@reunion.example`], {
      env: { ...env, BULLETIN_DESK_PASSWORD: user.password },
      stdio: 'inherit',
    });
  }
  const september = bulletin(['edition', 'draft', '--as-of', '2021-09-16'], 'li.na').split('\n')[0];
  bulletin(['edition', 'submit', september], 'li.na');
  bulletin(['edition', 'approve', september, '--release-at', '2021-12-02 09:30'], 'wang.fang');
  const november = bulletin(['edition', 'draft', '--as-of', '2021-11-30'], 'li.na').split('\n')[0];
  bulletin(['edition', 'submit', november, '--note', '11月通报，请审核'], 'li.na');

  const server = spawn(process.execPath, [join(repo, 'bin', 'bulletin.js'), '--db', db, '--config', join(repo, 'config', 'bulletin.yaml'), 'desk', 'serve', '--listen', '127.0.0.1:0'], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let text = '';
    server.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /desk page on (http:\/\/\S+)/.exec(text);
      if (match) resolveUrl(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`bulletin desk serve exited (${code}): ${text}`)));
  });
  const browser = await puppeteer.launch({
    executablePath: process.env.BULLETIN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: join(work, 'chromium'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1000, deviceScaleFactor: 1 });
    await page.goto(`${url}/login`);
    await page.type('input[name=username]', 'wang.fang');
    await page.type('input[name=password]', USERS['wang.fang'].password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    mkdirSync(out, { recursive: true });
    const edition = `/editions/${november.replace('#', '/').split('/').map(encodeURIComponent).join('/')}`;
    for (const lang of ['zh', 'en']) {
      await page.goto(`${url}/lang/${lang}?back=/`);
      await page.screenshot({ path: join(out, `desk-editions.${lang}.png`) });
      await page.goto(`${url}${edition}`, { waitUntil: 'networkidle0' });
      // The top of the edition page (drafts side by side, checklist, the first figures, the actions): the whole page
      // is five screens tall and would put megabytes into git at every run.
      await page.setViewport({ width: 1440, height: 1500, deviceScaleFactor: 1 });
      await page.screenshot({ path: join(out, `desk-edition.${lang}.png`) });
      await page.setViewport({ width: 1440, height: 1000, deviceScaleFactor: 1 });
      process.stderr.write(`screenshots: ${join('docs', 'screenshots', `desk-editions.${lang}.png`)}, desk-edition.${lang}.png\n`);
    }
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
