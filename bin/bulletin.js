#!/usr/bin/env node
// The `bulletin` command: runs the compiled CLI's bundle in dist/bundle/ (npm run build, scripts/build.js). A build older than the
// sources in pipeline/ is never run: it is rebuilt first (one line on stderr says so), or the command stops with one
// line naming the first compiler error.
import { build, buildIsFresh } from '../scripts/build.js';

if (!buildIsFresh()) {
  try {
    if (build()) process.stderr.write('bulletin: pipeline/ changed since the last build: dist/ rebuilt (npm run build)\n');
  } catch (error) {
    process.stderr.write(`bulletin: ${String(error instanceof Error ? error.message : error).split('\n')[0]}\n`);
    process.exit(2);
  }
}
const { main } = await import('../dist/bundle/cli.js');
process.exitCode = await main(process.argv.slice(2));
