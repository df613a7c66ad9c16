// A desk for tests that call pipeline/desk/ in this process (as the desk page does) rather than through the
// command: a copy of the conformance warehouse loaded once for the run (test/conformance.ts), desk users added with
// addUser and signed in with their passwords, the editorial folder and the working directory (where editions'
// reports go) in a temporary folder, the clock pinned as command-desks.ts pins it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deskContext } from '../../pipeline/desk/command.ts';
import type { DeskContext } from '../../pipeline/desk/editions.ts';
import { addUser, authenticate, TEST_ONLY_SCRYPT_COST } from '../../pipeline/desk/users.ts';
import type { Actor } from '../../pipeline/desk/workflow.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { repoRoot, runCli, tempDir } from '../helpers.ts';

export const AS_OF = '2021-11-30';
export const DRAFTED = '2021-12-01T10:00:00+08:00';

const USERS = {
  'li.na': { role: 'drafter', password: 'li.na demo passphrase' },
  'wang.fang': { role: 'approver', password: 'wang.fang demo passphrase' },
  'zhao.lei': { role: 'approver', password: 'zhao.lei demo passphrase' },
} as const;

export interface InProcessDesk {
  dir: string;
  db: string;
  editorialDir: string;
  /** The demo's November 2021 file, copied into the editorial folder. */
  editorialFile: string;
  users: Record<keyof typeof USERS, Actor>;
  /** The desk's context at `now` (default DRAFTED). */
  context(now?: string): Promise<DeskContext>;
  /** `bulletin ARGS` on this warehouse (e.g. metrics --release, load). */
  cli(args: string[]): ReturnType<typeof runCli>;
  cleanup(): void;
}

/** Call in beforeAll: sets BULLETIN_EDITORIAL_DIR and the working directory of this test process; cleanup restores them. */
export async function inProcessDesk(): Promise<InProcessDesk> {
  const tmp = tempDir('bulletin-desk-core-');
  const db = join(tmp.dir, 'warehouse.duckdb');
  const editorialDir = join(tmp.dir, 'editorial');
  const cwd = join(tmp.dir, 'cwd');
  mkdirSync(editorialDir);
  mkdirSync(cwd);
  const editorialFile = join(editorialDir, '2021-11.yaml');
  copyFileSync(join(repoRoot, 'data', 'editorial', '2021-11.yaml'), editorialFile);
  const cli = (args: string[]) => runCli([...args, '--db', db], { BULLETIN_EDITORIAL_DIR: editorialDir }, cwd);
  conformanceWarehouse(db);
  const users = {} as Record<keyof typeof USERS, Actor>;
  for (const [name, user] of Object.entries(USERS) as [keyof typeof USERS, (typeof USERS)[keyof typeof USERS]][]) {
    await addUser(db, name, user.role, user.password, undefined, undefined, TEST_ONLY_SCRYPT_COST);
    users[name] = await authenticate(db, name, user.password);
  }
  const before = { cwd: process.cwd(), editorial: process.env.BULLETIN_EDITORIAL_DIR };
  process.env.BULLETIN_EDITORIAL_DIR = editorialDir;
  process.chdir(cwd);
  return {
    dir: tmp.dir,
    db,
    editorialDir,
    editorialFile,
    users,
    context: (now = DRAFTED) => deskContext(db, undefined, { ...process.env, BULLETIN_NOW: now }),
    cli,
    cleanup() {
      process.chdir(before.cwd);
      if (before.editorial === undefined) delete process.env.BULLETIN_EDITORIAL_DIR;
      else process.env.BULLETIN_EDITORIAL_DIR = before.editorial;
      tmp.cleanup();
    },
  };
}
