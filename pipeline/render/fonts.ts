// The fonts every bulletin is printed with: Noto Sans CJK SC and Noto Serif CJK SC (Debian's fonts-noto-cjk). They
// carry Latin as well as Chinese, so a PDF never falls back to another font. Chromium finds fonts through fontconfig,
// so they are looked for the same way, with `fc-list` (it honours FONTCONFIG_FILE and FONTCONFIG_PATH, as Chromium
// does). The answer is kept for the rest of the process.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';

/** The font families the stylesheet, the header and the footer name. */
export const CJK_FAMILIES = ['Noto Sans CJK SC', 'Noto Serif CJK SC'] as const;

export const FONTS_MISSING = 'Chinese fonts missing: install fonts-noto-cjk (apt-get install -y fonts-noto-cjk)';

const cache = new Map<string, string[]>();

/** Throws the one-line UsageError when a family of CJK_FAMILIES is not installed. */
export function checkCjkFonts(env: NodeJS.ProcessEnv = process.env): void {
  const missing = missingCjkFonts(env);
  if (missing.length > 0) throw new UsageError(`${FONTS_MISSING}; not found: ${missing.join(', ')}`);
}

/** The families of CJK_FAMILIES that fontconfig does not know; cached per fontconfig configuration. */
export function missingCjkFonts(env: NodeJS.ProcessEnv = process.env): string[] {
  const key = `${env.FONTCONFIG_FILE ?? ''}\u0000${env.FONTCONFIG_PATH ?? ''}\u0000${env.FONTCONFIG_SYSROOT ?? ''}`;
  let missing = cache.get(key);
  if (!missing) {
    const installed = installedFamilies(env);
    missing = CJK_FAMILIES.filter((family) => !installed.has(family));
    cache.set(key, missing);
  }
  return [...missing];
}

/** Every family name fontconfig lists (a font may have several, comma-separated). */
function installedFamilies(env: NodeJS.ProcessEnv): Set<string> {
  let listing: string;
  try {
    listing = execFileSync('fc-list', ['--format', '%{family}\n'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return familiesFromFiles();
    throw new UsageError(`fc-list failed while looking for the Chinese fonts: ${(error as Error).message}`);
  }
  return new Set(listing.split('\n').flatMap((line) => line.split(',')).map((name) => name.replace(/\\(.)/g, '$1').trim()).filter(Boolean));
}

/** Without fontconfig's tools: the files of fonts-noto-cjk in the usual font folders. */
function familiesFromFiles(): Set<string> {
  const found = new Set<string>();
  const dirs = ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.local', 'share', 'fonts'), join(homedir(), '.fonts')];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), depth + 1);
      else if (/^NotoSansCJK/i.test(entry.name)) found.add('Noto Sans CJK SC');
      else if (/^NotoSerifCJK/i.test(entry.name)) found.add('Noto Serif CJK SC');
    }
  };
  for (const dir of dirs) walk(dir, 0);
  return found;
}
