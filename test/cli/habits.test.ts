// What people expect of a command on their first day: `bulletin … | head` ends quietly, `bulletin` alone shows what
// there is, a typo gets commander's "did you mean", --version answers, every command's --help names --db and
// --config, and a mistyped --db of a reading command is an error naming the path rather than new empty files.
// Every `bulletin` here is the bin entry as a child process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceWarehouse } from '../conformance.ts';
import { bulletinBin, conformanceDir, repoRoot, runCli, tempDir, type CliResult } from '../helpers.ts';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** `bulletin ARGS` whose reader has gone before it writes (`| head` that stopped reading): code and stderr. */
function withClosedOutput(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done, failed) => {
    const child = spawn(process.execPath, [bulletinBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', failed);
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
}

/** The subcommands listed in a help text's "Commands:" section (without commander's own `help`). */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
}

describe('a command that behaves as people expect', () => {
  const { dir, cleanup } = tempDir('bulletin-cli-habits-');
  const db = join(dir, 'warehouse.duckdb');
  afterAll(cleanup);
  beforeAll(() => {
    conformanceWarehouse(db, 'batch1');
  });

  it('`bulletin … | head` ends quietly: no EPIPE, no stack trace, the exit status of the command', async () => {
    const cases: string[][] = [
      ['--help'],
      ['queries'],
      ['--db', db, 'metrics', '--as-of', '2021-11-30', '--json'],
      ['--db', db, 'metrics', '--as-of', '2021-11-30'],
      ['--db', db, 'jobs'],
      ['--db', db, 'edition', 'list'],
      ['--db', db, 'schema'],
      // Far more than a pipe holds, written by the query engine process.
      ['--db', db, 'sql', 'SELECT * FROM range(200000)', '--format', 'csv'],
    ];
    for (const args of cases) {
      const r = await withClosedOutput(args);
      expect({ code: r.code, signal: r.signal, stderr: r.stderr }, args.join(' ')).toEqual({ code: 0, signal: null, stderr: '' });
    }
  }, 120_000);

  it('`bulletin` alone prints the full help on stdout, exit 0; so do `bulletin desk` and `bulletin edition`', async () => {
    const full = await runCli(['--help']);
    const alone = await runCli([]);
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stderr).toBe('');
    expect(alone.stdout).toBe(full.stdout);
    expect(commandsIn(alone.stdout)).toEqual(expect.arrayContaining(['load', 'metrics', 'render', 'sql', 'desk', 'edition']));
    for (const group of ['desk', 'edition']) {
      const r = await runCli([group]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe((await runCli([group, '--help'])).stdout);
      expect(commandsIn(r.stdout).length, group).toBeGreaterThan(2);
    }
  }, 60_000);

  it('an unknown command or option keeps commander\'s "did you mean", on the one line of a usage error', async () => {
    const command = await runCli(['metric']);
    expect(command.code).toBe(2);
    expect(command.stderr).toBe("error: unknown command 'metric' (Did you mean metrics?)\n");
    const option = await runCli(['--db', db, 'metrics', '--as-of', '2021-11-30', '--jsn']);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("error: unknown option '--jsn' (Did you mean --json?)\n");
    const nested = await runCli(['edition', 'lst']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toBe("error: unknown command 'lst' (Did you mean list?)\n");
  }, 60_000);

  it('--version and -V print the version of package.json', async () => {
    for (const args of [['--version'], ['-V'], ['metrics', '--version']]) {
      const r = await runCli(args);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, args.join(' ')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  }, 60_000);

  it('every command\'s --help lists --db and --config', async () => {
    const seen: string[] = [];
    const walk = async (path: string[]): Promise<void> => {
      const help = await runCli([...path, '--help']);
      expect(help.code, `${path.join(' ')} --help: ${help.stderr}`).toBe(0);
      if (path.length > 0) {
        seen.push(path.join(' '));
        expect(help.stdout, path.join(' ')).toMatch(/^ {2}--db <path> /m);
        expect(help.stdout, path.join(' ')).toMatch(/^ {2}--config <path> /m);
      }
      await Promise.all(commandsIn(help.stdout).map((name) => walk([...path, name])));
    };
    await walk([]);
    expect(seen).toEqual(expect.arrayContaining(['load', 'metrics', 'sql', 'desk serve', 'desk user add', 'edition list', 'edition release']));
  }, 180_000);

  it('a mistyped --db of a reading command is one line naming the path, exit 2, and creates nothing', async () => {
    const folder = join(dir, 'typo');
    mkdirSync(folder);
    const typo = join(folder, 'warehose.duckdb');
    const reading: string[][] = [
      ['metrics', '--as-of', '2021-11-30'],
      ['releases'],
      ['render', '--as-of', '2021-11-30'],
      ['deliver', '--as-of', '2021-11-30', '--to', 'press@reunion.example'],
      ['deliveries'],
      ['sql', 'SELECT 1'],
      ['schema'],
      ['edition', 'list'],
      ['edition', 'show', 'reunion-2021/press/2021-11-30#1'],
      ['edition', 'log'],
      ['desk', 'user', 'list'],
      ['desk', 'serve', '--listen', '127.0.0.1:0'],
    ];
    const results = await Promise.all(reading.map((args) => runCli(['--db', typo, ...args], {}, folder)));
    for (const [i, r] of results.entries()) {
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, reading[i].join(' ')).toEqual({
        code: 2,
        stdout: '',
        stderr: `bulletin: no warehouse at ${typo} (--db, BULLETIN_DB; bulletin load creates one)\n`,
      });
    }
    // `jobs` lists the configured jobs before the first ingest too: it says there is no warehouse, and goes on.
    const jobs: CliResult = await runCli(['--db', typo, 'jobs'], {}, folder);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stderr).toBe(`bulletin: note: no warehouse at ${typo}: no job has run on it\n`);
    expect(jobs.stdout).toMatch(/^ingest\t/m);
    expect(readdirSync(folder)).toEqual([]);
    // Loading is how a warehouse comes to be.
    const loaded = await runCli(['--db', typo, 'load', join(conformanceDir, 'batch1', 'alerts-2021-08.csv')], {}, folder);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(existsSync(typo)).toBe(true);
  }, 180_000);
});
