// The e-mail of a bulletin: subject and short body from templates/mail/messages.yaml, in the bulletin's languages,
// with the headline figures taken from the figures files written beside the PDFs (so the mail says what the PDF
// says), and the PDFs attached. The body goes twice, as a text part and as an HTML part with the same words (every
// value escaped; inline styles only, which mail clients keep; nothing fetched from elsewhere, no script). From
// carries the office's name from the configuration. The Message-ID is derived from bulletin and recipient: the same
// on every attempt and every run, so a receiving system can recognise a message sent again after an uncertain attempt.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Language } from '../labels.ts';
import { repoRoot } from '../paths.ts';
import { exactNumber, pressRounded } from '../publish/rules.ts';
import { formatDate } from '../render/helpers.ts';
import type { BulletinKind } from '../render/templates.ts';

/** A rendered language of a bulletin: its PDF and its figures file, read. */
export interface RenderedLanguage {
  language: Language;
  pdf: string;
  figures: FiguresFile;
}

export interface BulletinMail {
  subject: string;
  text: string;
  /** The same words as `text`, as one self-contained HTML document. */
  html: string;
  /** The From display name (the office, in the mail's languages); none when the configuration names no office. */
  fromName?: string;
  attachments: { filename: string; content: Buffer; contentType: string; sha256: string }[];
}

export interface FiguresFile {
  as_of: string;
  operation_start: string;
  snapshot: string;
  figures: Record<string, { computed: unknown }>;
}

/** The office that sends the bulletins (config `office`). */
export interface Office {
  nameZh: string;
  nameEn: string;
}

export interface MailOptions {
  office?: Office;
  /** Put before the subject (a test send, a correction). */
  subjectPrefix?: string;
  /** Lines put before the body, set apart from it (a test send says what it is first). */
  preface?: string;
}

type MailTexts = Record<'public' | 'internal', Record<Language, { subject: string; body: string }>>;

/** The placeholders that are headline figures: emphasised in the HTML part. */
const FIGURES = new Set(['recovered', 'cases', 'suspects', 'longest']);
const SEPARATOR = '——————';

/** The mail of one bulletin, Chinese first when it carries both languages. */
export function composeMail(kind: BulletinKind, bulletinFileStem: string, rendered: RenderedLanguage[], options: MailOptions = {}): BulletinMail {
  const texts = parseYaml(readFileSync(join(repoRoot, 'templates', 'mail', 'messages.yaml'), 'utf8')) as MailTexts;
  const ordered = [...rendered].sort((a, b) => (a.language === b.language ? 0 : a.language === 'zh' ? -1 : 1));
  const parts = ordered.map(({ language, pdf, figures: doc }) => {
    const count = (id: string) => Number(doc.figures[id].computed);
    const counted = kind.audience === 'public' ? pressRounded : exactNumber;
    const content = readFileSync(pdf);
    const filename = `${bulletinFileStem}.${language}.pdf`;
    const values: Record<string, string> = {
      title: kind[language].title,
      date: formatDate(doc.as_of, language),
      since: formatDate(doc.operation_start, language),
      recovered: exactNumber(count('recovered'), language),
      cases: counted(count('cold_cases_solved'), language),
      suspects: counted(count('suspects_arrested'), language),
      longest: exactNumber(count('longest_separation_years'), language),
      attachment: filename,
      snapshot: doc.snapshot,
    };
    const words = texts[kind.audience][language];
    const body = words.body.trimEnd();
    return {
      language,
      subject: fill(words.subject, values),
      body: fill(body, values),
      html: htmlParagraphs(body, values),
      attachment: { filename, content, contentType: 'application/pdf', sha256: createHash('sha256').update(content).digest('hex') },
    };
  });
  const subject = `${options.subjectPrefix ?? ''}${parts.map((p) => p.subject).join(' / ')}`;
  const preface = options.preface?.trim();
  const text = [...(preface ? [preface] : []), ...parts.map((p) => p.body)].join(`\n\n${SEPARATOR}\n\n`) + '\n';
  return {
    subject,
    text,
    html: htmlDocument(subject, preface, parts),
    ...(options.office ? { fromName: displayName(options.office, parts.map((p) => p.language)) } : {}),
    attachments: parts.map((p) => p.attachment),
  };
}

