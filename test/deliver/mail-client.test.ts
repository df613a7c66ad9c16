// The bulletin mail as a mail client reads it (issue 16): composed by composeMail from a figures file and PDF bytes,
// sent by deliver's mailFiles through the SMTP test server on 127.0.0.1, and read back with Python's `email`
// package: a text part and an HTML part with the same words and headline figures, From with the office's name,
// the PDFs attached under their names. No Chromium here: the end-to-end `bulletin deliver` mail is read the same
// way in deliver.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configPath, loadConfig, parseConfig } from '../../pipeline/config.ts';
import { mailFiles } from '../../pipeline/deliver/deliver.ts';
import { bulletinFileStem, composeMail, type FiguresFile, type MailOptions, type RenderedLanguage } from '../../pipeline/deliver/message.ts';
import { smtpSettings } from '../../pipeline/deliver/smtp.ts';
import { UsageError } from '../../pipeline/errors.ts';
import type { Language } from '../../pipeline/labels.ts';
import { bulletinKind } from '../../pipeline/render/templates.ts';
import { repoRoot, tempDir } from '../helpers.ts';
import { readWithPython, textParagraphs, type ClientReading } from './mail-client.ts';
import { startSmtpServer, TEST_SENDER, type TestSmtpServer } from './smtp-server.ts';

const OFFICE = { nameZh: '公安部刑事侦查局', nameEn: 'Criminal Investigation Department, Ministry of Public Security' };
const STEM = bulletinFileStem('reunion-2021', 'press', '2021-11-30');
/** Counts whose press rounding differs from the exact number, so the test sees which form each part prints. */
const COUNTS = { recovered: 8307, cold_cases_solved: 293, suspects_arrested: 3046, longest_separation_years: 74 };
/** The headline sentence of each language, as the text part must have it, and the HTML part too. */
const HEADLINES: Record<'press' | 'briefing', Record<Language, string>> = {
  press: {
    zh: '找回历年失踪被拐儿童8307名，侦破拐卖儿童积案290余起，抓获拐卖犯罪嫌疑人3000余名，最长分离时间74年。',
    en: 'recovered 8,307 missing and abducted children, solved more than 290 accumulated cases and arrested more than 3,000 suspects; the longest separation was 74 years.',
  },
  briefing: {
    zh: '找回历年失踪被拐儿童8307名，侦破拐卖儿童积案293起，抓获拐卖犯罪嫌疑人3046名，最长分离时间74年。',
    en: '8,307 children recovered, 293 accumulated cases solved, 3,046 suspects arrested; the longest separation was 74 years.',
  },
};
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the bulletin mail in a mail client', () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestSmtpServer;
  const pdfs: Record<Language, Buffer> = { zh: Buffer.alloc(0), en: Buffer.alloc(0) };
  let sent = 0;

  beforeAll(async () => {
    tmp = tempDir('bulletin-mail-client-');
    server = await startSmtpServer();
    for (const language of ['zh', 'en'] as Language[]) {
      // PDF-like bytes with lines a careless encoder would break ("." alone, CR LF).
      pdfs[language] = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(50_000), Buffer.from('\r\n.\r\n%%EOF\n')]);
      writeFileSync(join(tmp.dir, `press.${language}.pdf`), pdfs[language]);
    }
  });
  afterAll(async () => {
    await server?.close();
    tmp?.cleanup();
  });

  const rendered = (languages: Language[], snapshot = '20261123T031319Z-load12'): RenderedLanguage[] =>
    languages.map((language) => {
      const figures: FiguresFile = {
        as_of: '2021-11-30',
        operation_start: '2021-01-01',
        snapshot,
        figures: Object.fromEntries(Object.entries(COUNTS).map(([id, computed]) => [id, { computed }])),
      };
      return { language, pdf: join(tmp.dir, `press.${language}.pdf`), figures };
    });

  /** Composes, sends through mailFiles to a fresh recipient, and reads what the server received with Python. */
  async function mailAndRead(template: 'press' | 'briefing', files: RenderedLanguage[], options: MailOptions = {}): Promise<ClientReading> {
    const recipient = `reader${++sent}@reunion.example`;
    const composed = composeMail(bulletinKind(template), STEM, files, options);
    const [result] = await mailFiles({
      dbPath: join(tmp.dir, 'warehouse.duckdb'),
      mail: { attempts: 1, retryDelaySeconds: 0.05, maxRetryDelaySeconds: 0.05 },
      smtp: smtpSettings(server.env()),
      bulletin: `mail-client/${sent}`,
      snapshot: files[0].figures.snapshot,
      composed,
      recipients: [recipient],
      log: () => undefined,
    });
    expect(result.outcome, result.response).toBe('sent');
    const [message] = server.messages.filter((m) => m.to.includes(recipient));
    const read = readWithPython(message.raw);
    expect(read.defects).toEqual([]);
    return read;
  }

  it('has a text part and an HTML part with the same words and headline figures, From the office by name, the PDFs by name', async () => {
    const read = await mailAndRead('press', rendered(['en', 'zh']), { office: loadConfig(configPath(undefined, {})).office });
    expect(read.from).toEqual({ displayName: '公安部刑事侦查局 Criminal Investigation Department, Ministry of Public Security', address: TEST_SENDER });
    expect(read.structure).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/html', 'application/pdf', 'application/pdf']);
    // The same words, paragraph for paragraph, Chinese first; the headline figures in both, in press form.
    expect(read.htmlParagraphs).toEqual(textParagraphs(read.text));
    expect(read.htmlParagraphs[0]).toBe(read.subject.split(' / ')[0]);
    for (const language of ['zh', 'en'] as Language[]) {
      expect(read.text).toContain(HEADLINES.press[language]);
      expect(read.htmlParagraphs.some((p) => p.includes(HEADLINES.press[language])), language).toBe(true);
    }
    expect(read.text.indexOf(HEADLINES.press.zh)).toBeLessThan(read.text.indexOf(HEADLINES.press.en));
    expect(read.attachments).toEqual([
      { filename: 'reunion-2021-press-2021-11-30.zh.pdf', contentType: 'application/pdf', sha256: sha256(pdfs.zh) },
      { filename: 'reunion-2021-press-2021-11-30.en.pdf', contentType: 'application/pdf', sha256: sha256(pdfs.en) },
    ]);
    // Nothing a mail client would fetch, run or strip: inline styles only, each language marked.
    expect(new Set(read.htmlTags)).toEqual(new Set(['html', 'head', 'meta', 'title', 'body', 'div', 'h1', 'p', 'strong', 'hr']));
    expect(new Set(read.htmlAttributes)).toEqual(new Set(['lang', 'charset', 'name', 'content', 'style']));
    expect(read.html).not.toMatch(/https?:|url\(|@import|<script|<img|<link|<style/i);
    expect(read.html).toMatch(/<div lang="zh-CN"[^>]*>\s*<h1/);
    expect(read.html).toMatch(/<div lang="en"[^>]*>\s*<h1/);
  }, 30_000);

  it('every value is escaped: markup in a value is printed as written, in both parts', async () => {
    // The snapshot id is printed by the briefing's body; here it carries markup and an entity.
    const hostile = '<script>alert("x")</script><img src="http://evil.example/p.png"> & &amp;';
    const read = await mailAndRead('briefing', rendered(['zh', 'en'], hostile), { office: OFFICE });
    expect(read.text).toContain(`(data snapshot ${hostile})`);
    expect(read.htmlParagraphs).toEqual(textParagraphs(read.text));
    expect(read.htmlParagraphs.filter((p) => p.includes(hostile))).toHaveLength(2);
    expect(read.htmlTags).not.toContain('script');
    expect(read.htmlTags).not.toContain('img');
    expect(read.htmlAttributes).not.toContain('src');
    for (const language of ['zh', 'en'] as Language[]) expect(read.text).toContain(HEADLINES.briefing[language]);
  }, 30_000);

  it('a mail in one language names the office in that language; without an office in the configuration, From is the bare address', async () => {
    const english = await mailAndRead('press', rendered(['en']), { office: OFFICE });
    expect(english.from).toEqual({ displayName: OFFICE.nameEn, address: TEST_SENDER });
    expect(english.structure).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/html', 'application/pdf']);
    expect(english.htmlParagraphs).toEqual(textParagraphs(english.text));
    const chinese = await mailAndRead('press', rendered(['zh']), { office: OFFICE });
    expect(chinese.from).toEqual({ displayName: OFFICE.nameZh, address: TEST_SENDER });
    const anonymous = await mailAndRead('press', rendered(['zh', 'en']));
    expect(anonymous.from).toEqual({ displayName: '', address: TEST_SENDER });
  }, 30_000);

  it('a test send\'s preface is in both parts, before the body', async () => {
    const preface = 'TEST: a test send of edition reunion-2021/press/2021-11-30#1 (state draft) to li.na alone.\n测试邮件：并非正式发布，其他人未收到。';
    const read = await mailAndRead('press', rendered(['zh', 'en']), { office: OFFICE, preface, subjectPrefix: '[TEST] ' });
    expect(read.subject).toMatch(/^\[TEST\] /);
    expect(read.text.slice(0, preface.length + 10)).toBe(`${preface}\n\n——————\n\n`);
    expect(read.htmlParagraphs[0]).toBe(preface);
    expect(read.htmlParagraphs).toEqual(textParagraphs(read.text));
  }, 30_000);
});

