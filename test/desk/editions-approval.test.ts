// The press desk end to end through the real `bulletin` command, as test/desk/command-desks.ts sets it up: approval
// bound to the bytes submitted (rule 2) and personal data in the editorial text (rule 7).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AS_OF,
  commandDesks,
  deskLog,
  lastLine,
  RELEASE_AT,
  stored,
  withCheckCharacter,
  type Desk,
} from './command-desks.ts';

const desks = commandDesks('bulletin-desk-approval-');
const { newDesk } = desks;

describe('the press desk, end to end', () => {
  // ---- rule 2 ---------------------------------------------------------------------------------------------------------

  describe('approval is bound to the bytes submitted', () => {
    let desk: Desk;
    beforeAll(() => {
      desk = newDesk('bytes');
    });

    it('rule 2: an edit of the notable cases after submit refuses approval ("changed since it was submitted"); the edition is back in draft', async () => {
      const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' });
      expect(drafted.code, drafted.stderr).toBe(0);
      const id = drafted.stdout.split('\n')[0];
      const finalDir = join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'final');
      const original = readFileSync(desk.editorialFile, 'utf8');
      // Two kinds of edit: a word of an English text, one character of a Chinese title.
      const edits: [string, string][] = [
        ['younger brother', 'elder brother'],
        ['离家74年终团圆', '离家74年后团圆'],
      ];
      for (const [from, to] of edits) {
        const submitted = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
        expect(submitted.code, submitted.stderr).toBe(0);
        const before = await stored(desk.db, id);
        expect(original).toContain(from);
        writeFileSync(desk.editorialFile, original.replace(from, to));
        const r = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'wang.fang' });
        expect(r.code, `${from}: ${r.stderr}`).toBe(1);
        expect(lastLine(r)).toMatch(/^bulletin: edition reunion-2021\/press\/2021-11-30#1: changed since it was submitted/);
        const after = await stored(desk.db, id);
        expect(after.state, from).toBe('draft');
        expect(after.release_at).toBeNull();
        expect(after.pdfs).toEqual(before.pdfs);
        expect((await deskLog(desk.db, id)).at(-1)).toMatchObject({ action: 'back_to_draft', from_state: 'submitted', to_state: 'draft', actor: 'system' });
        expect(existsSync(finalDir)).toBe(false);
        // The text as it was, for the next round: the draft's content again.
        writeFileSync(desk.editorialFile, original);
      }
      // Unedited, the same edition is approved: the refusals were the edits, not the edition.
      expect((await desk.cli(['edition', 'submit', id], { as: 'li.na' })).code).toBe(0);
      const approved = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'wang.fang' });
      expect(approved.code, approved.stderr).toBe(0);
    }, 180_000);
  });

  // ---- rule 7 ---------------------------------------------------------------------------------------------------------

  describe('personal data in the editorial text', () => {
    it('rule 7: an 18-digit identity number with a valid check digit in a notable case blocks submit, and the number is never printed', async () => {
      const desk = newDesk('personal-data');
      const original = readFileSync(desk.editorialFile, 'utf8');
      const numbers = [withCheckCharacter('44030119850715123'), withCheckCharacter('11010519491231002'), withCheckCharacter('53010220000229457')];
      // 11010519491231002X is the standard's own example (check character X), here written with a small x.
      expect(numbers[1]).toBe('11010519491231002X');
      const placements: [string, (n: string) => string][] = [
        ['English text', (n) => original.replace('in Jinan.', `in Jinan (ID ${n}).`)],
        ['Chinese text, small x, no spaces', (n) => original.replace('与弟弟相认。', `与弟弟相认，身份证号${n.toLowerCase()}。`)],
        ['Chinese title', (n) => original.replace('1999年积案告破', `1999年积案告破${n}`)],
      ];
      let id = '';
      for (const [i, [where, place]] of placements.entries()) {
        const number = numbers[i];
        writeFileSync(desk.editorialFile, place(number));
        const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' });
        expect(drafted.code, `${where}: ${drafted.stderr}`).toBe(0);
        id = drafted.stdout.split('\n')[0];
        const r = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
        expect(r.code, `${where}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim().split('\n'), where).toHaveLength(1);
        expect(r.stderr, where).toMatch(/not submitted: the checklist has 1 error: notable case \d \((en|zh)\)( title)? holds a resident identity number: remove it/);
        // Not in any output of the desk (the checklist's errors and warnings in edition show), not even in part
        // (8 digits in a row of it) or rounded as a number.
        for (const text of [r, drafted, await desk.cli(['edition', 'show', id])].flatMap((o) => [o.stdout, o.stderr])) {
          for (let k = 0; k + 8 <= 17; k++) expect(text, where).not.toContain(number.slice(k, k + 8));
        }
        expect((await stored(desk.db, id)).state, where).toBe('draft');
      }
      const log = (await desk.cli(['edition', 'log', '--json'])).stdout;
      for (const number of numbers) for (let k = 0; k + 8 <= 17; k++) expect(log).not.toContain(number.slice(k, k + 8));
      // The same digits with a wrong check character are no identity number: submitted.
      const wrong = numbers[0].slice(0, 17) + (numbers[0][17] === '0' ? '1' : '0');
      writeFileSync(desk.editorialFile, placements[0][1](wrong));
      expect((await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na' })).code).toBe(0);
      const submitted = await desk.cli(['edition', 'submit', id], { as: 'li.na' });
      expect(submitted.code, submitted.stderr).toBe(0);
    }, 180_000);
  });
});
