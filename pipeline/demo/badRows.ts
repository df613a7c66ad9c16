// The bad rows of each batch: about ten, each breaking one rule of exports.md, so the loader has something to
// quarantine. Batch 1 has only new records (ids 9…, kept apart from the real ones); batch 2 also edits records it
// otherwise leaves alone, so a quarantined edit must leave the stored version live. None of them is in the world:
// the figures do not depend on them.
import { firstDay, parseDay, SECONDS_PER_DAY, type PartialDate, type Stamp } from './calendar.ts';
import type { BatchName } from './batches.ts';
import type { Random } from './random.ts';
import type { Row, TableName } from './tables.ts';

export interface BadRowSource {
  /** Valid rows to copy a new bad record from. */
  rows: Row[];
  /** Valid rows of records the batch does not otherwise touch: the ones a bad edit may hit. */
  spare: Row[];
  random: Random;
  exportedAt: Stamp;
}

const raw = (text: string) => ({ raw: text });
const date = (iso: string): PartialDate => ({ day: parseDay(iso), precision: 'day' });

export function badRows(table: TableName, batch: BatchName, source: BadRowSource): Row[] {
  const { random } = source;
  const first = batch === 'batch1' ? 1 : 11;
  let serial = first;
  /** A copy of a valid row under a new id in the 9… series, written a little before the export. */
  const fresh = (idColumn: string, prefix: string, digits: number, test: (row: Row) => boolean = () => true): Row => {
    const row = pick(source.rows, random, (r) => r.deleted === false && test(r));
    const id = `${prefix}9${String(serial++).padStart(digits - 1, '0')}`;
    return { ...row, [idColumn]: id, updated_at: batch === 'batch1' ? row.updated_at : writtenBefore(source) };
  };
  let spareIndex = 0;
  /** A record the batch leaves alone, edited with a bad value after the version the store holds. */
  const edited = (): Row => ({ ...source.spare[spareIndex++ % source.spare.length], updated_at: writtenBefore(source) });
  const recovered = (r: Row) => r.recovered_on !== null;
  const solved = (r: Row) => r.solved_on !== null;

  switch (table) {
    case 'persons': {
      const person = () => fresh('person_id', 'P', 8);
      const recoveredPerson = () => fresh('person_id', 'P', 8, recovered);
      const recoveredBeforeMissing = (): Row => {
        const row = recoveredPerson();
        const missing = row.missing_on as PartialDate;
        return { ...row, recovered_on: { day: firstDay(missing) - random.int(30, 400), precision: 'day' } };
      };
      if (batch === 'batch1') {
        return [
          { ...person(), missing_on: raw('2021-13-45') }, // not a date
          { ...person(), province: raw('Atlantis') }, // unknown province
          recoveredBeforeMissing(),
          { ...person(), missing_on: null }, // a required value missing
          { ...recoveredPerson(), recovered_on: date('2031-01-01') }, // in the future
          { ...recoveredPerson(), recovery_method: null }, // recovered, method missing
          { ...recoveredPerson(), recovery_method: raw('psychic') }, // unknown method
        ];
      }
      if (source.spare.length === 0) return [];
      return [
        { ...edited(), missing_on: raw('2021-13-45') },
        { ...edited(), province: raw('Atlantis') },
        { ...edited(), recovered_on: date('2031-01-01'), recovery_method: 'dna' },
        recoveredBeforeMissing(),
        { ...recoveredPerson(), recovery_method: null },
        { ...person(), missing_on: null },
      ];
    }
    case 'cases': {
      const newCase = (test?: (row: Row) => boolean) => fresh('case_id', 'C', 7, test);
      const reportedBeforeOccurred = (): Row => {
        const row = newCase();
        return { ...row, reported_on: { day: firstDay(row.occurred_on as PartialDate) - random.int(10, 300), precision: 'day' }, solved_on: null };
      };
      const solvedBeforeReported = (row: Row): Row => ({
        ...row,
        solved_on: { day: (row.reported_on as PartialDate).day - random.int(1, 60), precision: 'day' },
      });
      if (batch === 'batch1') {
        return [
          { ...newCase(), category: raw('kidnapping') }, // unknown category
          reportedBeforeOccurred(),
          solvedBeforeReported(newCase(solved)),
          { ...newCase(solved), solved_on: date('2031-01-01') }, // in the future
          { ...newCase(), case_id: null }, // the key missing
        ];
      }
      if (source.spare.length === 0) return [];
      return [
        { ...edited(), category: raw('绑架儿童') }, // not a category of the spec
        solvedBeforeReported(edited()),
        { ...newCase(), reported_on: raw('2021年2月30日') }, // no such day
        { ...newCase(), province: raw('Atlantis') },
      ];
    }
    case 'alerts':
      return batch === 'batch1'
        ? [{ ...fresh('alert_id', 'A', 7), released_at: raw('2021-02-30 25:61:00') }]
        : [{ ...fresh('alert_id', 'A', 7), outcome: raw('lost') }];
    case 'events':
      return batch === 'batch2' ? [{ ...fresh('event_id', 'E', 5), families_reunited: -3 }] : [];
    default:
      return [];
  }
}

/** An edit of October or November, after every version batch 1 holds. */
function writtenBefore(source: BadRowSource): Stamp {
  return source.exportedAt - source.random.int(5, 60) * SECONDS_PER_DAY - source.random.int(0, 86_399);
}

function pick(rows: Row[], random: Random, test: (row: Row) => boolean): Row {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const row = random.pick(rows);
    if (test(row)) return row;
  }
  throw new Error('demo: no row to copy a bad row from');
}
