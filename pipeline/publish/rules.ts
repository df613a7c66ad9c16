// The publication rules of ../shared/spec/metrics.md as one module for every output: press rounding, exact
// headline numbers in each locale's style, percentages, and small-count suppression of published breakdowns.
// Figures stay exact in data; these functions only decide how a number is printed.

export type Locale = 'en' | 'zh';

/**
 * The count rounded down to two significant figures: 293 -> 290, 3,046 -> 3,000, 8,307 -> 8,300.
 * Counts below 100 already have at most two significant figures and are returned as they are.
 */
export function roundDownTwoSignificant(count: number): number {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`not a count: ${count}`);
  if (count < 100) return count;
  const step = 10 ** (Math.floor(Math.log10(count)) - 1);
  return Math.floor(count / step) * step;
}

/** Press rounding: "more than 290" / "290余" when rounding drops something, else the exact count ("290"). */
export function pressRounded(count: number, locale: Locale): string {
  const rounded = roundDownTwoSignificant(count);
  if (rounded === count) return exactNumber(count, locale);
  return locale === 'zh' ? `${exactNumber(rounded, 'zh')}余` : `more than ${exactNumber(rounded, 'en')}`;
}

/** A headline number, published exactly: English with thousands separators (8,307), Chinese without (8307). */
export function exactNumber(count: number, locale: Locale): string {
  return locale === 'zh' ? String(count) : count.toLocaleString('en-US');
}

/** A rate (an unrounded fraction) as a percentage with one decimal, half up: 0.98540 -> "98.5%". Null: "–". */
export function percentage(rate: number | null): string {
  if (rate === null) return '–';
  // Scaled in integers so 0.9855 (98.55) rounds up although its binary value lies just below.
  const tenths = Math.round(Number((rate * 1000).toPrecision(12)));
  return `${(tenths / 10).toFixed(1)}%`;
}

export type Suppression = 'primary' | 'secondary' | null;

export interface PublishedCell {
  value: number;
  /** What the table prints: the count, "<5" for a small cell, "–" for a cell hidden to protect a small one. */
  shown: string;
  suppressed: Suppression;
}

/**
 * Small-count suppression of a breakdown (by province, by method). A cell below the threshold is shown as "<N"
 * (primary). When the breakdown's total is published, a single hidden cell could be recovered by subtracting the
 * shown cells from it, so the next-smallest shown cell is hidden too (secondary). Threshold 0 hides nothing.
 * Every key is kept, in its order.
 */
export function suppressSmallCells(
  cells: Record<string, number>,
  threshold: number,
  totalPublished: boolean,
  locale: Locale = 'en',
): Record<string, PublishedCell> {
  const keys = Object.keys(cells);
  const suppressed = new Map<string, Suppression>(keys.map((k) => [k, cells[k] < threshold ? 'primary' : null]));
  const hidden = () => keys.filter((k) => suppressed.get(k) !== null);
  if (totalPublished && hidden().length === 1 && keys.length > 1) {
    // The next-smallest cell; ties broken by the order of the keys, so the choice is stable.
    const next = keys.filter((k) => suppressed.get(k) === null).sort((a, b) => cells[a] - cells[b])[0];
    suppressed.set(next, 'secondary');
  }
  return Object.fromEntries(
    keys.map((k) => {
      const kind = suppressed.get(k) ?? null;
      const shown = kind === 'primary' ? `<${threshold}` : kind === 'secondary' ? '–' : exactNumber(cells[k], locale);
      return [k, { value: cells[k], shown, suppressed: kind }];
    }),
  );
}
