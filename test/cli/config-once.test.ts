// The configuration is read once, at the edge, and passed in: each command below runs as people run it, with a
// hook (fixtures/count-config-reads.cjs, through NODE_OPTIONS) that writes a line each time the process reads the
// configuration file. Chromium is made missing, so every command stops at that check, after the configuration has
// gone through the job, the desk, delivery and render.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceWarehouse } from '../conformance.ts';
import { repoRoot, runCli, tempDir } from '../helpers.ts';

const counter = join(import.meta.dirname, 'fixtures', 'count-config-reads.cjs');

describe('one command reads its configuration once', () => {
  const { dir, cleanup } = tempDir('bulletin-config-once-');
  const db = join(dir, 'warehouse.duckdb');
  let runs = 0;
  afterAll(cleanup);

  beforeAll(() => {
    conformanceWarehouse(db, 'batch1');
  });

  /** Runs `bulletin ARGS` without Chromium; returns its result and how many times it read the configuration. */
  const counted = async (args: string[]) => {
    const reads = join(dir, `reads-${++runs}.txt`);
    const result = await runCli(['--db', db, ...args], {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${counter}`.trim(),
      BULLETIN_TEST_CONFIG_READS: reads,
      BULLETIN_CONFIG: join(repoRoot, 'config', 'bulletin.yaml'),
      CHROME_PATH: join(dir, 'no-chromium'),
      BULLETIN_SMTP_URL: 'smtp://127.0.0.1:9',
      BULLETIN_MAIL_FROM: 'bulletin@reunion.example',
    }, dir);
    let count = 0;
    try {
      count = readFileSync(reads, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      // no read at all
    }
    return { ...result, count };
  };

  it('bulletin run monthly: the job, the desk and render share the one read', async () => {
    const r = await counted(['run', 'monthly', '--as-of', '2021-11-30']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Chromium not found/);
    expect(r.count).toBe(1);
  }, 60_000);

  it('bulletin deliver of a briefing: the desk, delivery and render share the one read', async () => {
    const r = await counted(['deliver', '--as-of', '2021-11-30', '--template', 'briefing', '--to', 'chief@reunion.example']);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/Chromium not found/);
    expect(r.count).toBe(1);
  }, 60_000);

  it('bulletin render and bulletin metrics read it once', async () => {
    const render = await counted(['render', '--as-of', '2021-11-30']);
    expect(render.stderr).toMatch(/Chromium not found/);
    expect(render.count).toBe(1);
    const metrics = await counted(['metrics', '--as-of', '2021-11-30', '--json']);
    expect(metrics.code, metrics.stderr).toBe(0);
    expect(metrics.count).toBe(1);
  }, 60_000);
});
