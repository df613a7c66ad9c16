// The press desk end to end through the real `bulletin` command, as test/desk/command-desks.ts sets it up: hold and
// pre-release (rules 6, 9).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../deliver/smtp-server.ts';
import { queryDb } from '../helpers.ts';
import { squeeze } from '../render/poppler.ts';
import { deskPath } from '../../pipeline/desk/store.ts';
import {
  AS_OF,
  commandDesks,
  deskLog,
  lastLine,
  pagesOf,
  pdfFile,
  sha256,
  stored,
  type Desk,
} from './command-desks.ts';

const desks = commandDesks('bulletin-desk-hold-');
const { newDesk, mailsTo, receivedBy } = desks;

describe('the press desk, end to end', () => {
  // ---- rules 6, 9 -----------------------------------------------------------------------------------------------------

  describe('hold and pre-release', () => {
    let desk: Desk;
    let id = '';
    const press = ['g-press1@reunion.example', 'g-press2@reunion.example'];
    const minister = 'g-minister@reunion.example';
    const reviewer = 'g-desk@reunion.example';
    // Released on 3 December at 09:30: more than 24 hours after the approval.
    const releaseAt = '2021-12-03 09:30';
    const after = '2021-12-03T09:31:00+08:00';
    const within = '2021-12-02T09:31:00+08:00';
    const reason = 'briefing the minister before the press conference';
    beforeAll(() => {
      desk = newDesk('hold');
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 29 2 *', to: ['press'] }], { press, desk: [reviewer] });
    });

    it('rule 6: a pre-release copy more than 24 hours before the release time, or once that time has come, is refused', async () => {
      id = await desk.signOff(AS_OF, releaseAt);
      const r = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now: '2021-12-02T09:29:00+08:00' });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/at most 24 hours before the release at 2021-12-03 09:30 China time/);
      // Nor once the release time has come (then it is released, not pre-released), still unreleased or not.
      for (const now of [after, '2021-12-03T09:30:00+08:00']) {
        const late = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now });
        expect(late.code, now).toBe(1);
        expect(lastLine(late), now).toMatch(/no pre-release copy: its release time, 2021-12-03 09:30 China time, has come; release it/);
      }
      expect(receivedBy(minister)).toHaveLength(0);
      expect((await deskLog(desk.db, id)).filter((e) => e.action === 'prerelease')).toHaveLength(0);
    }, 150_000);

    it('rule 9: a hold stops the release, deliver, a pre-release, the scheduler and the scheduled draft notice', async () => {
      const hold = await desk.cli(['desk', 'hold', '--reason', 'figures under review'], { as: 'zhao.lei', now: within });
      expect(hold.code, hold.stderr).toBe(0);
      const listed = await desk.cli(['edition', 'list']);
      expect(listed.stdout).toMatch(/^HOLD since 2021-12-02 09:31 by zhao\.lei: figures under review/);
      const connections = desks.server.connections();

      const prerelease = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now: within });
      expect(prerelease.code).toBe(1);
      expect(lastLine(prerelease)).toMatch(/no pre-release: a hold is in force .*zhao\.lei: figures under review/);
      const release = await desk.cli(['edition', 'release', id], { now: after });
      expect(release.code).toBe(1);
      expect(lastLine(release)).toMatch(/not released: a hold is in force/);
      expect((await stored(desk.db, id)).state).toBe('approved');
      // deliver: a briefing (rendered and mailed without the desk's sign-off) stops as well, before rendering.
      const briefing = await desk.cli(['deliver', '--as-of', AS_OF, '--template', 'briefing', '--to', 'g-lead@reunion.example'], { now: after });
      expect(briefing.code).toBe(1);
      expect(lastLine(briefing)).toMatch(/nothing delivered: a hold is in force/);
      expect(existsSync(join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'briefing.en.pdf'))).toBe(false);
      // The scheduled draft notice of another bulletin: the run is held with the reason, nothing drafted or mailed.
      const run = await desk.cli(['run', 'monthly', '--as-of', '2021-11-29'], { now: after });
      expect(run.stdout).toMatch(/job monthly \(manual\): held in [\d.]+ s: reunion-2021\/press\/2021-11-29: hold in force \(zhao\.lei: figures under review\)/);
      // The scheduler, with the edition due: it says why and releases nothing.
      const scheduler = desk.start(['schedule'], { now: after });
      try {
        await scheduler.waitFor(/desk: edition reunion-2021\/press\/2021-11-30#1 not released: a hold is in force/, 60_000, 'stderr');
      } finally {
        scheduler.child.kill('SIGTERM');
        expect(await scheduler.exited).toBe(0);
      }
      expect(desks.server.connections()).toBe(connections);
      expect((await stored(desk.db, id)).state).toBe('approved');
      expect(await queryDb(deskPath(desk.db), `SELECT edition_id FROM editions WHERE as_of = DATE '2021-11-29'`)).toEqual([]);
    }, 120_000);

    it('rule 6: after resume, a pre-release copy within 24 hours goes out marked EMBARGOED on every page, and is logged', async () => {
      const resume = await desk.cli(['desk', 'resume'], { as: 'zhao.lei', now: within });
      expect(resume.code, resume.stderr).toBe(0);
      const r = await desk.cli(['edition', 'prerelease', id, '--to', minister, '--reason', reason], { as: 'wang.fang', now: within });
      expect(r.code, r.stderr).toBe(0);
      expect(mailsTo(minister)).toHaveLength(1);
      const mail = parseMail(mailsTo(minister)[0].raw);
      expect(mail.header('subject')).toMatch(/^EMBARGOED until 2021-12-03 09:30 \/ 2021-12-03 09:30前不得发布: /);
      const approved = await stored(desk.db, id);
      const [zh, en] = mail.attachments.map((a, i) => pdfFile(desk.dir, `embargoed-${i}.pdf`, a.content));
      pagesOf(en).forEach((page, i) => expect(page, `en page ${i + 1}`).toContain('EMBARGOEDuntil2021-12-0309:30'));
      pagesOf(zh).forEach((page, i) => expect(page, `zh page ${i + 1}`).toContain('2021-12-0309:30前不得发布'));
      // Not the approved files: those stay unmarked and unchanged.
      expect(mail.attachments.map((a) => sha256(a.content))).not.toContain(approved.pdfs.en.sha256);
      for (const language of ['en', 'zh']) expect(sha256(readFileSync(approved.pdfs[language].path))).toBe(approved.pdfs[language].sha256);
      // Logged: who, when, why, to whom, and the sha256 of what was sent.
      const [logged] = (await deskLog(desk.db, id)).filter((e) => e.action === 'prerelease');
      expect(logged).toMatchObject({ actor: 'wang.fang', at: '2021-12-02T01:31:00Z', note: reason, detail: { recipient: minister, outcome: 'sent' } });
      expect((logged.detail!.attachments as { sha256: string }[]).map((a) => a.sha256)).toEqual(mail.attachments.map((a) => sha256(a.content)));
    }, 120_000);

    it('rules 6, 9: after resume the release goes out with the pre-release access annex naming that person; the held draft notice goes to the desk', async () => {
      const released = await desk.cli(['edition', 'release', id], { now: after });
      expect(released.code, released.stderr).toBe(0);
      const shown = await stored(desk.db, id);
      for (const address of press) {
        expect(mailsTo(address), address).toHaveLength(1);
        const mail = parseMail(mailsTo(address)[0].raw);
        expect(mail.attachments.map((a) => a.filename)).toEqual([
          'reunion-2021-press-2021-11-30.zh.pdf',
          'reunion-2021-press-2021-11-30.en.pdf',
          'reunion-2021-press-2021-11-30.prerelease-access.en.pdf',
          'reunion-2021-press-2021-11-30.prerelease-access.zh.pdf',
        ]);
        expect(mail.attachments.slice(0, 2).map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
        const annexEn = squeeze(execFileSync('pdftotext', ['-raw', pdfFile(desk.dir, 'annex.en.pdf', mail.attachments[2].content), '-'], { encoding: 'utf8' }));
        const annexZh = squeeze(execFileSync('pdftotext', ['-raw', pdfFile(desk.dir, 'annex.zh.pdf', mail.attachments[3].content), '-'], { encoding: 'utf8' }));
        expect(annexEn).toContain('Pre-releaseaccess');
        expect(annexZh).toContain('发布前知悉人员');
        for (const annex of [annexEn, annexZh]) {
          expect(annex).toContain(minister);
          expect(annex).toContain(squeeze(reason));
        }
      }
      expect(mailsTo(minister)).toHaveLength(1);
      // The monthly run held during the hold now drafts and mails the draft to the desk list.
      const run = await desk.cli(['run', 'monthly', '--as-of', '2021-11-29'], { now: after });
      expect(run.stdout).toMatch(/held in [\d.]+ s: reunion-2021\/press\/2021-11-29#1 draft: awaiting sign-off; draft mailed for review to 1 of 1/);
      expect(mailsTo(reviewer)).toHaveLength(1);
      for (const address of press) expect(mailsTo(address), address).toHaveLength(1);
    }, 150_000);

    it('rule 9: a hold stops a deliver of the released bulletin; resume lets it go, once', async () => {
      const late = 'g-late@reunion.example';
      expect((await desk.cli(['desk', 'hold', '--reason', 'wrong recipients'], { as: 'wang.fang', now: after })).code).toBe(0);
      const held = await desk.cli(['deliver', '--as-of', AS_OF, '--to', late], { now: after });
      expect(held.code).toBe(1);
      expect(lastLine(held)).toMatch(/nothing delivered: a hold is in force .*wang\.fang: wrong recipients/);
      expect(receivedBy(late)).toHaveLength(0);
      expect((await desk.cli(['desk', 'resume'], { as: 'wang.fang', now: after })).code).toBe(0);
      const delivered = await desk.cli(['deliver', '--as-of', AS_OF, '--to', late], { now: after });
      expect(delivered.code, delivered.stderr).toBe(0);
      expect((await desk.cli(['deliver', '--as-of', AS_OF, '--to', late], { now: after })).code).toBe(0);
      expect(mailsTo(late)).toHaveLength(1);
    }, 60_000);
  });
});
