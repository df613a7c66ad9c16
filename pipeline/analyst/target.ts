// Where `bulletin sql --out FILE` may write. The result replaces what is at the path (atomically, by rename), so
// before anything runs the path is refused when it is a special file (FIFO, device, socket, folder), the warehouse
// or one of its side files (the .wal, `<db>.snapshots/` and everything in it, the `<db>.*.duckdb` logs beside it),
// a key file (BULLETIN_PII_KEY_FILE, any `*.key`), or an existing file without --force. Paths are compared after
// resolving symbolic links and `..`, and by inode, so another spelling or a link to one of them is refused too.
import { existsSync, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.ts';

/** The absolute path the result goes to, or a UsageError (exit 2) saying why not; nothing is written either way. */
export function checkedOutTarget(file: string, dbPath: string, force: boolean, env = process.env): string {
  const target = resolve(file);
  const folder = dirname(target);
  if (!isFolder(folder)) throw new UsageError(`${file}: cannot write: the folder ${folder} does not exist`);
  // The name the rename replaces (a link itself, not what it points to) and, if it is a link, where it leads.
  const name = join(realpathSync(folder), basename(target));
  const entry = lstatOrNull(name);
  const leadsTo = entry?.isSymbolicLink() ? realpathOrNull(name) : name;
  const refuse = (why: string) => new UsageError(`${file}: refused as --out: ${why}; nothing was written`);

  for (const path of [name, leadsTo]) {
    if (path === null) continue;
    const guarded = guardedReason(path, dbPath, env);
    if (guarded) throw refuse(guarded);
  }
  const stats = leadsTo === null ? null : statOrNull(leadsTo);
  if (stats) {
    const guarded = guardedInode(stats, dbPath, env);
    if (guarded) throw refuse(guarded);
    if (!stats.isFile()) throw refuse(`it is ${kindOf(stats)}, not a regular file`);
  }
  if (entry && !force) throw refuse('the file exists (give --force to replace it)');
  return target;
}

/** Why `path` (a real path) is one of the guarded files by name, or null. */
function guardedReason(path: string, dbPath: string, env: NodeJS.ProcessEnv): string | null {
  const db = realWarehousePath(dbPath);
  const dbName = basename(db);
  if (path === db) return 'it is the warehouse';
  // Everything named after the warehouse beside it: .wal, .snapshots/, the releases, deliveries, jobs… logs.
  if (dirname(path) === dirname(db) && basename(path).startsWith(`${dbName}.`)) return `it is one of the warehouse's files (${dbName}.*)`;
  // Anything inside a folder named after the warehouse (<db>.snapshots/, <db>.scratch/, <db>.tmp/ …), followed
  // to where it really is.
  const folder = dirname(db);
  for (const name of isFolder(folder) ? readdirSync(folder) : []) {
    if (!name.startsWith(`${dbName}.`)) continue;
    const side = realpathOrNull(join(folder, name)) ?? join(folder, name);
    if (path.startsWith(side + sep)) return `it is in the warehouse's ${name.slice(dbName.length + 1)} folder (${name}/)`;
  }
  const keyFile = env.BULLETIN_PII_KEY_FILE ? realpathOrNull(env.BULLETIN_PII_KEY_FILE) ?? resolve(env.BULLETIN_PII_KEY_FILE) : null;
  if (path === keyFile) return 'it is the personal-data key file (BULLETIN_PII_KEY_FILE)';
  if (path.toLowerCase().endsWith('.key')) return 'it is a key file (*.key)';
  return null;
}

/** Why the existing file `stats` describes is a guarded one under another name (a hard link), or null. */
function guardedInode(stats: Stats, dbPath: string, env: NodeJS.ProcessEnv): string | null {
  const db = realWarehousePath(dbPath);
  const guarded: string[] = [db];
  const folder = dirname(db);
  if (isFolder(folder)) for (const name of readdirSync(folder)) if (name.startsWith(`${basename(db)}.`)) guarded.push(join(folder, name));
  for (const side of [...guarded]) if (isFolder(side)) for (const name of readdirSync(side)) guarded.push(join(side, name));
  if (env.BULLETIN_PII_KEY_FILE) guarded.push(env.BULLETIN_PII_KEY_FILE);
  for (const path of guarded) {
    const other = statOrNull(path);
    if (other && other.dev === stats.dev && other.ino === stats.ino) return path === db ? 'it is the warehouse' : "it is one of the warehouse's files or the key file (the same file under another name)";
  }
  return null;
}

function realWarehousePath(dbPath: string): string {
  return realpathOrNull(dbPath) ?? join(realpathOrNull(dirname(resolve(dbPath))) ?? dirname(resolve(dbPath)), basename(dbPath));
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a special file';
}

function isFolder(path: string): boolean {
  return statOrNull(path)?.isDirectory() ?? false;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function realpathOrNull(path: string): string | null {
  try {
    return existsSync(path) ? realpathSync(path) : null;
  } catch {
    return null;
  }
}
