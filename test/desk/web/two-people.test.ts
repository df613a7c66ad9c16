// The story of issue 14 in a real browser (puppeteer-core, Debian's Chromium) against `bulletin desk serve` as a
// real process, as two people in two browser contexts: the author (li.na, drafter) logs in, drafts the November
// bulletin through the page, edits a notable case in both languages, saves and submits, and cannot approve, neither
// by a button nor by a hand-made POST; the approver (wang.fang) sees the change and the figures against the last
// release and approves with a release time; the release mails each recipient once and the page lists the
// deliveries. The author's save also holds a hostile notable case (markup, a script, an image from a server of
// this test): it must show as text in both people's pages, run nothing and fetch nothing, all through the story.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, HTTPResponse, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../deliver/smtp-server.ts';
import { AFTER_RELEASE, AS_OF, EDITION_ID, EDITION_PATH, PRESS, RELEASE_AT, USERS, launchChromium, webDesk, type DeskPage, type UserName, type WebDesk } from './fixture.ts';

const RELEASED_AS_OF = '2021-10-31';
const CASE_1 = {
  en: 'A woman who went missing from Shandong in 1947 at the age of four was matched through the national DNA database and met her younger brother at a family-recognition event in Jinan. The family thanked the volunteers who never stopped looking.',
  zh: '1947年在山东走失、时年4岁的一名女子，经全国打拐DNA数据库比中，在济南举行的认亲活动中与弟弟相认。家人向坚持寻找的志愿者致谢。',
};
const number = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 2 });

