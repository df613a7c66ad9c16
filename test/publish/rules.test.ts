// Publication rules (metrics.md): examples from the methodology, and properties that must hold for any count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactNumber, percentage, pressRounded, roundDownTwoSignificant, suppressSmallCells } from '../../pipeline/publish/rules.ts';

describe('press rounding', () => {
  it('gives the examples of metrics.md in English and Chinese', () => {
    expect(pressRounded(293, 'en')).toBe('more than 290');
    expect(pressRounded(293, 'zh')).toBe('290余');
    expect(pressRounded(3046, 'en')).toBe('more than 3,000');
    expect(pressRounded(3046, 'zh')).toBe('3000余');
    expect(pressRounded(8307, 'en')).toBe('more than 8,300');
    expect(pressRounded(8307, 'zh')).toBe('8300余');
    expect(pressRounded(290, 'en')).toBe('290');
    expect(pressRounded(290, 'zh')).toBe('290');
    expect(pressRounded(15, 'en')).toBe('15');
    expect(pressRounded(74, 'zh')).toBe('74');
  });

  it('never overstates, keeps two significant figures, and is exact when the count is already round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (count) => {
        const rounded = roundDownTwoSignificant(count);
        expect(rounded).toBeLessThanOrEqual(count);
        expect(String(rounded).replace(/0+$/, '').length).toBeLessThanOrEqual(2);
        // The next two-significant-figure number above would overstate: rounding down loses less than one step.
        const step = count < 100 ? 1 : 10 ** (String(count).length - 2);
        expect(count - rounded).toBeLessThan(step);
        expect(roundDownTwoSignificant(rounded)).toBe(rounded);
        const en = pressRounded(count, 'en');
        expect(en === exactNumber(count, 'en')).toBe(rounded === count);
        if (rounded !== count) expect(en).toBe(`more than ${rounded.toLocaleString('en-US')}`);
      }),
    );
  });
});

describe('numbers and percentages', () => {
  it('prints headline numbers in each locale style and rates with one decimal', () => {
    expect(exactNumber(8307, 'en')).toBe('8,307');
    expect(exactNumber(8307, 'zh')).toBe('8307');
    expect(percentage(4792 / 4863)).toBe('98.5%');
    expect(percentage(0.9855)).toBe('98.6%');
    expect(percentage(1)).toBe('100.0%');
    expect(percentage(null)).toBe('–');
  });
});

describe('small-count suppression', () => {
  it('hides cells below the threshold, and the next-smallest when the total would give one away', () => {
    const cells = suppressSmallCells({ '37': 120, '41': 3, '44': 15, '51': 60 }, 5, true);
    expect(cells['41']).toEqual({ value: 3, shown: '<5', suppressed: 'primary' });
    expect(cells['44']).toEqual({ value: 15, shown: '–', suppressed: 'secondary' });
    expect(cells['37'].shown).toBe('120');
    expect(Object.keys(cells)).toEqual(['37', '41', '44', '51']);
    // Without a published total, one hidden cell cannot be recovered: no secondary suppression.
    expect(suppressSmallCells({ a: 3, b: 15 }, 5, false).b.suppressed).toBeNull();
  });

  it('threshold 0 (internal briefings) hides nothing', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.nat({ max: 50 })), (cells) => {
        const out = suppressSmallCells(cells, 0, true);
        expect(Object.values(out).every((c) => c.suppressed === null && c.shown === exactNumber(c.value, 'en'))).toBe(true);
      }),
    );
  });

  it('no cell below the threshold is shown, nor recoverable from the total and the shown cells', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.oneof(fc.nat({ max: 6 }), fc.nat({ max: 500 })), { minKeys: 2 }),
        fc.integer({ min: 1, max: 10 }),
        (cells, threshold) => {
          const out = suppressSmallCells(cells, threshold, true);
          const hidden = Object.values(out).filter((c) => c.suppressed !== null);
          for (const cell of Object.values(out)) {
            if (cell.value < threshold) expect(cell.suppressed).toBe('primary');
          }
          // Knowing the total and every shown cell gives only the sum of the hidden ones: never a lone hidden cell.
          if (hidden.some((c) => c.suppressed === 'primary')) expect(hidden.length).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
