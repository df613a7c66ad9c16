// The press desk end to end through the real `bulletin` command, as test/desk/command-desks.ts sets it up: release by
// `bulletin schedule`, and a release killed with kill -9 (rule 5).
import { describe, expect, it } from 'vitest';
import { parseMail } from '../deliver/smtp-server.ts';
import type { RunningCli } from '../helpers.ts';
import { AFTER_RELEASE, BEFORE_RELEASE, commandDesks, deskLog, sha256, stored } from './command-desks.ts';

const desks = commandDesks('bulletin-desk-scheduler-');
const { newDesk, mailsTo, receivedBy } = desks;

describe('the press desk, end to end', () => {
  // ---- rule 5 by the scheduler, and a release killed -9 -------------------------------------------------------------

  describe('release by the scheduler', () => {
    it('rule 5: bulletin schedule releases a due approved edition at its first wake-up, each recipient once; not before its time', async () => {
      const desk = newDesk('scheduler');
      const recipients = ['d-press1@reunion.example', 'd-press2@reunion.example'];
      // A job that never fires while the test runs (29 February): the scheduler only wakes for the desk.
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 29 2 *', to: ['press'] }], { press: recipients });
      const id = await desk.signOff();
      const stopScheduler = async (scheduler: RunningCli) => {
        scheduler.child.kill('SIGTERM');
        expect(await scheduler.exited).toBe(0);
      };

      // Before the release time: it does not release.
      const early = desk.start(['schedule'], { now: BEFORE_RELEASE });
      await early.waitFor(/schedule: 1 job\(s\)/, 60_000, 'stderr');
      await new Promise((r) => setTimeout(r, 4000));
      await stopScheduler(early);
      expect((await stored(desk.db, id)).state).toBe('approved');
      for (const address of recipients) expect(receivedBy(address)).toHaveLength(0);

      // After it: released at once, without a job running.
      const scheduler = desk.start(['schedule'], { now: AFTER_RELEASE });
      try {
        await desks.server.waitFor(() => recipients.every((a) => mailsTo(a).length > 0), 90_000);
        await scheduler.waitFor(/desk: reunion-2021\/press\/2021-11-30#1 released: 2 sent, 0 already sent/, 30_000, 'stderr');
      } finally {
        await stopScheduler(scheduler);
      }
      expect(scheduler.stdout()).not.toMatch(/job monthly/);
      const shown = await stored(desk.db, id);
      expect(shown.state).toBe('released');
      expect((await deskLog(desk.db, id)).filter((h) => h.action === 'release')).toMatchObject([{ actor: 'system' }]);
      for (const address of recipients) {
        expect(receivedBy(address), address).toHaveLength(1);
        expect(parseMail(mailsTo(address)[0].raw).attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
    }, 240_000);

    it('rule 5: a release killed with kill -9 while mailing and run again mails each recipient at most once, and finishes', async () => {
      const desk = newDesk('kill');
      const recipients = Array.from({ length: 6 }, (_, i) => `e-kill${i}@reunion.example`);
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 29 2 *', to: recipients }], {});
      const id = await desk.signOff();
      // Each message is answered after 500 ms, so the kill lands during or between attempts.
      desks.server.answer('data', ...recipients.map(() => ({ code: 250, delayMs: 500 })));
      const first = desk.start(['edition', 'release', id], { now: AFTER_RELEASE });
      await desks.server.waitFor(() => receivedBy(recipients[1]).length > 0, 90_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect((await stored(desk.db, id)).state).toBe('released');

      const restarted = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE });
      for (const r of recipients) expect(receivedBy(r).length, r).toBeLessThanOrEqual(1);
      const outcomes = Object.fromEntries(restarted.stdout.split('\n').filter(Boolean).map((l) => [l.split('\t')[1], l.split('\t')[0]]));
      // Everyone not uncertain got it exactly once; an uncertain one is the attempt the kill cut short.
      for (const r of recipients) {
        if (outcomes[r] === 'uncertain') expect(receivedBy(r).length).toBeLessThanOrEqual(1);
        else expect(mailsTo(r), `${r}: ${outcomes[r]}`).toHaveLength(1);
      }
      expect(Object.values(outcomes).filter((o) => o === 'uncertain').length).toBeLessThanOrEqual(1);
      expect(Object.values(outcomes).filter((o) => o === 'sent').length).toBeGreaterThan(0);
      // Once more: nothing sent at all.
      const received = desks.server.received.length;
      const third = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE });
      expect(third.stdout).not.toMatch(/^sent/m);
      expect(desks.server.received.length).toBe(received);
      const log = await deskLog(desk.db, id);
      expect(log.filter((e) => e.action === 'release')).toHaveLength(1);
      expect(log.filter((e) => e.action === 'delivery_done').length).toBeGreaterThanOrEqual(1);
    }, 180_000);
  });
});
