// The press desk end to end through the real `bulletin` command, as test/desk/command-desks.ts sets it up: sign-off,
// release and correction of one bulletin (rules 1, 3, 4, 5, 8, 10).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../deliver/smtp-server.ts';
import { squeeze } from '../render/poppler.ts';
import type { LogEntry } from '../../pipeline/desk/store.ts';
import {
  AFTER_RELEASE,
  AS_OF,
  BEFORE_RELEASE,
  BULLETIN,
  commandDesks,
  count,
  deskContents,
  deskLog,
  lastLine,
  MARK_WORDS,
  pagesOf,
  rawPage,
  RELEASE_AT,
  sha256,
  stored,
  USERS,
  type Desk,
} from './command-desks.ts';

const desks = commandDesks('bulletin-desk-sign-off-');
const { newDesk, mailsTo, receivedBy } = desks;

describe('the press desk, end to end', () => {
  // ---- rules 1, 2, 3, 5, 8, 10 on one bulletin ----------------------------------------------------------------------

  describe('sign-off, release and correction of one bulletin', () => {
    let desk: Desk;
    const id = `${BULLETIN}#1`;
    const press = ['a-press1@reunion.example', 'a-press2@reunion.example'];
    let draftPdfs: Record<string, { path: string; sha256: string }>;
    let logAfterApproval: LogEntry[];
    beforeAll(() => {
      desk = newDesk('sign-off');
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }], { press, desk: ['a-desk@reunion.example'] });
    });

    it('rule 1: approval by the submitter, by the last person who changed the content or by a drafter is refused, and nothing changes', async () => {
      // wang.fang (approver) makes the draft, zhao.lei (approver) submits it, li.na is a drafter.
      const drafted = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'wang.fang' });
      expect(drafted.code, drafted.stderr).toBe(0);
      expect(drafted.stdout.split('\n')[0]).toBe(id);
      const submitted = await desk.cli(['edition', 'submit', id], { as: 'zhao.lei' });
      expect(submitted.code, submitted.stderr).toBe(0);
      expect((await stored(desk.db, id)).state).toBe('submitted');
      draftPdfs = (await stored(desk.db, id)).pdfs;
      const before = await deskContents(desk.db);
      const finalDir = join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'final');

      const refusals: [string, RegExp][] = [
        ['zhao.lei', /^bulletin: edition reunion-2021\/press\/2021-11-30#1: not the second pair of eyes: zhao\.lei submitted it/],
        ['wang.fang', /^bulletin: edition reunion-2021\/press\/2021-11-30#1: not the second pair of eyes: wang\.fang last changed its content/],
        ['li.na', /^bulletin: edition reunion-2021\/press\/2021-11-30#1: li\.na \(drafter\) may not approve/],
      ];
      for (const [user, message] of refusals) {
        const r = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: user });
        expect(r.code, `${user}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim().split('\n'), user).toHaveLength(1);
        expect(r.stderr, user).toMatch(message);
        expect(r.stdout, user).toBe('');
        // Nothing changed: the editions, the desk log; no final PDFs written.
        expect(await deskContents(desk.db), user).toEqual(before);
        expect(existsSync(finalDir), user).toBe(false);
      }
      // The right user with another's password is nobody.
      const impostor = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'chen.jie', env: { BULLETIN_DESK_PASSWORD: USERS['li.na'].password } });
      expect(impostor.code).toBe(1);
      expect(lastLine(impostor)).toBe('bulletin: desk user chen.jie: unknown user or wrong password');
      expect(await deskContents(desk.db)).toEqual(before);

      // A second approver (an admin) approves.
      const approved = await desk.cli(['edition', 'approve', id, '--release-at', RELEASE_AT], { as: 'chen.jie' });
      expect(approved.code, approved.stderr).toBe(0);
      expect(await stored(desk.db, id)).toMatchObject({ state: 'approved', release_at: '2021-12-02T01:30:00Z' });
      expect(readdirSync(finalDir).filter((f) => f.endsWith('.pdf')).sort()).toEqual(['press.en.pdf', 'press.zh.pdf']);
      logAfterApproval = await deskLog(desk.db);
    }, 120_000);

    it('rule 3: every page of the draft PDFs says DRAFT / 草稿 (header and across the page); the approved PDFs none of the marks', async () => {
      const after = await stored(desk.db, id);
      for (const language of ['en', 'zh']) {
        const word = language === 'en' ? 'DRAFT' : '草稿';
        const draft = pagesOf(draftPdfs[language].path);
        expect(draft.length).toBeGreaterThanOrEqual(2);
        draft.forEach((page, i) => expect(count(page, word), `${language} draft page ${i + 1}`).toBeGreaterThanOrEqual(2));
        const final = pagesOf(after.pdfs[language].path);
        expect(final.length).toBe(draft.length);
        final.forEach((page, i) => {
          for (const mark of MARK_WORDS) expect(page, `${language} final page ${i + 1}`).not.toContain(mark);
        });
      }
    }, 60_000);

    it('rules 4, 5: nothing goes out before the release time; after it, each recipient gets the approved PDFs once, byte for byte', async () => {
      const connections = desks.server.connections();
      // deliver of a press bulletin without a released edition: refused, saying how.
      const early = await desk.cli(['deliver', '--as-of', AS_OF, '--to', 'press'], { now: AFTER_RELEASE });
      expect(early.code).toBe(1);
      expect(lastLine(early)).toMatch(/a press bulletin is delivered only as its released edition.*#1 is approved, released at 2021-12-02 09:30 China time/);
      // The release before its time: refused, still approved.
      const tooSoon = await desk.cli(['edition', 'release', id], { now: BEFORE_RELEASE });
      expect(tooSoon.code).toBe(1);
      expect(tooSoon.stderr.trim().split('\n')).toHaveLength(1);
      expect(tooSoon.stderr).toMatch(/not before its release time, 2021-12-02 09:30 China time/);
      expect((await stored(desk.db, id)).state).toBe('approved');
      expect(desks.server.connections()).toBe(connections);

      // By a named desk user (--as): recorded as theirs.
      const released = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE, as: 'zhao.lei' });
      expect(released.code, released.stderr).toBe(0);
      const shown = await desk.show(id);
      expect(shown.state).toBe('released');
      // sha256: what edition show says == the files in final/ == the attachments each recipient got.
      for (const language of ['en', 'zh']) {
        expect(shown.pdfs[language].path).toBe(join(desk.cwd, 'reports', 'reunion-2021', AS_OF, 'editions', 'press-1', 'final', `press.${language}.pdf`));
        expect(sha256(readFileSync(shown.pdfs[language].path))).toBe(shown.pdfs[language].sha256);
      }
      for (const address of press) {
        expect(mailsTo(address), address).toHaveLength(1);
        const mail = parseMail(mailsTo(address)[0].raw);
        expect(mail.attachments.map((a) => a.filename)).toEqual(['reunion-2021-press-2021-11-30.zh.pdf', 'reunion-2021-press-2021-11-30.en.pdf']);
        expect(mail.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
        expect(mail.header('subject')).not.toMatch(/DRAFT|草稿|EMBARGOED|Correction/);
      }
      // The desk log has one delivery per recipient with the attachments' sha256, and the release transition.
      const deliveries = shown.history.filter((h) => h.action === 'deliver');
      expect(deliveries.map((d) => d.detail!.recipient).sort()).toEqual(press);
      for (const d of deliveries) {
        expect(d.detail).toMatchObject({ outcome: 'sent' });
        expect((d.detail!.attachments as { sha256: string }[]).map((a) => a.sha256)).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
      expect(shown.history.filter((h) => h.action === 'release')).toMatchObject([{ from_state: 'approved', to_state: 'released', actor: 'zhao.lei' }]);
    }, 90_000);

    it('rule 5: a second release and a deliver of the released bulletin send nothing more', async () => {
      const connections = desks.server.connections();
      const again = await desk.cli(['edition', 'release', id], { now: AFTER_RELEASE });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' ')).sort()).toEqual(press.map((p) => `already sent ${p}`));
      const delivered = await desk.cli(['deliver', '--as-of', AS_OF, '--to', 'press'], { now: AFTER_RELEASE });
      expect(delivered.code, delivered.stderr).toBe(0);
      expect(delivered.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['already sent', 'already sent']);
      expect(desks.server.connections()).toBe(connections);
      for (const address of press) expect(mailsTo(address), address).toHaveLength(1);
      // No second edition of a released bulletin by draft: a change is a correction.
      const redraft = await desk.cli(['edition', 'draft', '--as-of', AS_OF], { as: 'li.na', now: AFTER_RELEASE });
      expect(redraft.code).toBe(1);
      expect(redraft.stderr).toMatch(/was released as reunion-2021\/press\/2021-11-30#1; a change is a correction/);
    }, 60_000);

    it('rule 8: a correction signed off by two people reaches exactly the earlier recipients, threaded, "Correction:"; the corrected edition is superseded', async () => {
      // A recipient added to the list since the release does not get the correction of a bulletin never sent to them.
      desk.configure([{ name: 'monthly', kind: 'monthly', cron: '0 8 1 * *', to: ['press'] }], { press: [...press, 'a-press3@reunion.example'] });
      const noNote = await desk.cli(['edition', 'correct', id, '--kind', 'correction', '--note-en', 'x', '--note-zh', ' '], { as: 'li.na', now: AFTER_RELEASE });
      expect(noNote.code).toBe(2);
      const corrected = await desk.cli(
        ['edition', 'correct', id, '--kind', 'correction', '--note-en', 'The Guangxi case dates from 1999.', '--note-zh', '广西案件发生于1999年。'],
        { as: 'li.na', now: AFTER_RELEASE },
      );
      expect(corrected.code, corrected.stderr).toBe(0);
      const second = `${BULLETIN}#2`;
      expect(corrected.stdout).toBe(`${second}\tdraft\n`);
      expect((await desk.cli(['edition', 'submit', second], { as: 'li.na', now: AFTER_RELEASE })).code).toBe(0);
      // li.na made and submitted it: she may not approve; wang.fang may.
      const self = await desk.cli(['edition', 'approve', second, '--release-at', '2021-12-03 09:30'], { as: 'li.na', now: AFTER_RELEASE });
      expect(self.code).toBe(1);
      const approved = await desk.cli(['edition', 'approve', second, '--release-at', '2021-12-03 09:30'], { as: 'wang.fang', now: AFTER_RELEASE });
      expect(approved.code, approved.stderr).toBe(0);
      const tooSoon = await desk.cli(['edition', 'release', second], { now: '2021-12-03T09:29:00+08:00' });
      expect(tooSoon.code).toBe(1);
      expect(mailsTo(press[0])).toHaveLength(1);
      const released = await desk.cli(['edition', 'release', second], { now: '2021-12-03T09:31:00+08:00' });
      expect(released.code, released.stderr).toBe(0);

      const shown = await desk.show(second);
      expect(shown).toMatchObject({ state: 'released', corrects: id });
      for (const address of press) {
        const [original, correction] = mailsTo(address).map((m) => parseMail(m.raw));
        expect(mailsTo(address), address).toHaveLength(2);
        const messageId = original.header('message-id')!;
        expect(messageId).toMatch(/^<.+@.+>$/);
        expect(correction.header('in-reply-to')).toBe(messageId);
        expect(correction.header('references')).toBe(messageId);
        expect(correction.header('message-id')).not.toBe(messageId);
        expect(correction.header('subject')).toMatch(/^Correction: /);
        expect(correction.header('subject')).toContain('更正：');
        expect(correction.attachments.map((a) => sha256(a.content))).toEqual([shown.pdfs.zh.sha256, shown.pdfs.en.sha256]);
      }
      expect(receivedBy('a-press3@reunion.example')).toHaveLength(0);
      // Page 1 of the correction says so, in each language.
      expect(rawPage(shown.pdfs.en.path, 1)).toContain(squeeze('Corrected on December 2, 2021: The Guangxi case dates from 1999.'));
      expect(rawPage(shown.pdfs.zh.path, 1)).toContain(squeeze('2021年12月2日更正：广西案件发生于1999年。'));
      // The superseded edition stays readable, marked superseded, its PDFs as they were.
      const first = await stored(desk.db, id);
      expect(first.state).toBe('superseded');
      for (const language of ['en', 'zh']) expect(sha256(readFileSync(first.pdfs[language].path))).toBe(first.pdfs[language].sha256);
      expect((await deskLog(desk.db, id)).filter((e) => e.to_state).at(-1)).toMatchObject({ action: 'supersede', from_state: 'released', to_state: 'superseded', note: `superseded by ${second}` });
    }, 150_000);

    it('rule 10: the desk log is only appended to, and records every transition with who, from, to and content hash', async () => {
      const log = await desk.log();
      expect(log).toEqual(await deskLog(desk.db));
      expect(log.slice(0, logAfterApproval.length)).toEqual(logAfterApproval);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      const transitions = log.filter((e) => e.edition_id === id && e.to_state).map((e) => `${e.actor} ${e.action} ${e.from_state ?? '-'}->${e.to_state}`);
      expect(transitions).toEqual([
        'wang.fang draft -->draft',
        'wang.fang refresh draft->draft',
        'zhao.lei submit draft->submitted',
        'chen.jie approve submitted->approved',
        'zhao.lei release approved->released',
        'system supersede released->superseded',
      ]);
      for (const e of log.filter((e) => e.to_state && e.action !== 'draft')) expect(e.content_sha256, `${e.action} ${e.edition_id}`).toMatch(/^[0-9a-f]{64}$/);
    }, 30_000);
  });
});
