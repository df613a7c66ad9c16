// Progress of `bulletin load` on stderr. On a terminal, a file that has taken 2 s gets one line, rewritten in place:
// the file, its step, bytes or rows done, the rate, the time so far. Elsewhere (a log, a pipe), a plain line once a
// file has taken 10 s, and every 10 s after. Quick files show nothing.
import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { displayWidth } from '../text-width.ts';
import type { LoadProgress } from './load.ts';
import { printable } from './printable.ts';
import { shortenMiddle, shortenPath } from './report.ts';

const SHOW_AFTER_MS = 2_000;
const PLAIN_EVERY_MS = 10_000;
const TICK_MS = 250;
/** The rate is taken over this last stretch of a pass, so a slow start or a second pass does not skew it. */
const RATE_WINDOW_MS = 3_000;

interface Sample {
  at: number;
  position: number;
}

interface Current {
  progress: LoadProgress;
  realPath: string;
  startedAt: number;
  stepStartedAt: number;
  /** Rows per second of the parsing step, once it is over. */
  parseRate?: number;
  samples: Sample[];
}

export interface ProgressDisplay {
  update(progress: LoadProgress): void;
  /** Takes the line off the terminal (before another line is written to stderr); the next tick puts it back. */
  clear(): void;
  stop(): void;
}

export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const tty = stream.isTTY === true;
  let current: Current | null = null;
  let shown = false;
  let lastPlain = 0;
  const timer = setInterval(() => draw(), TICK_MS);
  timer.unref();

  function draw() {
    if (!current) return;
    const now = Date.now();
    sample(current, now);
    const elapsed = now - current.startedAt;
    if (tty) {
      if (elapsed < SHOW_AFTER_MS) return;
      const width = Math.max(20, (stream.columns || 100) - 1); // never the last column: a wrapped line is not rewritten
      stream.write(`\r${progressLine(current, now, width)}\x1b[K`);
      shown = true;
    } else if (elapsed >= PLAIN_EVERY_MS && now - lastPlain >= PLAIN_EVERY_MS) {
      stream.write(`${progressLine(current, now, 100)}\n`);
      lastPlain = now;
    }
  }

  function clear() {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  }

  return {
    update(progress) {
      const now = Date.now();
      if (progress.step === 'done') {
        clear();
        current = null;
        return;
      }
      if (!current || current.progress.file !== progress.file || current.progress.index !== progress.index) {
        current = { progress, realPath: realPathOf(progress.absolutePath), startedAt: now, stepStartedAt: now, samples: [] };
        lastPlain = now;
      } else if (current.progress.step !== progress.step) {
        if (progress.step === 'storing' && current.progress.step === 'parsing' && progress.rows !== undefined) {
          const seconds = (now - current.stepStartedAt) / 1000;
          if (seconds > 0) current.parseRate = progress.rows / seconds;
        }
        current = { ...current, progress, stepStartedAt: now, samples: [] };
      }
      if (shown) draw();
    },
    clear,
    stop() {
      clearInterval(timer);
      clear();
      current = null;
    },
  };
}

/** `persons-2021-11.csv (2/5): reading 45.1 of 86.2 MB, 170 MB/s, 0:04`, shortened to `width` columns. */
function progressLine(current: Current, now: number, width: number): string {
  const { progress } = current;
  const parts: string[] = [];
  const position = current.samples.at(-1)?.position;
  if ((progress.step === 'hashing' || progress.step === 'reading') && position !== undefined) {
    parts.push(`${progress.step} ${bytesOf(Math.min(position, progress.bytes), progress.bytes)}`);
    const rate = byteRate(current.samples);
    if (rate !== null) parts.push(`${formatBytes(rate)}/s`);
  } else if (progress.step === 'parsing' && position !== undefined) {
    // DuckDB reads ahead in large blocks (a file under ~160 MB at once): what it has read, not a rate.
    parts.push(`parsing, ${bytesOf(Math.min(position, progress.bytes), progress.bytes)} read`);
  } else if (progress.step === 'storing' && progress.rows !== undefined) {
    parts.push(`storing ${progress.rows} rows`);
    if (current.parseRate !== undefined) parts.push(`parsed at ${Math.round(current.parseRate)} rows/s`);
  } else {
    parts.push(`${progress.step} ${formatBytes(progress.bytes)}`);
  }
  parts.push(clockTime(now - current.startedAt));
  const of = progress.count > 1 ? ` (${progress.index}/${progress.count})` : '';
  const tail = `${of}: ${parts.join(', ')}`;
  const name = printable(progress.file);
  const room = width - displayWidth(tail);
  return room >= 8 ? `${shortenPath(name, room)}${tail}` : shortenMiddle(`${name}${tail}`, width);
}

function sample(current: Current, now: number) {
  if (current.progress.step === 'storing') return;
  const position = readPosition(current.realPath);
  if (position === null) return;
  const last = current.samples.at(-1);
  // A new pass over the file (the reading step makes up to three) starts its own rate.
  if (last && position < last.position) current.samples = [];
  current.samples.push({ at: now, position });
  while (current.samples.length > 2 && now - current.samples[0].at > RATE_WINDOW_MS) current.samples.shift();
}

function byteRate(samples: Sample[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.at - first.at) / 1000;
  return seconds >= 0.5 ? (last.position - first.position) / seconds : null;
}

/**
 * How far this process has read the file: the largest file offset among its open descriptors of it, from /proc.
 * The loader's passes over a file (hash, text checks, transcoding, DuckDB's reader) read it front to back, so the
 * offset is their progress, seen from outside without reaching into the loader. Null where there is no /proc or no
 * open descriptor (DuckDB reads a GB18030 file from its transcoded copy).
 */
function readPosition(realPath: string): number | null {
  let best: number | null = null;
  let descriptors: string[];
  try {
    descriptors = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  for (const fd of descriptors) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== realPath) continue;
      const match = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (match) best = Math.max(best ?? 0, Number(match[1]));
    } catch {
      // closed meanwhile
    }
  }
  return best;
}

function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 86.2 MB: powers of 1000, as file managers show sizes. */
function formatBytes(bytes: number): string {
  const unit = unitOf(bytes);
  return `${scaled(bytes, unit)} ${UNITS[unit]}`;
}

/** 45.1 of 86.2 MB: both in the unit of the total. */
function bytesOf(done: number, total: number): string {
  const unit = unitOf(total);
  return `${scaled(done, unit)} of ${scaled(total, unit)} ${UNITS[unit]}`;
}

function unitOf(bytes: number): number {
  let unit = 0;
  while (unit < UNITS.length - 1 && bytes >= 1000 ** (unit + 1)) unit++;
  return unit;
}

function scaled(bytes: number, unit: number): string {
  const value = bytes / 1000 ** unit;
  return value.toFixed(unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0);
}

/** 0:07, 12:45, 1:02:03. */
function clockTime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
