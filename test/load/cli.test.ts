// The fixed CLI part for `load`: help, usage errors (exit 2, one line on stderr, no stack trace).
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers.ts';
import { hasStackTrace, lines, writeCsv } from './fixtures.ts';

describe.concurrent('bulletin CLI basics for load', () => {
  const { dir, cleanup } = tempDir('bulletin-cli-');
  afterAll(() => cleanup());
  const opts = { timeout: 30_000 };

  it('bulletin --help exits 0 and lists the load command', opts, async () => {
    const r = await runCli(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\bload\b/);
  });

  it('bulletin load --help exits 0 and documents --db', opts, async () => {
    const r = await runCli(['load', '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('--db');
  });

  it('an unknown flag exits 2 with one line on stderr, no stack trace', opts, async () => {
    const db = join(dir, 'flag.duckdb');
    const file = writeCsv(join(dir, 'flag'), 'events-1.csv', 'events', [{ event_id: 'CLI-1' }]);
    const r = await runCli(['load', file, '--db', db, '--no-such-flag']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain('--no-such-flag');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('a path that does not exist exits 2 with one line naming it', opts, async () => {
    const db = join(dir, 'missing.duckdb');
    const missing = join(dir, 'no-such-folder', 'cases-x.csv');
    const r = await runCli(['load', missing, '--db', db]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain('cases-x.csv');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('a missing path among existing ones exits 2 naming it', opts, async () => {
    const db = join(dir, 'partial.duckdb');
    const file = writeCsv(join(dir, 'partial'), 'events-1.csv', 'events', [{ event_id: 'CLI-2' }]);
    const r = await runCli(['load', file, join(dir, 'nowhere'), '--db', db]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('nowhere');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('load without any path exits 2 with one line', opts, async () => {
    const r = await runCli(['load', '--db', join(dir, 'none.duckdb')]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('an unknown command exits 2 with one line', opts, async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
