// The demo bulletins (every kind and language `npm run setup` renders) as prepress and a screen reader see them:
// pdffonts lists TrueType fonts only, all embedded and subset (no Type 3); English is set in Noto Serif/Sans without
// a CJK face, Chinese in the converted Noto CJK SC; the charts' axis titles come out of pdftotext forward; every
// number of a chart that the text does not print is in the table under it; the PDF is tagged, with its language.
// Also: the render refuses with one line when a font is missing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../pipeline/errors.ts';
import { checkFonts, FONTS_MISSING } from '../../pipeline/render/fonts.ts';
import { repoRoot, tempDir } from '../helpers.ts';
import { demoBulletins } from './demo-bulletins.ts';
import { pdftotext, squeeze } from './poppler.ts';


interface FontRow {
  name: string;
  type: string;
  embedded: boolean;
  subset: boolean;
}

/** pdffonts rows, with the subset column (pdffonts: name type... encoding emb sub uni object ID). */
function fontRows(file: string): FontRow[] {
  const lines = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  return lines.map((line) => {
    const cells = line.trim().split(/\s+/);
    return { name: cells[0], type: cells.slice(1, -6).join(' '), embedded: cells.at(-5) === 'yes', subset: cells.at(-4) === 'yes' };
  });
}

/** The words of a PDF in pdftotext's reading order (-bbox: one element per word, split at spaces). */
function pdfWords(file: string): string[] {
  const xml = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...xml.matchAll(/<word [^>]*>([^<]*)<\/word>/g)].map((m) => m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
}

const hasSequence = (words: string[], sequence: string[]): boolean => words.some((_, i) => sequence.every((word, j) => words[i + j] === word));

const chartWords = parseYaml(readFileSync(join(repoRoot, 'templates', 'charts', 'text.yaml'), 'utf8')) as Record<string, Record<string, Record<string, string>>>;

describe('fonts, chart text and tags of the demo bulletins', () => {
  const pdfs: { name: string; language: 'en' | 'zh'; file: string; html: string }[] = [];

  beforeAll(async () => {
    for (const { asOf, template, language, pdf, html } of await demoBulletins()) {
      pdfs.push({ name: `${template}.${language} as of ${asOf}`, language, file: pdf, html: readFileSync(html, 'utf8') });
    }
  }, 300_000);


  it('lists TrueType fonts only (no Type 3), every one embedded and subset', () => {
    for (const pdf of pdfs) {
      const rows = fontRows(pdf.file);
      expect(rows.length, pdf.name).toBeGreaterThan(0);
      expect(rows.filter((f) => !['TrueType', 'CID TrueType'].includes(f.type) || !f.embedded || !f.subset), pdf.name).toEqual([]);
    }
  });

  it('sets English in Noto Serif / Noto Sans (no CJK face without Chinese), Chinese in the TrueType Noto CJK SC', () => {
    for (const pdf of pdfs) {
      const faces = new Set(fontRows(pdf.file).map((f) => f.name.replace(/^[A-Z]{6}\+/, '')));
      if (pdf.language === 'en') {
        expect(faces.has('NotoSerif-Regular'), pdf.name).toBe(true);
        expect([...faces].filter((face) => !/^Noto(Serif|Sans)-/.test(face)), pdf.name).toEqual([]);
      } else {
        expect(faces.has('NotoSerifCJKSCTT-Regular'), pdf.name).toBe(true);
        expect(faces.has('NotoSansCJKSCTT-Regular'), pdf.name).toBe(true);
      }
    }
  });

  it('gives the charts\' axis titles to pdftotext as words, forward, never reversed', () => {
    for (const pdf of pdfs) {
      const words = pdfWords(pdf.file);
      for (const [id, byLanguage] of Object.entries(chartWords)) {
        if (id === 'common') continue;
        for (const key of ['x', 'y', 'total', 'month']) {
          const title = byLanguage[pdf.language][key];
          if (!title) continue;
          const forward = title.split(' ');
          const reversed = [...title].reverse().join('').split(' ');
          expect(hasSequence(words, forward), `${pdf.name}: ${id}.${key} "${title}"`).toBe(true);
          if (reversed.join(' ') !== title) expect(hasSequence(words, reversed), `${pdf.name}: ${id}.${key} reversed`).toBe(false);
        }
      }
    }
  });

  it('prints every number of a chart\'s table (those the text does not print) as text: per month, per year, rates', () => {
    for (const pdf of pdfs) {
      const text = squeeze(pdftotext(pdf.file));
      const tables = [...pdf.html.matchAll(/<table class="chart-data">([\s\S]*?)<\/table>/g)].map((m) => m[1]);
      // Press: years missing, month, method, cases per year, rates; briefing: month, cases per year, rates.
      expect(tables.length, pdf.name).toBe(pdf.name.startsWith('press') ? 5 : 3);
      for (const table of tables) {
        const caption = /<caption>([\s\S]*?)<\/caption>/.exec(table)![1];
        expect(text, pdf.name).toContain(squeeze(caption.replace(/&amp;/g, '&')));
        for (const [row] of table.matchAll(/<tr><th scope="row">[\s\S]*?<\/tr>/g)) {
          const cells = [...row.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1].replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
          expect(text, `${pdf.name}: ${cells[0]}`).toContain(squeeze(cells.join('')));
        }
      }
    }
  });

  it('is a tagged PDF whose catalog names the document\'s language', () => {
    for (const pdf of pdfs) {
      expect(execFileSync('pdfinfo', [pdf.file], { encoding: 'utf8' }), pdf.name).toMatch(/^Tagged:\s+yes$/m);
      const lang = pdf.language === 'zh' ? 'zh-CN' : 'en';
      expect(readFileSync(pdf.file).toString('latin1'), pdf.name).toMatch(new RegExp(`/Lang\\s*\\(${lang}\\)`));
    }
  });
});

describe('a missing font', () => {
  it('is refused with one line naming it, before anything is printed', () => {
    const empty = tempDir('bulletin-no-fonts-');
    try {
      const attempt = () => checkFonts({ ...process.env, BULLETIN_FONTS_DIR: empty.dir });
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(`${FONTS_MISSING}; not found: Noto Serif CJK SC TT, Noto Sans CJK SC TT`);
    } finally {
      empty.cleanup();
    }
  });
});
