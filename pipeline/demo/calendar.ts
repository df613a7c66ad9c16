// Dates as whole days since 1970-01-01 and timestamps as seconds of China Standard Time wall clock, so the
// generator never touches the machine's clock or time zone. Partial dates follow metrics.md: a year alone stands for
// 1 July, a year and month for the 15th; an order rule compares a partial date by its first day.

export type Day = number;
/** Seconds since 1970-01-01 00:00:00 on a China Standard Time wall clock (UTC+8, no daylight saving). */
export type Stamp = number;
export type Precision = 'day' | 'month' | 'year';

export interface PartialDate {
  /** The true day; only its year (and month) are shown when the precision says so. */
  day: Day;
  precision: Precision;
}

const MS_PER_DAY = 86_400_000;
export const SECONDS_PER_DAY = 86_400;
const CST_OFFSET_SECONDS = 8 * 3600;

export function dayOf(year: number, month: number, dayOfMonth: number): Day {
  return Date.UTC(year, month - 1, dayOfMonth) / MS_PER_DAY;
}

/** `YYYY-MM-DD` to a day. */
export function parseDay(iso: string): Day {
  const [y, m, d] = iso.split('-').map(Number);
  return dayOf(y, m, d);
}

/** `YYYY-MM-DD HH:MM:SS` (China time) to a stamp. */
export function parseStamp(text: string): Stamp {
  const [date, time] = text.split(' ');
  const [h, mi, s] = time.split(':').map(Number);
  return parseDay(date) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
}

export interface DateParts {
  y: number;
  m: number;
  d: number;
}

export function partsOf(day: Day): DateParts {
  const date = new Date(day * MS_PER_DAY);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

export function yearOf(day: Day): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** The same calendar day `years` later (29 February falls back to the 28th). */
export function addYears(day: Day, years: number): Day {
  const { y, m, d } = partsOf(day);
  const last = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  return dayOf(y + years, m, Math.min(d, last));
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The day a partial date stands for in durations: its midpoint (year: 1 July, month: the 15th). */
export function imputedDay(date: PartialDate): Day {
  const { y, m } = partsOf(date.day);
  if (date.precision === 'year') return dayOf(y, 7, 1);
  if (date.precision === 'month') return dayOf(y, m, 15);
  return date.day;
}

/** The first day a partial date may mean: what order rules compare. */
export function firstDay(date: PartialDate): Day {
  const { y, m } = partsOf(date.day);
  if (date.precision === 'year') return dayOf(y, 1, 1);
  if (date.precision === 'month') return dayOf(y, m, 1);
  return date.day;
}

/** Whole years from `from` to `to`, counted as an age is: by comparing (month, day). May be negative. */
export function wholeYears(from: Day, to: Day): number {
  const a = partsOf(from);
  const b = partsOf(to);
  let years = b.y - a.y;
  if (b.m < a.m || (b.m === a.m && b.d < a.d)) years--;
  return years;
}

export function iso(day: Day): string {
  const { y, m, d } = partsOf(day);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** The time of day of a stamp, `HH:MM:SS`. */
export function clock(stamp: Stamp): string {
  const s = ((stamp % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
}

export function dayOfStamp(stamp: Stamp): Day {
  return Math.floor(stamp / SECONDS_PER_DAY);
}

/** `YYYY-MM-DD HH:MM:SS`, China time, no offset. */
export function naiveStamp(stamp: Stamp): string {
  return `${iso(dayOfStamp(stamp))} ${clock(stamp)}`;
}

/** The same instant in UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
export function utcStamp(stamp: Stamp): string {
  const utc = stamp - CST_OFFSET_SECONDS;
  return `${iso(dayOfStamp(utc))}T${clock(utc)}Z`;
}

/** Milliseconds since the Unix epoch of the instant: what Arrow and DuckDB store. */
export function epochMs(stamp: Stamp): number {
  return (stamp - CST_OFFSET_SECONDS) * 1000;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
