// The columns of the six export tables as exports.md gives them (name, Chinese alias, kind), as the demo writes
// them. Declared here rather than taken from the loader: the demo plays the upstream systems, which know only the
// interface.
import type { PartialDate } from './calendar.ts';

export type TableName = 'cases' | 'persons' | 'suspects' | 'alerts' | 'blood_points' | 'events';

export type Kind =
  | 'text'
  | 'date' // a full date
  | 'partial' // a date that may be a year or a year and month
  | 'stamp'
  | 'bool'
  | 'province'
  | 'int'
  | 'sex'
  | 'category'
  | 'enum'; // written as is (recovery_method, outcome)

export interface Column {
  name: string;
  alias: string;
  kind: Kind;
}

/** A value written verbatim, whatever the file's style: the bad values of the quarantine rows. */
export interface Raw {
  raw: string;
}

/** One cell: text, number, boolean, a date (full dates have precision `day`), a stamp (number), raw, or empty. */
export type Cell = string | number | boolean | PartialDate | Raw | null;
export type Row = Record<string, Cell>;

const c = (name: string, alias: string, kind: Kind): Column => ({ name, alias, kind });
const tail = [c('updated_at', '更新时间', 'stamp'), c('deleted', '删除标记', 'bool')];

export const TABLES: Record<TableName, { key: string; columns: Column[] }> = {
  cases: {
    key: 'case_id',
    columns: [
      c('case_id', '案件编号', 'text'), c('category', '案件类别', 'category'), c('province', '立案省份', 'province'),
      c('occurred_on', '案发日期', 'partial'), c('reported_on', '立案日期', 'date'), c('solved_on', '破案日期', 'date'),
      c('ministry_supervised', '部督案件', 'bool'), c('expert_assisted', '专家协助', 'bool'), c('title', '案件名称', 'text'),
      ...tail,
    ],
  },
  persons: {
    key: 'person_id',
    columns: [
      c('person_id', '人员编号', 'text'), c('case_id', '案件编号', 'text'), c('sex', '性别', 'sex'),
      c('birth_on', '出生日期', 'partial'), c('missing_on', '失踪日期', 'partial'), c('province', '失踪地省份', 'province'),
      c('recovered_on', '找回日期', 'date'), c('recovery_method', '找回方式', 'enum'), c('name', '姓名', 'text'),
      c('id_number', '身份证号', 'text'), ...tail,
    ],
  },
  suspects: {
    key: 'suspect_id',
    columns: [
      c('suspect_id', '嫌疑人编号', 'text'), c('case_id', '案件编号', 'text'), c('province', '抓获省份', 'province'),
      c('absconded_on', '潜逃日期', 'partial'), c('arrested_on', '抓获日期', 'date'), c('name', '姓名', 'text'),
      c('id_number', '身份证号', 'text'), ...tail,
    ],
  },
  alerts: {
    key: 'alert_id',
    columns: [
      c('alert_id', '发布编号', 'text'), c('person_id', '人员编号', 'text'), c('province', '发布省份', 'province'),
      c('released_at', '发布时间', 'stamp'), c('resolved_at', '结束时间', 'stamp'), c('outcome', '结果', 'enum'), ...tail,
    ],
  },
  blood_points: {
    key: 'point_id',
    columns: [
      c('point_id', '采血点编号', 'text'), c('province', '省份', 'province'), c('city', '城市', 'text'),
      c('address', '地址', 'text'), c('phone', '电话', 'text'), c('opened_on', '启用日期', 'date'),
      c('closed_on', '停用日期', 'date'), ...tail,
    ],
  },
  events: {
    key: 'event_id',
    columns: [
      c('event_id', '活动编号', 'text'), c('province', '省份', 'province'), c('held_on', '举办日期', 'date'),
      c('families_reunited', '团聚家庭数', 'int'), ...tail,
    ],
  },
};

export function isRaw(cell: Cell): cell is Raw {
  return typeof cell === 'object' && cell !== null && 'raw' in cell;
}
