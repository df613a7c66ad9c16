// The fonts every bulletin is printed with, all TrueType, so Chromium embeds each as a CID TrueType subset (it
// turns CFF outlines, such as those of Debian's Noto CJK, into Type 3 fonts):
//   - English: Noto Serif (text) and Noto Sans (headings, tables, charts), Debian's fonts-noto-core;
//   - Chinese: Noto Serif CJK SC TT and Noto Sans CJK SC TT, Noto CJK SC (fonts-noto-cjk) converted to TrueType at
//     set-up by scripts/cjk-truetype.py into data/fonts (or BULLETIN_FONTS_DIR).
// Chromium finds fonts through fontconfig, so the printer hands it a configuration (fontconfigEnv) that adds the
// fonts folder to the one the environment names (FONTCONFIG_FILE, else the system's). The check looks with `fc-list`
// under that same configuration; the answer is kept for the rest of the process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import { CJK_SANS, CJK_SERIF, FONT_FAMILIES, LATIN_SANS, LATIN_SERIF } from '../typefaces.ts';


export const FONTS_MISSING = 'fonts missing: run `npm run setup` (apt-get install -y fonts-noto-core fonts-noto-cjk python3-fonttools, then scripts/cjk-truetype.py into data/fonts)';

/** The folder of the converted Chinese faces: BULLETIN_FONTS_DIR, else data/fonts of the checkout. */
export function fontsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.BULLETIN_FONTS_DIR?.trim();
  return configured ? resolve(configured) : join(repoRoot, 'data', 'fonts');
}

const escapeXml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Writes DIR/fonts.conf: the environment's fontconfig configuration (FONTCONFIG_FILE, else the system's) plus the
 * fonts folder; returns env with FONTCONFIG_FILE pointing at it, for fc-list and Chromium alike.
 */
export function fontconfigEnv(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const base = env.FONTCONFIG_FILE?.trim() || '/etc/fonts/fonts.conf';
  const file = join(dir, 'fonts.conf');
  writeFileSync(
    file,
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
      '<fontconfig>',
      `  <include ignore_missing="yes">${escapeXml(resolve(base))}</include>`,
      `  <dir>${escapeXml(fontsDir(env))}</dir>`,
      // Text no stylesheet font covers falls back through fontconfig's generic families: to the bulletin faces
      // first, never to another installed CJK font (a CFF one would be embedded as Type 3).
      ...[
        ['serif', LATIN_SERIF, CJK_SERIF],
        ['sans-serif', LATIN_SANS, CJK_SANS],
        ['monospace', LATIN_SANS, CJK_SANS],
      ].map(([generic, latin, cjk]) => `  <alias binding="strong"><family>${generic}</family><prefer><family>${latin}</family><family>${cjk}</family></prefer></alias>`),
      // Scanning 120 MB of fonts takes seconds: keep the scan where the user's fontconfig keeps its own.
      '  <cachedir prefix="xdg">fontconfig</cachedir>',
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  return { ...env, FONTCONFIG_FILE: file };
}

const cache = new Map<string, string[]>();

/** Throws the one-line UsageError when a family of FONT_FAMILIES is not installed. */
export function checkFonts(env: NodeJS.ProcessEnv = process.env): void {
  const missing = missingFonts(env);
  if (missing.length > 0) throw new UsageError(`${FONTS_MISSING}; not found: ${missing.join(', ')}`);
}

/** What decides which fonts Chromium and fc-list find: fontconfig's variables and the fonts folder, as one string. */
export function fontConfigurationKey(env: NodeJS.ProcessEnv = process.env): string {
  return [env.FONTCONFIG_FILE, env.FONTCONFIG_PATH, env.FONTCONFIG_SYSROOT, fontsDir(env)].map((v) => v ?? '').join('\u0000');
}

/** The families of FONT_FAMILIES that fontconfig does not know; cached per configuration and fonts folder. */
export function missingFonts(env: NodeJS.ProcessEnv = process.env): string[] {
  const key = fontConfigurationKey(env);
  let missing = cache.get(key);
  if (!missing) {
    const installed = installedFamilies(env);
    missing = FONT_FAMILIES.filter((family) => !installed.has(family));
    cache.set(key, missing);
  }
  return [...missing];
}

/** Every family name fontconfig lists (a font may have several, comma-separated). */
function installedFamilies(env: NodeJS.ProcessEnv): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-fontconfig-'));
  try {
    const listing = execFileSync('fc-list', ['--format', '%{family}\n'], { env: fontconfigEnv(env, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    return new Set(listing.split('\n').flatMap((line) => line.split(',')).map((name) => name.replace(/\\(.)/g, '$1').trim()).filter(Boolean));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError('fc-list not found: install fontconfig (apt-get install -y fontconfig), which Chromium finds its fonts with');
    throw new UsageError(`fc-list failed while looking for the fonts: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

