// The baseline of the figures benchmark: one plain scan of every column the figures read, through the same live
// views, on the same snapshot and with the same connection settings as `bulletin metrics` (pipeline/warehouse).
// Imported by bench/figures.bench.ts (in-process timing) and run as its own child process for the end-to-end
// comparison with `bulletin metrics`, so both pay the same start-up:
//   node bin/run.js bench/plain-scan.ts SNAPSHOT.duckdb
import { pathToFileURL } from 'node:url';
import { Warehouse } from '../pipeline/warehouse/warehouse.ts';

/**
 * Every column a figure query reads (queries/figures/*.sql), each table scanned once: the counts, extremes and
 * distinct counts make DuckDB read every value, as the figures must.
 */
export const PLAIN_SCAN_SQL = `
SELECT * FROM
  (SELECT count(*) AS persons, min(missing_on) AS missing_from, max(recovered_on) AS recovered_to,
          count(DISTINCT province) AS person_provinces, count(DISTINCT recovery_method) AS methods
   FROM persons),
  (SELECT count(*) AS cases, count(DISTINCT category) AS categories, min(reported_on) AS reported_from, max(solved_on) AS solved_to,
          count(*) FILTER (WHERE ministry_supervised) AS supervised, count(*) FILTER (WHERE expert_assisted) AS expert_assisted
   FROM cases),
  (SELECT count(*) AS suspects, max(arrested_on) AS arrested_to, min(absconded_on) AS absconded_from FROM suspects),
  (SELECT count(*) AS alerts, min(released_at) AS released_from, max(resolved_at) AS resolved_to, count(DISTINCT outcome) AS outcomes FROM alerts),
  (SELECT count(*) AS blood_points, min(opened_on) AS opened_from, max(closed_on) AS closed_to FROM blood_points),
  (SELECT count(*) AS events, min(held_on) AS held_from, sum(families_reunited) AS families FROM events)
`;

export async function plainScan(warehouse: Warehouse): Promise<Record<string, unknown>> {
  const [row] = await warehouse.all(PLAIN_SCAN_SQL);
  return row;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const snapshot = process.argv[2];
  if (!snapshot) {
    process.stderr.write('usage: node bin/run.js bench/plain-scan.ts SNAPSHOT.duckdb\n');
    process.exit(2);
  }
  const warehouse = await Warehouse.open(snapshot, { readOnly: true });
  try {
    const row = await plainScan(warehouse);
    process.stdout.write(`persons ${String(row.persons)}\n`);
  } finally {
    warehouse.close();
  }
}
