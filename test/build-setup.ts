// Vitest global setup: the CLI tests run the command as people do (bin/bulletin.js, which runs the build in dist/).
// Built once here, before any test, so that no test's output carries bin/bulletin.js's "building dist/ first" note.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function buildOnce(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.js')], { stdio: 'inherit' });
}
