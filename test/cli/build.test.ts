// The build the `bulletin` command runs (scripts/build.js, dist/): never stale without saying so. On a copy of the
// checkout's code (bin/, scripts/build.js, pipeline/, the tsconfig files and package.json; node_modules and the
// folders the code reads linked to the real ones), so that changing sources here disturbs no other test.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runNode, tempDir } from '../helpers.ts';

const NOTE = 'bulletin: pipeline/ changed since the last build: dist/ rebuilt (npm run build)\n';
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('the build in dist/ that bin/bulletin.js runs', () => {
  const { dir: checkout, cleanup } = tempDir('bulletin-build-');
  afterAll(cleanup);
  for (const path of ['bin', 'pipeline', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(repoRoot, path), join(checkout, path), { recursive: true });
  mkdirSync(join(checkout, 'scripts'));
  cpSync(join(repoRoot, 'scripts', 'build.js'), join(checkout, 'scripts', 'build.js'));
  for (const path of ['node_modules', 'queries', 'templates', 'config', 'data']) symlinkSync(join(repoRoot, path), join(checkout, path));
  const bulletin = (args: string[]) => runNode([join(checkout, 'bin', 'bulletin.js'), ...args], {}, checkout);
  const stamp = () => readFileSync(join(checkout, 'dist', '.stamp'), 'utf8');
  const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

  it('is built at the first start, with one line saying so, then run as it is; the compiled code finds the checkout\'s folders', async () => {
    expect(existsSync(join(checkout, 'dist'))).toBe(false);
    const first = await bulletin(['--version']);
    expect({ code: first.code, stdout: first.stdout, stderr: first.stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: NOTE });
    expect(existsSync(join(checkout, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(checkout, 'dist', 'cli.ts'))).toBe(false);
    const again = await bulletin(['--version']);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    // queries/analysis, found from dist/ as from pipeline/.
    const queries = await bulletin(['queries', '--json']);
    expect(queries.code, queries.stderr).toBe(0);
    expect((JSON.parse(queries.stdout) as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it('a changed, added or removed source is rebuilt before it runs', async () => {
    const errors = join(checkout, 'pipeline', 'errors.ts');
    const built = stamp();
    utimesSync(errors, later(5), later(5));
    const changed = await bulletin(['--version']);
    expect({ code: changed.code, stderr: changed.stderr }).toEqual({ code: 0, stderr: NOTE });
    expect(stamp()).not.toBe(built);

    // A new module, and what the command then prints, come from the rebuilt code.
    writeFileSync(join(checkout, 'pipeline', 'extra.ts'), 'export const extra = 1;\n');
    const cli = join(checkout, 'pipeline', 'cli.ts');
    writeFileSync(cli, readFileSync(cli, 'utf8').replace("'print the version of bulletin'", "'the version, rebuilt'"));
    const added = await bulletin(['--help']);
    expect(added.stderr).toBe(NOTE);
    expect(added.stdout).toContain('the version, rebuilt');
    expect(existsSync(join(checkout, 'dist', 'extra.js'))).toBe(true);
    expect((await bulletin(['--help'])).stderr).toBe('');

    rmSync(join(checkout, 'pipeline', 'extra.ts'));
    const removed = await bulletin(['--version']);
    expect({ code: removed.code, stderr: removed.stderr }).toEqual({ code: 0, stderr: NOTE });
    expect(existsSync(join(checkout, 'dist', 'extra.js'))).toBe(false);
  }, 180_000);

  it('commands started together on a stale build build it once and all run', async () => {
    utimesSync(join(checkout, 'pipeline', 'paths.ts'), later(10), later(10));
    const runs = await Promise.all([1, 2, 3].map(() => bulletin(['--version'])));
    for (const r of runs) expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: `${version}\n` });
    // One built it; the others waited for it, or came after, and ran the new build.
    expect(runs.map((r) => r.stderr).sort()).toEqual(['', '', NOTE]);
    expect((await bulletin(['--version'])).stderr).toBe('');
    expect(existsSync(join(checkout, 'dist.lock'))).toBe(false);
  }, 180_000);

  it('a source that does not compile is one line, exit 2; the old build is kept and not run', async () => {
    const before = stamp();
    writeFileSync(join(checkout, 'pipeline', 'broken.ts'), 'export const broken = (;\n');
    const r = await bulletin(['--version']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bulletin: the build of pipeline\/ failed \(npm run build\): pipeline\/broken\.ts\(1,\d+\): error TS\d+: .+\n$/);
    expect(stamp()).toBe(before);
    expect(existsSync(join(checkout, 'dist', 'cli.js'))).toBe(true);
  }, 120_000);
});
