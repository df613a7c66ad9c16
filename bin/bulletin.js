#!/usr/bin/env node
// The `bulletin` command: loads the TypeScript CLI through tsx (no build step in a checkout).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../pipeline/cli.ts');
process.exitCode = await main(process.argv.slice(2));
