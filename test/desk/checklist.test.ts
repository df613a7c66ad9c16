// Rule 7's checklist on figures files of render's shape and edited copies of them, so each error and warning is
// shown to fire and to stay quiet.
import { describe, expect, it } from 'vitest';
import { checklist, hasValidCheckDigit, languageParity, type ChecklistFacts, type EditorialEntry, type FiguresFile } from '../../pipeline/desk/checklist.ts';

// A figures file pair of the shape render writes, small enough to read.
function figuresPair(): { en: FiguresFile; zh: FiguresFile } {
  const en: FiguresFile = {
    language: 'en',
    figures: {
      recovered: { computed: 8307, printed: [{ printed: '8,307', rule: 'exact' }] },
      cold_cases_solved: { computed: 295, printed: [{ printed: 'more than 290', rule: 'press' }] },
      alert_recovery_rate: { computed: 0.98539, printed: [{ printed: '98.5%', rule: 'percent' }] },
      recovered_by_province: { computed: { '37': 415, '54': 3 }, printed: [{ key: '37', printed: '415', rule: 'table' }, { key: '54', printed: '<5', rule: 'suppressed' }] },
    },
  };
  const zh: FiguresFile = {
    language: 'zh',
    figures: {
      recovered: { computed: 8307, printed: [{ printed: '8307', rule: 'exact' }] },
      cold_cases_solved: { computed: 295, printed: [{ printed: '290余', rule: 'press' }] },
      alert_recovery_rate: { computed: 0.98539, printed: [{ printed: '98.5%', rule: 'percent' }] },
      recovered_by_province: { computed: { '37': 415, '54': 3 }, printed: [{ key: '37', printed: '415', rule: 'table' }, { key: '54', printed: '<5', rule: 'suppressed' }] },
    },
  };
  return { en, zh };
}

const cases: EditorialEntry[] = [
  { title: { en: 'Home after 74 years', zh: '离家74年终团圆' }, en: 'A woman missing since 1947, aged 4, was found; 8,307 children came home.', zh: '1947年走失的女子找到，8307名儿童回家。' },
];

function facts(overrides: Partial<ChecklistFacts> = {}): ChecklistFacts {
  return { figures: figuresPair(), editorial: cases, falls: [], isRevision: false, asOf: '2021-11-30', newestLoad: '2021-12-01', quarantinedSinceRelease: 0, suppressedCells: [], ...overrides };
}

describe('checklist', () => {
  it('is empty for a consistent edition', () => {
    expect(checklist(facts())).toEqual({ errors: [], warnings: [{ code: 'unverified_number', message: 'notable case 1 (en) title: 74 matches no figure of this edition (unverified)' }, { code: 'unverified_number', message: 'notable case 1 (zh) title: 74 matches no figure of this edition (unverified)' }] });
  });

  it('blocks a figure printed in one language only, or with another number', () => {
    const pair = figuresPair();
    pair.zh.figures.recovered.printed = [{ printed: '8370', rule: 'exact' }];
    delete (pair.zh.figures as Record<string, unknown>).cold_cases_solved;
    pair.zh.figures.recovered_by_province.printed = pair.zh.figures.recovered_by_province.printed.slice(0, 1);
    const messages = languageParity(pair.en, pair.zh).map((i) => i.message);
    expect(messages).toEqual(['recovered is printed as 8307 in English and 8370 in Chinese', 'cold_cases_solved is in the English figures file only', 'recovered_by_province 54 is printed in English only']);
  });

  it('blocks a notable case or title in one language only', () => {
    const result = checklist(facts({ editorial: [{ en: 'Only English.' }, { title: { zh: '只有中文' }, en: 'x', zh: 'y' }] }));
    expect(result.errors.map((e) => e.message)).toEqual(['notable case 1 has text in English only', 'notable case 2 has a title in Chinese only']);
  });

  it('blocks an 18-digit identity number with a valid check digit and a mobile number, without repeating them', () => {
    // 11010519491231002X is the standard's own example number.
    expect(hasValidCheckDigit('11010519491231002X')).toBe(true);
    expect(hasValidCheckDigit('110105194912310021')).toBe(false);
    for (const text of ['身份证11010519491231002X。', 'id 11010519491231002x here', 'call 138 1234 5678', '+86-13812345678', '电话13812345678']) {
      const result = checklist(facts({ editorial: [{ en: text, zh: text }] }));
      expect(result.errors.map((e) => e.code)).toEqual(['personal_data', 'personal_data']);
      for (const e of result.errors) expect(e.message).not.toMatch(/\d{6}/);
    }
    // Not personal data: an invalid check digit, a longer digit run, a date.
    for (const text of ['110105194912310021', '1101051949123100212', '2021-11-30', '8,307 children']) {
      expect(checklist(facts({ editorial: [{ en: text, zh: text }] })).errors).toEqual([]);
    }
  });

  it('blocks a fall in a cumulative figure unless the edition is a revision', () => {
    const falls = ['recovered fell from 8,307 to 8,300'];
    expect(checklist(facts({ falls })).errors).toEqual([{ code: 'figure_fell', message: falls[0] }]);
    expect(checklist(facts({ falls, isRevision: true })).errors).toEqual([]);
  });

  it('warns of old data, quarantined rows and suppressed cells', () => {
    const result = checklist(facts({ newestLoad: '2021-11-20', quarantinedSinceRelease: 3, suppressedCells: ['recovered_by_province 54'] }));
    expect(result.warnings.map((w) => w.code)).toEqual(['unverified_number', 'unverified_number', 'data_older_than_as_of', 'quarantined_since_release', 'small_counts_suppressed']);
    expect(result.errors).toEqual([]);
  });
});
