// Test helper process: appends `count` entries to the desk log of `db`, each in its own open/close of the desk file,
// as a scheduler, a command and the desk page do side by side.
import { appendLog, withDesk } from '../../pipeline/desk/store.ts';

const [db, name, count] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) {
  await withDesk(db, (desk) =>
    appendLog(desk, { actor: name, edition_id: null, action: 'edit', from_state: null, to_state: null, note: `${name} ${i}`, content_sha256: null, detail: null }, new Date()),
  );
}
