// The few typed errors of the project. Each carries the exit status of cli.md and names the artifact it is about,
// so the one top-level handler can print a single line and exit.

/** Exit 2: the command was called wrongly (unknown flag, bad date, missing file, bad configuration). */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Exit 1: the command ran but refused (part of) its input, e.g. a file rejected whole. */
export class InputRefused extends Error {
  readonly exitCode = 1;
}

/** A file that cannot be read at all: rejected whole, nothing of it stored. */
export class FileRejected extends InputRefused {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: rejected: ${reason}`);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof InputRefused) return error.exitCode;
  return 1;
}

/** The message of any thrown value, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Split rather than /\s*\n\s*/: that regex backtracks quadratically on a long run of spaces (a message quoting
  // an identifier of 200,000 spaces took 14 s).
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}
