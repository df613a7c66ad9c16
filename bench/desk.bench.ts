// Desk benchmark (npm run bench:desk): the draft and the approval of a press edition on the 10M-person warehouse of
// bench:figures, each against a bare `bulletin render` of the same bulletin in the same run. Each step is its own
// process, as a press officer's commands are. Per run: render (baseline), edition draft, submit (not timed: it
// reads the checklist), approve (re-render, snapshot sha256, checklist, final PDFs). The desk file is new each run.
// Flags: --runs N (default 3), --as-of D (default 2021-11-30), --persons N. Target: draft and approve <= 1.3x render.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { flag, median, mustRun } from './common.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const runBin = join(repoRoot, 'bin', 'run.js');
const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
const TARGET_RATIO = 1.3;

const runs = Number(flag('--runs', '3'));
const asOf = flag('--as-of', '2021-11-30');
const persons = Number(flag('--persons', '10000000'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const node = (label: string, argv: string[], cwd: string, env: Record<string, string> = {}, input?: string) =>
  mustRun('bench:desk', label, process.execPath, argv, { cwd, env, input });

async function main(): Promise<void> {
  const figuresDir = join(repoRoot, 'bench', 'out', persons === 10_000_000 ? 'figures' : `figures-${persons}`);
  const warehouse = join(figuresDir, 'warehouse.duckdb');
  if (!existsSync(join(`${warehouse}.snapshots`, 'latest'))) {
    log(`bench:desk: no ${persons.toLocaleString('en')}-person warehouse yet; building it with bench:figures (a few minutes) ...`);
    await node('bench:figures', ['--expose-gc', runBin, join(repoRoot, 'bench', 'figures.bench.ts'), '--runs', '1', '--persons', String(persons)], repoRoot);
  }
  const out = join(repoRoot, 'bench', 'out', 'desk');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const bulletin = (argv: string[]) => [bulletinBin, '--db', warehouse, ...argv];
  for (const [name, role] of [['bench.author', 'drafter'], ['bench.head', 'approver']]) {
    const users = existsSync(`${warehouse}.desk-users.json`) ? readFileSync(`${warehouse}.desk-users.json`, 'utf8') : '';
    if (!users.includes(`"${name}"`)) await node('desk user add', bulletin(['desk', 'user', 'add', name, '--role', role]), out, {}, 'bench password\n');
  }
  const as = { BULLETIN_DESK_PASSWORD: 'bench password' };

  log(`bench:desk: ${persons.toLocaleString('en')} persons, as of ${asOf}, ${runs} timed runs; warming up (one untimed render) ...`);
  await node('bulletin render', bulletin(['render', '--as-of', asOf, '--lang', 'all', '--out', join(out, 'warm')]), out);
  const rendered: number[] = [];
  const drafted: number[] = [];
  const approved: number[] = [];
  for (let k = 1; k <= runs; k++) {
    // A new desk each run, so each draft is a first draft and each approval writes its final PDFs.
    for (const file of [`${warehouse}.desk.duckdb`, `${warehouse}.desk.duckdb.wal`]) rmSync(file, { force: true });
    rmSync(join(out, 'reports'), { recursive: true, force: true });
    const render = await node('bulletin render', bulletin(['render', '--as-of', asOf, '--lang', 'all', '--out', join(out, `render-${k}`)]), out);
    const draft = await node('edition draft', bulletin(['edition', 'draft', '--as-of', asOf, '--as', 'bench.author']), out, as);
    const id = draft.stdout.split('\n')[0];
    await node('edition submit', bulletin(['edition', 'submit', id, '--as', 'bench.author']), out, as);
    const approve = await node('edition approve', bulletin(['edition', 'approve', id, '--as', 'bench.head', '--release-at', '2099-01-01 09:30']), out, as);
    rendered.push(render.seconds);
    drafted.push(draft.seconds);
    approved.push(approve.seconds);
    log(`  run ${k}: bulletin render ${render.seconds.toFixed(2)} s; edition draft ${draft.seconds.toFixed(2)} s; edition approve ${approve.seconds.toFixed(2)} s`);
  }

  const baseline = median(rendered);
  const draft = median(drafted);
  const approve = median(approved);
  const verdict = (ratio: number) => `${ratio.toFixed(2)}x render (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`;
  const snapshot = join(`${warehouse}.snapshots`, readFileSync(join(`${warehouse}.snapshots`, 'latest'), 'utf8').trim());
  const lines = [
    `desk benchmark: press edition, both languages, ${persons.toLocaleString('en')} persons, as of ${asOf}, median of ${runs} runs`,
    `machine: ${cpus().length} CPUs, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; snapshot ${(statSync(snapshot).size / 1024 ** 3).toFixed(2)} GiB (its sha256 is checked at approval)`,
    '',
    `bulletin render --lang all (baseline)   ${baseline.toFixed(2).padStart(6)} s`,
    `bulletin edition draft                  ${draft.toFixed(2).padStart(6)} s   ${verdict(draft / baseline)}`,
    `bulletin edition approve                ${approve.toFixed(2).padStart(6)} s   ${verdict(approve / baseline)}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(
    join(repoRoot, 'bench', 'out', 'desk-results.json'),
    JSON.stringify({ finishedAt: new Date().toISOString(), persons, asOf, runs, machine: { cpus: cpus().length, node: process.version }, rendered, drafted, approved, baseline, draft, approve, target: TARGET_RATIO }, null, 2) + '\n',
  );
}

await main();
