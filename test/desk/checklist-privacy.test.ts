// Rule 7's checklist never repeats personal data: not in its errors (checklist.test.ts) and not in its warnings
// either. The "unverified number" warning lists the numbers of the editorial text that match no figure; an identity
// number (valid check digit or not, 18 or 15 digits) or a mobile number in any of its written forms is counted
// there, never printed, whole or in pieces. `edition show`, the desk page and the submit refusal print these.
import { describe, expect, it } from 'vitest';
import { checklist, type ChecklistFacts, type FiguresFile } from '../../pipeline/desk/checklist.ts';

const figures: FiguresFile = { language: 'en', figures: { recovered: { computed: 8307, printed: [{ printed: '8,307', rule: 'exact' }] } } };

function facts(text: string): ChecklistFacts {
  return {
    figures: { en: figures, zh: { ...figures, language: 'zh' } },
    editorial: [{ title: { en: `Case ${text}`, zh: `案件${text}` }, en: `Found (${text}).`, zh: `已找到（${text}）。` }],
    falls: [],
    isRevision: false,
    asOf: '2021-11-30',
    newestLoad: '2021-12-01',
    quarantinedSinceRelease: 0,
    suppressedCells: [],
  };
}

/** The digit groups a reader could put back together: every run of 4 digits or more of the value. */
const pieces = (value: string): string[] => {
  const digits = value.replace(/\D/g, '');
  return Array.from({ length: digits.length - 3 }, (_, k) => digits.slice(k, k + 4));
};

describe('checklist warnings and personal data', () => {
  const personal = [
    '11010519491231002X', // the standard's example identity number, valid check character
    '11010519491231002x',
    '110105194912310021', // its check character wrong: still somebody's number, or a typo of one
    '440301198507151230',
    '110105491231002', // an identity number of the old 15-digit form
    '13812345678',
    '138 1234 5678',
    '138-1234-5678',
    '+86 138 1234 5678',
    '+86-13812345678',
    '8613812345678',
  ];

  for (const value of personal) {
    it(`never prints ${JSON.stringify(value)} in a warning or an error, and still says a number is unverified`, () => {
      const result = checklist(facts(value));
      const messages = [...result.errors, ...result.warnings].map((i) => i.message);
      for (const message of messages) {
        for (const piece of pieces(value)) expect(message, message).not.toContain(piece);
      }
      // The reviewer is still told: in each of the four texts, an unverified number (not repeated).
      const unverified = result.warnings.filter((w) => w.code === 'unverified_number');
      expect(unverified).toHaveLength(4);
      for (const w of unverified) expect(w.message).toMatch(/long number.*not repeated here/);
    });
  }

  it('still lists ordinary numbers that match no figure, and not those that do', () => {
    const result = checklist(facts('4711 children, 8,307 in all, 1234567890'));
    expect(result.warnings.filter((w) => w.code === 'unverified_number').map((w) => w.message)).toEqual([
      'notable case 1 (en): 4711, 1234567890 match no figure of this edition (unverified)',
      'notable case 1 (en) title: 4711, 1234567890 match no figure of this edition (unverified)',
      'notable case 1 (zh): 4711, 1234567890 match no figure of this edition (unverified)',
      'notable case 1 (zh) title: 4711, 1234567890 match no figure of this edition (unverified)',
    ]);
  });
});