/** The office's name in the mail's languages, Chinese first: "公安部刑事侦查局 Criminal Investigation Department". */
export function displayName(office: Office, languages: Language[]): string {
  const names = { zh: office.nameZh, en: office.nameEn };
  const shown = languages.length > 0 ? languages : (['zh', 'en'] as Language[]);
  return [...new Set(shown.map((language) => names[language]))].join(' ');
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (!(key in values)) throw new Error(`templates/mail/messages.yaml: unknown placeholder ${whole}`);
    return values[key];
  });
}

// ---- the HTML part ------------------------------------------------------------------------------------------------
// Plain markup with inline styles (mail clients drop <style> blocks and external sheets), no image, no link, no
// script. Every word comes from the same template and values as the text part, escaped.

// Fonts per language: the English section is not set in a CJK face (whose quotes are full-width).
const FONT: Record<Language, string> = {
  zh: "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif",
  en: "Arial,'Helvetica Neue',Helvetica,'Liberation Sans',sans-serif",
};
const STYLE = {
  body: 'margin:0;padding:0;background-color:#ffffff;',
  page: 'max-width:640px;margin:0 auto;padding:20px 16px;font-size:15px;line-height:1.6;color:#1a1a1a;',
  preface: 'margin:0 0 20px 0;padding:10px 12px;border:1px solid #999999;background-color:#f2f2f2;',
  marking: 'margin:0 0 8px 0;font-size:14px;font-weight:bold;color:#a30000;',
  heading: 'margin:0 0 12px 0;font-size:18px;line-height:1.4;font-weight:bold;color:#1f3a5f;',
  paragraph: 'margin:0 0 12px 0;',
  figure: 'font-weight:bold;color:#1f3a5f;',
  rule: 'border:0;border-top:1px solid #cccccc;margin:24px 0;',
};
const HTML_LANG: Record<Language, string> = { zh: 'zh-CN', en: 'en' };

/** A paragraph of the body: before the title a marking ("INTERNAL"), the title a heading, the rest text. */
type Block = { role: 'marking' | 'heading' | 'paragraph'; html: string };

function htmlDocument(subject: string, preface: string | undefined, parts: { language: Language; html: Block[] }[]): string {
  const sections = parts.map(({ language, html }) =>
    [
      `<div lang="${HTML_LANG[language]}" style="font-family:${FONT[language]};">`,
      ...html.map(({ role, html: inner }) => (role === 'heading' ? `<h1 style="${STYLE.heading}">${inner}</h1>` : `<p style="${STYLE[role]}">${inner}</p>`)),
      '</div>',
    ].join('\n'),
  );
  return [
    '<!DOCTYPE html>',
    `<html lang="${HTML_LANG[parts[0]?.language ?? 'zh']}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.page}font-family:${FONT[parts[0]?.language ?? 'zh']};">`,
    ...(preface ? [`<p style="${STYLE.preface}">${lines(escapeHtml(preface))}</p>`] : []),
    sections.join(`\n<hr style="${STYLE.rule}">\n`),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The body's paragraphs (split at blank lines) as HTML: the text escaped, the headline figures emphasised. */
function htmlParagraphs(body: string, values: Record<string, string>): Block[] {
  const paragraphs = body.split(/\n[ \t]*\n+/).map((paragraph) => paragraph.trim());
  const title = paragraphs.findIndex((paragraph) => paragraph.includes('{title}'));
  return paragraphs.map((paragraph, i) => ({
    role: i === title ? 'heading' : i < title ? 'marking' : 'paragraph',
    html: lines(
      paragraph
        .split(/(\{\w+\})/)
        .map((piece) => {
          const key = /^\{(\w+)\}$/.exec(piece)?.[1];
          if (key === undefined) return escapeHtml(piece);
          const value = escapeHtml(fill(piece, values));
          return FIGURES.has(key) ? `<strong style="${STYLE.figure}">${value}</strong>` : value;
        })
        .join(''),
    ),
  }));
}

function lines(html: string): string {
  return html.replace(/\n/g, '<br>\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** <hash.template@domain>: stable for a bulletin and a recipient; the domain is the sender's. */
export function messageIdFor(bulletin: string, recipient: string, from: string): string {
  const hash = createHash('sha256').update(`${bulletin}\n${recipient.toLowerCase()}`).digest('hex').slice(0, 32);
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'bulletin.invalid';
  return `<${hash}.bulletin@${domain}>`;
}

/** reunion-2021-press-2021-11-30: what the attachments are called. */
export function bulletinFileStem(operationKey: string, template: string, asOf: string): string {
  return basename(`${operationKey.replace(':', '-')}-${template}-${asOf}`);
}
