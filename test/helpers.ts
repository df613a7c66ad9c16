// Shared test helpers: run the real `bulletin` command and read a real DuckDB file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

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
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
