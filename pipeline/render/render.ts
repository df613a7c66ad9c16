// `bulletin render`: one bulletin (template) as of D, in each language asked for.
//
//   1. the window, the template's audience and the languages; Chromium and the CJK fonts looked for first
//   2. figures on the newest snapshot; for a public bulletin, the consistency guard against released figures
//   3. for the briefing: the previous release, the same day a year earlier, the data-quality annex
//   4. per language: charts (pipeline/charts), context, template (strict Handlebars)
//   5. one browser prints every PDF; beside each: its HTML twin, its chart SVGs and its figures file
// The press desk (desk.md) asks for status marks (draft, embargoed, not reviewed) and a correction note
// (pipeline/render/marks.ts); they change what the pages say, never the figures file.
// Files are written atomically, the PDF last, so a PDF on disk always has its figures file beside it; nothing is
// written before every PDF of the run has printed, so a failed render leaves the out folder as it was.
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'date-fns/format';
import { parseISO } from 'date-fns/parseISO';
import { subYears } from 'date-fns/subYears';
import { configPath, loadConfig, operationContaining, type Config } from '../config.ts';
import { currentTime, isLastDayOfYear } from '../dates.ts';
import { UsageError } from '../errors.ts';
import { FIGURE_IDS, computeFigures, type Figures, type FiguresResult } from '../figures/figures.ts';
import { figureParameters } from '../figures/parameters.ts';
import { checkedDate, operationWindow } from '../window.ts';
import { LANGUAGES, type Language } from '../labels.ts';
import { sqlFile } from '../paths.ts';
import { checkAgainstReleases, lastRelease } from '../publish/releases.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { openLatestSnapshot } from '../warehouse/snapshots.ts';
import { templateContext, type BulletinFacts, type Comparison, type DataQuality } from './context.ts';
import { findEditorial, readEditorial } from './editorial.ts';
import { formatDate, type PrintedFigure } from './helpers.ts';
import { writeFileAtomically } from '../files.ts';
import { checkFonts } from './fonts.ts';
import { checkMarks, markContext, markedFooter, markedHeader, type Correction, type DeskMark } from './marks.ts';
import { findChrome, withPrinter, type Printer } from './pdf.ts';
import { bulletinKind, fillTemplate } from './templates.ts';

export interface RenderOptions {
  dbPath: string;
  /** The configuration as the command read it; absent: read from configPath. */
  config?: Config;
  configPath?: string;
  asOf: string;
  operationStart?: string;
  /** en, zh or all (default). */
  lang?: string;
  /** A name of templates/bulletins/bulletins.yaml; default press. */
  template?: string;
  /** Default reports/<operation>/<as-of>/ under the working directory. */
  out?: string;
  /** Clock of the figures file's rendered_at; BULLETIN_NOW, else now. */
  now?: Date;
  /** desk.md rule 3/4: what the edition's PDFs must say about their status. Absent: none (a plain render, as today). */
  mark?: DeskMark;
  /** desk.md rule 8: page 1 says "Corrected on <date>: <note>" / "<date>更正：<note>" (date YYYY-MM-DD, printed as the template prints dates). */
  correction?: Correction;
  /** Skip the consistency guard of a public bulletin (the desk runs it itself as a checklist item). Default false. */
  skipReleaseGuard?: boolean;
  /** A browser to print with, left open (tests print many renders with one); default: one launched for this render. */
  printer?: Printer;
}

export interface RenderedFile {
  language: Language;
  pdf: string;
  html: string;
  figures: string;
  charts: string[];
  bytes: number;
}

export interface RenderResult {
  template: string;
  operation: string;
  asOf: string;
  snapshot: string;
  outDir: string;
  files: RenderedFile[];
  /** The editorial file used (absolute path), or null when there was none for D's month. */
  editorialFile: string | null;
  /** Files in the editorial folder that look meant for a bulletin but are not read for D (another month than D's, or a name not YYYY-MM.yaml such as 2021-11.yml or november.yaml): one warning each. */
  editorialWarnings: string[];
}

