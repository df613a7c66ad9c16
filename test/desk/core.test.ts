// The desk's core without rendering: the workflow's rules (desk.md rules 1, 9, 10), desk users with scrypt, and
// the store in a real DuckDB file: one transaction per change, the log only appended to, concurrent writers.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, authenticate, listUsers, usersPath } from '../../pipeline/desk/users.ts';
import {
  currentHold,
  deskPath,
  getEdition,
  insertEdition,
  openEdition,
  readLog,
  resumeFromHold,
  setHold,
  transition,
  withDesk,
} from '../../pipeline/desk/store.ts';
import { allowedEvents, refusal, STATES, TRANSITIONS, type Actor } from '../../pipeline/desk/workflow.ts';
import { queryDb, repoRoot, runNode, tempDir } from '../helpers.ts';

const author: Actor = { name: 'li.na', role: 'drafter' };
const head: Actor = { name: 'wang.fang', role: 'approver' };
const deputy: Actor = { name: 'zhao.lei', role: 'approver' };
const now = new Date('2021-12-01T08:00:00+08:00');

describe('workflow rules', () => {
  it('lets only the named states start each event', () => {
    for (const [event, { from }] of Object.entries(TRANSITIONS)) {
      for (const state of STATES) {
        const why = refusal(event as keyof typeof TRANSITIONS, { state, submittedBy: 'x', lastChangedBy: 'x' }, 'system');
        expect(why === null, `${event} from ${state}`).toBe(from.includes(state));
      }
    }
  });

  it('refuses approval by the submitter or by the last person who changed the content (four eyes)', () => {
    const submitted = { state: 'submitted' as const, submittedBy: head.name, lastChangedBy: author.name };
    expect(refusal('approve', submitted, head)).toMatch(/^not the second pair of eyes/);
    expect(refusal('approve', { ...submitted, submittedBy: author.name, lastChangedBy: head.name }, head)).toMatch(/^not the second pair of eyes/);
    expect(refusal('approve', submitted, deputy)).toBeNull();
  });

  it('refuses approval by a drafter, and offers a drafter no approve action', () => {
    const submitted = { state: 'submitted' as const, submittedBy: 'someone', lastChangedBy: 'someone' };
    expect(refusal('approve', submitted, author)).toMatch(/may not approve/);
    expect(allowedEvents(submitted, author)).not.toContain('approve');
    expect(allowedEvents(submitted, deputy)).toContain('approve');
  });
});

describe('desk users', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'w.duckdb');
  afterAll(cleanup);

  it('keeps scrypt hashes in a file of mode 600, never the password', async () => {
    await addUser(db, 'li.na', 'drafter', 'correct horse battery');
    await addUser(db, 'wang.fang', 'approver', 'staple 12345678');
    expect(statSync(usersPath(db)).mode & 0o777).toBe(0o600);
    const text = readFileSync(usersPath(db), 'utf8');
    expect(text).not.toContain('correct horse');
    expect(text).toContain('"N": 32768');
    expect(listUsers(db).map((u) => `${u.name}:${u.role}`)).toEqual(['li.na:drafter', 'wang.fang:approver']);
  });

  it('authenticates the right password only, with one message for a wrong password and an unknown user', async () => {
    await expect(authenticate(db, 'li.na', 'correct horse battery')).resolves.toEqual({ name: 'li.na', role: 'drafter' });
    const wrong = await authenticate(db, 'li.na', 'correct horse batterY').catch((e: Error) => e.message);
    const unknown = await authenticate(db, 'nobody', 'correct horse battery').catch((e: Error) => e.message);
    expect(wrong).toBe('desk user li.na: unknown user or wrong password');
    expect(unknown).toBe('desk user nobody: unknown user or wrong password');
  });

  it('refuses a duplicate name, an unknown role, a short password and a name that is no plain word', async () => {
    await expect(addUser(db, 'li.na', 'drafter', 'another password')).rejects.toThrow(/exists already/);
    await expect(addUser(db, 'x', 'boss', 'long enough pw')).rejects.toThrow(/not one of drafter, approver, admin/);
    await expect(addUser(db, 'y', 'drafter', 'short')).rejects.toThrow(/at least 8/);
    for (const name of ['__proto__ x', 'a\nb', '', 'a'.repeat(65), '../etc']) {
      await expect(addUser(db, name, 'drafter', 'long enough pw')).rejects.toThrow(/must be 1-64/);
    }
  });
});

