// The loader's scratch copies (a GB18030 export transcoded to UTF-8: personal data in clear) live in `<db>.scratch/`,
// owner-only, beside the warehouse. A load killed while it writes one leaves it there; the next load, once it holds
// the warehouse lock, removes it. Nothing goes to the system's temporary folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bulletinBin, repoRoot, tempDir } from '../helpers.ts';
import { load, toCsv, writeCsv, writeIn, ZH, records } from './fixtures.ts';

/** Files under `folder`, recursively (paths relative to it). */
function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(folder.length + 1));
}

describe('bulletin load: scratch copies', () => {
  const { dir, cleanup } = tempDir('bulletin-scratch-');
  afterAll(() => cleanup());

  it('a GB18030 copy left by a killed load is removed by the next load; none is ever in TMPDIR', { timeout: 180_000 }, async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const db = join(dir, 'warehouse.duckdb');
    const scratch = `${db}.scratch`;
    // ~45 MB of GB18030: transcoding takes long enough to be caught in the act.
    const overrides = Array.from({ length: 400_000 }, (_, i) => ({ person_id: `GB-${i}`, province: '山东省', missing_on: '2010年5月1日', sex: '男' }));
    const big = writeIn(dir, 'persons-gb.csv', toCsv(records('persons', overrides), { header: ZH.persons }), { encoding: 'gb18030' });

    // Start a load, and kill it (with its process group) once a copy appears, wherever it appears.
    const env = { ...process.env, BULLETIN_NOW: '2026-11-23T12:00:00+08:00', BULLETIN_PII_KEY: 'test-key', TMPDIR: tmp };
    const child = spawn(process.execPath, [bulletinBin, 'load', big, '--db', db], { cwd: repoRoot, env, detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    const copies = () => [...filesUnder(scratch).map((f) => join(scratch, f)), ...filesUnder(tmp).filter((f) => !f.startsWith('tsx')).map((f) => join(tmp, f))];
    let seen: string[] = [];
    let scratchMode = 0;
    let copyMode = 0;
    const started = Date.now();
    while (Date.now() - started < 120_000 && child.exitCode === null) {
      seen = copies().filter((f) => statSync(f, { throwIfNoEntry: false })?.size);
      if (seen.length > 0) {
        try {
          scratchMode = statSync(scratch).mode & 0o777;
          copyMode = statSync(seen[0]!).mode & 0o777;
        } catch {
          // not the new layout
        }
        process.kill(-child.pid!, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await exited;
    expect(seen, 'a copy was being written when the load was killed').not.toEqual([]);
    expect(copies(), 'the killed load left its copy').not.toEqual([]);
    expect(seen.every((f) => f.startsWith(scratch)), `copies beside the warehouse, not in TMPDIR: ${seen.join(', ')}`).toBe(true);
    expect(scratchMode.toString(8), 'the scratch folder is owner-only').toBe('700');
    expect(copyMode.toString(8), 'the copy is owner-only').toBe('600');

    // The next load (of another file) clears what the killed one left, and leaves nothing of its own.
    const next = await load(db, [writeCsv(dir, 'events-next.csv', 'events', [{ event_id: 'NEXT-1' }])], { TMPDIR: tmp });
    expect(next.code, next.stderr).toBe(0);
    expect(copies(), 'copies left after the next load').toEqual([]);
    expect(existsSync(scratch)).toBe(false);
  });
});
