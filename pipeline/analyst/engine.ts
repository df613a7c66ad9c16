// `bulletin sql` in two processes: the command (the supervisor) and the engine that opens DuckDB and runs the query
// or the shell (command.ts runTask). Why: DuckDB's statement splitting and parsing never look at the interrupt (a
// text of 20,000 nested comments parses for tens of seconds), and a Node process cannot end while a DuckDB call
// still runs on its thread pool — process.exit() waits for it. So the supervisor, which runs no DuckDB, ends the
// engine (SIGKILL) and exits 1 with one line when
//   - the time is up and the engine has not stopped within STOP_GRACE_MS (+1 s in case its event loop is blocked),
//     or the engine itself reports the stop unanswered (onStuck);
//   - the engine's resident memory stays above the memory limit + RSS_ALLOWANCE_BYTES for as long while a query
//     runs (the engine's own sampler normally stops the query first, with the same line).
// The engine's stdin and stdout are the command's (results stream straight out); its stderr goes through the
// supervisor, so an engine that dies abnormally (a native abort) still ends in one line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLine } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import { partialPathOf } from '../files.ts';
import { STOP_GRACE_MS, memoryLimitMessage, rssCapOf, timeLimitMessage } from './limits.ts';
import { needsScratch, runTask, type EngineTask } from './command.ts';

/** Extra time the supervisor gives an engine past the grace, in case its own timers cannot run (a blocked loop). */
const BACKSTOP_MS = 1000;
const SAMPLE_MS = 100;
/** At most this much of the engine's stderr is kept (it prints one line, or the --out summary). */
const STDERR_KEPT = 64 * 1024;

type EngineMessage = { type: 'stuck'; line: string } | { type: 'query'; deadline: number } | { type: 'idle' };

/** Runs `task` in an engine process and exits with its status (or 1 with one line when it had to be ended). */
export async function superviseEngine(task: EngineTask): Promise<never> {
  if (task.outPath) task.partial = partialPathOf(task.outPath);
  // A file on the way: beside --out (a big one need not fit in /tmp), else in a folder of this user's alone.
  const scratchFolder = !task.interactive && !task.outPath && needsScratch(task.format, false) ? mkdtempSync(join(tmpdir(), 'bulletin-sql-')) : undefined;
  if (!task.interactive && needsScratch(task.format, task.outPath !== undefined, task.options.bom)) task.scratch = scratchFolder ? join(scratchFolder, 'result') : `${task.partial}.${task.format === 'arrow' ? 'parquet' : 'csv'}`;
  // The engine is this module: from the sources, via tsx; as the command runs it, the bundle's engine entry beside
  // whichever chunk of dist/bundle/ holds this code (scripts/build.js).
  const engine = import.meta.filename.endsWith('.ts') ? [join(repoRoot, 'bin', 'run.js'), import.meta.filename] : [join(import.meta.dirname, 'engine.js')];
  const child = spawn(process.execPath, engine, {
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, BULLETIN_SQL_ENGINE: '1' },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    if (stderr.length < STDERR_KEPT) stderr += text;
  });
  let verdict: string | null = null;
  const end = (line: string) => {
    if (verdict !== null) return;
    verdict = line;
    child.kill('SIGKILL');
  };
  // One-shot: the command's deadline holds from the start; the shell tells when each query starts and ends.
  let queryDeadline: number | null = task.deadline;
  let watching = !task.interactive;
  let overSince: number | null = null;
  child.on('message', (message: EngineMessage) => {
    if (message.type === 'stuck') end(message.line);
    else if (message.type === 'query') {
      queryDeadline = task.deadline === null ? message.deadline : Math.min(task.deadline, message.deadline);
      watching = true;
    } else if (message.type === 'idle' && task.interactive) {
      queryDeadline = null;
      watching = false;
      overSince = null;
    }
  });
  const cap = rssCapOf(task.limits.memoryLimit);
  const sampler = setInterval(() => {
    const now = Date.now();
    if (queryDeadline !== null && now > queryDeadline + STOP_GRACE_MS + BACKSTOP_MS) end(timeLimitMessage(task.limits.timeoutMs));
    if (!watching || child.pid === undefined) return;
    if (residentBytes(child.pid) > cap) {
      overSince ??= now;
      if (now - overSince > STOP_GRACE_MS + BACKSTOP_MS) end(memoryLimitMessage(task.limits.memoryLimit));
    } else overSince = null;
  }, SAMPLE_MS);
  // Ctrl-C and termination are the engine's to handle (the shell cancels the query); it ends, then so does this.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  child.send(task);
  const [code, signal] = await exited(child);
  clearInterval(sampler);
  if (task.partial) rmSync(task.partial, { force: true });
  if (task.scratch) rmSync(task.scratch, { force: true });
  if (scratchFolder) rmSync(scratchFolder, { recursive: true, force: true });
  if (verdict !== null) {
    process.stderr.write(`bulletin: ${verdict}\n`);
    process.exit(1);
  }
  if (signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP') process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal]);
  if (code === null) {
    // A native abort prints its own lines; only ours is shown.
    process.stderr.write(`bulletin: the query engine ended abnormally (${signal}); nothing was written\n`);
    process.exit(1);
  }
  process.stderr.write(stderr);
  process.exit(code);
}

function exited(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((done) => child.on('close', (code, signal) => done([code, signal])));
}

/** The resident memory of process `pid` (Linux /proc), 0 when it cannot be read. */
function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// ---- the engine process -----------------------------------------------------------------------------------------

if (process.env.BULLETIN_SQL_ENGINE === '1' && process.send !== undefined) {
  const send = (message: EngineMessage) => {
    if (process.connected) process.send!(message);
  };
  process.once('message', (task: EngineTask) => {
    void runTask(task, {
      onStuck: (line) => send({ type: 'stuck', line }),
      onQueryStart: (deadline) => send({ type: 'query', deadline }),
      onQueryEnd: () => send({ type: 'idle' }),
    }).then(
      (code) => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`bulletin: ${oneLine(error)}\n`);
        process.exit(1);
      },
    );
  });
}
