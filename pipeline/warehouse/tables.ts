// The six export tables of ../shared/spec/exports.md, declared once: what a file may hold (names, Chinese aliases,
// kinds, required), how each column is stored, and the comment that documents it in the warehouse.
// The loader builds its parsing SQL from these declarations; the schema module builds the tables from them.

export type ColumnKind =
  | 'text'
  | 'date'
  | 'partial_date'
  | 'timestamp'
  | 'boolean'
  | 'province'
  | 'enum'
  | 'count' // integer >= 0
  | 'person_name' // personal data: never read
  | 'identity_number' // personal data: stored only as a keyed hash
  | 'birth_date'; // personal data: only the year is kept

export interface ExportColumn {
  name: string;
  alias: string;
  kind: ColumnKind;
  required: boolean;
  comment: string;
  /** For kind 'enum': the domain of the lookup table holding its accepted values. */
  domain?: string;
}

export interface ExportTable {
  name: TableName;
  key: string;
  comment: string;
  columns: ExportColumn[];
  /** Order rules: `column` may not be before `notBefore` (partial dates compared by their first day). */
  orderRules: { column: string; notBefore: string }[];
  /** Columns required only when another one holds a value. */
  requiredWhen: { column: string; whenPresent: string }[];
}

export const TABLE_NAMES = ['cases', 'persons', 'suspects', 'alerts', 'blood_points', 'events'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

const col = (name: string, alias: string, kind: ColumnKind, required: boolean, comment: string, domain?: string): ExportColumn =>
  domain ? { name, alias, kind, required, comment, domain } : { name, alias, kind, required, comment };

const updatedAt = col('updated_at', '更新时间', 'timestamp', true, 'when the upstream system last changed the record (China Standard Time when the export gave no offset)');
const deleted = col('deleted', '删除标记', 'boolean', false, 'true: the record was withdrawn upstream (duplicate registration, data-entry error)');

export const EXPORT_TABLES: Record<TableName, ExportTable> = {
  cases: {
    name: 'cases',
    key: 'case_id',
    comment: 'Criminal cases of child abduction and trafficking (案件): the newest version of each case, withdrawn cases left out.',
    columns: [
      col('case_id', '案件编号', 'text', true, 'case number (key)'),
      col('category', '案件类别', 'enum', true, 'trafficking 拐卖儿童, buying 收买被拐卖儿童, luring 拐骗儿童, snatching 抢夺/抢劫儿童', 'category'),
      col('province', '立案省份', 'province', true, '2-digit GB/T 2260 code of the province where the case was filed'),
      col('occurred_on', '案发日期', 'partial_date', true, 'when the crime happened; a partial date is stored as its midpoint (year: 1 July, month: the 15th)'),
      col('reported_on', '立案日期', 'date', true, 'when the case was filed'),
      col('solved_on', '破案日期', 'date', false, 'when the case was solved (detected); NULL while unsolved'),
      col('ministry_supervised', '部督案件', 'boolean', false, 'on the ministry list of supervised cases'),
      col('expert_assisted', '专家协助', 'boolean', false, 'solved with the help of the national expert teams'),
      col('title', '案件名称', 'text', false, 'public designation, e.g. the "1999·9·20" case'),
      updatedAt,
      deleted,
    ],
    orderRules: [
      { column: 'reported_on', notBefore: 'occurred_on' },
      { column: 'solved_on', notBefore: 'reported_on' },
    ],
    requiredWhen: [],
  },
  persons: {
    name: 'persons',
    key: 'person_id',
    comment: 'Missing and abducted persons (失踪被拐人员): the newest version of each, withdrawn records left out. No names; identity numbers only as a keyed hash.',
    columns: [
      col('person_id', '人员编号', 'text', true, 'person number (key)'),
      col('case_id', '案件编号', 'text', false, 'the case this person belongs to, where there is one'),
      col('sex', '性别', 'enum', false, 'M, F or U (unknown)', 'sex'),
      col('birth_on', '出生日期', 'birth_date', false, 'personal data: only the year of birth is kept, as birth_year'),
      col('missing_on', '失踪日期', 'partial_date', true, 'when the person went missing or was abducted; a partial date is stored as its midpoint'),
      col('province', '失踪地省份', 'province', true, '2-digit code of the province where the person went missing'),
      col('recovered_on', '找回日期', 'date', false, 'when the person was found and identified; NULL while missing'),
      col('recovery_method', '找回方式', 'enum', false, 'dna, investigation, alert, recognition_event, expert_team or other', 'recovery_method'),
      col('name', '姓名', 'person_name', false, 'personal data: never stored'),
      col('id_number', '身份证号', 'identity_number', false, 'personal data: stored only as id_number_hmac'),
      updatedAt,
      deleted,
    ],
    orderRules: [{ column: 'recovered_on', notBefore: 'missing_on' }],
    requiredWhen: [{ column: 'recovery_method', whenPresent: 'recovered_on' }],
  },
  suspects: {
    name: 'suspects',
    key: 'suspect_id',
    comment: 'Criminal suspects (犯罪嫌疑人): the newest version of each, withdrawn records left out. No names; identity numbers only as a keyed hash.',
    columns: [
      col('suspect_id', '嫌疑人编号', 'text', true, 'suspect number (key)'),
      col('case_id', '案件编号', 'text', true, 'the case of the suspect'),
      col('province', '抓获省份', 'province', true, '2-digit code of the province of arrest'),
      col('absconded_on', '潜逃日期', 'partial_date', false, 'when the suspect fled, for fugitives; a partial date is stored as its midpoint'),
      col('arrested_on', '抓获日期', 'date', false, 'when the suspect was arrested; NULL while at large'),
      col('name', '姓名', 'person_name', false, 'personal data: never stored'),
      col('id_number', '身份证号', 'identity_number', false, 'personal data: stored only as id_number_hmac'),
      updatedAt,
      deleted,
    ],
    orderRules: [],
    requiredWhen: [],
  },
  alerts: {
    name: 'alerts',
    key: 'alert_id',
    comment: 'Releases on the "Reunion" emergency alert platform (团圆系统): the newest version of each, withdrawn records left out.',
    columns: [
      col('alert_id', '发布编号', 'text', true, 'release number (key)'),
      col('person_id', '人员编号', 'text', false, 'the missing person, where linked'),
      col('province', '发布省份', 'province', true, '2-digit code of the releasing province'),
      col('released_at', '发布时间', 'timestamp', true, 'when the missing-child alert was pushed'),
      col('resolved_at', '结束时间', 'timestamp', false, 'when the alert ended'),
      col('outcome', '结果', 'enum', true, 'open, found (alive), found_deceased, not_found or cancelled (false alarm or withdrawn)', 'outcome'),
      updatedAt,
      deleted,
    ],
    orderRules: [],
    requiredWhen: [],
  },
  blood_points: {
    name: 'blood_points',
    key: 'point_id',
    comment: 'Free blood-collection points (采血点): the newest version of each, withdrawn records left out.',
    columns: [
      col('point_id', '采血点编号', 'text', true, 'collection point number (key)'),
      col('province', '省份', 'province', true, '2-digit province code'),
      col('city', '城市', 'text', false, 'city'),
      col('address', '地址', 'text', false, 'public address of the point'),
      col('phone', '电话', 'text', false, 'public telephone number of the point'),
      col('opened_on', '启用日期', 'date', true, 'first day open'),
      col('closed_on', '停用日期', 'date', false, 'day closed; NULL while open'),
      updatedAt,
      deleted,
    ],
    orderRules: [],
    requiredWhen: [],
  },
  events: {
    name: 'events',
    key: 'event_id',
    comment: 'Family-recognition events (认亲活动): the newest version of each, withdrawn records left out.',
    columns: [
      col('event_id', '活动编号', 'text', true, 'event number (key)'),
      col('province', '省份', 'province', true, '2-digit province code'),
      col('held_on', '举办日期', 'date', true, 'day the event was held'),
      col('families_reunited', '团聚家庭数', 'count', false, 'families reunited at the event'),
      updatedAt,
      deleted,
    ],
    orderRules: [],
    requiredWhen: [],
  },
};

/** Accepted values of the enum columns, by domain: canonical value -> the spellings that mean it. */
export const ENUM_DOMAINS: Record<string, Record<string, string[]>> = {
  category: {
    trafficking: ['trafficking', '拐卖儿童'],
    buying: ['buying', '收买被拐卖儿童'],
    luring: ['luring', '拐骗儿童'],
    snatching: ['snatching', '抢夺儿童', '抢劫儿童'],
  },
  sex: { M: ['m', '男'], F: ['f', '女'], U: ['u', '未知'] },
  recovery_method: Object.fromEntries(
    ['dna', 'investigation', 'alert', 'recognition_event', 'expert_team', 'other'].map((m) => [m, [m]]),
  ),
  outcome: Object.fromEntries(['open', 'found', 'found_deceased', 'not_found', 'cancelled'].map((o) => [o, [o]])),
};

/** A stored column: how one export column lands in the warehouse (personal data renamed or dropped). */
export interface StoredColumn {
  name: string;
  sqlType: string;
  comment: string;
}

export function storedColumns(table: ExportTable): StoredColumn[] {
  const stored: StoredColumn[] = [];
  for (const c of table.columns) {
    switch (c.kind) {
      case 'person_name':
        break;
      case 'identity_number':
        stored.push({ name: 'id_number_hmac', sqlType: 'VARCHAR', comment: 'hex HMAC-SHA256 of the identity number under the warehouse key (NULL without a key): matches records, reveals nothing' });
        break;
      case 'birth_date':
        stored.push({ name: 'birth_year', sqlType: 'INTEGER', comment: 'year of birth (the full birth date is personal data and is not kept)' });
        break;
      case 'partial_date':
        stored.push({ name: c.name, sqlType: 'DATE', comment: c.comment });
        stored.push({ name: `${c.name}_precision`, sqlType: 'VARCHAR', comment: `precision of ${c.name} as exported: day, month or year` });
        break;
      default:
        stored.push({ name: c.name, sqlType: SQL_TYPES[c.kind], comment: c.comment });
    }
  }
  return stored;
}

const SQL_TYPES: Record<ColumnKind, string> = {
  text: 'VARCHAR',
  date: 'DATE',
  partial_date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
  boolean: 'BOOLEAN',
  province: 'VARCHAR',
  enum: 'VARCHAR',
  count: 'INTEGER',
  person_name: 'VARCHAR',
  identity_number: 'VARCHAR',
  birth_date: 'INTEGER',
};

/** Columns every history row carries besides the export's own. */
export const HISTORY_COLUMNS: StoredColumn[] = [
  { name: 'load_id', sqlType: 'INTEGER', comment: 'the load (load_log.load_id) that brought this version' },
  { name: 'source_line', sqlType: 'BIGINT', comment: 'CSV line (header = 1) or 1-based row number of this version in its file' },
  { name: 'applied', sqlType: 'BOOLEAN', comment: 'false for a stale version (an equal or newer one was stored) or one superseded by a later row of the same file' },
  { name: 'current', sqlType: 'BOOLEAN', comment: 'true for the newest applied version of the id, the one the live table shows unless it is withdrawn' },
];
