// The export files of each batch: which table, which format, and the house style of the upstream system that
// writes it (header language, date and time forms, booleans, empties, how provinces are written). Every style
// draws its choices from the file's own random stream, so each file is reproducible on its own.
import { join } from 'node:path';
import { epochMs, naiveStamp, pad2, partsOf, utcStamp, type PartialDate, type Stamp } from './calendar.ts';
import type { Batch, BatchName } from './batches.ts';
import { writeProvince, type Province, type ProvinceForm } from './provinces.ts';
import { Random } from './random.ts';
import { isRaw, TABLES, type Cell, type Column, type TableName } from './tables.ts';
import { writeArrow, writeCsv, writeJsonLines, writeParquet, type TextEncoding, type TypedColumn, type TypedKind } from './writers.ts';

interface Style {
  /** A full date. */
  date: (date: PartialDate) => string;
  /** A year, or a year and month. */
  partial: (date: PartialDate) => string;
  stamp: (stamp: Stamp, column: string) => string;
  bool: (value: boolean, column: string) => string;
  province: Partial<Record<ProvinceForm, number>>;
  sex?: Record<string, string>;
  /** Share of rows that give the category in Chinese. */
  categoryZh?: number;
}

type Format = 'csv' | 'csv.gz' | 'jsonl' | 'parquet' | 'arrow' | 'arrows';

interface FileSpec {
  batch: BatchName;
  name: string;
  table: TableName;
  format: Format;
  style: (random: Random) => Style;
  header?: 'en' | 'zh' | 'EN';
  delimiter?: ',' | '\t';
  encoding?: TextEncoding;
  lineEnd?: '\n' | '\r\n';
  empty?: (random: Random) => string;
  /** A column order other than the spec's. */
  order?: string[];
  /** An extra column the spec does not know (the loader ignores and reports it). */
  extra?: { header: string; values: string[] };
  /** JSON lines: share of empty values left out as a missing key rather than written as null. */
  omitEmptyShare?: number;
  /** Arrow: the time zone of timestamp columns (null: naive, China time). */
  timezone?: string | null;
}

const iso = (d: PartialDate) => {
  const { y, m, d: day } = partsOf(d.day);
  return `${y}-${pad2(m)}-${pad2(day)}`;
};
const slashed = (d: PartialDate) => {
  const { y, m, d: day } = partsOf(d.day);
  return `${y}/${m}/${day}`;
};
const chinese = (d: PartialDate) => {
  const { y, m, d: day } = partsOf(d.day);
  return d.precision === 'year' ? `${y}年` : d.precision === 'month' ? `${y}年${m}月` : `${y}年${m}月${day}日`;
};
const isoPartial = (d: PartialDate) => {
  const { y, m } = partsOf(d.day);
  return d.precision === 'year' ? String(y) : `${y}-${pad2(m)}`;
};
const offsetStamp = (s: Stamp) => naiveStamp(s).replace(' ', 'T') + '+08:00';
/** The three forms of one instant the alert platform mixes: naive China time, with +08:00, in UTC. */
const mixedStamp = (random: Random) => (s: Stamp) => {
  const r = random.next();
  return r < 0.4 ? naiveStamp(s) : r < 0.7 ? offsetStamp(s) : utcStamp(s);
};
const remarks = ['', '', '', '已核实', '家属已采血', '待核查', '线索待查', '已比中DNA'];

