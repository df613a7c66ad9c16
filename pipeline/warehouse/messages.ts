// DuckDB's error text made fit for a one-line message (cli.md: every failure is one line on stderr): the one
// cleaner of DuckDB's messages, for the warehouse, the loader and the analysts' console.

export interface DuckdbMessageOptions {
  /** Only the first line (DuckDB's statement of the error; what follows is context, hints, an excerpt). */
  firstLine?: boolean;
  /** Without the error's kind in front ("Invalid Input Error: "), for a reason that says its own what. */
  withoutKind?: boolean;
}

/** DuckDB's message on one line, without the `LINE 1: …` excerpt and its caret, which only make sense on a terminal. */
export function duckdbMessage(error: unknown, options: DuckdbMessageOptions = {}): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .replace(/^Failed to extract statements: /, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^LINE \d+:/.test(line) && !/^\s*\^\s*$/.test(line))
    .map((line) => line.trim());
  const message = options.firstLine ? (lines[0] ?? '') : lines.join(' ');
  return options.withoutKind ? message.replace(/^[A-Za-z ]+Error: /, '') : message;
}
