// The e-mail of a bulletin: subject and short body from templates/mail/messages.yaml, in the bulletin's languages,
// with the headline figures taken from the figures files written beside the PDFs (so the mail says what the PDF
// says), and the PDFs attached. The Message-ID is derived from bulletin and recipient: the same on every attempt
// and every run, so a receiving system can recognise a message sent again after an uncertain attempt.
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
  attachments: { filename: string; content: Buffer; contentType: string; sha256: string }[];
}

export interface FiguresFile {
  as_of: string;
  operation_start: string;
  snapshot: string;
  figures: Record<string, { computed: unknown }>;
}

type MailTexts = Record<'public' | 'internal', Record<Language, { subject: string; body: string }>>;

/** The mail of one bulletin, Chinese first when it carries both languages. */
export function composeMail(kind: BulletinKind, bulletinFileStem: string, rendered: RenderedLanguage[]): BulletinMail {
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
    return {
      subject: fill(words.subject, values),
      body: fill(words.body, values).trimEnd(),
      attachment: { filename, content, contentType: 'application/pdf', sha256: createHash('sha256').update(content).digest('hex') },
    };
  });
  return {
    subject: parts.map((p) => p.subject).join(' / '),
    text: parts.map((p) => p.body).join('\n\n——————\n\n') + '\n',
    attachments: parts.map((p) => p.attachment),
  };
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (!(key in values)) throw new Error(`templates/mail/messages.yaml: unknown placeholder ${whole}`);
    return values[key];
  });
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
