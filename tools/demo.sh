#!/usr/bin/env bash
# tools/demo.sh — the README's demo: build pgshift, start two throwaway PostgreSQL 15 clusters, seed a
# sample shop database (tools/demo/seed.sql) in one, migrate it into the other with `pgshift migrate`,
# then count rows on both sides independently. Everything is removed on exit, also on Ctrl-C.
#
#   tools/demo.sh                  ~200 MB sample database
#   DEMO_SCALE=5 tools/demo.sh     five times the rows (fractions like 0.1 work too)
#
# Exits with pgshift's exit status (0 = migrated and verified equal; see `pgshift --help`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$ROOT/tools/lib/deps.sh"
CLUSTER="$ROOT/tools/cluster.sh"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
SCALE="${DEMO_SCALE:-1}"
REPORT="$ROOT/demo-report.json"

if [[ ! "$SCALE" =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]]; then
  echo "demo.sh: DEMO_SCALE must be a positive number, not '$SCALE'" >&2
  exit 2
fi

say() { printf '\n==> %s\n' "$*"; }

say "checking dependencies and building pgshift"
pgshift_install_deps
pgshift_build

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pgshift-demo.XXXXXX")"
chmod 755 "$WORK" # the server runs as `postgres` and must reach its directory
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  "$CLUSTER" stop "$WORK/source" || true
  "$CLUSTER" stop "$WORK/target" || true
  rm -rf "$WORK" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SP="$("$CLUSTER" free-port)"
TP="$("$CLUSTER" free-port)"
while [[ "$TP" == "$SP" ]]; do TP="$("$CLUSTER" free-port)"; done

say "starting source (port $SP) and target (port $TP) clusters in $WORK"
"$CLUSTER" start "$WORK/source" "$SP"
"$CLUSTER" start "$WORK/target" "$TP"

# psql as the superuser over each cluster's unix socket.
src_psql() { "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -h "$WORK/source" -p "$SP" -U postgres "$@"; }
tgt_psql() { "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -h "$WORK/target" -p "$TP" -U postgres "$@"; }

src_psql -d postgres -q -c 'CREATE DATABASE shop'
tgt_psql -d postgres -q -c 'CREATE DATABASE shop'

say "seeding the source database shop (DEMO_SCALE=$SCALE)"
started=$SECONDS
src_psql -d shop -q -v scale="$SCALE" -f "$ROOT/tools/demo/seed.sql"
echo "seeded in $((SECONDS - started)) s"

# Tables to compare: ordinary and partitioned tables in shop and public (a partition counts in its parent).
TABLES_FROM="pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
   WHERE n.nspname IN ('shop', 'public') AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
TABLES_SQL="SELECT format('%I.%I', n.nspname, c.relname) FROM $TABLES_FROM ORDER BY 1"

src_psql -d shop -c "
  SELECT format('%I.%I', n.nspname, c.relname) AS \"table\",
         pg_size_pretty(CASE c.relkind
           WHEN 'p' THEN (SELECT sum(pg_total_relation_size(p.relid)) FROM pg_partition_tree(c.oid) AS p)
           ELSE pg_total_relation_size(c.oid) END) AS \"size (with indexes)\"
    FROM $TABLES_FROM ORDER BY 1" \
  -c "SELECT pg_size_pretty(pg_database_size('shop')) AS \"database shop\""

say "pgshift migrate --jobs 2"
status=0
"$ROOT/build/pgshift" migrate \
  --source "postgres://postgres:pgshift@127.0.0.1:$SP/shop" \
  --target "postgres://postgres:pgshift@127.0.0.1:$TP/shop" \
  --jobs 2 --report "$REPORT" || status=$?

say "independent check: rows on each side (psql count(*))"
count() { # count SIDE TABLE: prints the row count, or "missing"
  "${1}_psql" -d shop -At -c "SELECT count(*) FROM $2" 2>/dev/null || echo missing
}
printf '%-28s %12s %12s\n' table source target
while IFS= read -r table; do
  s="$(count src "$table")"
  t="$(count tgt "$table")"
  mark=""
  [[ "$s" == "$t" ]] || mark="  <-- differs"
  printf '%-28s %12s %12s%s\n' "$table" "$s" "$t" "$mark"
done < <(src_psql -d shop -At -c "$TABLES_SQL")
los="SELECT count(*) FROM pg_largeobject_metadata"
printf '%-28s %12s %12s\n' "(large objects)" "$(src_psql -d shop -At -c "$los")" "$(tgt_psql -d shop -At -c "$los")"

echo
if [[ -f "$REPORT" ]]; then
  echo "report written to ${REPORT#"$PWD/"}"
else
  echo "no report was written"
fi
echo "pgshift exited with status $status"
exit "$status"
