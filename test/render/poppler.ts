// Reading printed PDFs back with poppler (pdftotext, pdfinfo, pdffonts): what a reader of the PDF would get.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

/** The text of a PDF, or of one page of it, laid out as printed. */
export const pdftotext = (file: string, page?: number): string => {
  const pages = pagesText(file, '-layout');
  return page ? (pages[page - 1] ?? '') : pages.join('');
};

/** One page's text in content-stream order (the diagonal watermark comes out whole), without whitespace. */
export const rawPage = (file: string, page: number): string => squeeze(pagesText(file, '-raw')[page - 1] ?? '');

// Every page of a file from one pdftotext run, kept while the file is the same (a rewrite is a new inode or mtime):
// tests read the pages of one PDF one by one, and each run is a process started by a large one plus a parse of the
// PDF. pdftotext prints a form feed after each page, and a page alone comes out exactly as it does within the whole.
const pagesRead = new Map<string, string[]>();
function pagesText(file: string, mode: '-layout' | '-raw'): string[] {
  const { ino, size, mtimeMs } = statSync(file);
  const key = `${mode}\u0000${file}\u0000${ino}\u0000${size}\u0000${mtimeMs}`;
  let pages = pagesRead.get(key);
  if (!pages) {
    pages = execFileSync('pdftotext', [mode, file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split(/(?<=\f)/);
    if (pages.at(-1) === '') pages.pop();
    if (pagesRead.size > 200) pagesRead.clear();
    pagesRead.set(key, pages);
  }
  return pages;
}

export const pageCount = (file: string): number => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);

/** Whitespace-free text, so words a PDF line break or a table column split still match. */
export const squeeze = (s: string): string => s.replace(/\s+/g, '');

/** pdffonts rows: name, type and whether embedded. */
export function pdffonts(file: string): { name: string; type: string; embedded: boolean }[] {
  const lines = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  return lines.map((line) => {
    const cells = line.trim().split(/\s+/);
    // name type… encoding emb sub uni object ID: emb is the 5th cell from the end, the type between name and encoding.
    return { name: cells[0], type: cells.slice(1, -6).join(' '), embedded: cells[cells.length - 5] === 'yes' };
  });
}

/**
 * The fonts a PDF really uses. Chromium (Skia) embeds the CFF-based Noto CJK fonts as Type 3 fonts, which pdffonts
 * lists as "[none]"; their name is in their /FontDescriptor. So: every /BaseFont and every /FontName of the file
 * (Skia writes font dictionaries uncompressed), without the subset tag.
 */
export function fontNames(file: string): string[] {
  const raw = readFileSync(file).toString('latin1');
  return [...raw.matchAll(/\/(?:BaseFont|FontName)\s*\/([^\s/<>[\]()]+)/g)].map((m) => m[1].replace(/^[A-Z]{6}\+/, ''));
}

export const NOTO_CJK = /^Noto(Sans|Serif)(Mono)?CJK/i;

/** The faces of pipeline/render/fonts.ts as the PDF names them: Noto Serif/Sans and the TrueType Noto CJK SC. */
export const BULLETIN_FACES = /^Noto(Sans|Serif)(CJKSCTT)?-/;

/** The words an SVG prints, entities decoded. */
function svgTexts(svg: string): string[] {
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]).trim()).filter(Boolean);
}

/**
 * The charts (SVG by name) that no single page of a PDF (its pages' squeezed text) carries whole: every word of the
 * chart on that page. Each chart is expected once. Rotated axis titles come out of pdftotext backwards ("dohteM"),
 * so a word read backwards counts.
 */
export function chartsNotWhole(charts: Record<string, string>, pages: string[]): string[] {
  const faults: string[] = [];
  for (const [id, svg] of Object.entries(charts)) {
    const words = svgTexts(svg).map(squeeze).filter((w) => w.length >= 3);
    const missingOn = pages.map((page) => words.filter((w) => !page.includes(w) && !page.includes([...w].reverse().join(''))));
    const best = missingOn.reduce((a, b) => (b.length < a.length ? b : a), words);
    if (best.length > 0) faults.push(`${id} (no page has all its words; the best lacks ${best.slice(0, 3).join(', ')})`);
  }
  return faults;
}
