// The demo bulletins of every as-of date `npm run setup` makes, rendered once per test run by the real `bulletin
// render` and shared by the files that read them (fonts.test.ts, bulletin-layout.test.ts), read-only: the first file
// to ask renders them into the run's scratch folder (test/conformance-setup.ts provides it) under a lock; the others
// wait and read the same files.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { cloneWarehouse, repoRoot, runCli } from '../helpers.ts';

export const DEMO_DB = join(repoRoot, 'data', 'demo', 'warehouse.duckdb');
export const DEMO_RENDERS = [
  { asOf: '2021-09-16', template: 'press' },
  { asOf: '2021-11-30', template: 'press' },
  { asOf: '2021-11-30', template: 'briefing' },
] as const;
export const LANGUAGES = ['en', 'zh'] as const;

export interface DemoBulletin {
  asOf: string;
  template: string;
  language: (typeof LANGUAGES)[number];
  /** The render's out folder: `<template>.<language>.pdf`, `.html`, `charts/`. */
  out: string;
  pdf: string;
  html: string;
}

const WAIT_MS = 300_000;

/** The demo bulletins, rendered by the first caller of the run; the others wait for them. */
export async function demoBulletins(): Promise<DemoBulletin[]> {
  if (!existsSync(DEMO_DB)) throw new Error(`no demo warehouse at ${DEMO_DB}: run npm run setup (scripts/demo.sh)`);
  const dir = join(inject('runScratch'), 'demo-bulletins');
  const failed = `${dir}.failed`;
  try {
    mkdirSync(`${dir}.lock`);
    await renderInto(dir).catch((error: Error) => {
      writeFileSync(failed, error.message);
      throw error;
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const until = Date.now() + WAIT_MS;
    while (!existsSync(dir)) {
      if (existsSync(failed)) throw new Error(`rendering the demo bulletins failed in another test file: ${readFileSync(failed, 'utf8')}`);
      if (Date.now() > until) throw new Error(`the demo bulletins were not rendered within ${WAIT_MS / 1000} s`);
      await sleep(200);
    }
  }
  return DEMO_RENDERS.flatMap(({ asOf, template }) =>
    LANGUAGES.map((language) => {
      const out = join(dir, asOf);
      return { asOf, template, language, out, pdf: join(out, `${template}.${language}.pdf`), html: join(out, `${template}.${language}.html`) };
    }),
  );
}

/** Renders every demo bulletin into `<dir>.partial`, then puts it in place: `dir` exists only when all are there. */
async function renderInto(dir: string): Promise<void> {
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const db = cloneWarehouse(DEMO_DB, join(partial, 'warehouse.duckdb'));
  // The press bulletin is guarded by the releases the demo recorded.
  copyFileSync(`${DEMO_DB}.releases.duckdb`, `${db}.releases.duckdb`);
  for (const { asOf, template } of DEMO_RENDERS) {
    const out = join(partial, asOf);
    mkdirSync(out, { recursive: true });
    const result = await runCli(['--db', db, 'render', '--as-of', asOf, '--template', template, '--out', out]);
    if (result.code !== 0) throw new Error(`bulletin render --as-of ${asOf} --template ${template}: exit ${result.code}: ${result.stderr}`);
  }
  renameSync(partial, dir);
}
