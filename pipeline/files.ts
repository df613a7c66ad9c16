// Files written whole or not at all: to a fresh temporary name in the same folder, flushed to disk, then renamed
// over the target, so a reader (a mail job, a web server, an analyst's notebook, a snapshot reader) never sees
// half a file, even after a crash. Used for every file the pipeline writes for others to read.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `content` to `path` atomically, creating its folder; the temporary file ends in `.partial`. `mode` (e.g.
 * 0o600 for secrets) is the file's mode from its creation on, so it is never readable by others, not even briefly.
 */
export function writeFileAtomically(path: string, content: string | Uint8Array, mode = 0o666): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    const descriptor = openSync(partial, 'wx', mode);
    try {
      writeFileSync(descriptor, content);
      // On disk before the rename makes it visible.
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
