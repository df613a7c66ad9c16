// pipeline/files.ts's hashing: the same SHA-256 as `sha256sum` whichever way a file is hashed (on this thread below
// 16 MiB, on a worker thread above), and a FIFO refused without waiting for a writer.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fileSha256, fileSha256OnWorker } from '../../pipeline/files.ts';
import { seededRandom, tempDir } from '../helpers.ts';

const tmp = tempDir('bulletin-files-');
afterAll(() => tmp.cleanup());

const sha256sum = (file: string): string => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];

it('fileSha256OnWorker and fileSha256 agree with sha256sum: empty, small, just under and over 16 MiB, several MiB reads', async () => {
  const random = seededRandom(7);
  for (const size of [0, 1, 1 << 20, (16 << 20) - 1, 16 << 20, (17 << 20) + 12345]) {
    const file = join(tmp.dir, `f-${size}`);
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = Math.floor(random() * 256);
    writeFileSync(file, bytes);
    const expected = sha256sum(file);
    expect(await fileSha256OnWorker(file), `${size} bytes on the worker path`).toBe(expected);
    expect(await fileSha256(file), `${size} bytes`).toBe(expected);
  }
});

it('a FIFO is refused at once, not waited on, whichever its size would be', async () => {
  const fifo = join(tmp.dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  await expect(fileSha256OnWorker(fifo)).rejects.toThrow(/not a regular file/);
});
