// The 32 provinces of the reference list, and the many ways upstream systems write one (exports.md "province").
import { readFileSync } from 'node:fs';
import { provincesCsv } from '../paths.ts';
import type { Random } from './random.ts';

export interface Province {
  code: string;
  nameZh: string;
  fullNameZh: string;
  nameEn: string;
  aliases: string[];
  /** The capital: the city shown on blood-collection points. */
  capital: string;
}

// Capitals are public knowledge and not in the reference list; only blood points use them.
const CAPITALS: Record<string, string> = {
  '11': '北京市', '12': '天津市', '13': '石家庄市', '14': '太原市', '15': '呼和浩特市', '21': '沈阳市', '22': '长春市',
  '23': '哈尔滨市', '31': '上海市', '32': '南京市', '33': '杭州市', '34': '合肥市', '35': '福州市', '36': '南昌市',
  '37': '济南市', '41': '郑州市', '42': '武汉市', '43': '长沙市', '44': '广州市', '45': '南宁市', '46': '海口市',
  '50': '重庆市', '51': '成都市', '52': '贵阳市', '53': '昆明市', '54': '拉萨市', '61': '西安市', '62': '兰州市',
  '63': '西宁市', '64': '银川市', '65': '乌鲁木齐市', '66': '石河子市',
};

export function readProvinces(): Province[] {
  const lines = readFileSync(provincesCsv, 'utf8').trim().split(/\r?\n/).slice(1);
  return lines.map((line) => {
    const [code, nameZh, fullNameZh, nameEn, aliases] = line.split(',');
    return {
      code,
      nameZh,
      fullNameZh,
      nameEn,
      aliases: aliases ? aliases.split(';') : [],
      capital: CAPITALS[code] ?? `${nameZh}市`,
    };
  });
}

export type ProvinceForm = 'code2' | 'code4' | 'code6' | 'county' | 'zh' | 'zhFull' | 'en' | 'enCase' | 'alias';

/** One way of writing a province, as an upstream system would. */
export function writeProvince(province: Province, form: ProvinceForm, random: Random): string {
  switch (form) {
    case 'code2':
      return province.code;
    case 'code4':
      return `${province.code}01`;
    case 'code6':
      return `${province.code}0000`;
    case 'county':
      return `${province.code}0${random.int(1, 3)}${String(random.int(1, 28)).padStart(2, '0')}`;
    case 'zh':
      return province.nameZh;
    case 'zhFull':
      return province.fullNameZh;
    case 'en':
      return province.nameEn;
    case 'enCase':
      return random.chance(0.5) ? province.nameEn.toUpperCase() : province.nameEn.toLowerCase();
    case 'alias':
      return province.aliases.length > 0 ? random.pick(province.aliases) : province.nameEn;
  }
}
