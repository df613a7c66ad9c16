// The press desk end to end through the real `bulletin` command, as test/desk/command-desks.ts sets it up: scheduled
// bulletin jobs through the desk (rule 4).
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../deliver/smtp-server.ts';
import { queryDb } from '../helpers.ts';
import { jobLogPath } from '../../pipeline/schedule/runs.ts';
import {
  AS_OF,
  BULLETIN,
  commandDesks,
  count,
  deskLog,
  pagesOf,
  pdfFile,
  sha256,
  stored,
  type Desk,
} from './command-desks.ts';

const desks = commandDesks('bulletin-desk-jobs-');
const { newDesk, mailsTo, receivedBy } = desks;

describe('the press desk, end to end', () => {
  // ---- rule 4 ---------------------------------------------------------------------------------------------------------

  describe('scheduled bulletin jobs go through the desk', () => {
    let desk: Desk;
    beforeAll(() => {
      desk = newDesk('scheduled');
    });

    it('rule 4: a monthly run without approval mails nobody on the press list, mails the draft to the desk list and records held', async () => {
      const reviewers = ['c-desk1@reunion.example', 'c-desk2@reunion.example'];
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }], { press: ['c-press@reunion.example'], desk: reviewers });
      const run = await desk.cli(['run', 'monthly', '--as-of', AS_OF]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/job monthly \(manual\): held in [\d.]+ s: reunion-2021\/press\/2021-11-30#1 draft: awaiting sign-off; draft mailed for review to 2 of 2/);
      expect(receivedBy('c-press@reunion.example')).toHaveLength(0);
      const shown = await stored(desk.db, `${BULLETIN}#1`);
      expect(shown.state).toBe('draft');
      for (const address of reviewers) {
        expect(mailsTo(address), address).toHaveLength(1);
        const mail = parseMail(mailsTo(address)[0].raw);
        expect(mail.header('subject')).toMatch(/^Ready for review \(DRAFT\)/);
        expect(mail.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
      const attached = parseMail(mailsTo(reviewers[0])[0].raw).attachments;
      pagesOf(pdfFile(desk.dir, 'review.zh.pdf', attached[0].content)).forEach((page, i) => expect(count(page, '草稿'), `zh page ${i + 1}`).toBeGreaterThanOrEqual(2));
      pagesOf(pdfFile(desk.dir, 'review.en.pdf', attached[1].content)).forEach((page, i) => expect(count(page, 'DRAFT'), `en page ${i + 1}`).toBeGreaterThanOrEqual(2));
      // bulletin jobs and the job log say held.
      const jobs = await desk.cli(['jobs', '--json']);
      expect(JSON.parse(jobs.stdout)).toMatchObject([{ name: 'monthly', last_run: { trigger: 'manual', outcome: 'held' } }]);
      // Run again on the same content: held again, the reviewers are not mailed twice, the press list still not at all.
      const again = await desk.cli(['run', 'monthly', '--as-of', AS_OF]);
      expect(again.stdout).toMatch(/: held in /);
      for (const address of reviewers) expect(mailsTo(address), address).toHaveLength(1);
      expect(receivedBy('c-press@reunion.example')).toHaveLength(0);
      const runs = await queryDb<{ outcome: string }>(jobLogPath(desk.db), `SELECT outcome FROM job_runs ORDER BY run_id`);
      expect(runs.map((r) => r.outcome)).toEqual(['held', 'held']);
    }, 120_000);

    it('rule 4: a job with approval: none is released at once, recorded without review, its PDFs say "Not reviewed" / "未经审核"', async () => {
      desk.configure([{ name: 'weekly', kind: 'briefing', cron: '0 8 * * 1', to: ['c-lead@reunion.example'], approval: 'none' }], { desk: ['c-desk1@reunion.example'] });
      const run = await desk.cli(['run', 'weekly', '--as-of', AS_OF]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/job weekly \(manual\): ok in [\d.]+ s: reunion-2021\/briefing\/2021-11-30#1 released without review: 1 sent/);
      const shown = await stored(desk.db, `reunion-2021/briefing/${AS_OF}#1`);
      expect(shown.state).toBe('released');
      expect((await deskLog(desk.db, shown.edition_id)).find((h) => h.action === 'release_unreviewed')).toMatchObject({ actor: 'system', from_state: 'draft', to_state: 'released', note: 'released without review (approval: none)' });
      expect(mailsTo('c-lead@reunion.example')).toHaveLength(1);
      const mail = parseMail(mailsTo('c-lead@reunion.example')[0].raw);
      expect(mail.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      for (const [language, words] of [['en', 'Notreviewed'], ['zh', '未经审核']]) {
        pagesOf(shown.pdfs[language].path).forEach((page, i) => {
          expect(page, `${language} page ${i + 1}`).toContain(words);
          expect(page).not.toContain(language === 'en' ? 'DRAFT' : '草稿');
        });
      }
    }, 90_000);
  });
});
