// The checklist of desk.md rule 7: what blocks submit and approve (errors) and what the approver should know
// (warnings), from an edition's two figures files and the editorial text it used. Pure functions: the caller
// gathers the facts (figures files, guard falls, newest load, quarantine since the last release).
//
// No message repeats a personal value: an identity number or phone number is named by where it is, never shown.

export interface ChecklistItem {
  code: string;
  message: string;
}

export interface Checklist {
  errors: ChecklistItem[];
  warnings: ChecklistItem[];
}

/** One notable case as written in the editorial file: either language may be missing. */
export interface EditorialEntry {
  title?: { en?: string; zh?: string };
  en?: string;
  zh?: string;
}

/** The parts of a figures file (render's figures document) the checklist reads. */
export interface FiguresFile {
  language: string;
  figures: Record<string, { computed: unknown; printed: { key?: string; printed: string; rule: string }[] }>;
}

export interface ChecklistFacts {
  figures: { en: FiguresFile; zh: FiguresFile };
  editorial: EditorialEntry[];
  /** Cumulative figures below the last release (the consistency guard), already described in words. */
  falls: string[];
  /** A correction or revision may lower a cumulative figure (it says why in its notes). */
  isRevision: boolean;
  asOf: string;
  /** China date of the newest load, or null when nothing was loaded. */
  newestLoad: string | null;
  quarantinedSinceRelease: number;
  /** Cells printed as "<N" or "–" (small-count suppression), as "figure key". */
  suppressedCells: string[];
}

export function checklist(facts: ChecklistFacts): Checklist {
  const errors: ChecklistItem[] = [];
  const warnings: ChecklistItem[] = [];
  if (!facts.isRevision) for (const fall of facts.falls) errors.push({ code: 'figure_fell', message: fall });
  errors.push(...languageParity(facts.figures.en, facts.figures.zh));
  errors.push(...oneLanguageCases(facts.editorial));
  errors.push(...personalData(facts.editorial));
  warnings.push(...unverifiedNumbers(facts.editorial, facts.figures.en));
  if (facts.newestLoad === null || facts.newestLoad < facts.asOf) {
    warnings.push({ code: 'data_older_than_as_of', message: facts.newestLoad === null ? 'no data has been loaded' : `the newest load is of ${facts.newestLoad}, before the as-of date ${facts.asOf}` });
  }
  if (facts.quarantinedSinceRelease > 0) {
    warnings.push({ code: 'quarantined_since_release', message: `${facts.quarantinedSinceRelease} row${facts.quarantinedSinceRelease === 1 ? '' : 's'} quarantined since the last release` });
  }
  if (facts.suppressedCells.length > 0) {
    warnings.push({ code: 'small_counts_suppressed', message: `small counts suppressed: ${facts.suppressedCells.join(', ')}` });
  }
  return { errors, warnings };
}

/** Every figure (and key) printed in one language is printed in the other, with the same computed value and number. */
export function languageParity(en: FiguresFile, zh: FiguresFile): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  const ids = new Set([...Object.keys(en.figures), ...Object.keys(zh.figures)]);
  for (const id of ids) {
    const a = en.figures[id];
    const b = zh.figures[id];
    if (!a || !b) {
      items.push({ code: 'language_parity', message: `${id} is in the ${a ? 'English' : 'Chinese'} figures file only` });
      continue;
    }
    if (JSON.stringify(a.computed) !== JSON.stringify(b.computed)) {
      items.push({ code: 'language_parity', message: `${id} has another value in English than in Chinese` });
      continue;
    }
    const printedA = printedValues(a.printed);
    const printedB = printedValues(b.printed);
    for (const key of new Set([...printedA.keys(), ...printedB.keys()])) {
      const label = key === '' ? id : `${id} ${key}`;
      if (!printedA.has(key) || !printedB.has(key)) {
        items.push({ code: 'language_parity', message: `${label} is printed in ${printedA.has(key) ? 'English' : 'Chinese'} only` });
      } else if (printedA.get(key) !== printedB.get(key)) {
        items.push({ code: 'language_parity', message: `${label} is printed as ${printedA.get(key)} in English and ${printedB.get(key)} in Chinese` });
      }
    }
  }
  return items;
}

