// DuckDB's error text made fit for a one-line message (cli.md: every failure is one line on stderr).

/** DuckDB's message on one line, without the `LINE 1: …` excerpt and its caret, which only make sense on a terminal. */
export function duckdbMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/^Failed to extract statements: /, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^LINE \d+:/.test(line) && !/^\s*\^\s*$/.test(line))
    .map((line) => line.trim())
    .join(' ');
}
