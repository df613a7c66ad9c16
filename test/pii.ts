// The personal values of the conformance sample (names and identity numbers of the persons export) and finders
// for them in bytes or text, shared by every test that asserts an output holds none of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { conformanceDir } from './helpers.ts';

export const personsFile = join(conformanceDir, 'batch1', 'persons-registry-2021-08.csv');
export const piiSamples = (JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8')) as { pii_samples: string[] }).pii_samples;

/** The batch1 persons export (GB18030, Chinese headers, no quoting): person_id, 姓名 and 身份证号 of every record. */
function personsInput(): { id: string; name: string; idNumber: string }[] {
  const text = iconv.decode(readFileSync(personsFile), 'gb18030');
  const [header, ...records] = text.split(/\r?\n/).filter((l) => l !== '');
  const cols = header!.split(',');
  const [iId, iName, iNumber] = ['人员编号', '姓名', '身份证号'].map((c) => cols.indexOf(c));
  if (![iId, iName, iNumber].every((i) => i! >= 0)) throw new Error(`unexpected header in ${personsFile}: ${header}`);
  return records.map((r) => {
    const f = r.split(',');
    return { id: f[iId!]!, name: f[iName!]!, idNumber: f[iNumber!]! };
  });
}

export const input = personsInput();
export const idNumbers = [...new Set([...piiSamples, ...input.map((p) => p.idNumber.trim()).filter((n) => n !== '')])];
export const names = [...new Set(input.map((p) => p.name.trim()).filter((n) => n !== ''))];

/**
 * Every personal value found in `bytes`: identity numbers as ASCII (17 digits and a check digit, which may be X or x),
 * names as UTF-8 and as GB18030.
 */
export function personalValuesIn(bytes: Buffer, numbers: string[] = idNumbers): string[] {
  const found: string[] = [];
  const runs = new Set(bytes.toString('latin1').match(/[\dXx]{18,}/g) ?? []);
  const wanted = new Set(numbers.map((n) => n.toUpperCase()));
  for (const run of runs) {
    for (let i = 0; i + 18 <= run.length; i++) if (wanted.has(run.slice(i, i + 18).toUpperCase())) found.push(run.slice(i, i + 18));
  }
  for (const name of names) {
    if (bytes.includes(Buffer.from(name, 'utf8'))) found.push(`${name} (UTF-8)`);
    if (bytes.includes(iconv.encode(name, 'gb18030'))) found.push(`${name} (GB18030)`);
  }
  return [...new Set(found)];
}

/** Every personal value found in the text of `s`. */
export function personalValuesInText(s: string): string[] {
  const found = new Set<string>();
  for (let i = 0; i + 1 < s.length; i++) {
    const two = s.slice(i, i + 2);
    if (valuesOfTwo.has(two)) found.add(two);
    for (const value of valuesByThree.get(s.slice(i, i + 3)) ?? []) if (s.startsWith(value, i)) found.add(value);
  }
  for (const value of valuesOfOne) if (s.includes(value)) found.add(value);
  return [...idNumbers, ...names].filter((v) => found.has(v));
}

// Every value looked up by its first three characters (two-character names whole) in one pass over the text: the
// 10,000 values searched one by one were seconds of CPU per table.
const valuesOfOne = new Set<string>();
const valuesOfTwo = new Set<string>();
const valuesByThree = new Map<string, string[]>();
for (const value of [...idNumbers, ...names]) {
  if (value.length === 1) valuesOfOne.add(value);
  else if (value.length === 2) valuesOfTwo.add(value);
  else {
    const list = valuesByThree.get(value.slice(0, 3));
    if (list) list.push(value);
    else valuesByThree.set(value.slice(0, 3), [value]);
  }
}

