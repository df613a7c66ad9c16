// `npm run screenshots:bulletins`: page 1 of each demo bulletin as a small PNG for the README, made from the demo so
// it stays true. On a copy of the demo warehouse (data/demo, made by `npm run setup`), the real `bulletin render`
// prints the bulletins of scripts/demo.sh (press as of 2021-09-16 and 2021-11-30, briefing as of 2021-11-30, both
// languages) into a temporary folder; pdftoppm turns page 1 of each into docs/screenshots/<template>.<lang>.<as-of>.png
// at 60 dpi (about 500 x 700 pixels: readable layout, a few tens of KB).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const out = join(repo, 'docs', 'screenshots');
const demo = join(repo, 'data', 'demo');
const RENDERS = [
  { asOf: '2021-09-16', template: 'press' },
  { asOf: '2021-11-30', template: 'press' },
  { asOf: '2021-11-30', template: 'briefing' },
];
const DPI = '60';

function main(): void {
  if (!existsSync(join(demo, 'warehouse.duckdb'))) throw new Error('no demo warehouse in data/demo: run npm run setup first');
  const work = mkdtempSync(join(tmpdir(), 'bulletin-screenshots-'));
  try {
    // The warehouse and its releases, snapshots and logs: a render of the press bulletin checks the releases.
    for (const name of readdirSync(demo).filter((n) => n.startsWith('warehouse.duckdb'))) cpSync(join(demo, name), join(work, name), { recursive: true });
    mkdirSync(out, { recursive: true });
    for (const { asOf, template } of RENDERS) {
      const dir = join(work, asOf);
      execFileSync(process.execPath, [join(repo, 'bin', 'bulletin.js'), '--db', join(work, 'warehouse.duckdb'), 'render', '--as-of', asOf, '--template', template, '--out', dir], {
        cwd: repo,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      for (const language of ['zh', 'en']) {
        const png = join(out, `${template}.${language}.${asOf}`);
        execFileSync('pdftoppm', ['-png', '-r', DPI, '-f', '1', '-l', '1', '-singlefile', join(dir, `${template}.${language}.pdf`), png]);
        console.log(`${png}.png`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
