// Text from outside (file names, headers, values) on its way to a terminal, a log or a message: C0 and C1 controls,
// DEL, the line and paragraph separators and the bidi embedding, override and isolate controls are written as \uXXXX,
// so a file named "x\nbulletin: ok" cannot forge a line of output and U+202E cannot reverse what a reader sees.
// queries/load/macros.sql (has_unprintable, shown_value) holds the same class for values inside SQL.
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** A list of names for a message: the first `max`, then how many more. */
export function shortList(names: string[], max = 10): string {
  const shown = names.slice(0, max).map(printable).join(', ');
  return names.length > max ? `${shown} … and ${names.length - max} more` : shown;
}
