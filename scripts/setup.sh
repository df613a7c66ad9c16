#!/usr/bin/env bash
# Set-up, step 1 of 2 (README): install what is missing on a fresh Debian machine with Node 20 and npm, then
# produce the demo output. Safe to run again: it installs only what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Chromium prints the PDFs, Noto CJK carries the Chinese text, poppler-utils reads PDFs back in tests,
# tmux gives the tests a real terminal (the progress of `bulletin load`, the SQL shell), LibreOffice Calc opens the
# Excel workbooks of `bulletin sql` in tests.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages exactly as pinned in package-lock.json (which lists DuckDB's optional bindings of every platform,
# so `npm ci` accepts it on any machine).
npm ci --no-audit --no-fund --loglevel=error

# The command runs compiled JavaScript (dist/, git-ignored); bin/bulletin.js rebuilds it when pipeline/ changes.
npm run build --silent

bash scripts/demo.sh
