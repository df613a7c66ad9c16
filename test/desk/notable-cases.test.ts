// The notable cases as the desk page saves them (pipeline/desk/notable-cases.ts), called in this process on a real
// warehouse, desk file and editorial folder, with real renders: a save is checked with the render's rules, keeps
// the file's comments, logs what changed in words, renders the draft again (a submitted edition goes back to draft
// and its saver may not approve it), changes nothing when nothing changed, and is refused on an approved edition.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { approveEdition, draftEdition, submitEdition } from '../../pipeline/desk/editions.ts';
import { readNotableCases, saveNotableCases, type NotableCaseInput } from '../../pipeline/desk/notable-cases.ts';
import { getEdition, readLog, withDesk, type Edition, type LogEntry } from '../../pipeline/desk/store.ts';
import { InputRefused, UsageError } from '../../pipeline/errors.ts';
import { AS_OF, inProcessDesk, type InProcessDesk } from './in-process-desk.ts';

describe('notable cases saved from the desk page', () => {
  let desk: InProcessDesk;
  let id: string;
  const edition = (): Promise<Edition> => withDesk(desk.db, (d) => getEdition(d, id));
  const log = (): Promise<LogEntry[]> => withDesk(desk.db, (d) => readLog(d, id));

  beforeAll(async () => {
    desk = await inProcessDesk();
    const drafted = await draftEdition(await desk.context(), { asOf: AS_OF, actor: desk.users['li.na'] });
    id = drafted.edition_id;
    await submitEdition(await desk.context(), id, desk.users['li.na']);
  }, 180_000);
  afterAll(() => desk?.cleanup());

  it('a save changes the file (comments kept), logs what changed, and sends the submitted edition back to draft; its saver cannot approve it', async () => {
    const before = await edition();
    expect(before.state).toBe('submitted');
    const cases = readNotableCases(before);
    expect(cases).toHaveLength(2);
    expect(cases[0].title_en).toBe('Home after 74 years');
    const script = '<script>alert("x")</script> & <b>bold</b>';
    const saved = await saveNotableCases(await desk.context(), id, desk.users['wang.fang'], [
      cases[0],
      { ...cases[1], zh: '公安部刑事技术专家协助广西警方，侦破1999年拐卖男童案。' },
      { title_en: script, title_zh: '新的案例', en: 'A new case,\r\nwritten on two lines.', zh: '新的案例。' },
      { title_en: '', title_zh: ' ', en: '', zh: '' },
    ]);
    expect(saved.changes).toEqual(['case 2 zh text changed', 'case 3 added']);

    // The file: its leading comment kept, markup stored as written (escaping is the page's job), CRLF made LF.
    const text = readFileSync(desk.editorialFile, 'utf8');
    expect(text.startsWith('# Editorial file of the press office for the bulletins dated in November 2021')).toBe(true);
    const written = parse(text) as { notable_cases: { title?: { en?: string; zh?: string }; en: string; zh: string }[] };
    expect(written.notable_cases).toHaveLength(3);
    expect(written.notable_cases[1].zh).toBe('公安部刑事技术专家协助广西警方，侦破1999年拐卖男童案。');
    expect(written.notable_cases[2]).toEqual({ title: { en: script, zh: '新的案例' }, en: 'A new case,\nwritten on two lines.', zh: '新的案例。' });
    expect(readNotableCases(saved.edition)[2].title_en).toBe(script);

    // The log: one editorial entry in words, with each field's before and after.
    const entries = (await log()).filter((e) => e.action === 'editorial');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'wang.fang', edition_id: id, note: 'case 2 zh text changed; case 3 added' });
    const detail = entries[0].detail as { file: string; changes: { case: number; field: string; before: string; after: string }[] };
    expect(detail.file).toBe(desk.editorialFile);
    expect(detail.changes.map((c) => `${c.case} ${c.field}`)).toEqual(['2 zh', '3 title_en', '3 title_zh', '3 en', '3 zh']);
    expect(detail.changes[0].before).toBe(cases[1].zh);
    expect(detail.changes[1]).toEqual({ case: 3, field: 'title_en', before: '', after: script });

    // The draft rendered again: a new content hash, back to draft, wang.fang its last changer.
    const after = await edition();
    expect(saved.edition).toEqual(after);
    expect(after).toMatchObject({ state: 'draft', last_changed_by: 'wang.fang' });
    expect(after.content_sha256).not.toBe(before.content_sha256);
    expect(after.pdfs.en.sha256).not.toBe(before.pdfs.en.sha256);
    expect((await log()).at(-1)).toMatchObject({ action: 'back_to_draft', from_state: 'submitted', to_state: 'draft' });

    // Rule 1: li.na submits again; wang.fang changed the text, so wang.fang may not approve.
    await submitEdition(await desk.context(), id, desk.users['li.na']);
    const refused = approveEdition(await desk.context(), id, desk.users['wang.fang'], '2021-12-02 09:30');
    await expect(refused).rejects.toThrow(InputRefused);
    await expect(refused).rejects.toThrow(/not the second pair of eyes: wang\.fang last changed its content/);
    expect((await edition()).state).toBe('submitted');
  }, 180_000);

  it('a save of the same text (however its lines end or it is padded) writes, logs and renders nothing', async () => {
    const before = { edition: await edition(), log: await log(), file: readFileSync(desk.editorialFile) };
    const same = readNotableCases(before.edition).map((c) => ({ ...c, en: ` ${c.en.replace(/\n/g, '\r\n')}\n` }));
    const saved = await saveNotableCases(await desk.context(), id, desk.users['li.na'], same);
    expect(saved.changes).toEqual([]);
    expect(saved.edition).toEqual(before.edition);
    expect(await edition()).toEqual(before.edition);
    expect(await log()).toEqual(before.log);
    expect(readFileSync(desk.editorialFile)).toEqual(before.file);
  }, 60_000);

  it('text the render would refuse is refused naming the case and field, nothing written; a new file gets a header', async () => {
    const before = { edition: await edition(), log: await log(), file: readFileSync(desk.editorialFile) };
    const cases = readNotableCases(before.edition);
    const refusals: [NotableCaseInput[], RegExp][] = [
      [[cases[0], { ...cases[1], title_en: 'Solved \u202E after 22 years' }], /^notable case 2, title_en: the character U\+202E .* is not allowed in editorial text; nothing saved$/],
      [[cases[0], { title_en: 'English only', title_zh: '', en: 'Text in English only.', zh: '' }], /^notable case 2, zh: missing \(the bulletin is rendered in zh\); nothing saved$/],
      [[{ ...cases[0], en: 'x'.repeat(3001) }], /^notable case 1, en: 3001 characters, more than the 3000 allowed; nothing saved$/],
    ];
    for (const [attempt, message] of refusals) {
      const saving = saveNotableCases(await desk.context(), id, desk.users['li.na'], attempt);
      await expect(saving).rejects.toThrow(UsageError);
      await expect(saving).rejects.toThrow(message);
    }
    expect(readFileSync(desk.editorialFile)).toEqual(before.file);
    expect(await log()).toEqual(before.log);
    expect(await edition()).toEqual(before.edition);

    // No file for the month: a refused save creates none; a valid one creates it with a header.
    renameSync(desk.editorialFile, join(desk.dir, '2021-11.yaml.away'));
    const bidi = saveNotableCases(await desk.context(), id, desk.users['li.na'], [{ ...cases[0], zh: '\u202E' }]);
    await expect(bidi).rejects.toThrow(/^notable case 1, zh: the character U\+202E/);
    expect(existsSync(desk.editorialFile)).toBe(false);
    const created = await saveNotableCases(await desk.context(), id, desk.users['li.na'], [cases[0]]);
    expect(created.changes).toEqual(['case 1 added']);
    const text = readFileSync(desk.editorialFile, 'utf8');
    expect(text).toMatch(/^# Editorial file of the press office for the bulletins dated in November 2021 .*\n#/);
    expect(parse(text)).toEqual({ notable_cases: [{ title: { en: cases[0].title_en, zh: cases[0].title_zh }, en: cases[0].en, zh: cases[0].zh }] });
    expect(created.edition).toMatchObject({ state: 'draft', last_changed_by: 'li.na', editorial_file: desk.editorialFile });
  }, 180_000);

  it('an approved edition is not edited, by a drafter or anyone', async () => {
    await submitEdition(await desk.context(), id, desk.users['li.na']);
    const approved = await approveEdition(await desk.context(), id, desk.users['zhao.lei'], '2021-12-02 09:30');
    expect(approved.state).toBe('approved');
    const before = { log: await log(), file: readFileSync(desk.editorialFile) };
    const cases = readNotableCases(approved);
    for (const user of ['li.na', 'wang.fang'] as const) {
      const saving = saveNotableCases(await desk.context(), id, desk.users[user], [{ ...cases[0], en: 'Changed after approval.' }]);
      await expect(saving).rejects.toThrow(InputRefused);
      await expect(saving).rejects.toThrow(`edition ${id} is approved: approved editions are not edited; withdraw it or correct the released one`);
    }
    expect(readFileSync(desk.editorialFile)).toEqual(before.file);
    expect(await log()).toEqual(before.log);
    expect(await edition()).toEqual(approved);
  }, 180_000);
});
