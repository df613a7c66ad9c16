// The names of the type families every bulletin is set in, shared by the charts (which name them in SVG text) and
// the render (which prints with them and checks they are installed: render/fonts.ts). Names only: where the files
// are and how Chromium finds them is the render's business.
export const LATIN_SERIF = 'Noto Serif';
export const LATIN_SANS = 'Noto Sans';
export const CJK_SERIF = 'Noto Serif CJK SC TT';
export const CJK_SANS = 'Noto Sans CJK SC TT';

/** Every family the stylesheet, the charts, the header and the footer name. */
export const FONT_FAMILIES = [LATIN_SERIF, LATIN_SANS, CJK_SERIF, CJK_SANS] as const;
