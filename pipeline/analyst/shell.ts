// The interactive SQL shell of `bulletin sql` (no SQL given on a terminal, or --interactive): statements may run
// over several lines and end with ';'; dot-commands (.tables, .schema TABLE, .format FMT, .maxrows N, .help,
// .quit) act at once. Each result is shown in the current format with its row count and time. Ctrl-C during a
// query cancels it (the session's interrupt) and the prompt comes back; Ctrl-C while a statement is being typed
// clears it and keeps the shell; at an empty prompt it says how to leave, and a second Ctrl-C there leaves. A
// statement typed over several lines is one entry of the history (up-arrow recalls it whole). History is kept
// across sessions in BULLETIN_SQL_HISTORY (default ~/.bulletin_sql_history), a statement to a line.
// A query the engine cannot stop (one that does not answer the interrupt within the grace, or stays over the
// memory cap) ends the shell with one line and exit 1: the supervisor of analyst/engine.ts ends the process.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { oneLine } from '../errors.ts';
import { AnalystSession, type SandboxOptions } from './sandbox.ts';
import { streamingWriter } from './formats.ts';
import { BINARY_FORMATS, FORMATS, type Format } from './limits.ts';

const HISTORY_KEPT = 1000;

function historyFile(env = process.env): string {
  return env.BULLETIN_SQL_HISTORY || join(homedir(), '.bulletin_sql_history');
}

const HELP = `Statements end with ';' and may span lines. Only reads (SELECT, WITH, EXPLAIN, DESCRIBE, SUMMARIZE) run.
  .tables            every table and view, with its comment
  .schema TABLE      the columns of TABLE (all tables without one)
  .format FMT        table, csv or json (files: bulletin sql --out FILE, .parquet .arrow .xlsx .csv)
  .maxrows N         rows the table shows (default 100); csv and json show them all
  .help              this text
  .quit              leave (or Ctrl-D)
Ctrl-C cancels a running query; while typing it clears the statement; at an empty prompt, twice, it leaves.`;

const DEFAULT_MAX_ROWS = 100;
/** What the table's note on rows not shown says in the shell: its own commands, not the command's flags. */
const SHELL_MORE_ROWS_HINT = '.maxrows N shows more, .format csv shows all, or LIMIT';

