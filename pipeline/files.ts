// Files written whole or not at all: to a fresh temporary name in the same folder, flushed to disk, then renamed
// over the target, so a reader (a mail job, a web server, an analyst's notebook, a snapshot reader) never sees
// half a file, even after a crash. Used for every file the pipeline writes for others to read.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, createReadStream, existsSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pipeline } from 'node:stream/promises';

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

/** A fresh temporary name beside `path`, ending in `.partial`. */
export function partialPathOf(path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
}

/**
 * The same, written piece by piece (a result streamed as it comes): the pieces go to the `.partial` name, and
 * commit() makes the file visible whole; abort() leaves nothing behind.
 */
export class AtomicFileWriter {
  private readonly descriptor: number;

  constructor(
    readonly path: string,
    readonly partial = partialPathOf(path),
  ) {
    this.descriptor = openSync(partial, 'wx');
  }

  write(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(this.descriptor, bytes, done, bytes.byteLength - done);
  }

  /** On disk, then visible at the path. Without `replace`, a file that appeared there meanwhile is kept (EEXIST). */
  commit(replace: boolean): void {
    try {
      fsyncSync(this.descriptor);
      closeSync(this.descriptor);
    } catch (error) {
      rmSync(this.partial, { force: true });
      throw error;
    }
    commitPartialFile(this.partial, this.path, replace);
  }

  abort(): void {
    try {
      closeSync(this.descriptor);
    } catch {
      // already closed by a failed commit
    }
    rmSync(this.partial, { force: true });
  }
}

/**
 * Makes `partial`, a whole file another writer has closed (DuckDB, a workbook writer), visible at `path`: on disk
 * first, then linked (or, with `replace`, renamed) into place; the partial is removed either way. Without
 * `replace`, a file that appeared at `path` meanwhile is kept (EEXIST).
 */
export function commitPartialFile(partial: string, path: string, replace: boolean): void {
  try {
    const descriptor = openSync(partial, 'r');
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    if (replace) renameSync(partial, path);
    else {
      try {
        // A hard link fails if the name exists: no window in which a file created meanwhile is replaced.
        linkSync(partial, path);
        unlinkSync(partial);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || existsSync(path)) throw error;
        renameSync(partial, path); // a file system without hard links
      }
    }
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** A path that is not a regular file (a FIFO, device, socket or folder) where one was expected. */
export class NotRegularFile extends Error {}

/**
 * Opens a file for reading without blocking and refuses anything but a regular file (NotRegularFile), so a FIFO put
 * in a file's place cannot hang the reader waiting for a writer.
 */
export function openRegularFile(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new NotRegularFile(`${path}: not a regular file`);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** SHA-256 of a regular file's bytes, read 1 MiB at a time: the identity of an export, a snapshot or a PDF. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream('', { fd: openRegularFile(path), highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** Below this size a file is hashed on this thread: a worker's start (about 35 ms of CPU) costs more than the hash. */
const WORKER_HASH_MIN_BYTES = 16 << 20;

/**
 * fileSha256 on a worker thread, for a big file whose hash would otherwise take this thread's time from other work
 * on it (the loader checks an export's text meanwhile). A small one is hashed here, at once.
 */
export function fileSha256OnWorker(path: string): Promise<string> {
  let fd: number;
  try {
    fd = openRegularFile(path);
    if (fstatSync(fd).size < WORKER_HASH_MIN_BYTES) {
      try {
        return Promise.resolve(sha256OfFd(fd));
      } finally {
        closeSync(fd);
      }
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<string>((resolve, reject) => {
    const worker = new Worker(SHA256_WORKER, { eval: true, workerData: { fd } });
    let result: { hex?: string; error?: string } | null = null;
    worker.once('message', (message: { hex?: string; error?: string }) => (result = message));
    worker.once('error', (error) => (result = { error: error.message }));
    worker.once('exit', () => {
      closeSync(fd);
      if (result?.hex) resolve(result.hex);
      else reject(new Error(`${path}: ${result?.error ?? 'the hashing thread stopped'}`));
    });
  });
}

/** The hash of an open file's bytes, read 1 MiB at a time: the worker's loop, run on this thread. */
function sha256OfFd(fd: number): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; ; ) {
    const n = readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    position += n;
  }
  return hash.digest('hex');
}

const SHA256_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
try {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; ; ) {
    const n = readSync(workerData.fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    position += n;
  }
  parentPort.postMessage({ hex: hash.digest('hex') });
} catch (error) {
  parentPort.postMessage({ error: error.message });
}`;
