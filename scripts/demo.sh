#!/usr/bin/env bash
# The demo: deterministic demo exports (data/demo/exports), loaded into their own warehouse
# (data/demo/warehouse.duckdb, rebuilt each time, never the default data/warehouse.duckdb), then the bulletins of
# the two reference texts: figures released as of 2021-09-16 and 2021-10-31 (the consistency guard's record), the
# press bulletin as of 2021-09-16 and 2021-11-30 and the leadership briefing as of 2021-11-30, in Chinese and
# English, under reports/reunion-2021/<as-of>/.
set -euo pipefail
cd "$(dirname "$0")/.."

demo_db=data/demo/warehouse.duckdb
# The demo's identity-number key: a random key kept beside the demo, outside the warehouse file.
key_file=data/demo/pii.key
[ -s "$key_file" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$key_file")

node bin/run.js pipeline/demo/generate.ts data/demo/exports
# The warehouse and everything beside it (snapshots, release, delivery, job and desk logs, desk users): a new demo.
rm -rf "$demo_db" "$demo_db".*
BULLETIN_PII_KEY_FILE="$key_file" node bin/bulletin.js load --db "$demo_db" data/demo/exports/batch1 data/demo/exports/batch2
echo "demo: warehouse $demo_db" >&2

bulletin() { node bin/bulletin.js --db "$demo_db" "$@"; }
bulletin metrics --as-of 2021-09-16 --release >/dev/null
bulletin metrics --as-of 2021-10-31 --release >/dev/null
bulletin render --as-of 2021-09-16 --template press
bulletin render --as-of 2021-11-30 --template press
bulletin render --as-of 2021-11-30 --template briefing