const FILES: FileSpec[] = [
  // ---- batch 1: the full export of 1 September --------------------------------------------------------------
  {
    batch: 'batch1', name: 'persons-registry-2021-08.csv', table: 'persons', format: 'csv',
    header: 'zh', encoding: 'gb18030', lineEnd: '\r\n', extra: { header: '备注', values: remarks },
    style: () => ({
      date: chinese, partial: chinese, stamp: naiveStamp, bool: (b) => (b ? '是' : '否'),
      province: { code2: 15, code4: 5, code6: 20, county: 15, zh: 15, zhFull: 15, en: 8, enCase: 2, alias: 5 },
      sex: { M: '男', F: '女', U: '未知' },
    }),
  },
  {
    batch: 'batch1', name: 'cases-2021-08.csv', table: 'cases', format: 'csv', encoding: 'utf8-bom',
    empty: (random) => random.pick(['NULL', 'NULL', '\\N', '']),
    style: (random) => ({
      date: (d) => (random.chance(0.7) ? iso(d) : slashed(d)),
      partial: (d) => (d.precision === 'month' && random.chance(0.5) ? `${partsOf(d.day).y}/${partsOf(d.day).m}` : isoPartial(d)),
      stamp: (s) => (random.chance(0.8) ? naiveStamp(s) : offsetStamp(s)),
      bool: (b, column) => (column === 'ministry_supervised' ? (b ? '1' : '0') : column === 'expert_assisted' ? (b ? 'yes' : 'no') : String(b)),
      province: { code6: 60, code2: 20, zhFull: 20 },
      categoryZh: 0.1,
    }),
  },
  {
    batch: 'batch1', name: 'suspects-2021-08.jsonl', table: 'suspects', format: 'jsonl', omitEmptyShare: 0.5,
    style: (random) => ({
      date: (d) => (random.chance(0.9) ? iso(d) : slashed(d)), partial: isoPartial, stamp: offsetStamp, bool: String,
      province: { zh: 50, code2: 30, en: 20 },
    }),
  },
  {
    batch: 'batch1', name: 'alerts-2021-08.csv', table: 'alerts', format: 'csv', delimiter: '\t',
    style: (random) => {
      const mixed = mixedStamp(random);
      return {
        date: iso, partial: isoPartial, stamp: (s, column) => (column === 'updated_at' ? naiveStamp(s) : mixed(s)), bool: String,
        province: { code2: 70, zh: 30 },
      };
    },
  },
  {
    batch: 'batch1', name: 'blood_points-2021-08.parquet', table: 'blood_points', format: 'parquet',
    style: () => ({ date: iso, partial: isoPartial, stamp: naiveStamp, bool: String, province: { zh: 60, zhFull: 20, code6: 20 } }),
  },
  {
    batch: 'batch1', name: 'events-2021-08.parquet', table: 'events', format: 'parquet',
    style: () => ({ date: iso, partial: isoPartial, stamp: naiveStamp, bool: String, province: { code2: 100 } }),
  },

  // ---- batch 2: the delta of 5 December -----------------------------------------------------------------------
  {
    batch: 'batch2', name: 'persons-delta-2021-12.tsv.csv', table: 'persons', format: 'csv', delimiter: '\t',
    empty: (random) => (random.chance(0.6) ? '\\N' : ''),
    style: (random) => ({
      date: (d) => {
        const r = random.next();
        return r < 0.5 ? iso(d) : r < 0.75 ? iso(d).replace(/-/g, '') : slashed(d);
      },
      partial: isoPartial, stamp: naiveStamp, bool: String,
      province: { en: 50, enCase: 5, alias: 5, code2: 20, county: 20 },
    }),
  },
  {
    batch: 'batch2', name: 'cases-delta-2021-12.csv', table: 'cases', format: 'csv', header: 'zh', encoding: 'utf8',
    style: (random) => ({
      date: (d) => (random.chance(0.6) ? slashed(d) : chinese(d)), partial: chinese, stamp: naiveStamp,
      bool: (b, column) => (column === 'deleted' ? (b ? '是' : '否') : b ? 'Y' : 'N'),
      province: { zhFull: 60, zh: 40 },
      categoryZh: 0.7,
    }),
  },
  {
    batch: 'batch2', name: 'suspects-2021-12.arrows', table: 'suspects', format: 'arrows', timezone: 'Asia/Shanghai',
    style: () => ({ date: iso, partial: isoPartial, stamp: naiveStamp, bool: String, province: { zh: 70, zhFull: 30 } }),
  },
  {
    batch: 'batch2', name: 'alerts-2021-12.ndjson', table: 'alerts', format: 'jsonl', omitEmptyShare: 0.3,
    style: (random) => ({ date: iso, partial: isoPartial, stamp: mixedStamp(random), bool: String, province: { code2: 100 } }),
  },
  {
    batch: 'batch2', name: 'blood_points-2021-12.arrow', table: 'blood_points', format: 'arrow', timezone: null,
    style: () => ({ date: iso, partial: isoPartial, stamp: naiveStamp, bool: String, province: { en: 80, code2: 20 } }),
  },
  {
    batch: 'batch2', name: 'events-2021-12.csv.gz', table: 'events', format: 'csv.gz', header: 'EN',
    order: ['event_id', 'held_on', 'province', 'families_reunited', 'deleted', 'updated_at'],
    style: (random) => ({
      date: iso, partial: isoPartial, stamp: naiveStamp, bool: (b) => (random.chance(0.5) ? (b ? '1' : '0') : String(b)),
      province: { code6: 100 },
    }),
  },
];

export interface WrittenFile {
  path: string;
  table: TableName;
  format: Format;
  rows: number;
}

const CATEGORY_ZH: Record<string, string> = { trafficking: '拐卖儿童', buying: '收买被拐卖儿童', luring: '拐骗儿童', snatching: '抢夺儿童' };

