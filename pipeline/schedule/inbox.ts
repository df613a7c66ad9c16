// The ingest job's folder work: load the export files dropped into the inbox, then file each away, loaded or
// already loaded under archive/<China day>/, rejected under rejected/ with a reason file beside it.
//
// Order: load first, move after. A crash in between leaves a loaded file in the inbox; the next run finds its
// sha256 in load_log, reports it 'already loaded' and archives it. So a file is never lost, nor loaded twice.
import { existsSync, linkSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, oneLine } from '../errors.ts';
import { loadExports, type FileResult, type LoadOptions } from '../load/load.ts';
import { chinaDate } from '../dates.ts';

/** archive/ and rejected/ are inside dir. */
export interface InboxSettings {
  dir: string;
  settleSeconds: number;
}

export interface InboxFileResult {
  file: string;
  movedTo: string;
  outcome: 'loaded' | 'already loaded' | 'rejected';
  reason?: string;
}

export interface InboxOptions {
  now: Date;
  hmacKey: Buffer | null;
  log: (line: string) => void;
}

/** Names of files being written: a copier renames them to their real name when done. */
const IN_PROGRESS = /\.(part|tmp|partial)$/i;

/**
 * Loads every settled file at the top of the inbox, in name order, and moves each away (never replacing a file: a
 * name taken gets a suffix, name.1.csv). Returns one result per file. A file that could not be loaded for a reason
 * not its own, or not moved, stays in the inbox; once the others are done, that is thrown as one line.
 */
export async function ingestInbox(dbPath: string, settings: InboxSettings, options: InboxOptions): Promise<InboxFileResult[]> {
  mkdirSync(settings.dir, { recursive: true });
  const names = settledFiles(settings, options);
  if (names.length === 0) return [];

  const loaded = await loadFiles(dbPath, names.map((name) => join(settings.dir, name)), options);
  const results: InboxFileResult[] = [];
  const leftBehind: string[] = [];
  for (const name of names) {
    const path = join(settings.dir, name);
    const result = loaded.get(path);
    if (!result) continue;
    if (result instanceof Error) {
      leftBehind.push(`${path} (${oneLine(result)})`);
      continue;
    }
    const rejected = result.outcome === 'rejected';
    const folder = rejected ? join(settings.dir, 'rejected') : join(settings.dir, 'archive', chinaDate(options.now));
    let movedTo: string;
    try {
      movedTo = moveWithoutReplacing(path, folder, name, rejected ? ['.reason.txt'] : []);
    } catch (error) {
      leftBehind.push(`${path} (${result.outcome}, but not moved: ${oneLine(error)})`);
      continue;
    }
    const reason = rejected ? oneLine(result.reason ?? 'rejected') : undefined;
    if (reason) writeReason(`${movedTo}.reason.txt`, reason, options);
    options.log(`inbox: ${path}: ${result.outcome}; moved to ${movedTo}`);
    results.push({ file: path, movedTo, outcome: result.outcome, ...(reason ? { reason } : {}) });
  }
  if (leftBehind.length > 0) throw new Error(`inbox: left in the inbox: ${leftBehind.join('; ')}`);
  return results;
}

/** Regular files at the top of the inbox, in name order, that are neither hidden, partial, nor still being copied. */
function settledFiles(settings: InboxSettings, options: InboxOptions): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(settings.dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.') || IN_PROGRESS.test(entry.name)) continue;
    const ageSeconds = (options.now.getTime() - statSync(join(settings.dir, entry.name)).mtimeMs) / 1000;
    if (ageSeconds < settings.settleSeconds) {
      options.log(`inbox: ${join(settings.dir, entry.name)}: modified ${Math.max(0, Math.round(ageSeconds))} s ago, left for a later run (settle_seconds ${settings.settleSeconds})`);
      continue;
    }
    names.push(entry.name);
  }
  // Plain code-unit order, as `bulletin load` orders a folder: the same on every machine and locale.
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Loads the files in one `loadExports` (one warehouse open, one snapshot published for the whole delivery, so readers
 * never see half of it) and returns each file's result. If that load breaks off on something other than a rejection
 * (a rejection is a result), the files are loaded one by one, so one bad file cannot hold the others back; those
 * already stored come back 'already loaded'. A broken warehouse (UsageError: locked too long, not a DuckDB file)
 * stops the run at once.
 */
async function loadFiles(dbPath: string, paths: string[], options: InboxOptions): Promise<Map<string, FileResult | Error>> {
  const loadOptions = (some: string[]): LoadOptions => ({ dbPath, paths: some, now: options.now, hmacKey: options.hmacKey, log: options.log });
  const results = new Map<string, FileResult | Error>();
  try {
    const report = await loadExports(loadOptions(paths));
    // One named file gives one result, in the order given.
    paths.forEach((path, i) => results.set(path, report.results[i]));
    return results;
  } catch (error) {
    if (error instanceof UsageError && !/no such file/.test(error.message)) throw error;
    options.log(`inbox: the load broke off (${oneLine(error)}); loading the files one by one`);
  }
  for (const path of paths) {
    // Taken by another run meanwhile (a `bulletin run` beside the scheduler): it reports that file.
    if (!existsSync(path)) continue;
    try {
      results.set(path, (await loadExports(loadOptions([path]))).results[0]);
    } catch (error) {
      if (error instanceof UsageError && !/no such file/.test(error.message)) throw error;
      results.set(path, error instanceof Error ? error : new Error(String(error)));
    }
  }
  return results;
}

/**
 * Moves `from` into `folder` as `name`, or name.1.ext, name.2.ext… when taken (also when a companion, such as the
 * reason file, is taken). A hard link then an unlink: link fails rather than replace a file, where rename would not.
 */
function moveWithoutReplacing(from: string, folder: string, name: string, companions: string[]): string {
  mkdirSync(folder, { recursive: true });
  for (let n = 0; ; n++) {
    const target = join(folder, n === 0 ? name : withSuffix(name, n));
    if (companions.some((c) => existsSync(target + c))) continue;
    try {
      linkSync(from, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
      // A file system without hard links (some network shares): look, then rename.
      if (existsSync(target)) continue;
      renameSync(from, target);
      return target;
    }
    unlinkSync(from);
    return target;
  }
}

/** persons-2021.csv.gz → persons-2021.1.csv.gz: the suffix goes before the first dot, so table and format still read. */
function withSuffix(name: string, n: number): string {
  const dot = name.indexOf('.');
  return dot < 0 ? `${name}.${n}` : `${name.slice(0, dot)}.${n}${name.slice(dot)}`;
}

function writeReason(path: string, reason: string, options: InboxOptions): void {
  const at = new Date(options.now.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  try {
    writeFileSync(path, `${reason} (rejected ${at} China time)\n`, { flag: 'wx' });
  } catch (error) {
    options.log(`inbox: ${path}: cannot write the reason file: ${oneLine(error)}`);
  }
}
