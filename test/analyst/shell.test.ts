// The interactive shell of `bulletin sql` on a real terminal (a tmux pane, keys sent as a person types them):
// Ctrl-C while a statement is being typed clears it and keeps the shell, at an empty prompt it says how to leave
// and a second one leaves; up-arrow recalls a statement typed over several lines whole; the note on rows not shown
// names the shell's own commands, and .maxrows shows more. Real processes on a real warehouse.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceWarehouse } from '../conformance.ts';
import { bulletinBin, tempDir } from '../helpers.ts';

/** A tmux server of this test's own (its own socket), so no one else's sessions are touched. */
const SOCKET = `bulletin-shell-test-${process.pid}`;

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const quoted = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

describe('bulletin sql: the shell on a terminal', () => {
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;

  beforeAll(() => {
    tmp = tempDir('bulletin-shell-');
    const db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'), 'batch1');
    env = { BULLETIN_DB: db, BULLETIN_SQL_HISTORY: join(tmp.dir, 'history'), TZ: 'UTC' };
  });
  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    // The server leaves its socket behind.
    rmSync(join(process.env.TMUX_TMPDIR ?? tmpdir(), `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
    tmp?.cleanup();
  });

  /** Starts the shell in a pane of its own; the pane stays after the shell ends, with its exit status printed. */
  function startShell(name: string): { pane: () => string; keys: (...keys: string[]) => void; type: (text: string) => void; waitFor: (pattern: RegExp, ms?: number) => Promise<string> } {
    const command = `env ${Object.entries(env).map(([k, v]) => `${k}=${quoted(v)}`).join(' ')} ${quoted(process.execPath)} ${quoted(bulletinBin)} sql; echo "shell ended: exit $?"; sleep 600`;
    tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '50', command);
    const pane = () => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-1000');
    const waitFor = async (pattern: RegExp, ms = 30_000) => {
      const started = Date.now();
      for (;;) {
        const text = pane();
        if (pattern.test(text)) return text;
        if (Date.now() - started > ms) throw new Error(`no ${pattern} in the pane:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    return {
      pane,
      waitFor,
      keys: (...keys) => void tmux('send-keys', '-t', name, ...keys),
      // tmux takes an argument ending in ';' for the end of its own command: escaped, it is typed.
      type: (text) => void tmux('send-keys', '-t', name, '-l', text.endsWith(';') ? `${text.slice(0, -1)}\\;` : text),
    };
  }

  it('Ctrl-C while typing clears the statement and keeps the shell; at an empty prompt, twice, it leaves', async () => {
    const shell = startShell('ctrl-c');
    await shell.waitFor(/bulletin> $/m);
    // Half a line typed, then Ctrl-C: the line is gone, the shell stays.
    shell.type('SELECT count(*) FROM pers');
    await shell.waitFor(/bulletin> SELECT count\(\*\) FROM pers$/m);
    shell.keys('C-c');
    await shell.waitFor(/SELECT count\(\*\) FROM pers\^C\nbulletin> $/m);
    // A statement of two lines, Ctrl-C on the second: both lines dropped.
    shell.type('SELECT 1 AS one');
    shell.keys('Enter');
    await shell.waitFor(/     \.\.\.> $/m);
    shell.type('FROM rang');
    shell.keys('C-c');
    await shell.waitFor(/FROM rang\^C\nbulletin> $/m);
    shell.type('SELECT 40 + 2 AS answer;');
    shell.keys('Enter');
    const answered = await shell.waitFor(/\(1 row, [\d.]+ s\)\nbulletin> $/m);
    // Only the new statement ran: had the dropped lines been kept, it would have been a syntax error.
    expect(answered).toMatch(/bulletin> SELECT 40 \+ 2 AS answer;\nanswer\n-+\n *42\n/);
    expect(answered).not.toMatch(/error/);
    // At an empty prompt the first Ctrl-C says how to leave; the second leaves, exit 0.
    shell.keys('C-c');
    await shell.waitFor(/\^C \(Ctrl-C again, Ctrl-D or \.quit to leave\)\nbulletin> $/m);
    shell.keys('C-c');
    await shell.waitFor(/shell ended: exit 0/);
  }, 90_000);

  it('up-arrow recalls a statement typed over several lines whole, and it runs again', async () => {
    const shell = startShell('history');
    await shell.waitFor(/bulletin> $/m);
    shell.type('SELECT count(*) AS persons');
    shell.keys('Enter');
    shell.type('FROM persons');
    shell.keys('Enter');
    shell.type('WHERE sex IS NOT NULL;');
    shell.keys('Enter');
    await shell.waitFor(/\(1 row, [\d.]+ s\)\nbulletin> $/m);
    shell.keys('Up');
    // The whole statement on the prompt, its three lines, not only the last one.
    await shell.waitFor(/bulletin> SELECT count\(\*\) AS persons\nFROM persons\nWHERE sex IS NOT NULL;$/m);
    shell.keys('Enter');
    const again = await shell.waitFor(/(\(1 row, [\d.]+ s\)[\s\S]*){2}\nbulletin> $/m);
    expect(again.match(/^persons *$/gm)).toHaveLength(2);
    // One more Up still finds it whole (the lines were not kept as entries of their own).
    shell.keys('Up');
    await shell.waitFor(/bulletin> SELECT count\(\*\) AS persons\nFROM persons\nWHERE sex IS NOT NULL;$/m);
    shell.keys('Up');
    await new Promise((r) => setTimeout(r, 300));
    expect(shell.pane()).not.toMatch(/bulletin> WHERE sex IS NOT NULL;$/m);
    shell.keys('C-c');
    shell.keys('C-d');
    await shell.waitFor(/shell ended: exit 0/);
  }, 90_000);

  it('the note on rows not shown names the shell\'s own commands; .maxrows shows more', async () => {
    const shell = startShell('more-rows');
    await shell.waitFor(/bulletin> $/m);
    shell.type('SELECT * FROM range(150);');
    shell.keys('Enter');
    await shell.waitFor(/… 50 more rows \(\.maxrows N shows more, \.format csv shows all, or LIMIT\)\n\(150 rows, [\d.]+ s\)\nbulletin> $/m);
    expect(shell.pane()).not.toMatch(/--format|--out/);
    shell.type('.maxrows 200');
    shell.keys('Enter');
    shell.type('SELECT * FROM range(150);');
    shell.keys('Enter');
    const all = await shell.waitFor(/\n *149\n\(150 rows, [\d.]+ s\)\nbulletin> $/m);
    expect(all.match(/more rows/g)).toHaveLength(1);
    shell.type('.quit');
    shell.keys('Enter');
    await shell.waitFor(/shell ended: exit 0/);
  }, 90_000);
});