describe('desk store', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'w.duckdb');
  const bulletin = 'reunion-2021/press/2021-11-30';
  let id = '';
  beforeAll(async () => {
    id = await withDesk(db, (desk) =>
      insertEdition(desk, { bulletin, operation: 'reunion-2021', template: 'press', as_of: '2021-11-30', number: 1, kind: 'original', corrects: null, note_en: null, note_zh: null, dir: join(dir, 'e1'), created_by: author.name }, now),
    );
  });
  afterAll(cleanup);

  it('numbers editions <bulletin>#<n> and finds the open one', async () => {
    expect(id).toBe(`${bulletin}#1`);
    const open = await withDesk(db, (desk) => openEdition(desk, bulletin));
    expect(open?.state).toBe('draft');
    expect(existsSync(deskPath(db))).toBe(true);
  });

  it('moves an edition through submit and approve, refusing the submitter, and logs each step with the actor', async () => {
    await withDesk(db, (desk) => transition(desk, id, 'submit', author, { patch: { submitted_by: author.name }, now }));
    const refused = await withDesk(db, (desk) => transition(desk, id, 'approve', { name: author.name, role: 'approver' }, { now })).catch((e: Error) => e.message);
    expect(refused).toMatch(/not the second pair of eyes/);
    expect((await withDesk(db, (desk) => getEdition(desk, id))).state).toBe('submitted');
    const approved = await withDesk(db, (desk) => transition(desk, id, 'approve', head, { patch: { approved_by: head.name, release_at: '2021-12-03T01:30:00Z' }, now }));
    expect(approved.state).toBe('approved');
    expect(approved.release_at).toBe('2021-12-03T01:30:00Z');
    const log = await withDesk(db, (desk) => readLog(desk, id));
    expect(log.map((e) => `${e.actor}:${e.action}:${e.from_state ?? ''}->${e.to_state}`)).toEqual(['li.na:draft:->draft', 'li.na:submit:draft->submitted', 'wang.fang:approve:submitted->approved']);
  });

  it('holds and resumes, each once, and keeps both in the log', async () => {
    await withDesk(db, (desk) => setHold(desk, head, 'figures under review', now));
    await expect(withDesk(db, (desk) => setHold(desk, head, 'again', now))).rejects.toThrow(/hold is in force already/);
    expect(await withDesk(db, (desk) => currentHold(desk))).toMatchObject({ reason: 'figures under review', by: head.name });
    await withDesk(db, (desk) => resumeFromHold(desk, deputy, now));
    expect(await withDesk(db, (desk) => currentHold(desk))).toBeNull();
    await expect(withDesk(db, (desk) => resumeFromHold(desk, deputy, now))).rejects.toThrow(/no hold/);
  });

  it('never loses a write when several processes write at once: every entry there once, numbered without gaps', async () => {
    const before = (await queryDb<{ n: number }>(deskPath(db), 'SELECT count(*) AS n FROM desk_log'))[0].n;
    const worker = join(import.meta.dirname, 'append-worker.ts');
    const runs = await Promise.all([1, 2, 3].map((p) => runNode([join(repoRoot, 'bin', 'run.js'), worker, db, `p${p}`, '10'])));
    for (const run of runs) expect(run.stderr).toBe('');
    const rows = await queryDb<{ seq: number; note: string }>(deskPath(db), `SELECT seq, note FROM desk_log WHERE seq > ${before} ORDER BY seq`);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => before + i + 1));
    expect(new Set(rows.map((r) => r.note)).size).toBe(30);
  }, 120_000);
});
