// Shared test helpers: run the real `bulletin` command and read a real DuckDB file.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { inject } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Random } from '../pipeline/demo/random.ts';
import { SHARED_CHROMIUM_VARIABLE } from '../pipeline/render/pdf.ts';

export const repoRoot = resolve(import.meta.dirname, '..');
export const bulletinBin = join(repoRoot, 'bin', 'bulletin.js');
export const conformanceDir = join(repoRoot, 'test', 'fixtures', 'conformance');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bulletin ARGS…` as a child process, with a pinned clock and PII key unless the caller overrides them. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot): Promise<CliResult> {
  return runNode([bulletinBin, ...args], { BULLETIN_NOW: '2026-11-23T12:00:00+08:00', BULLETIN_PII_KEY: 'test-key', TZ: 'UTC', ...env }, cwd);
}

/** Runs `node ARGS…` as a child process and collects its exit code and output. */
export function runNode(args: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot): Promise<CliResult> {
  return runProcess(process.execPath, args, env, cwd);
}

/** The run's shared Chromium as BULLETIN_CHROMIUM_WS (test/chromium-setup.ts); none in the global setups themselves. */
function sharedChromium(): Record<string, string> {
  try {
    const variable = inject('sharedChromium');
    return variable ? { [SHARED_CHROMIUM_VARIABLE]: variable } : {};
  } catch {
    return {};
  }
}

/** This process's environment with the run's shared Chromium, for an in-process printer: openPrinter({ env }). */
export function printerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...sharedChromium() };
}

/** The environment of a child: printerEnv(), then the caller's. */
const childEnv = (env: Record<string, string | undefined>): Record<string, string | undefined> => ({ ...printerEnv(), ...env });

/** Runs `command ARGS…` as a child process and collects its exit code and output. */
export function runProcess(command: string, args: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'bulletin-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a warehouse file read-only, runs one query, closes it. BIGINTs come back as numbers. */
export async function queryDb<T = Record<string, unknown>>(dbPath: string, sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    ) as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout or stderr (as asked) matches, rejects after `ms` naming what was seen. */
  waitFor: (pattern: RegExp, ms?: number, stream?: 'stdout' | 'stderr') => Promise<void>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** `bulletin ARGS` as a long-running child (e.g. `schedule`), its output collected as it comes. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot): RunningCli {
  const child = spawn(process.execPath, [bulletinBin, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  const exited = new Promise<number | string>((done) => child.on('close', (code, signal) => done(code ?? signal ?? -1)));
  const waitFor = (pattern: RegExp, ms = 30_000, stream: 'stdout' | 'stderr' = 'stdout') =>
    new Promise<void>((done, fail) => {
      const started = Date.now();
      const check = () => {
        if (pattern.test(stream === 'stdout' ? out : err)) return done();
        if (child.exitCode !== null || child.signalCode !== null) return fail(new Error(`exited before ${pattern}: stdout ${out} stderr ${err}`));
        if (Date.now() - started > ms) return fail(new Error(`no ${pattern} within ${ms} ms: stdout ${out} stderr ${err}`));
        setTimeout(check, 50);
      };
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

/** The checked-in configuration with some top-level keys replaced, written to `file` (for jobs, inbox, mail). */
export function writeConfig(file: string, overrides: Record<string, unknown>): string {
  const base = parseYaml(readFileSync(join(repoRoot, 'config', 'bulletin.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(file, stringifyYaml({ ...base, ...overrides }));
  return file;
}

/** The demo generator's seeded PRNG (mulberry32) as a function: the same numbers on every run. */
export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

/**
 * A private copy of a warehouse (its .wal and published snapshots beside it, as the README's layout has them) at
 * `target`, so that each case of a test runs on its own file, concurrently.
 */
export function cloneWarehouse(source: string, target: string): string {
  copyFileSync(source, target);
  if (existsSync(`${source}.wal`)) copyFileSync(`${source}.wal`, `${target}.wal`);
  if (existsSync(`${source}.snapshots`)) cpSync(`${source}.snapshots`, `${target}.snapshots`, { recursive: true });
  return target;
}
