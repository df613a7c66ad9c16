// Cron slots in China time (croner, Asia/Shanghai) and the China-time days the jobs derive from them.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chinaDate } from '../../pipeline/dates.ts';
import { checkCron, dayBefore, lastDayOfPreviousMonth, missedSlot, nextSlot } from '../../pipeline/schedule/cron.ts';
import { repoRoot, runNode } from '../helpers.ts';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The next `count` slots after `after`, each found from the one before. */
function slots(expression: string, after: string, count: number): string[] {
  const out: string[] = [];
  let from = at(after);
  for (let i = 0; i < count; i++) {
    const next = nextSlot(expression, from)!;
    out.push(next.toISOString());
    from = next;
  }
  return out;
}

describe('nextSlot: China time', () => {
  it('monthly at 08:00 China is midnight UTC on the 1st, across month and year ends', () => {
    expect(iso(nextSlot('0 8 1 * *', at('2021-11-30T23:59:59Z')))).toBe('2021-12-01T00:00:00.000Z');
    expect(slots('0 8 1 * *', '2021-11-15T00:00:00Z', 3)).toEqual(['2021-12-01T00:00:00.000Z', '2022-01-01T00:00:00.000Z', '2022-02-01T00:00:00.000Z']);
  });

  it('is strictly after: a slot exactly at `after` is not next', () => {
    expect(iso(nextSlot('0 8 1 * *', at('2021-12-01T00:00:00Z')))).toBe('2022-01-01T00:00:00.000Z');
    expect(iso(nextSlot('* * * * * *', at('2021-01-01T00:00:00.500Z')))).toBe('2021-01-01T00:00:01.000Z');
  });

  it('00:30 China on the 1st is still the last day of the month before in UTC', () => {
    const slot = nextSlot('30 0 1 * *', at('2021-11-15T00:00:00Z'))!;
    expect(slot.toISOString()).toBe('2021-11-30T16:30:00.000Z');
    expect(chinaDate(slot)).toBe('2021-12-01');
    expect(lastDayOfPreviousMonth(slot)).toBe('2021-11-30');
    // and across the year end
    const newYear = nextSlot('30 0 1 * *', at('2021-12-15T00:00:00Z'))!;
    expect(newYear.toISOString()).toBe('2021-12-31T16:30:00.000Z');
    expect(chinaDate(newYear)).toBe('2022-01-01');
    expect(lastDayOfPreviousMonth(newYear)).toBe('2021-12-31');
    expect(dayBefore(newYear)).toBe('2021-12-31');
  });

  it('leap day: Feb 29 comes every four years; the day after it looks back to it', () => {
    expect(slots('0 8 29 2 *', '2021-03-01T00:00:00Z', 2)).toEqual(['2024-02-29T00:00:00.000Z', '2028-02-29T00:00:00.000Z']);
    expect(chinaDate(at('2024-02-29T00:00:00Z'))).toBe('2024-02-29');
    expect(lastDayOfPreviousMonth(at('2024-03-01T00:00:00Z'))).toBe('2024-02-29');
    expect(lastDayOfPreviousMonth(at('2023-03-01T00:00:00Z'))).toBe('2023-02-28');
    expect(dayBefore(at('2024-03-01T00:00:00Z'))).toBe('2024-02-29');
  });

  it("weekly on Monday 08:00 China; the weekday is China's, not UTC's", () => {
    // 2021-12-01 is a Wednesday; the next Monday is 2021-12-06.
    expect(slots('0 8 * * 1', '2021-12-01T00:00:00Z', 2)).toEqual(['2021-12-06T00:00:00.000Z', '2021-12-13T00:00:00.000Z']);
    expect(dayBefore(at('2021-12-06T00:00:00Z'))).toBe('2021-12-05');
    // Monday 07:00 China is Sunday 23:00 UTC.
    const early = nextSlot('0 7 * * 1', at('2021-12-01T00:00:00Z'))!;
    expect(early.toISOString()).toBe('2021-12-05T23:00:00.000Z');
    expect(dayBefore(early)).toBe('2021-12-05');
  });

  it('takes 6 fields, seconds first', () => {
    expect(iso(nextSlot('15 0 8 * * *', at('2021-12-01T00:00:00Z')))).toBe('2021-12-01T00:00:15.000Z');
  });
});

