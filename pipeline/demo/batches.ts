// The two export batches cut from the world: batch 1 a full export of every table as of its data date, batch 2 the
// delta after it (new records, recoveries, solved cases, arrests, resolved alerts, closures, withdrawals). Then the
// noise real exports carry: rows sent twice (identical; a slip corrected further down with the same updated_at; a
// newer version followed by the older one), stale rows (an older state with an older updated_at than batch 1 holds),
// and a few bad rows (badRows.ts).
import { dayOfStamp, parseStamp, SECONDS_PER_DAY, type Day, type Stamp } from './calendar.ts';
import type { DemoConfig } from './config.ts';
import { badRows } from './badRows.ts';
import { hash32, Random } from './random.ts';
import { TABLES, type Row, type TableName } from './tables.ts';
import type { World } from './world.ts';

export type BatchName = 'batch1' | 'batch2';
export type Batch = Record<TableName, Row[]>;

/** One record of the world as the exports see it: when it appeared, when it changed, its state at a moment. */
interface Entry {
  id: string;
  registeredAt: Stamp;
  /** Every moment the record changed upstream (registration and withdrawal included). */
  changes: Stamp[];
  withdrawnAt: Stamp | null;
  /** The record's columns (without updated_at and deleted) as of the end of a data day. */
  state: (asOf: Stamp) => Row;
}

interface Lifecycle {
  table: TableName;
  entries: Entry[];
  /** A valid but mistaken variant of a row: a clerk's slip, corrected further down the same file. */
  slip: (row: Row) => Row;
}

/** Changes made on a day are dated from the start of office hours. */
const at = (day: Day): Stamp => day * SECONDS_PER_DAY + 9 * 3600;
const endOf = (day: Day): Stamp => (day + 1) * SECONDS_PER_DAY - 1;
const dateCell = (day: Day | null) => (day === null ? null : { day, precision: 'day' as const });
const present = (...stamps: (Stamp | null)[]): Stamp[] => stamps.filter((s): s is Stamp => s !== null);