export async function renderBulletin(options: RenderOptions): Promise<RenderResult> {
  // 1.
  const asOf = checkedDate('--as-of', options.asOf);
  const languages = languagesOf(options.lang ?? 'all');
  const templateName = options.template ?? 'press';
  const kind = bulletinKind(templateName);
  const config = options.config ?? loadConfig(configPath(options.configPath));
  const window = operationWindow(config.file, config.operations, asOf, options.operationStart);
  checkMarks(options.mark, options.correction);
  const editorial = readEditorial(asOf, languages);
  const editorialSources = findEditorial(asOf);
  // Before any figure is computed: a machine that cannot print says so first.
  findChrome();
  checkFonts();
  const outDir = options.out ?? defaultOutDir(window.key, asOf);
  const threshold = config.publication.smallCountThreshold[kind.audience];

  // 2. and 3.
  const reader = await openLatestSnapshot(options.dbPath, `render ${templateName}`);
  let result: FiguresResult;
  let comparison: Comparison = { previous: null, lastYear: null };
  let quality: DataQuality;
  try {
    result = await computeFigures(reader.warehouse, figureParameters(config, asOf, window.operationStart), reader.snapshotId);
    if (kind.audience === 'public' && !options.skipReleaseGuard) await checkAgainstReleases(options.dbPath, reader.warehouse, result, window.key);
    if (kind.audience === 'internal') comparison = await comparisons(options.dbPath, reader.warehouse, config, window.key, result);
    quality = await dataQuality(reader.warehouse, reader.snapshotId);
  } finally {
    reader.warehouse.close();
  }

  // 4.
  const partialYear = isLastDayOfYear(asOf) ? null : asOf.slice(0, 4);
  const pages: { language: Language; html: string; printed: PrintedFigure[]; charts: Record<string, string>; facts: BulletinFacts }[] = [];
  // Vega and Vega-Lite are loaded here, once every check above has passed.
  const { CHART_IDS, chartTable, renderCharts } = await import('../charts/charts.ts');
  for (const language of languages) {
    const chartOptions = { language, smallCountThreshold: threshold, asOf, operationStart: window.operationStart, partialYear };
    const charts = await renderCharts(result.figures, chartOptions);
    const chartTables = Object.fromEntries(CHART_IDS.map((id) => [id, chartTable(id, result.figures, chartOptions)]));
    const facts: BulletinFacts = {
      template: templateName,
      audience: kind.audience,
      title: kind[language].title,
      operationName: window.operation ? (language === 'zh' ? window.operation.nameZh : window.operation.nameEn) : window.key,
      asOf,
      operationStart: window.operationStart,
      partialYear,
      since: {
        cases_solved_since: config.trends.casesSolvedSince,
        suspects_arrested_since: config.trends.suspectsArrestedSince,
        alerts_released: config.trends.alertPlatformSince,
        alerts_recovered: config.trends.alertPlatformSince,
        alert_recovery_rate: config.trends.alertPlatformSince,
        dna_recoveries_since: config.trends.dnaSystemSince,
      },
      figures: result.figures,
      smallCountThreshold: threshold,
      comparison,
      quality,
      notableCases: editorial[language],
      charts,
      chartTables,
    };
    const { context, printed: tablePrinted } = templateContext(facts, language);
    const { html, printed } = fillTemplate(templateName, language, { ...context, desk: markContext(options.mark, options.correction, language) });
    pages.push({ language, html, printed: [...printed, ...tablePrinted], charts, facts });
  }

  // 5. Every PDF is printed first, to a temporary file beside its place. Only when all are printed are the charts,
  // the HTML twins and the figures files written, and the PDFs renamed into place, each language's PDF last. A
  // failure while printing (a deadline, a crash) leaves the out folder as it was: no HTML twin without its PDF.
  const files: RenderedFile[] = [];
  const renderedAt = (options.now ?? currentTime()).toISOString();
  const printed: { page: (typeof pages)[number]; stem: string; temporary: string; bytes: number }[] = [];
  const outDirExisted = existsSync(outDir);
  let done = false;
  try {
    const printPages = async (printer: Printer): Promise<void> => {
      for (const page of pages) {
        const stem = bulletinStem(outDir, templateName, page.language);
        const temporary = `${stem}.pdf.${process.pid}-${randomBytes(4).toString('hex')}.printing`;
        const words = kind[page.language];
        const header = words.header.replace('{operation}', page.facts.operationName).replace('{date}', formatDate(asOf, page.language));
        printed.push({ page, stem, temporary, bytes: 0 });
        const { bytes } = await printer.print({
          html: page.html,
          outFile: temporary,
          name: `${stem}.pdf`,
          headerText: markedHeader(header, options.mark, page.language),
          footerText: markedFooter(words.footer, options.mark, page.language),
        });
        printed[printed.length - 1].bytes = bytes;
      }
    };
    await (options.printer ? printPages(options.printer) : withPrinter(printPages));
    for (const { page, stem, temporary, bytes } of printed) {
      const pdfFile = `${stem}.pdf`;
      const figuresFile = `${stem}.figures.json`;
      const chartFiles = Object.keys(page.charts).map((id) => join(outDir, 'charts', `${templateName}.${page.language}.${id}.svg`));
      try {
        Object.values(page.charts).forEach((svg, i) => writeFileAtomically(chartFiles[i], svg));
        writeFileAtomically(`${stem}.html`, page.html);
        writeFileAtomically(figuresFile, JSON.stringify(figuresDocument(templateName, page.language, window.key, result, page.facts, page.printed, renderedAt), null, 2) + '\n');
        // Last: a PDF on disk is complete and has its figures file and HTML twin beside it.
        renameSync(temporary, pdfFile);
      } catch (error) {
        // This language is removed whole: an older PDF would now sit beside this run's figures file.
        for (const file of [pdfFile, `${stem}.html`, figuresFile, ...chartFiles]) rmSync(file, { force: true });
        throw error;
      }
      files.push({ language: page.language, pdf: pdfFile, html: `${stem}.html`, figures: figuresFile, charts: chartFiles, bytes });
    }
    done = true;
  } finally {
    for (const { temporary } of printed) rmSync(temporary, { force: true });
    // A folder this run made and left empty goes too (rmdir refuses a folder that is not empty).
    if (!done && !outDirExisted) {
      try {
        rmdirSync(outDir);
      } catch {
        // not empty, or not there
      }
    }
  }
  return {
    template: templateName,
    operation: window.key,
    asOf,
    snapshot: result.snapshot,
    outDir,
    files,
    editorialFile: editorialSources.file,
    editorialWarnings: editorialSources.warnings,
  };
}