describe('missedSlot: the one run a stopped scheduler owes', () => {
  it('is the latest slot missed, not the first nor one per slot', () => {
    // Mondays 2021-11-01 .. 2021-12-06 were missed; only the last is owed.
    expect(iso(missedSlot('0 8 * * 1', at('2021-10-31T00:00:00Z'), at('2021-12-08T00:00:00Z')))).toBe('2021-12-06T00:00:00.000Z');
  });

  it('is null when no slot fell in the window', () => {
    expect(missedSlot('0 8 * * 1', at('2021-12-06T00:00:00Z'), at('2021-12-12T23:59:59Z'))).toBeNull();
    expect(missedSlot('0 8 1 * *', at('2021-12-02T00:00:00Z'), at('2021-12-31T00:00:00Z'))).toBeNull();
  });

  it('boundaries: a slot exactly at `since` is not owed, one exactly at `notAfter` is', () => {
    const slot = at('2021-12-06T00:00:00Z');
    expect(missedSlot('0 8 * * 1', slot, at('2021-12-06T00:00:30Z'))).toBeNull();
    expect(iso(missedSlot('0 8 * * 1', at('2021-12-05T00:00:00Z'), slot))).toBe('2021-12-06T00:00:00.000Z');
    // 1 ms before the slot: the slot is not yet owed, the week before is (if after since)
    expect(iso(missedSlot('0 8 * * 1', at('2021-11-01T00:00:00Z'), at('2021-12-05T23:59:59.999Z')))).toBe('2021-11-29T00:00:00.000Z');
    expect(missedSlot('0 8 * * 1', at('2021-11-29T00:00:00Z'), at('2021-12-05T23:59:59.999Z'))).toBeNull();
    // seconds field: exactly at notAfter counts too
    expect(iso(missedSlot('30 * * * * *', at('2021-12-06T00:00:00Z'), at('2021-12-06T00:00:30Z')))).toBe('2021-12-06T00:00:30.000Z');
  });

  it('is fast for every minute over five years (no walk through the missed slots)', () => {
    const started = performance.now();
    const slot = missedSlot('* * * * *', at('2016-06-01T00:00:00Z'), at('2021-06-01T12:34:56.789Z'));
    const sparse = missedSlot('0 8 29 2 *', at('2016-06-01T00:00:00Z'), at('2021-06-01T12:34:56Z'));
    const elapsed = performance.now() - started;
    expect(iso(slot)).toBe('2021-06-01T12:34:00.000Z');
    expect(iso(sparse)).toBe('2020-02-29T00:00:00.000Z');
    // 2.6 million slots in the window: one per microsecond would still take 2.6 s.
    expect(elapsed).toBeLessThan(200);
  });
});

describe('checkCron', () => {
  it.each([
    ['* * * *', /^'\* \* \* \*': 4 field\(s\); expected 5 \(minute hour day-of-month month day-of-week\) or 6/],
    ['0 0 8 1 * * 2030', /7 field\(s\); expected 5/],
    ['', /0 field\(s\)/],
    ['61 * * * *', /^'61 \* \* \* \*': Invalid value for minute: 61$/],
    ['0 25 * * *', /hour: 25/],
    ['0 8 * * 8', /dayOfWeek: 8/],
    ['x 8 * * *', /illegal characters/],
    ['0 0 30 2 *', /^'0 0 30 2 \*': never fires/],
    ['@reboot', /not one of @yearly/],
  ])('refuses %j with a one-line reason', (expression, reason) => {
    let message = '';
    try {
      checkCron(expression);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });

  it('accepts the configured jobs and croner nicknames', () => {
    for (const expression of ['*/15 * * * *', '0 8 1 * *', '0 8 * * 1', '0 0 8 * * MON', '@daily']) expect(() => checkCron(expression)).not.toThrow();
  });
});

describe("the process's time zone does not matter", () => {
  it('gives the same slots and days under TZ=America/New_York, Asia/Kolkata and UTC', async () => {
    const fixture = join(repoRoot, 'test', 'schedule', 'fixtures', 'cron-slots.ts');
    const run = async (tz: string) => {
      const result = await runNode([join(repoRoot, 'bin', 'run.js'), fixture], { TZ: tz });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    };
    const [newYork, kolkata, utc] = await Promise.all([run('America/New_York'), run('Asia/Kolkata'), run('UTC')]);
    // TZ really took effect in each child (EDT is UTC-4 in July, India UTC+5:30)...
    expect([newYork.localOffsetMinutes, kolkata.localOffsetMinutes, utc.localOffsetMinutes]).toEqual([240, -330, 0]);
    // ...and every answer is China's, in all three.
    const expected = {
      monthly: '2021-12-01T00:00:00.000Z',
      earlyOnFirst: '2021-11-30T16:30:00.000Z',
      mondayEarly: '2021-12-05T23:00:00.000Z',
      missedWeekly: '2021-12-06T00:00:00.000Z',
      chinaDate: '2021-12-01',
      lastDayOfPreviousMonth: '2021-11-30',
      dayBefore: '2021-12-05',
    };
    for (const answers of [newYork, kolkata, utc]) expect({ ...answers, localOffsetMinutes: undefined }).toEqual({ ...expected, localOffsetMinutes: undefined });
  }, 30_000);
});