function lifecycles(world: World): Lifecycle[] {
  return [
    {
      table: 'cases',
      entries: world.cases.map((c) => ({
        id: c.id,
        registeredAt: at(c.registeredOn),
        changes: present(at(c.registeredOn), c.solvedOn === null ? null : at(c.solvedOn), c.withdrawnOn === null ? null : at(c.withdrawnOn)),
        withdrawnAt: c.withdrawnOn === null ? null : at(c.withdrawnOn),
        state: (asOf) => {
          const solved = c.solvedOn !== null && c.solvedOn <= dayOfStamp(asOf);
          return {
            case_id: c.id, category: c.category, province: c.province, occurred_on: c.occurred, reported_on: dateCell(c.reportedOn),
            solved_on: solved ? dateCell(c.solvedOn) : null, ministry_supervised: c.supervised, expert_assisted: solved && c.expertAssisted,
            title: c.title,
          };
        },
      })),
      slip: (row) => ({ ...row, ministry_supervised: !row.ministry_supervised }),
    },
    {
      table: 'persons',
      entries: world.persons.map((p) => ({
        id: p.id,
        registeredAt: at(p.registeredOn),
        changes: present(at(p.registeredOn), p.recoveredOn === null ? null : at(p.recoveredOn), p.withdrawnOn === null ? null : at(p.withdrawnOn)),
        withdrawnAt: p.withdrawnOn === null ? null : at(p.withdrawnOn),
        state: (asOf) => {
          const recovered = p.recoveredOn !== null && p.recoveredOn <= dayOfStamp(asOf);
          return {
            person_id: p.id, case_id: p.caseId, sex: p.sex, birth_on: p.birth, missing_on: p.missing, province: p.province,
            recovered_on: recovered ? dateCell(p.recoveredOn) : null, recovery_method: recovered ? p.method : null,
            name: p.name, id_number: p.idNumber,
          };
        },
      })),
      slip: (row) => ({ ...row, sex: row.sex === 'U' ? 'M' : 'U' }),
    },
    {
      table: 'suspects',
      entries: world.suspects.map((s) => ({
        id: s.id,
        registeredAt: at(s.registeredOn),
        changes: present(at(s.registeredOn), s.arrestedOn === null ? null : at(s.arrestedOn), s.withdrawnOn === null ? null : at(s.withdrawnOn)),
        withdrawnAt: s.withdrawnOn === null ? null : at(s.withdrawnOn),
        state: (asOf) => ({
          suspect_id: s.id, case_id: s.caseId, province: s.province, absconded_on: s.absconded,
          arrested_on: s.arrestedOn !== null && s.arrestedOn <= dayOfStamp(asOf) ? dateCell(s.arrestedOn) : null,
          name: s.name, id_number: s.idNumber,
        }),
      })),
      slip: (row) => ({ ...row, province: row.province === '11' ? '12' : '11' }),
    },
    {
      table: 'alerts',
      entries: world.alerts.map((a) => ({
        id: a.id,
        registeredAt: a.releasedAt,
        changes: present(a.releasedAt, a.resolvedAt, a.withdrawnOn === null ? null : at(a.withdrawnOn)),
        withdrawnAt: a.withdrawnOn === null ? null : at(a.withdrawnOn),
        state: (asOf) => {
          const resolved = a.resolvedAt !== null && a.resolvedAt <= asOf;
          return {
            alert_id: a.id, person_id: a.personId, province: a.province, released_at: a.releasedAt,
            resolved_at: resolved ? a.resolvedAt : null, outcome: resolved ? a.outcome : 'open',
          };
        },
      })),
      slip: (row) => ({ ...row, province: row.province === '44' ? '45' : '44' }),
    },
    {
      table: 'blood_points',
      entries: world.bloodPoints.map((b) => ({
        id: b.id,
        registeredAt: at(b.openedOn),
        changes: present(at(b.openedOn), b.closedOn === null ? null : at(b.closedOn), b.withdrawnOn === null ? null : at(b.withdrawnOn)),
        withdrawnAt: b.withdrawnOn === null ? null : at(b.withdrawnOn),
        state: (asOf) => ({
          point_id: b.id, province: b.province, city: b.city, address: b.address, phone: b.phone, opened_on: dateCell(b.openedOn),
          closed_on: b.closedOn !== null && b.closedOn <= dayOfStamp(asOf) ? dateCell(b.closedOn) : null,
        }),
      })),
      slip: (row) => ({ ...row, phone: `${String(row.phone).slice(0, -1)}9` }),
    },
    {
      table: 'events',
      entries: world.events.map((e) => ({
        id: e.id,
        registeredAt: at(e.registeredOn),
        changes: present(at(e.registeredOn), e.withdrawnOn === null ? null : at(e.withdrawnOn)),
        withdrawnAt: e.withdrawnOn === null ? null : at(e.withdrawnOn),
        state: () => ({ event_id: e.id, province: e.province, held_on: dateCell(e.heldOn), families_reunited: e.familiesReunited }),
      })),
      slip: (row) => ({ ...row, families_reunited: typeof row.families_reunited === 'number' ? row.families_reunited + 1 : 0 }),
    },
  ];
}