describe('the press desk page in a browser, as the author and the approver', () => {
  let desk: WebDesk;
  let page: DeskPage;
  let browser: Browser;
  // A server that only counts what reaches it: the hostile case's image points here.
  let bait: Server;
  const baitRequests: string[] = [];
  let baitUrl: string;
  // What either person's browser did that it must not: dialogs (a script ran) and requests away from the desk page.
  const dialogs: string[] = [];
  const foreignRequests: string[] = [];
  const people = {} as Record<'author' | 'approver', { context: BrowserContext; tab: Page }>;
  let hostile: { title_en: string; title_zh: string; en: string; zh: string };

  /** A new browser context (another person), its tab watched for dialogs and requests to anywhere else. */
  async function person(): Promise<{ context: BrowserContext; tab: Page }> {
    const context = await browser.createBrowserContext();
    const tab = await context.newPage();
    tab.setDefaultTimeout(180_000);
    tab.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    tab.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${page.url}/`) && !url.startsWith('data:') && url !== 'about:blank') foreignRequests.push(url);
    });
    return { context, tab };
  }

  /** Clicks and waits for the page that the click's form post (or link) leads to. */
  async function follow(tab: Page, selector: string): Promise<HTTPResponse> {
    const [response] = await Promise.all([tab.waitForNavigation(), tab.click(selector)]);
    expect(response, selector).not.toBeNull();
    return response!;
  }

  async function fill(tab: Page, selector: string, text: string): Promise<void> {
    await tab.$eval(selector, (el) => ((el as HTMLInputElement).value = ''));
    await tab.type(selector, text);
  }

  async function logIn(tab: Page, user: UserName): Promise<void> {
    await tab.goto(`${page.url}${EDITION_PATH}`);
    // Not logged in: the page sends the visitor to the login form, and back to where they were going afterwards.
    expect(new URL(tab.url()).pathname).toBe('/login');
    await tab.type('input[name=username]', user);
    await tab.type('input[name=password]', USERS[user].password);
    await follow(tab, 'form[action="/login"] button[type=submit]');
    expect(await tab.$eval('.who', (el) => el.textContent)).toContain(user);
  }

  const text = (tab: Page, selector: string) => tab.$eval(selector, (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim());
  const flash = (tab: Page) => text(tab, '.flash');
  const state = (tab: Page) => text(tab, 'h1 .badge');
  const buttons = (tab: Page) => tab.$$eval('button[name=go]', (all) => all.map((b) => (b as HTMLButtonElement).value));
  /** Rows of a table as cell texts. */
  const rows = (tab: Page, selector: string) =>
    tab.$$eval(`${selector} tbody tr`, (all) => all.map((row) => [...(row as HTMLTableRowElement).cells].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())));

  /** The page's HTML as the server sent it (not the browser's DOM) must hold the hostile case as text only. */
  function expectEscaped(html: string): void {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(`&lt;img src&#x3D;${baitUrl}/text&gt;`);
    expect(html).toContain('&lt;/textarea&gt;');
    expect(html).not.toMatch(/<script|<img|<\/textarea>\s*<script/i);
  }

  beforeAll(async () => {
    [desk, bait] = await Promise.all([
      webDesk('bulletin-desk-two-people-', { releasedAsOf: RELEASED_AS_OF }),
      new Promise<Server>((resolve) => {
        const server = createServer((request, response) => {
          baitRequests.push(request.url ?? '');
          response.end();
        });
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ]);
    baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}`;
    hostile = {
      title_en: `"><img src=${baitUrl}/title>`,
      title_zh: `"><script>alert(1)</script>标题`,
      en: `</textarea><script>alert(1)</script><img src=${baitUrl}/text> plain text`,
      zh: `</textarea><script>alert(1)</script><img src=${baitUrl}/text> 纯文本`,
    };
    [page, browser] = await Promise.all([desk.serve(), launchChromium(desk.dir)]);
    people.author = await person();
    people.approver = await person();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => bait?.close(resolve));
    await desk?.cleanup();
  });

  it('the author drafts, edits a notable case in both languages, saves (logged with what changed) and submits; she has no Approve button, and her hand-made approve is 403 and changes nothing', async () => {
    const { tab } = people.author;
    await logIn(tab, 'li.na');
    expect(new URL(tab.url()).pathname).toBe(EDITION_PATH); // back where she was going: no edition yet
    expect(await text(tab, 'main h1')).toBe('404');

    await tab.goto(`${page.url}/`);
    await tab.$eval('input[name=as_of]', (el, asOf) => ((el as HTMLInputElement).value = asOf), AS_OF);
    await follow(tab, 'form[action="/draft"] button[type=submit]');
    expect(new URL(tab.url()).pathname).toBe(EDITION_PATH);
    expect(await flash(tab)).toBe('草稿已生成。');
    expect(await state(tab)).toBe('草稿');

    // Case 1 in both languages, and a new case that is nothing but markup.
    await fill(tab, 'textarea[name=en_0]', CASE_1.en);
    await fill(tab, 'textarea[name=zh_0]', CASE_1.zh);
    await fill(tab, 'input[name=title_en_2]', hostile.title_en);
    await fill(tab, 'input[name=title_zh_2]', hostile.title_zh);
    await fill(tab, 'textarea[name=en_2]', hostile.en);
    await fill(tab, 'textarea[name=zh_2]', hostile.zh);
    const saved = await follow(tab, 'form.cases button[type=submit]');
    expect(await flash(tab)).toBe('典型案例已保存，草稿已重新生成。');
    expectEscaped(await saved.text());
    expect(await tab.$eval('textarea[name=en_0]', (el) => (el as HTMLTextAreaElement).value)).toBe(CASE_1.en);
    expect(await tab.$eval('textarea[name=zh_0]', (el) => (el as HTMLTextAreaElement).value)).toBe(CASE_1.zh);
    expect(await tab.$eval('textarea[name=en_2]', (el) => (el as HTMLTextAreaElement).value)).toBe(hostile.en);
    expect(await tab.$eval('input[name=title_en_2]', (el) => (el as HTMLInputElement).value)).toBe(hostile.title_en);
    const edit = (await rows(tab, 'table.log')).find((cells) => cells[2] === '修改典型案例');
    expect(edit).toBeDefined();
    expect(edit![1]).toBe('li.na');
    expect(edit![4]).toContain('case 1 en text and zh text changed');
    expect(edit![4]).toContain('case 3 added');
    // The draft itself was rendered again with the new text (its HTML, shown beside the other language).
    const draft = await tab.goto(`${page.url}${EDITION_PATH}/zh.html`);
    expect(await draft!.text()).toContain('家人向坚持寻找的志愿者致谢。');
    await tab.goto(`${page.url}${EDITION_PATH}`);

    await fill(tab, 'form[action$="/submit"] input[name=note]', '11月通报，请审核');
    await follow(tab, 'button[name=go][value=submit]');
    expect(await flash(tab)).toBe('已提交审核。');
    expect(await state(tab)).toBe('待审核');
    expect(await buttons(tab)).not.toContain('approve');

    // A hand-made approve from her own session, posted by her browser (so with the page's Origin).
    const before = await desk.contents();
    const [refused] = await Promise.all([
      tab.waitForNavigation(),
      tab.evaluate((action: string, releaseAt: string) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        for (const [name, value] of [['release_at', releaseAt], ['go', 'approve']]) {
          const input = document.createElement('input');
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      }, `${EDITION_PATH}/approve`, RELEASE_AT),
    ]);
    expect(refused!.status()).toBe(403);
    expect(await refused!.text()).toContain('li.na (drafter) may not approve');
    expect(await desk.contents()).toEqual(before);
    expect((await desk.edition()).state).toBe('submitted');
  }, 300_000);

  it('the approver sees the edited case and the figures against the last release (value, last release, change), and approves with a release time', async () => {
    const { tab } = people.approver;
    await logIn(tab, 'wang.fang');
    expect(new URL(tab.url()).pathname).toBe(EDITION_PATH);
    expect(await state(tab)).toBe('待审核');
    expectEscaped(await (await tab.reload())!.text());
    expect(await tab.$eval('textarea[name=en_0]', (el) => (el as HTMLTextAreaElement).value)).toBe(CASE_1.en);
    expect(await tab.$eval('textarea[name=zh_0]', (el) => (el as HTMLTextAreaElement).value)).toBe(CASE_1.zh);

    // The comparison table: each scalar figure's value, its value at the last release, and the change.
    const headers = await tab.$$eval('table.figures thead th', (all) => all.map((th) => (th.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(headers).toEqual(['指标', '本期数值', `上次发布 (${RELEASED_AS_OF})`, '变化', '来源（SQL、参数、快照）']);
    const current = await desk.cli(['metrics', '--as-of', AS_OF, '--json']);
    expect(current.code, current.stderr).toBe(0);
    const now = JSON.parse(current.stdout).metrics as Record<string, unknown>;
    const released = desk.released!;
    const table = new Map((await rows(tab, 'table.figures')).map((cells) => [cells[0].split(' ').at(-1)!, cells]));
    let compared = 0;
    for (const [figure, cells] of table) {
      const [value, last] = [now[figure], released[figure]];
      // Counts only (a rate is shown in per cent, its change in points).
      if (!Number.isInteger(value) || !Number.isInteger(last)) continue;
      // As the bulletin prints it: every printed form, e.g. "more than 120 / 127".
      expect(cells[1].split(' / '), figure).toContain(number(value as number));
      const change = (value as number) - (last as number);
      expect(cells[2], figure).toBe(number(last as number));
      expect(cells[3], figure).toBe(`${change > 0 ? '+' : ''}${number(change)}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
    expect(table.get('recovered')![3]).toMatch(/^\+\d/);

    await fill(tab, 'input[name=release_at]', RELEASE_AT);
    await follow(tab, 'button[name=go][value=approve]');
    expect(await flash(tab)).toBe('已审核通过，最终PDF已生成。');
    expect(await state(tab)).toBe('已审核');
    const facts = await tab.$$eval('.facts dt', (all) => all.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
    expect(facts).toContainEqual(['发布时间（北京时间）', RELEASE_AT]);
    expect(facts).toContainEqual(['审核人', 'wang.fang']);
    // Approved: the cases are shown, not edited; still as text.
    expectEscaped(await (await tab.reload())!.text());
    expect(await text(tab, '.case-view')).toContain('家人向坚持寻找的志愿者致谢。');

    const author = people.author.tab;
    await author.goto(`${page.url}${EDITION_PATH}`);
    expect(await state(author)).toBe('已审核');
    expect(await buttons(author)).not.toContain('approve');
  }, 300_000);

  it('the release mails each recipient once; the deliveries list each with its Message-ID and the server\'s answer; the header switches to English and back; nothing ran, nothing was fetched from elsewhere', async () => {
    const released = await desk.cli(['edition', 'release', EDITION_ID], { now: AFTER_RELEASE });
    expect(released.code, released.stderr).toBe(0);
    const received = new Map(PRESS.map((address) => [address, desk.smtp.messages.filter((m) => m.to.includes(address))]));
    for (const [address, mails] of received) expect(mails, address).toHaveLength(1);
    expect(desk.smtp.messages.flatMap((m) => m.to).sort()).toEqual([...PRESS].sort());

    const { tab } = people.approver;
    await tab.goto(`${page.url}${EDITION_PATH}`);
    expect(await state(tab)).toBe('已发布');
    const deliveries = await rows(tab, 'table.list:not(.log)');
    expect(deliveries.map((cells) => cells[2]).sort()).toEqual([...PRESS].sort());
    for (const [address, [mail]] of received) {
      const row = deliveries.find((cells) => cells[2] === address)!;
      expect(row[3], address).toBe('sent');
      expect(row[4], address).toBe(parseMail(mail.raw).header('message-id'));
      // The server's answer as the release printed it (outcome, address, Message-ID, code, answer): the answer,
      // which begins with the code already, is shown as it is, not after the code a second time.
      const printed = released.stdout.split('\n').find((line) => line.split('\t')[1] === address)!.split('\t');
      expect(printed.slice(0, 4), address).toEqual(['sent', address, row[4], '250']);
      expect(row[5], address).toBe(printed[4]);
    }

    await follow(tab, 'header a.lang');
    expect(await tab.$eval('html', (el) => el.lang)).toBe('en');
    expect(await text(tab, 'h1 .badge')).toBe('released');
    const english = await tab.$$eval('main h2', (all) => all.map((h) => h.textContent));
    expect(english).toContain('Deliveries');
    expect(english).toContain('Figures and their sources');
    expect(await text(tab, 'header')).toContain('Log out');
    await follow(tab, 'header a.lang');
    expect(await tab.$eval('html', (el) => el.lang)).toBe('zh-CN');
    expect(await tab.$$eval('main h2', (all) => all.map((h) => h.textContent))).toContain('发送记录');
    // The other person's language did not change with it.
    const author = people.author.tab;
    await author.goto(`${page.url}${EDITION_PATH}`);
    expect(await author.$eval('html', (el) => el.lang)).toBe('zh-CN');
    expectEscaped(await (await author.reload())!.text());

    expect(await tab.$$eval('script, img', (all) => all.length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(baitRequests).toEqual([]);
  }, 300_000);
});