/** key -> the sorted numbers printed for it ("8,307", "8307名", "290余" all read as numbers). */
function printedValues(printed: { key?: string; printed: string }[]): Map<string, string> {
  const byKey = new Map<string, number[]>();
  for (const p of printed) {
    const key = p.key ?? '';
    const numbers = numbersIn(p.printed);
    byKey.set(key, [...(byKey.get(key) ?? []), ...numbers]);
  }
  return new Map([...byKey].map(([key, numbers]) => [key, [...new Set(numbers)].sort((x, y) => x - y).join('/')]));
}

function oneLanguageCases(entries: EditorialEntry[]): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  entries.forEach((entry, i) => {
    if (Boolean(entry.en) !== Boolean(entry.zh)) items.push({ code: 'notable_case_one_language', message: `notable case ${i + 1} has text in ${entry.en ? 'English' : 'Chinese'} only` });
    const title = entry.title ?? {};
    if (Boolean(title.en) !== Boolean(title.zh)) items.push({ code: 'notable_case_one_language', message: `notable case ${i + 1} has a title in ${title.en ? 'English' : 'Chinese'} only` });
  });
  return items;
}

// An 18-digit resident identity number: 6-digit area, 8-digit birth date, 3-digit sequence, check character.
const IDENTITY_NUMBER = /(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9])/g;
// A mainland mobile number: 11 digits from 13x-19x, also written 138 1234 5678, 138-1234-5678 or +86 138….
const MOBILE_NUMBER = /(?<![0-9])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])/g;

/** What the unverified-number warning never prints: mobile numbers and runs of 11 digits or more. */
const PERSONAL_SHAPED = new RegExp(`${MOBILE_NUMBER.source}|\\d{11,}`, 'g');

/** ISO 7064 MOD 11-2, the check character of GB 11643. */
export function hasValidCheckDigit(id: string): boolean {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17].toUpperCase();
}

function personalData(entries: EditorialEntry[]): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  forEachText(entries, (text, where) => {
    const ids = [...text.matchAll(IDENTITY_NUMBER)].filter((m) => hasValidCheckDigit(m[0]));
    if (ids.length > 0) items.push({ code: 'personal_data', message: `${where} holds a resident identity number: remove it` });
    if (text.match(MOBILE_NUMBER)) items.push({ code: 'personal_data', message: `${where} holds a mobile phone number: remove it` });
  });
  return items;
}

/** Numbers in the editorial text that match no figure of the edition: probably typed by hand, worth a look. */
function unverifiedNumbers(entries: EditorialEntry[], figures: FiguresFile): ChecklistItem[] {
  const known = new Set<number>();
  for (const figure of Object.values(figures.figures)) {
    collectNumbers(figure.computed, known);
    for (const p of figure.printed) for (const n of numbersIn(p.printed)) known.add(n);
  }
  const items: ChecklistItem[] = [];
  forEachText(entries, (text, where) => {
    // A phone number or a long digit run (an identity number, valid or not) is counted, never repeated: it may be
    // personal data, and this message is shown on the page and by `edition show`.
    const hidden = text.match(PERSONAL_SHAPED)?.length ?? 0;
    // Years and numbers up to 12 (ages, months, counts of people in one case) are the story, not figures.
    const unknown = numbersIn(text.replace(PERSONAL_SHAPED, ' ')).filter((n) => n > 12 && !(Number.isInteger(n) && n >= 1900 && n <= 2100) && !known.has(n));
    const shown = [...new Set(unknown)].map(String);
    if (hidden > 0) shown.push(`${hidden} long number${hidden === 1 ? '' : 's'} (not repeated here)`);
    if (shown.length > 0) items.push({ code: 'unverified_number', message: `${where}: ${shown.join(', ')} match${unknown.length + hidden === 1 ? 'es' : ''} no figure of this edition (unverified)` });
  });
  return items;
}

function forEachText(entries: EditorialEntry[], visit: (text: string, where: string) => void): void {
  entries.forEach((entry, i) => {
    for (const language of ['en', 'zh'] as const) {
      const where = `notable case ${i + 1} (${language})`;
      if (entry[language]) visit(entry[language]!, where);
      if (entry.title?.[language]) visit(entry.title[language]!, `${where} title`);
    }
  });
}

function numbersIn(text: string): number[] {
  return [...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => Number(m[0].replace(/,/g, ''))).filter((n) => Number.isFinite(n));
}

function collectNumbers(value: unknown, into: Set<number>): void {
  if (typeof value === 'number') {
    into.add(value);
    // Rates are printed as percentages.
    if (value > 0 && value <= 1) into.add(Math.round(value * 1000) / 10);
  } else if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) collectNumbers(inner, into);
  }
}