export function buildBatches(world: World, config: DemoConfig, seed: number): Record<BatchName, Batch> {
  const asOf1 = endOf(dayOfStamp(parseStamp(`${config.batch1.dataTo} 00:00:00`)));
  const asOf2 = endOf(dayOfStamp(parseStamp(`${config.batch2.dataTo} 00:00:00`)));
  const exported1 = parseStamp(config.batch1.exportedAt);
  const exported2 = parseStamp(config.batch2.exportedAt);
  const rebuiltAt = parseStamp(`${config.systemsRebuiltOn} 00:00:00`);

  /** When the upstream system last wrote the record, as of `asOf`: a little after its last change, before the export. */
  const updatedAt = (entry: Entry, asOf: Stamp, exportedAt: Stamp): Stamp => {
    const last = Math.max(...entry.changes.filter((s) => s <= asOf));
    const h = hash32(`${entry.id}:${last}`);
    const written = last < rebuiltAt ? rebuiltAt + (h % 30) * SECONDS_PER_DAY + (h % 86_399) : last + 600 + (h % (36 * 3600));
    return Math.min(written, exportedAt - 60 - (h % 3600));
  };
  const version = (entry: Entry, asOf: Stamp, stamp: Stamp): Row => ({
    ...entry.state(asOf),
    updated_at: stamp,
    deleted: entry.withdrawnAt !== null && entry.withdrawnAt <= asOf,
  });

  const batch1 = {} as Batch;
  const batch2 = {} as Batch;
  for (const { table, entries, slip } of lifecycles(world)) {
    const key = TABLES[table].key;
    const noise = Random.stream(seed, `noise:${table}`);

    // Batch 1: everything registered by its data date, as it stood then.
    const inBatch1 = entries.filter((e) => e.registeredAt <= asOf1);
    const stamp1 = new Map(inBatch1.map((e) => [e.id, updatedAt(e, asOf1, exported1)]));
    const rows1 = inBatch1.map((e) => version(e, asOf1, stamp1.get(e.id)!));
    const validRows1 = [...rows1];

    // Batch 2: what is new or changed since, each version written after the one batch 1 holds.
    const changed = (e: Entry) => e.registeredAt <= asOf2 && (e.registeredAt > asOf1 || e.changes.some((s) => s > asOf1 && s <= asOf2));
    const delta = entries.filter(changed);
    const rows2 = delta.map((e) => {
      const previous = stamp1.get(e.id);
      const stamp = updatedAt(e, asOf2, exported2);
      return version(e, asOf2, previous === undefined ? stamp : Math.max(stamp, previous + 3600 + (hash32(e.id) % 3600)));
    });

    // Noise of batch 1: a handful of rows of the registry and the case system sent twice.
    if (table === 'persons' || table === 'cases') {
      for (let k = 0; k < (table === 'persons' ? 5 : 2); k++) insertLater(rows1, { ...noise.pick(rows1) }, noise);
    }

    // Noise of batch 2: rows sent twice, in three ways.
    const deltaIds = new Set(delta.map((e) => e.id));
    const twice = Math.max(1, Math.round(rows2.length * config.noise.sentTwiceShare));
    const picks = noise.shuffle([...rows2]).slice(0, twice);
    picks.forEach((row, i) => {
      const position = rows2.indexOf(row);
      if (i % 3 === 0) {
        insertLater(rows2, { ...row }, noise, position); // the same row again
      } else if (i % 3 === 1) {
        rows2.splice(position, 0, slip(row)); // a slip first; the corrected row, same updated_at, wins
      } else {
        const entry = entries.find((e) => e.id === row[key])!;
        const older = stamp1.has(entry.id) ? version(entry, asOf1, stamp1.get(entry.id)!) : { ...slip(row), updated_at: (row.updated_at as number) - 7200 };
        insertLater(rows2, older, noise, position); // the older version after the newer one: superseded
      }
    });

    // Stale rows: an earlier state of a record batch 2 does not touch, written before the version batch 1 holds.
    const untouched = noise.shuffle(inBatch1.filter((e) => !deltaIds.has(e.id) && e.withdrawnAt === null));
    const staleCount = Math.max(1, Math.round(delta.length * config.noise.staleRowShare));
    const withHistory = untouched.filter((e) => e.changes.length > 1);
    for (const entry of [...withHistory, ...untouched].slice(0, staleCount)) {
      const lastChange = Math.max(...entry.changes.filter((s) => s <= asOf1));
      const earlier = lastChange > entry.registeredAt ? endOf(dayOfStamp(lastChange) - 1) : asOf1;
      const stamp = stamp1.get(entry.id)! - noise.int(1, 60) * SECONDS_PER_DAY;
      insertLater(rows2, version(entry, Math.max(earlier, entry.registeredAt), stamp), noise, 0);
    }

    // Bad rows: new records and (in batch 2) edits of untouched records that the loader must quarantine.
    const spare = untouched.slice(staleCount).map((e) => version(e, asOf1, stamp1.get(e.id)!));
    for (const bad of badRows(table, 'batch1', { rows: validRows1, spare: [], random: noise, exportedAt: exported1 })) insertLater(rows1, bad, noise, 0);
    for (const bad of badRows(table, 'batch2', { rows: validRows1, spare, random: noise, exportedAt: exported2 })) insertLater(rows2, bad, noise, 0);

    batch1[table] = rows1;
    batch2[table] = rows2;
  }
  return { batch1, batch2 };
}

/** Inserts `row` at a random place after `after` (anywhere when -1), as a re-sent row lands further down a file. */
function insertLater(rows: Row[], row: Row, random: Random, after = -1): void {
  const first = after + 1;
  rows.splice(random.int(first, Math.max(first, rows.length)), 0, row);
}
