// Calendar dates as the CLI and the configuration write them: `YYYY-MM-DD` text, a day of the Gregorian calendar,
// compared as text (the format sorts chronologically). No time zone enters: a date is a China Standard Time day.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for `YYYY-MM-DD` naming a real day (2021-02-29 is not one). */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function yearOf(isoDate: string): number {
  return Number(isoDate.slice(0, 4));
}

export function isLastDayOfYear(isoDate: string): boolean {
  return isoDate.slice(5) === '12-31';
}
