// The interactive SQL shell of `bulletin sql` (no SQL given on a terminal, or --interactive): statements may run
// over several lines and end with ';'; dot-commands (.tables, .schema TABLE, .format FMT, .help, .quit) act at
// once. Each result is shown in the current format with its row count and time. Ctrl-C during a query cancels it
// (the session's interrupt) and the prompt comes back; Ctrl-C at the prompt drops the statement being typed; at an
// empty prompt it leaves. History is kept across sessions in BULLETIN_SQL_HISTORY (default ~/.bulletin_sql_history).
// A query the engine cannot stop (one that does not answer the interrupt within the grace, or stays over the
// memory cap) ends the shell with one line and exit 1: the supervisor of analyst/engine.ts ends the process.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { oneLine } from '../errors.ts';
import { AnalystSession, type SandboxOptions } from '../warehouse/sandbox.ts';
import { FORMATS, streamingWriter, type Format } from './formats.ts';

const HISTORY_KEPT = 1000;

export function historyFile(env = process.env): string {
  return env.BULLETIN_SQL_HISTORY || join(homedir(), '.bulletin_sql_history');
}

const HELP = `Statements end with ';' and may span lines. Only reads (SELECT, WITH, EXPLAIN, DESCRIBE, SUMMARIZE) run.
  .tables            every table and view, with its comment
  .schema TABLE      the columns of TABLE (all tables without one)
  .format FMT        table, csv or json (arrow and parquet: use bulletin sql --out FILE)
  .help              this text
  .quit              leave (or Ctrl-D)
Ctrl-C cancels a running query; at the prompt it clears the statement being typed.`;

export async function runShell(options: { dbPath: string; limits: SandboxOptions; format: Format }): Promise<void> {
  const session = await AnalystSession.open(options.dbPath, options.limits);
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const file = historyFile();
  const history = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_KEPT).reverse() : [];
  const rl: Interface = createInterface({ input: process.stdin, output: process.stdout, terminal, history, historySize: HISTORY_KEPT, removeHistoryDuplicates: true });
  let format: 'table' | 'csv' | 'json' = options.format === 'arrow' || options.format === 'parquet' ? 'table' : options.format;
  let buffer = '';
  let running = false;
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
    if (buffer) {
      buffer = '';
      say('');
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
      const writer = streamingWriter(format, { width: terminal ? process.stdout.columns : undefined }, (bytes) => process.stdout.write(bytes));
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
        else if (argument === 'arrow' || argument === 'parquet') say('arrow and parquet are files: use bulletin sql --format FMT --out FILE');
        else if ((FORMATS as readonly string[]).includes(argument)) format = argument as typeof format;
        else say(`error: .format ${argument}: not one of table, csv, json`);
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
  prompt();
  try {
    for await (const line of rl) {
      if (!buffer && line.trim().startsWith('.')) {
        remember(line.trim());
        await dotCommand(line).catch((error: unknown) => say(`error: ${oneLine(error)}`));
      } else if (buffer || line.trim()) {
        buffer += (buffer ? '\n' : '') + line;
        // Only the new line is looked at (a statement of many lines is not scanned again for each line).
        if (/;\s*$/.test(line)) {
          const sql = buffer;
          buffer = '';
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
