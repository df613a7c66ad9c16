// Cron expressions of the scheduled jobs, read in China time whatever the machine's time zone (croner does the
// calendar work), and the China-time calendar days a job derives from its slot.
import { Cron } from 'croner';
import { chinaDate } from '../dates.ts';

/** Where the jobs' cron expressions are read. China has kept UTC+8 all year since 1992. */
const SCHEDULE_TIME_ZONE = 'Asia/Shanghai';

/** Throws Error with a one-line reason when croner refuses the expression (5 or 6 fields) or it can never fire. */
export function checkCron(expression: string): void {
  parse(expression);
  // Feb 30 parses, yet a job on it would silently never run. Whether a day exists does not depend on the time zone,
  // so this asks in UTC: croner's first step in a named zone loads the time-zone data (50-160 ms of CPU), which
  // every command that reads the configuration would pay.
  const inUtc = new Cron(expression, { mode: '5-or-6-parts', paused: true, utcOffset: 0 });
  if (inUtc.nextRun(new Date(0)) === null) throw new Error(`'${expression}': never fires (no such day)`);
}

/** The first slot strictly after `after`. */
export function nextSlot(expression: string, after: Date): Date | null {
  return parse(expression).nextRun(after);
}

/**
 * The latest slot at or before `notAfter` and strictly after `since` (null if none): what a scheduler that was down
 * between `since` and `notAfter` owes ONE run for. croner steps backwards from `notAfter` by the calendar fields, so
 * this takes the same time whether `since` is a minute or years back.
 */
export function missedSlot(expression: string, since: Date, notAfter: Date): Date | null {
  // previousRuns is strictly before its reference, to the second; slots are whole seconds, so 1 ms later
  // makes a slot exactly at `notAfter` count.
  const [latest] = parse(expression).previousRuns(1, new Date(notAfter.getTime() + 1));
  if (!latest || latest.getTime() > notAfter.getTime() || latest.getTime() <= since.getTime()) return null;
  return latest;
}

/** The monthly job's as-of date: the last day of the month before the slot's China day (2021-12-01 → 2021-11-30). */
export function lastDayOfPreviousMonth(instant: Date): string {
  const [year, month] = chinaDate(instant).split('-').map(Number);
  // Day 0 of a month is the last day of the month before it.
  return new Date(Date.UTC(year, month - 1, 0)).toISOString().slice(0, 10);
}

/** The briefing job's as-of date: the China day before the slot's (2021-12-06 08:00 → 2021-12-05). */
export function dayBefore(instant: Date): string {
  const [year, month, day] = chinaDate(instant).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day - 1)).toISOString().slice(0, 10);
}

function parse(expression: string): Cron {
  const nickname = expression.trim().startsWith('@');
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  // croner's own message would also offer 7 fields (a year), which the configuration does not take.
  if (!nickname && fields.length !== 5 && fields.length !== 6) {
    throw new Error(`'${expression}': ${fields.length} field(s); expected 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`);
  }
  try {
    // paused: only the calendar is wanted, never a timer.
    return new Cron(expression, { timezone: SCHEDULE_TIME_ZONE, mode: '5-or-6-parts', paused: true });
  } catch (error) {
    if (nickname) throw new Error(`'${expression}': not one of @yearly, @monthly, @weekly, @daily, @hourly`);
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '');
    throw new Error(`'${expression}': ${reason}`);
  }
}
