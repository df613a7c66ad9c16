// Every figure of an edition with where it comes from and how it moved since the last release of the operation
// (desk.md, the edition page): read from the figures file beside the edition's English PDF and the release log.
// The page calls this on every view, so the snapshot is opened only when a cumulative figure fell and its
// records are to be named (what the consistency guard names, publish/releases.ts).
import { existsSync, readFileSync } from 'node:fs';
import type { Figures } from '../figures/figures.ts';
import { CUMULATIVE_FIGURES, fallenFigures, fallsSince, lastRelease } from '../publish/releases.ts';
import { snapshotPath } from '../warehouse/snapshots.ts';
import { Warehouse } from '../warehouse/warehouse.ts';
import type { DeskContext } from './editions.ts';
import type { Edition } from './store.ts';

export interface FigureRow {
  /** The figure id, e.g. 'recovered'. */
  figure: string;
  /** The distinct printed forms in the English figures file (e.g. ['8,307']). */
  printed: string[];
  /** The computed scalar; null for a table-valued figure. */
  value: number | null;
  /** A table-valued figure's number of rows; else null. */
  rows: number | null;
  provenance: { sql: string; parameters: Record<string, unknown>; snapshot: string };
  /** The value at the last release of the operation (as of D or before); null if none or not a scalar. */
  released: number | null;
  releasedAsOf: string | null;
  /** value - released. */
  change: number | null;
  cumulative: boolean;
  /** Cumulative and below its released value (the consistency guard's error, unless a revision). */
  fell: boolean;
  /** For a fall: the records of the figure's table loaded since the last release (at most 20 ids), as the guard names them. */
  records: { ids: string[]; count: number } | null;
}

interface FiguresFileEntry {
  computed: unknown;
  printed: { key?: string; printed: string }[];
  provenance?: { sql: string; parameters: Record<string, unknown>; snapshot: string };
}

/** The edition's figures, in the order of its figures file; none when it has not been rendered. */
export async function figureComparison(ctx: DeskContext, edition: Edition): Promise<FigureRow[]> {
  const pdf = edition.pdfs.en;
  if (!pdf) return [];
  const file = JSON.parse(readFileSync(pdf.path.replace(/\.pdf$/, '.figures.json'), 'utf8')) as { figures: Record<string, FiguresFileEntry> };
  const now = Object.fromEntries(Object.entries(file.figures).map(([id, f]) => [id, f.computed])) as unknown as Figures;
  const last = await lastRelease(ctx.dbPath, edition.operation, edition.as_of, true);
  const fallen = last ? fallenFigures(last.figures, now) : [];
  const records = new Map<string, { ids: string[]; count: number }>();
  const snapshot = edition.snapshot_id ? snapshotPath(ctx.dbPath, edition.snapshot_id) : null;
  if (last && fallen.length > 0 && snapshot && existsSync(snapshot)) {
    const reader = await Warehouse.open(snapshot, { readOnly: true });
    try {
      for (const fall of await fallsSince(reader, last.figures, now, last.snapshot_id)) records.set(fall.figure, { ids: fall.changedIds, count: fall.changedCount });
    } finally {
      reader.close();
    }
  }
  const fell = new Set<string>(fallen.map((f) => f.figure));
  return Object.entries(file.figures).map(([figure, entry]) => {
    const value = typeof entry.computed === 'number' ? entry.computed : null;
    const releasedValue = last ? (last.figures as unknown as Record<string, unknown>)[figure] : undefined;
    const released = typeof releasedValue === 'number' ? releasedValue : null;
    return {
      figure,
      printed: [...new Set(entry.printed.map((p) => p.printed))],
      value,
      rows: value === null ? rowCount(entry.computed) : null,
      provenance: { sql: entry.provenance?.sql ?? '', parameters: entry.provenance?.parameters ?? {}, snapshot: entry.provenance?.snapshot ?? '' },
      released,
      releasedAsOf: last?.as_of ?? null,
      change: value !== null && released !== null ? value - released : null,
      cumulative: figure in CUMULATIVE_FIGURES,
      fell: fell.has(figure),
      records: records.get(figure) ?? null,
    };
  });
}

/** Rows of a table-valued figure: its entries (a list's items, an object's keys); null when it has none to count. */
function rowCount(computed: unknown): number | null {
  if (Array.isArray(computed)) return computed.length;
  if (computed && typeof computed === 'object') return Object.keys(computed).length;
  return null;
}
