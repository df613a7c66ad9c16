#!/usr/bin/python3
# Set-up: the Chinese faces of the bulletins as TrueType. Debian's Noto CJK (fonts-noto-cjk) has CFF outlines, which
# Chromium's PDF engine embeds as Type 3 fonts (flagged by prepress, unhinted, large); TrueType outlines it embeds
# as CID TrueType. So the SC member of each collection is converted here with Debian's fontTools
# (python3-fonttools): cubic curves to quadratic (cu2qu, max error 1 unit of 1000), CFF table to glyf/loca, and
# renamed "Noto Sans CJK SC TT" / "Noto Serif CJK SC TT" so fontconfig never mistakes it for the original.
#
#   /usr/bin/python3 scripts/cjk-truetype.py SOURCE.ttc OUT_DIR
# Writes OUT_DIR/<PostScriptName>.ttf atomically (about 30 MB each, 1-3 minutes of one core).
import os
import sys

from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

SOURCE_FAMILY_SUFFIX = ' CJK SC'
NEW_SUFFIX = ' TT'


def convert(source: str, out_dir: str) -> str:
    font = next((f for f in TTCollection(source, lazy=True).fonts if f['name'].getDebugName(1).endswith(SOURCE_FAMILY_SUFFIX)), None)
    if font is None:
        sys.exit(f'cjk-truetype: {source} holds no "...{SOURCE_FAMILY_SUFFIX}" font')
    family = font['name'].getDebugName(1) + NEW_SUFFIX
    style = font['name'].getDebugName(2)
    postscript = f"{family.replace(' ', '')}-{style}"

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable('glyf')
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # TrueType contours run clockwise, CFF ones counter-clockwise.
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font['glyf'] = glyf
    font['loca'] = newTable('loca')
    maxp = newTable('maxp')
    maxp.tableVersion = 0x00010000
    for field in ('maxTwilightPoints', 'maxStorage', 'maxFunctionDefs', 'maxInstructionDefs', 'maxStackElements',
                  'maxSizeOfInstructions', 'maxComponentElements'):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font['maxp'] = maxp
    font['post'].formatType = 3.0  # no glyph names: the CFF font was CID-keyed and had none
    for tag in ('CFF ', 'VORG'):
        if tag in font:
            del font[tag]
    font.sfntVersion = '\x00\x01\x00\x00'

    names = font['name']
    for record in list(names.names):
        value = {1: family, 16: family, 4: f'{family} {style}', 6: postscript, 3: postscript}.get(record.nameID)
        if value is not None:
            names.setName(value, record.nameID, record.platformID, record.platEncID, record.langID)

    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, f'{postscript}.ttf')
    partial = f'{target}.part-{os.getpid()}'
    font.save(partial)
    os.replace(partial, target)
    return target


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: cjk-truetype.py SOURCE.ttc OUT_DIR')
    print(convert(sys.argv[1], sys.argv[2]))
