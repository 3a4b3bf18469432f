#!/usr/bin/env bash
# bench/e2e/verify_compare.sh — verification benchmark: pgcopydb-style `compare data` (emulated with
# psql) against `pgshift verify`, on two databases that should hold the same rows.
#
# usage: bench/e2e/verify_compare.sh [--pgshift PATH] [--jobs N] SOURCE_URI TARGET_URI
#        (or: bench/e2e/run.sh --verify-bench, which calls this after the pgshift migrate)
#
# 1. For every user table of SOURCE (largest first), N tables at a time (default 2), the query
#      select count(1), sum(hashtext(r::text)::bigint) from only TABLE r
#    runs on the source and on the target at once (what pgcopydb 0.12+ `compare data` does; Debian's
#    pgcopydb 0.10 has no compare command). Prints each table's result and the wall time.
# 2. Times `PGSHIFT verify --source S --target T --quiet` (default build/pgshift) on the same pair and
#    prints wall time, peak RSS and the ratio of the two; skipped if PGSHIFT is not executable.
# Exit status: 0 all equal, 1 a difference found by either side, 2 usage, connection or query error
# (or pgshift verify failing).
set -euo pipefail

# shellcheck source=bench/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Internal: compare one table, source and target queried in parallel; prints one line.
if [[ "${1:-}" == --one-table ]]; then
  src=$2 tgt=$3 table=$4
  # The alias must not collide with a column name: an unqualified name resolves to a column first.
  q="select count(1) || ' ' || coalesce(sum(hashtext(pgshift_cmp_row::text)::bigint), 0)
     from only $table pgshift_cmp_row"
  so=$(mktemp) to=$(mktemp)
  psqlx "$src" -c "$q" >"$so" 2>&1 &
  sp=$!
  psqlx "$tgt" -c "$q" >"$to" 2>&1 &
  tp=$!
  src_rc=0 tgt_rc=0
  wait "$sp" || src_rc=$?
  wait "$tp" || tgt_rc=$?
  s=$(tr '\n' ' ' <"$so") t=$(tr '\n' ' ' <"$to")
  rm -f "$so" "$to"
  if ((src_rc || tgt_rc)); then verdict=ERROR
  elif [[ "$s" == "$t" ]]; then verdict=equal
  else verdict=DIFFERENT
  fi
  printf '%-32s %-10s source: %s target: %s\n' "$table" "$verdict" "$s" "$t"
  exit 0
fi

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

pgshift=$REPO_ROOT/build/pgshift
jobs=2
args=()
while (($#)); do
  case $1 in
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    -h | --help) usage 0 ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) args+=("$1") ;;
  esac
  shift
done
((${#args[@]} == 2)) || usage
src=${args[0]} tgt=${args[1]}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer: $jobs"
require_time

tables=$(user_tables "$src") || die "cannot list the tables of $(mask_uri "$src")"
ntables=$(grep -c . <<<"$tables" || true)
echo "source: $(mask_uri "$src")"
echo "target: $(mask_uri "$tgt")"
echo "hashtext compare: $ntables tables, $jobs at a time, source and target queried in parallel"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
t0=$(now)
printf '%s\n' "$tables" | xargs -d '\n' -r -n 1 -P "$jobs" "$0" --one-table "$src" "$tgt" >"$out"
t1=$(now)
compare_s=$(elapsed "$t0" "$t1")
sed 's/^/  /' "$out"
ndiff=$(grep -c ' DIFFERENT ' "$out" || true)
nerr=$(grep -c ' ERROR ' "$out" || true)
compare_verdict=equal rc=0
if ((nerr)); then compare_verdict="$nerr tables could not be read"; rc=2
elif ((ndiff)); then compare_verdict="$ndiff tables DIFFERENT"; rc=1
fi
echo "hashtext compare: ${compare_s} s wall, $compare_verdict"

[[ "$pgshift" == /* ]] || pgshift=$PWD/$pgshift
if [[ -x "$pgshift" ]]; then
  logf=$(mktemp)
  timed_run "$logf" "$pgshift" verify --source "$src" --target "$tgt" --quiet
  case $TIMED_RC in
    0) pv=equal ;;
    1) pv="differences found"; ((rc == 2)) || rc=1 ;;
    *) pv="FAILED (exit $TIMED_RC)"; rc=2; tail -n 15 "$logf" | sed 's/^/  /' ;;
  esac
  rm -f "$logf"
  rss_mb=$(awk -v k="$TIMED_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  echo "pgshift verify:   $TIMED_WALL s wall, peak RSS $rss_mb MB, $pv"
  awk -v p="$TIMED_WALL" -v c="$compare_s" 'BEGIN {
    if (p > 0 && c > 0) printf "ratio pgshift verify / hashtext compare: %.2f (hashtext compare / pgshift: %.2fx)\n", p / c, c / p }'
else
  echo "pgshift verify:   skipped ($pgshift is not an executable; build it or pass --pgshift PATH)"
fi
exit "$rc"
