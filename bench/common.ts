// What the end-to-end benchmarks share: their flags, the median, and running one step as its own process (as a
// person or a job runs each command), timed from spawn to exit.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** `--name value` from the command line, or the fallback. */
export function flag(name: string, fallback: string, args = process.argv.slice(2)): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to the step's standard input (then closed). */
  input?: string;
}

export function run(command: string, argv: string[], options: RunOptions): Promise<Run> {
  return new Promise((done, failed) => {
    const started = performance.now();
    const child = spawn(command, argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', failed);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a step; a failed step ends the benchmark with one line naming it. */
export async function mustRun(bench: string, label: string, command: string, argv: string[], options: RunOptions): Promise<Run> {
  const result = await run(command, argv, options);
  if (result.code !== 0) {
    process.stderr.write(`${bench}: ${label} failed (exit ${result.code}): ${result.stderr.trim()}\n`);
    process.exit(1);
  }
  return result;
}