export async function runShell(options: { dbPath: string; limits: SandboxOptions; format: Format }): Promise<void> {
  const session = await AnalystSession.open(options.dbPath, options.limits);
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const file = historyFile();
  const history = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_KEPT).reverse() : [];
  const rl: Interface = createInterface({ input: process.stdin, output: process.stdout, terminal, history, historySize: HISTORY_KEPT, removeHistoryDuplicates: true });
  let format = (BINARY_FORMATS.includes(options.format) ? 'table' : options.format) as 'table' | 'csv' | 'json';
  let maxRows = DEFAULT_MAX_ROWS;
  let buffer = '';
  /** Lines of the statement being typed, each of which readline put in the history on its own. */
  let bufferLines = 0;
  let running = false;
  let leaveOnInterrupt = false;
  const say = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const prompt = () => {
    rl.setPrompt(buffer ? '     ...> ' : 'bulletin> ');
    rl.prompt();
  };
  const onInterrupt = () => {
    if (running) {
      session.interrupt();
      return;
    }
    // readline's line being typed (a terminal) and the lines of the statement so far: both dropped, shell kept.
    const typing = terminal && rl.line !== '';
    if (buffer || typing) {
      buffer = '';
      bufferLines = 0;
      leaveOnInterrupt = false;
      if (typing) Object.assign(rl as unknown as { line: string; cursor: number }, { line: '', cursor: 0 });
      say(typing ? '^C' : '');
      prompt();
      return;
    }
    if (terminal && !leaveOnInterrupt) {
      leaveOnInterrupt = true;
      say('^C (Ctrl-C again, Ctrl-D or .quit to leave)');
      prompt();
      return;
    }
    rl.close();
  };
  // Output closed by its reader (a pipe): nothing more can be shown, so the shell ends.
  process.stdout.on('error', () => {
    session.interrupt();
    rl.close();
  });
  // A terminal's Ctrl-C reaches readline; a signal (kill -INT, or no terminal) reaches the process.
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);

  const remember = (entry: string) => {
    try {
      appendFileSync(file, `${entry.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
    } catch {
      // A history that cannot be written is no reason to stop the shell.
    }
  };

  const run = async (sql: string) => {
    running = true;
    try {
      // Shown as it comes (the table keeps only the rows it shows), so a big result never has to fit in memory.
      const writer = streamingWriter(format, { width: terminal ? process.stdout.columns : undefined, maxRows, moreRowsHint: SHELL_MORE_ROWS_HINT }, (bytes) => process.stdout.write(bytes));
      const { rows, seconds } = await session.stream(sql, {}, writer);
      writer.end(seconds);
      if (format !== 'table') say(`(${rows} row${rows === 1 ? '' : 's'}, ${seconds.toFixed(2)} s)`);
    } catch (error) {
      say(`error: ${oneLine(error)}`);
    } finally {
      running = false;
    }
  };

  const dotCommand = async (line: string) => {
    const [command, argument] = line.trim().split(/\s+/, 2);
    switch (command) {
      case '.quit':
      case '.exit':
        rl.close();
        return;
      case '.help':
        say(HELP);
        return;
      case '.format':
        if (!argument) say(`format: ${format}`);
        else if ((BINARY_FORMATS as readonly string[]).includes(argument)) say(`${argument} is a file: use bulletin sql --out FILE.${argument === 'arrow' ? 'arrow' : argument}`);
        else if ((FORMATS as readonly string[]).includes(argument)) format = argument as typeof format;
        else say(`error: .format ${argument}: not one of table, csv, json`);
        return;
      case '.maxrows':
        if (!argument) say(`maxrows: ${maxRows}`);
        else if (/^\d{1,9}$/.test(argument)) maxRows = Number(argument);
        else say(`error: .maxrows ${argument}: not a number of rows`);
        return;
      case '.tables':
        for (const t of await session.tables()) say(`${t.name.padEnd(28)} ${t.kind.padEnd(5)} ${t.comment ?? ''}`.trimEnd());
        return;
      case '.schema': {
        const columns = await session.columns(argument);
        if (columns.length === 0) say(`error: no table or view '${argument}' (.tables lists them)`);
        for (const c of columns) say(`${argument ? '' : `${c.table}.`}${c.name.padEnd(24)} ${c.type.padEnd(26)} ${c.comment ?? ''}`.trimEnd());
        return;
      }
      default:
        say(`error: unknown command ${command} (.help lists them)`);
    }
  };

  if (terminal) say(`bulletin sql on snapshot ${session.snapshotId} (read-only; .help for help)`);
  /** A statement typed over several lines becomes one entry of readline's history instead of one per line. */
  const recallWhole = (sql: string, lines: number) => {
    const entries = (rl as unknown as { history?: string[] }).history;
    if (!terminal || lines < 2 || !Array.isArray(entries)) return;
    entries.splice(0, Math.min(lines, entries.length), sql);
    for (let i = entries.length - 1; i > 0; i--) if (entries[i] === sql) entries.splice(i, 1);
  };

  prompt();
  try {
    for await (const line of rl) {
      leaveOnInterrupt = false;
      if (!buffer && line.trim().startsWith('.')) {
        remember(line.trim());
        await dotCommand(line).catch((error: unknown) => say(`error: ${oneLine(error)}`));
      } else if (buffer || line.trim()) {
        buffer += (buffer ? '\n' : '') + line;
        bufferLines += 1;
        // Only the new line is looked at (a statement of many lines is not scanned again for each line).
        if (/;\s*$/.test(line)) {
          const sql = buffer;
          recallWhole(sql, bufferLines);
          buffer = '';
          bufferLines = 0;
          remember(sql);
          await run(sql);
        }
      }
      prompt();
    }
    // Input ended with an unfinished statement (no ';'): run it, as a script piped in would expect.
    if (buffer.trim()) await run(buffer);
  } finally {
    process.off('SIGINT', onInterrupt);
    session.close();
    // .quit with the input still open (a pipe): release it, or it keeps the process alive.
    process.stdin.destroy();
  }
}
