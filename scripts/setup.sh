#!/usr/bin/env bash
# Set-up, step 1 of 2 (README): install what is missing on a fresh Debian machine with Node 20 and npm, then
# produce the demo output. Safe to run again: it installs only what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Chromium prints the PDFs, Noto Serif/Sans (fonts-noto-core) set the English text and Noto CJK the
# Chinese (converted to TrueType below with python3-fonttools), poppler-utils reads PDFs back in tests,
# tmux gives the tests a real terminal (the progress of `bulletin load`, the SQL shell), LibreOffice Calc opens the
# Excel workbooks of `bulletin sql` in tests.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
dpkg -s fonts-noto-core >/dev/null 2>&1 || missing+=(fonts-noto-core)
/usr/bin/python3 -c 'import fontTools' >/dev/null 2>&1 || missing+=(python3-fonttools)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Chinese faces as TrueType in data/fonts (git-ignored; the printer points fontconfig at it, BULLETIN_FONTS_DIR
# elsewhere): Chromium embeds Noto CJK's CFF outlines as Type 3 fonts, TrueType ones as CID TrueType. Once, about
# 30 MB and 1-3 minutes of one core per face, the four faces side by side.
fonts_dir=data/fonts
for face in NotoSansCJK-Regular NotoSansCJK-Bold NotoSerifCJK-Regular NotoSerifCJK-Bold; do
  target="$fonts_dir/${face%%CJK-*}CJKSCTT-${face##*-}.ttf"
  [ -s "$target" ] || /usr/bin/python3 scripts/cjk-truetype.py "/usr/share/fonts/opentype/noto/$face.ttc" "$fonts_dir" >/dev/null &
done
wait
for face in NotoSansCJKSCTT-Regular NotoSansCJKSCTT-Bold NotoSerifCJKSCTT-Regular NotoSerifCJKSCTT-Bold; do
  [ -s "$fonts_dir/$face.ttf" ] || { echo "setup: converting $face failed (scripts/cjk-truetype.py)" >&2; exit 1; }
done

# npm packages exactly as pinned in package-lock.json (which lists DuckDB's optional bindings of every platform,
# so `npm ci` accepts it on any machine).
npm ci --no-audit --no-fund --loglevel=error

# The command runs compiled, bundled JavaScript (dist/bundle/, git-ignored); bin/bulletin.js rebuilds it when pipeline/ changes.
npm run build --silent

bash scripts/demo.sh
