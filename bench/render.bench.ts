// Render benchmark (npm run bench:render): the monthly press bulletin end to end (`bulletin render`: figures, all
// charts, both languages, one browser, PDFs with header and footer) on the 10M-person warehouse of bench:figures,
// against a bare baseline in the same run: the figure SQL alone (bench/bare-figures.ts) plus bare
// `chromium --headless --print-to-pdf` of the same two HTML files. Each step is its own process, so each pays its
// own start-up. Flags: --runs N (default 3), --as-of D (default 2021-11-30), --persons N (the bench:figures size).
// Targets: render <= 1.5x the baseline, and under 5 s.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { flag, median, mustRun } from './common.ts';
import { pathToFileURL } from 'node:url';
import { findChrome } from '../pipeline/render/pdf.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const runBin = join(repoRoot, 'bin', 'run.js');
const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
const TARGET_RATIO = 1.5;
const TARGET_SECONDS = 5;

const runs = Number(flag('--runs', '3'));
const asOf = flag('--as-of', '2021-11-30');
const persons = Number(flag('--persons', '10000000'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const step = (label: string, command: string, argv: string[]) => mustRun('bench:render', label, command, argv, { cwd: repoRoot });

async function main(): Promise<void> {
  const figuresDir = join(repoRoot, 'bench', 'out', persons === 10_000_000 ? 'figures' : `figures-${persons}`);
  const warehouse = join(figuresDir, 'warehouse.duckdb');
  if (!existsSync(join(`${warehouse}.snapshots`, 'latest'))) {
    log(`bench:render: no ${persons.toLocaleString('en')}-person warehouse yet; building it with bench:figures (a few minutes) ...`);
    await step('bench:figures', process.execPath, ['--expose-gc', runBin, join(repoRoot, 'bench', 'figures.bench.ts'), '--runs', '1', '--persons', String(persons)]);
  }
  const snapshot = join(`${warehouse}.snapshots`, readFileSync(join(`${warehouse}.snapshots`, 'latest'), 'utf8').trim());
  const out = join(repoRoot, 'bench', 'out', 'render');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const chromium = findChrome();
  const renderArgs = (dir: string) => [bulletinBin, 'render', '--db', warehouse, '--as-of', asOf, '--lang', 'all', '--out', dir];

  log(`bench:render: ${persons.toLocaleString('en')} persons, as of ${asOf}, ${runs} timed runs; warming up (one untimed render) ...`);
  await step('bulletin render', process.execPath, renderArgs(join(out, 'warm')));
  const html = ['en', 'zh'].map((language) => join(out, 'warm', `press.${language}.html`));

  const bare: { figures: number; chromium: number[]; total: number }[] = [];
  const rendered: number[] = [];
  for (let k = 1; k <= runs; k++) {
    const figures = await step('bare figure SQL', process.execPath, [runBin, join(repoRoot, 'bench', 'bare-figures.ts'), snapshot, asOf]);
    const prints: number[] = [];
    for (const file of html) {
      const pdf = join(out, `bare-${k}-${prints.length}.pdf`);
      const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(file).href];
      prints.push((await step('chromium --print-to-pdf', chromium, args)).seconds);
    }
    const ours = await step('bulletin render', process.execPath, renderArgs(join(out, `run-${k}`)));
    bare.push({ figures: figures.seconds, chromium: prints, total: figures.seconds + prints.reduce((a, b) => a + b, 0) });
    rendered.push(ours.seconds);
    log(`  run ${k}: bare figures ${figures.seconds.toFixed(2)} s + bare chromium ${prints.map((s) => s.toFixed(2)).join(' + ')} s = ${bare.at(-1)!.total.toFixed(2)} s; bulletin render ${ours.seconds.toFixed(2)} s`);
  }

  const baseline = median(bare.map((b) => b.total));
  const render = median(rendered);
  const ratio = render / baseline;
  const lines = [
    `render benchmark: press bulletin, both languages, ${persons.toLocaleString('en')} persons, as of ${asOf}, median of ${runs} runs`,
    `machine: ${cpus().length} CPUs, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}, ${chromium}`,
    '',
    `bare figure SQL (own process)            ${median(bare.map((b) => b.figures)).toFixed(2).padStart(6)} s`,
    `bare chromium --print-to-pdf, en + zh    ${median(bare.map((b) => b.chromium.reduce((a, c) => a + c, 0))).toFixed(2).padStart(6)} s`,
    `baseline (sum)                           ${baseline.toFixed(2).padStart(6)} s`,
    `bulletin render --lang all               ${render.toFixed(2).padStart(6)} s   ${ratio.toFixed(2)}x baseline (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'}; under ${TARGET_SECONDS} s: ${render < TARGET_SECONDS ? 'met' : 'MISSED'})`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(
    join(repoRoot, 'bench', 'out', 'render-results.json'),
    JSON.stringify({ finishedAt: new Date().toISOString(), persons, asOf, runs, machine: { cpus: cpus().length, node: process.version, chromium }, bare, rendered, baseline, render, ratio, targets: { ratio: TARGET_RATIO, seconds: TARGET_SECONDS } }, null, 2) + '\n',
  );
}

await main();