export async function writeFiles(outDir: string, batches: Record<BatchName, Batch>, provinces: Province[], seed: number): Promise<WrittenFile[]> {
  const byCode = new Map(provinces.map((p) => [p.code, p]));
  const written: WrittenFile[] = [];
  for (const spec of FILES) {
    const random = Random.stream(seed, `file:${spec.batch}/${spec.name}`);
    const style = spec.style(random);
    const rows = batches[spec.batch][spec.table];
    const columnsInOrder = spec.order
      ? spec.order.map((name) => TABLES[spec.table].columns.find((c) => c.name === name)!)
      : TABLES[spec.table].columns;
    const text = (column: Column, cell: Cell): string | null => renderText(column, cell, style, random, byCode);
    const path = join(outDir, spec.batch, spec.name);

    switch (spec.format) {
      case 'csv':
      case 'csv.gz': {
        const header = columnsInOrder.map((c) => (spec.header === 'zh' ? c.alias : spec.header === 'EN' ? c.name.toUpperCase() : c.name));
        const body = rows.map((row) => columnsInOrder.map((c) => text(c, row[c.name])));
        if (spec.extra) {
          header.push(spec.extra.header);
          body.forEach((line) => line.push(random.pick(spec.extra!.values)));
        }
        const empty = spec.empty;
        writeCsv(path, header, body, {
          delimiter: spec.delimiter ?? ',', encoding: spec.encoding ?? 'utf8', lineEnd: spec.lineEnd ?? '\n',
          gzip: spec.format === 'csv.gz', empty: empty ? () => empty(random) : () => '',
        });
        break;
      }
      case 'jsonl': {
        const objects = rows.map((row) => {
          const object: Record<string, unknown> = {};
          for (const column of columnsInOrder) {
            const cell = row[column.name];
            if (cell === null || cell === undefined) {
              if (!random.chance(spec.omitEmptyShare ?? 0)) object[column.name] = null;
            } else if (column.kind === 'bool' && typeof cell === 'boolean') {
              object[column.name] = cell;
            } else {
              object[column.name] = text(column, cell);
            }
          }
          return object;
        });
        writeJsonLines(path, objects);
        break;
      }
      case 'parquet':
      case 'arrow':
      case 'arrows': {
        // Arrow without a zone holds China wall-clock time; with a zone, and in Parquet (TIMESTAMPTZ), the instant.
        const wallClock = (spec.format === 'arrow' || spec.format === 'arrows') && spec.timezone === null;
        const typed: TypedColumn[] = columnsInOrder.map((column) => ({
          name: column.name,
          kind: typedKind(column),
          values: rows.map((row) => typedValue(column, row[column.name], wallClock, text)),
        }));
        if (spec.format === 'parquet') await writeParquet(path, typed);
        else writeArrow(path, typed, spec.format === 'arrow' ? 'file' : 'stream', spec.timezone ?? null);
        break;
      }
    }
    written.push({ path, table: spec.table, format: spec.format, rows: rows.length });
  }
  return written;
}

function renderText(column: Column, cell: Cell, style: Style, random: Random, byCode: Map<string, Province>): string | null {
  if (cell === null || cell === undefined) return null;
  if (isRaw(cell)) return cell.raw;
  switch (column.kind) {
    case 'date':
      return style.date(cell as PartialDate);
    case 'partial': {
      const date = cell as PartialDate;
      return date.precision === 'day' ? style.date(date) : style.partial(date);
    }
    case 'stamp':
      return style.stamp(cell as Stamp, column.name);
    case 'bool':
      return style.bool(cell as boolean, column.name);
    case 'province': {
      const province = byCode.get(cell as string);
      if (!province) throw new Error(`demo: unknown province code ${String(cell)}`);
      return writeProvince(province, random.weighted(style.province as Record<ProvinceForm, number>), random);
    }
    case 'sex':
      return style.sex?.[cell as string] ?? String(cell);
    case 'category':
      return style.categoryZh && random.chance(style.categoryZh) ? (CATEGORY_ZH[cell as string] ?? String(cell)) : String(cell);
    default:
      return String(cell);
  }
}

function typedKind(column: Column): TypedKind {
  switch (column.kind) {
    case 'date':
      return 'date';
    case 'stamp':
      return 'timestamp';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    default:
      return 'text';
  }
}

function typedValue(
  column: Column,
  cell: Cell,
  wallClock: boolean,
  text: (column: Column, cell: Cell) => string | null,
): string | number | boolean | null {
  if (cell === null || cell === undefined) return null;
  if (isRaw(cell)) throw new Error(`demo: a raw value cannot go into a typed column (${column.name})`);
  switch (column.kind) {
    case 'date':
      return (cell as PartialDate).day;
    case 'stamp':
      return wallClock ? (cell as Stamp) * 1000 : epochMs(cell as Stamp);
    case 'bool':
    case 'int':
      return cell as boolean | number;
    default:
      return text(column, cell);
  }
}
