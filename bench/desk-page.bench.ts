// Desk page benchmark (npm run bench:page): `bulletin desk serve` on a copy of the demo warehouse (npm run setup
// makes it), with one submitted press edition. Measured in one run:
//   - start: from spawn to the first answered request (GET /login), against a bare `node -e 0` spawned in the
//     same minute (the cost of starting Node itself); target: under 1 s;
//   - pages: GET / and GET /editions/<id> as a logged-in user, each --requests times (default 30) after one
//     untimed view; the median and the slowest, and the first view of the edition (no cached checklist);
//     target: median under 200 ms.
// Flags: --requests N, --starts N (default 5).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { flag, median, run } from './common.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
const requests = Number(flag('--requests', '30'));
const starts = Number(flag('--starts', '5'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const PASSWORD = 'bench page passphrase';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-page-'));
  const db = join(work, 'warehouse.duckdb');
  const demo = join(repoRoot, 'data', 'demo');
  for (const name of readdirSync(demo).filter((n) => n.startsWith('warehouse.duckdb') && !n.includes('.desk'))) cpSync(join(demo, name), join(work, name), { recursive: true });
  cpSync(join(repoRoot, 'data', 'editorial'), join(work, 'editorial'), { recursive: true });
  const env = { ...process.env, BULLETIN_NOW: '2021-12-01T10:00:00+08:00', BULLETIN_EDITORIAL_DIR: join(work, 'editorial'), BULLETIN_DESK_PASSWORD: PASSWORD };
  const bulletin = (args: string[]) => execFileSync(process.execPath, [bulletinBin, '--db', db, ...args], { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  bulletin(['desk', 'user', 'add', 'bench.author', '--role', 'drafter']);
  bulletin(['desk', 'user', 'add', 'bench.head', '--role', 'approver']);
  const id = bulletin(['edition', 'draft', '--as-of', '2021-11-30', '--as', 'bench.author']).split('\n')[0];
  bulletin(['edition', 'submit', id, '--as', 'bench.author']);
  const editionPath = `/editions/${id.replace('#', '/').split('/').map(encodeURIComponent).join('/')}`;

  log(`bench:page: demo warehouse copy, edition ${id}; ${cpus().length} cores; ${starts} starts, ${requests} requests per page`);
  const startTimes: number[] = [];
  const bareTimes: number[] = [];
  let url = '';
  let server: ReturnType<typeof spawn> | null = null;
  for (let i = 0; i < starts; i++) {
    bareTimes.push((await run(process.execPath, ['-e', '0'], { cwd: work })).seconds);
    const began = performance.now();
    server = spawn(process.execPath, [bulletinBin, '--db', db, 'desk', 'serve', '--listen', '127.0.0.1:0'], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
    url = await new Promise<string>((done, failed) => {
      let text = '';
      server!.stderr!.on('data', (b: Buffer) => {
        text += b.toString();
        const match = /desk page on (http:\/\/\S+)/.exec(text);
        if (match) done(match[1]);
      });
      server!.once('exit', (code) => failed(new Error(`desk serve exited ${code}: ${text}`)));
    });
    const answer = await fetch(`${url}/login`);
    await answer.text();
    startTimes.push((performance.now() - began) / 1000);
    if (i < starts - 1) {
      server.kill('SIGTERM');
      await new Promise((done) => server!.once('exit', done));
    }
  }

  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: url, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'bench.head', password: PASSWORD }).toString(),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const timed = async (path: string): Promise<number> => {
    const began = performance.now();
    const response = await fetch(`${url}${path}`, { headers: { Cookie: cookie }, redirect: 'manual' });
    await response.text();
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    return (performance.now() - began) / 1000;
  };
  const firstEdition = await timed(editionPath);
  const pages: Record<string, number[]> = { '/': [], [editionPath]: [] };
  for (const path of Object.keys(pages)) {
    await timed(path);
    for (let i = 0; i < requests; i++) pages[path].push(await timed(path));
  }
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });

  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  const rows = [
    ['start (spawn to first page)', ms(median(startTimes)), `bare node ${ms(median(bareTimes))}`, `${(median(startTimes) / median(bareTimes)).toFixed(1)}x bare`, '< 1000 ms', median(startTimes) < 1 ? 'met' : 'missed'],
    ['edition page, first view', ms(firstEdition), '', '', '', ''],
    ...Object.entries(pages).map(([path, times]) => [
      `GET ${path === '/' ? '/ (editions)' : 'edition page'}`,
      `median ${ms(median(times))}`,
      `slowest ${ms(Math.max(...times))}`,
      '',
      '< 200 ms',
      median(times) < 0.2 ? 'met' : 'missed',
    ]),
  ];
  for (const row of rows) process.stdout.write(`${row.filter(Boolean).join('  |  ')}\n`);
}

await main();
