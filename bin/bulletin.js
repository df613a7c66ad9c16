#!/usr/bin/env node
// The `bulletin` command: runs the compiled CLI in dist/ (npm run build, scripts/build.js). A build older than the
// sources in pipeline/ is never run: it is rebuilt first, with one line on stderr saying so.
import { build, buildIsFresh } from '../scripts/build.js';

if (!buildIsFresh()) {
  process.stderr.write('bulletin: pipeline/ changed since the last build: building dist/ first (npm run build)\n');
  try {
    build();
  } catch (error) {
    const [first, ...rest] = String(error instanceof Error ? error.message : error).split('\n');
    process.stderr.write(`bulletin: ${first}${rest.length > 0 ? ` ${rest.find((line) => line.trim() !== '')?.trim() ?? ''}` : ''}\n`);
    process.exit(2);
  }
}
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
