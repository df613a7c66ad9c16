// Calendar dates as the CLI and the configuration write them: `YYYY-MM-DD` text, a day of the Gregorian calendar,
// compared as text (the format sorts chronologically). No time zone enters: a date is a China Standard Time day.
// Instants become China days and times here (UTC+8 all year), and "now" is read here (BULLETIN_NOW for tests).
import { UsageError } from './errors.ts';

const CHINA_OFFSET_MS = 8 * 3600_000;

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

/** The China (UTC+8) calendar day of an instant, `YYYY-MM-DD`. */
export function chinaDate(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The China (UTC+8) time of an instant to the minute, `YYYY-MM-DD HH:MM`. */
export function chinaTime(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Now; BULLETIN_NOW (an ISO timestamp) stands in for it in tests. */
export function currentTime(env: NodeJS.ProcessEnv = process.env): Date {
  const now = env.BULLETIN_NOW ? new Date(env.BULLETIN_NOW) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError(`BULLETIN_NOW: '${env.BULLETIN_NOW}' is not an ISO timestamp`);
  return now;
}