/** Where a bulletin's files of one language are: <stem>.pdf, <stem>.html, <stem>.figures.json. */
export function bulletinStem(outDir: string, template: string, language: Language): string {
  return join(outDir, `${template}.${language}`);
}

/** reports/<operation>/<as-of>/ under the working directory (a window given by its start: start-<date>). */
export function defaultOutDir(operationKey: string, asOf: string): string {
  return join('reports', operationKey.replace(':', '-'), asOf);
}

export function languagesOf(lang: string): Language[] {
  if (lang === 'all') return [...LANGUAGES];
  if ((LANGUAGES as readonly string[]).includes(lang)) return [lang as Language];
  throw new UsageError(`--lang '${lang}' is not one of en, zh, all`);
}

/** The previous release of the operation and the same day a year earlier (in the operation containing it). */
async function comparisons(dbPath: string, reader: Warehouse, config: Config, operationKey: string, result: FiguresResult): Promise<Comparison> {
  const asOf = result.parameters.as_of;
  const previousRelease = await lastRelease(dbPath, operationKey, asOf);
  // 2024-02-29 gives 2023-02-28.
  const lastYearAsOf = format(subYears(parseISO(asOf), 1), 'yyyy-MM-dd');
  const lastYearOperation = operationContaining(config.operations, lastYearAsOf);
  let lastYear: Comparison['lastYear'] = null;
  if (lastYearOperation) {
    const earlier = await computeFigures(reader, figureParameters(config, lastYearAsOf, lastYearOperation.start), result.snapshot);
    lastYear = { asOf: lastYearAsOf, operationStart: lastYearOperation.start, figures: earlier.figures };
  }
  return { previous: previousRelease ? { asOf: previousRelease.as_of, figures: previousRelease.figures } : null, lastYear };
}

async function dataQuality(reader: Warehouse, snapshot: string): Promise<DataQuality> {
  return {
    snapshot,
    files: (await reader.all(sqlFile('render/files_loaded.sql'))) as DataQuality['files'],
    reasons: (await reader.all(sqlFile('render/quarantine_reasons.sql'))) as DataQuality['reasons'],
  };
}

/** The figures file: every figure as computed, as printed (each place and form), and where it came from. */
function figuresDocument(
  template: string,
  language: Language,
  operation: string,
  result: FiguresResult,
  facts: BulletinFacts,
  printed: PrintedFigure[],
  renderedAt: string,
) {
  const figures = Object.fromEntries(
    FIGURE_IDS.map((id) => [
      id,
      {
        computed: result.figures[id as keyof Figures],
        printed: printed.filter((p) => p.figure === id).map(({ key, printed: text, rule }) => ({ ...(key !== undefined ? { key } : {}), printed: text, rule })),
        provenance: result.provenance[id],
      },
    ]),
  );
  return {
    template,
    language,
    audience: facts.audience,
    operation,
    as_of: result.parameters.as_of,
    operation_start: result.parameters.operation_start,
    partial_year: facts.partialYear,
    snapshot: result.snapshot,
    rendered_at: renderedAt,
    small_count_threshold: facts.smallCountThreshold,
    charts: Object.keys(facts.charts),
    figures,
  };
}