describe('office in the configuration', () => {
  /** The checked-in configuration without its office. */
  const withoutOffice = (): Record<string, unknown> => {
    const raw = parseYaml(readFileSync(join(repoRoot, 'config', 'bulletin.yaml'), 'utf8')) as Record<string, unknown>;
    delete raw.office;
    return raw;
  };

  it('the checked-in file names the office in both languages; it is optional, and checked like any text', () => {
    expect(loadConfig(join(repoRoot, 'config', 'bulletin.yaml')).office).toEqual(OFFICE);
    expect(parseConfig(withoutOffice(), 'c.yaml').office).toBeUndefined();
    const refused = (office: unknown) => () => parseConfig({ ...withoutOffice(), office }, 'c.yaml');
    expect(refused({ name_zh: '公安部刑事侦查局' })).toThrow(new UsageError('c.yaml: office.name_en: missing'));
    expect(refused({ name_zh: '公安部', name_en: 'CID\r\nBcc: x@example.org' })).toThrow(/^c\.yaml: office\.name_en: holds the character U\+000D/);
    expect(refused({ name_zh: '公安部', name_en: 'CID', short: 'x' })).toThrow(new UsageError('c.yaml: office.short: unknown key'));
    expect(refused('CID')).toThrow(new UsageError('c.yaml: office: not a mapping'));
  });
});
