#!/usr/bin/env bash
# bench/e2e/sqlite_run.sh — end-to-end benchmark of a SQLite → PostgreSQL migration: pgshift against
# pgloader, from the same SQLite file into the same local PostgreSQL 15 server.
#
# usage: bench/e2e/sqlite_run.sh [--scale S] [--tools LIST] [--pgshift PATH] [--jobs N] [--runs N]
#                                [--keep] [--workdir DIR] [--sqlite FILE] [--pgloader-heap MB]
#                                [--pgloader-workers N] [--pgloader-concurrency N] [--timeout S]
#
#   --scale S        dataset size for sqlite_generate.py; 1 = about 360 MB, 1.5 M rows (default 1)
#   --tools LIST     comma-separated, run in this order (default pgshift,pgloader)
#                      pgshift   PGSHIFT migrate --source sqlite://FILE --jobs N --quiet --report F
#                                (verification on, as by default)
#                      pgloader  pgloader --dynamic-space-size MB CMDFILE, where CMDFILE is
#                                LOAD DATABASE FROM sqlite://FILE INTO postgresql://... WITH include
#                                drop, create tables, create indexes, foreign keys, reset sequences,
#                                workers = W, concurrency = C. On failure (non-zero exit or a
#                                crashed Lisp) its error is shown and it is run once more, on a fresh
#                                database, with twice the heap; both attempts are reported.
#   --pgshift PATH   the pgshift executable (default build/pgshift)
#   --jobs N         pgshift --jobs, and pgloader workers unless --pgloader-workers (default 2)
#   --runs N         run each tool N times, interleaved (pgshift, pgloader, pgshift, ...); the
#                    table shows the median wall time and the largest memory figures (default 1)
#   --keep           keep this run's directory (cluster data, logs, pgloader command file)
#   --workdir DIR    cache directory (default /tmp/pgshift-e2e-sqlite): the generated SQLite file
#                    is kept there as app-s<scale>-<generator hash>.db and reused by later runs;
#                    each run works in a fresh DIR/run.XXXXXX, removed at the end unless --keep
#   --sqlite FILE    use this SQLite file instead of generating one (not modified)
#   --pgloader-heap MB         SBCL heap for pgloader (default 8192; the retry doubles it)
#   --pgloader-workers N       pgloader `workers` (default: --jobs, but at least 2: pgloader
#                              3.6 hangs for good with workers = 1 once it builds indexes)
#   --pgloader-concurrency N   pgloader `concurrency` (default 1; 2 made it slower here)
#   --timeout S      kill a tool still running after S seconds (default 3600)
#
# Starts one target cluster (tools/cluster.sh, tuned as in run.sh: fsync, synchronous_commit and
# full_page_writes on). Counts the rows of every SQLite table (sqlite3 count(*)). Then for each
# tool: a fresh empty database bench_<tool>, CHECKPOINT, the SQLite file read once (so each tool
# starts with it in the page cache), the tool under /usr/bin/time -f '%e %M' with the tree PSS
# sampler, then count(*) of every SQLite table in public.<table> on the target; a difference or a
# non-zero exit marks the tool FAILED. Also records, per target: the columns of `users`
# (information_schema.columns) and of every table, the indexes, the primary and foreign keys, the
# next users.id against max(id), and how many users.balance values differ from the SQLite file's
# doubles. Prints a table and writes it to
# bench/e2e/results-sqlite-<timestamp>.txt. Exit status 1 if a tool failed.
set -Eeuo pipefail

# shellcheck source=bench/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/} line $LINENO"' ERR

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

ALL_TOOLS=(pgshift pgloader)
scale=1
tools_arg=pgshift,pgloader
pgshift=$REPO_ROOT/build/pgshift
jobs=2
keep=0
workdir=/tmp/pgshift-e2e-sqlite
sqlite_file=
pgl_heap=8192
pgl_workers=
pgl_concurrency=1
timeout_s=3600
runs=1

while (($#)); do
  case $1 in
    --scale) scale=${2:?--scale needs a value}; shift ;;
    --tools) tools_arg=${2:?--tools needs a value}; shift ;;
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --keep) keep=1 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift ;;
    --sqlite) sqlite_file=${2:?--sqlite needs a file}; shift ;;
    --pgloader-heap) pgl_heap=${2:?--pgloader-heap needs MB}; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --pgloader-workers) pgl_workers=${2:?--pgloader-workers needs a number}; shift ;;
    --pgloader-concurrency) pgl_concurrency=${2:?--pgloader-concurrency needs a number}; shift ;;
    --timeout) timeout_s=${2:?--timeout needs seconds}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done

[[ "$scale" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--scale must be a positive number: $scale"
if [[ -z "$pgl_workers" ]]; then
  pgl_workers=$jobs
  ((pgl_workers >= 2)) || pgl_workers=2
fi
for v in jobs runs pgl_heap pgl_workers pgl_concurrency timeout_s; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v} must be a positive integer: ${!v}"
done
IFS=, read -r -a tools <<<"$tools_arg"
((${#tools[@]})) || die "--tools is empty"
for t in "${tools[@]}"; do
  [[ " ${ALL_TOOLS[*]} " == *" $t "* ]] || die "unknown tool '$t' (known: ${ALL_TOOLS[*]})"
done
has_tool() { [[ ",$tools_arg," == *",$1,"* ]]; }
[[ "$pgshift" == /* ]] || pgshift=$PWD/$pgshift
if has_tool pgshift && [[ ! -x "$pgshift" ]]; then
  die "pgshift executable not found at $pgshift (build it, pass --pgshift PATH, or leave pgshift out of --tools)"
fi
if has_tool pgloader; then command -v pgloader >/dev/null || die "pgloader not installed (apt-get install pgloader)"; fi
command -v sqlite3 >/dev/null || die "sqlite3 not installed (apt-get install sqlite3)"
[[ -x "$PGBIN/psql" ]] || die "PostgreSQL 15 client tools not found in $PGBIN"
require_time

# ---------------------------------------------------------------------------------------------
# Work directories and the SQLite file

mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd -P)
chmod 755 "$workdir" # the server runs as `postgres` and must reach its directory below
W=$(mktemp -d "$workdir/run.XXXXXX")
chmod 755 "$W"
mkdir -p "$W/logs"

started=()
cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  for d in "${started[@]}"; do cluster_stop "$d" || true; done
  if ((keep)); then
    log "run directory kept: $W"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gen_note=
if [[ -n "$sqlite_file" ]]; then
  [[ -f "$sqlite_file" ]] || die "--sqlite $sqlite_file: no such file"
  DB=$(cd "$(dirname "$sqlite_file")" && pwd -P)/$(basename "$sqlite_file")
  gen_note="given file (--sqlite)"
else
  gen_hash=$(sha256sum "$E2E_DIR/sqlite_generate.py" | cut -c1-8)
  DB="$workdir/app-s$scale-$gen_hash.db"
  if [[ -f "$DB" ]]; then
    log "using the cached SQLite file $DB"
    gen_note="cached ($DB)"
  else
    log "generating the SQLite file at scale $scale"
    t0=$(now)
    python3 "$E2E_DIR/sqlite_generate.py" "$DB" --scale "$scale" >"$W/logs/generate.log" 2>&1 ||
      { cat "$W/logs/generate.log" >&2; die "sqlite_generate.py failed"; }
    t1=$(now)
    gen_note="generated in $(elapsed "$t0" "$t1")s"
    cat "$W/logs/generate.log" >&2
  fi
fi
[[ "$DB" != *"'"* ]] || die "the SQLite file's path must not contain a quote: $DB"
db_mb=$(awk -v b="$(stat -c %s "$DB")" 'BEGIN { printf "%.0f", b / 1048576 }')

# Tables and row counts of the SQLite file ("table|count", sorted), with sqlite3 itself.
sqlite3 -readonly "$DB" "select name from sqlite_master where type = 'table'
  and name not like 'sqlite\_%' escape '\' order by name" >"$W/tables.txt"
[[ -s "$W/tables.txt" ]] || die "no tables in $DB"
while IFS= read -r t; do
  [[ "$t" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "table name needs quoting, not supported here: $t"
  echo "$t|$(sqlite3 -readonly "$DB" "select count(*) from \"$t\"")"
done <"$W/tables.txt" | sort >"$W/counts.source"
source_rows=$(awk -F'|' '{ s += $2 } END { print s }' "$W/counts.source")
log "SQLite file: $db_mb MB, $(wc -l <"$W/tables.txt") tables, $source_rows rows"

# users.balance as exact doubles (repr round-trips), to check the targets' values.
python3 - "$DB" >"$W/balance.source" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
try:
    for i, b in db.execute("select id, balance from users order by id"):
        print(f"{i}|{b!r}")
except sqlite3.Error:
    pass
PY

# ---------------------------------------------------------------------------------------------
# Target cluster

TP=$(cluster_free_port)
log "starting the target cluster on port $TP"
started+=("$W/target")
cluster_start "$W/target" "$TP"
cluster_tune "$W/target" "$TP"
TADMIN=$(pg_uri "$TP" postgres)

# "table|count" on the target for every SQLite table (public.<table>); ERROR if missing.
target_counts() { # URI
  local uri=$1 t n
  while IFS= read -r t; do
    if n=$(psqlx "$uri" -c "select count(*) from public.\"$t\"" 2>/dev/null); then
      echo "$t|$n"
    else
      echo "$t|ERROR"
    fi
  done <"$W/tables.txt" | sort
}

# Schema facts of a target, for the notes: users' columns, indexes, foreign keys, balance fidelity.
schema_notes() { # TOOL URI
  local tool=$1 uri=$2 nbal ndiff
  psqlx "$uri" -F' | ' -P footer=off -c "select rpad(column_name, 10), rpad(data_type, 27),
      rpad(case is_nullable when 'NO' then 'NOT NULL' else 'null' end, 8),
      coalesce(column_default, case is_identity when 'YES' then 'identity ' ||
        lower(identity_generation) else '' end)
    from information_schema.columns where table_schema = 'public' and table_name = 'users'
    order by ordinal_position" >"$W/users_cols.$tool" 2>&1 || true
  psqlx "$uri" -F': ' -c "select table_name, string_agg(column_name || ' ' || data_type ||
      case is_nullable when 'NO' then ' NN' else '' end, ', ' order by ordinal_position)
    from information_schema.columns where table_schema = 'public' group by table_name order by 1" \
    >"$W/all_cols.$tool" 2>&1 || true
  psqlx "$uri" -c "select indexdef from pg_indexes where schemaname = 'public' order by tablename, indexname" \
    >"$W/indexes.$tool" 2>&1 || true
  N_FK[$tool]=$(psqlx "$uri" -c "select count(*) from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname = 'public'" 2>/dev/null || echo '?')
  N_PK[$tool]=$(psqlx "$uri" -c "select count(*) || ' (none on: ' || coalesce((select string_agg(c.relname, ', '
      order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and not exists (select from pg_constraint p
        where p.conrelid = c.oid and p.contype = 'p')), '-') || ')'
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'p' and n.nspname = 'public'" 2>/dev/null || echo '?')
  # The next users.id the target would hand out (sequence or identity) against max(id).
  NEXT_ID[$tool]=$(psqlx "$uri" -c "select format('next %s, max(id) %s', (
      select coalesce(s.last_value + s.increment_by, s.start_value)
      from pg_sequences s where format('%I.%I', s.schemaname, s.sequencename)::regclass =
        pg_get_serial_sequence('public.users', 'id')::regclass), (select max(id) from public.users))" \
    2>/dev/null || echo n/a)
  N_IDX[$tool]=$(wc -l <"$W/indexes.$tool")
  N_PARTIAL[$tool]=$(grep -c ' WHERE ' "$W/indexes.$tool" || true)
  BAL[$tool]=n/a
  if [[ -s "$W/balance.source" ]] &&
    psqlx "$uri" -F'|' -c "select id, balance from public.users order by id" >"$W/balance.$tool" 2>/dev/null; then
    nbal=$(wc -l <"$W/balance.source")
    # Numeric comparison in awk: both sides parse to the nearest double; equal iff round-tripped.
    ndiff=$(awk -F'|' 'NR == FNR { v[$1] = $2; next } !($1 in v) || ($2 + 0) != (v[$1] + 0) { n++ }
      END { print n + 0 }' "$W/balance.source" "$W/balance.$tool")
    BAL[$tool]="$ndiff of $nbal differ"
  fi
}

# ---------------------------------------------------------------------------------------------
# Tools

# R_* are keyed by "tool,run"; N_*, BAL and R_NOTE by tool.
declare -A R_WALL R_RSS R_TREE R_STATUS R_NOTE N_FK N_PK N_IDX N_PARTIAL BAL NEXT_ID

fresh_db() { # DB
  psqlx "$TADMIN" -c "drop database if exists $1 with (force)" -c "create database $1"
}

# Warm the page cache with the SQLite file, so that no tool pays for reading it from disk.
warm_source() { cat "$DB" >/dev/null; }

# pgloader's errors in LOG (a few lines), for the console and the notes.
pgloader_errors() { # LOG
  grep -E 'ERROR|FATAL|fatal error|Heap exhausted|debugger invoked|Unhandled|KABOOM' "$1" | head -n 8 || true
}

write_pgloader_cmd() { # URI FILE
  cat >"$2" <<EOF
LOAD DATABASE
     FROM sqlite://$DB
     INTO $1

 WITH include drop, create tables, create indexes, foreign keys, reset sequences,
      workers = $pgl_workers, concurrency = $pgl_concurrency

  SET work_mem to '32MB', maintenance_work_mem to '512MB';
EOF
}

# One attempt, and a second with twice the heap if the first failed; sets the TIMED_* globals of the
# last attempt. Reads `run` from run_tool (bash locals are visible to the functions it calls).
run_pgloader() { # URI LOG
  local uri=$1 logf=$2 heap=$pgl_heap attempt=1 errs
  write_pgloader_cmd "$uri?sslmode=disable" "$W/pgloader.load"
  while :; do
    rm -rf "$W/pgloader"
    timed_run "$logf" timeout --foreground -k 30 "$timeout_s" pgloader --dynamic-space-size "$heap" \
      --root-dir "$W/pgloader" --summary "$W/pgloader-summary.txt" "$W/pgloader.load" </dev/null
    errs=$(pgloader_errors "$logf")
    if ((TIMED_RC == 0)) && ! grep -qE 'Heap exhausted|fatal error|debugger invoked' "$logf"; then
      ((attempt == 1)) || R_NOTE[pgloader]+="; run $run attempt 2 (heap $heap MB) ok"
      [[ -z "$errs" ]] || R_NOTE[pgloader]+="${R_NOTE[pgloader]:+; }run $run logged errors: $(head -n 3 <<<"$errs" | tr '\n' ' ')"
      return 0
    fi
    log "pgloader attempt $attempt (heap $heap MB) failed: exit $TIMED_RC after ${TIMED_WALL}s; errors:"
    printf '%s\n' "${errs:-(none matched; end of log below)}" >&2
    [[ -n "$errs" ]] || tail -n 15 "$logf" >&2
    R_NOTE[pgloader]+="${R_NOTE[pgloader]:+; }run $run attempt $attempt (heap $heap MB) failed: exit $TIMED_RC after ${TIMED_WALL}s: $(head -n 2 <<<"$errs" | tr '\n' ' ')"
    cp "$logf" "$logf.attempt$attempt"
    ((attempt == 1)) || return 0
    attempt=2
    heap=$((heap * 2))
    log "retrying pgloader once on a fresh database with heap $heap MB"
    fresh_db bench_pgloader
    psqlx "$TADMIN" -c checkpoint
    warm_source
  done
}

run_tool() { # TOOL RUN
  local tool=$1 run=$2 db="bench_$1" turi logf="$W/logs/$1.run$2.log" ndiff k="$1,$2"
  turi=$(pg_uri "$TP" "$db")
  fresh_db "$db"
  psqlx "$TADMIN" -c checkpoint
  warm_source
  log "running $tool (run $run of $runs)"
  case $tool in
    pgshift)
      timed_run "$logf" timeout --foreground -k 30 "$timeout_s" "$pgshift" migrate --source "sqlite://$DB" \
        --target "$turi" --jobs "$jobs" --quiet --report "$W/pgshift-report.json"
      ;;
    pgloader)
      run_pgloader "$turi" "$logf"
      ;;
  esac
  R_WALL[$k]=$TIMED_WALL
  R_RSS[$k]=$(awk -v k="$TIMED_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  R_TREE[$k]=$(awk -v k="$TIMED_TREE_KB" 'BEGIN { printf "%.0f", k / 1024 }')

  target_counts "$turi" >"$W/counts.$tool"
  ndiff=$(diff "$W/counts.source" "$W/counts.$tool" | grep -c '^>' || true)
  if ((TIMED_RC == 124)); then
    R_STATUS[$k]="FAILED (timeout ${timeout_s}s)"
  elif ((TIMED_RC != 0)); then
    R_STATUS[$k]="FAILED (exit $TIMED_RC)"
  elif ((ndiff > 0)); then
    R_STATUS[$k]="FAILED ($ndiff tables differ)"
  else
    R_STATUS[$k]="yes"
  fi
  if [[ "${R_STATUS[$k]}" != yes ]]; then
    log "$tool: ${R_STATUS[$k]}; end of $logf:"
    tail -n 15 "$logf" >&2 || true
    diff "$W/counts.source" "$W/counts.$tool" >&2 || true
  fi
  log "$tool run $run: ${R_WALL[$k]} s, peak RSS ${R_RSS[$k]} MB (tree PSS ${R_TREE[$k]} MB), rows OK: ${R_STATUS[$k]}"
  ((run != runs)) || schema_notes "$tool" "$turi"
  psqlx "$TADMIN" -c "drop database if exists $db with (force)"
}

any_failed=0
for ((r = 1; r <= runs; r++)); do
  for t in "${tools[@]}"; do
    run_tool "$t" "$r"
    [[ "${R_STATUS[$t,$r]}" == yes ]] || any_failed=1
  done
done

# Per tool over the runs: median wall (of the runs that succeeded, else of all), largest RSS and
# PSS, "yes" only if every run copied every row (else the first failure), and the list of walls.
declare -A A_WALL A_RSS A_TREE A_STATUS A_WALLS
for t in "${tools[@]}"; do
  ok=() all=() A_RSS[$t]=0 A_TREE[$t]=0 A_STATUS[$t]=yes A_WALLS[$t]=
  for ((r = 1; r <= runs; r++)); do
    all+=("${R_WALL[$t,$r]}")
    [[ "${R_STATUS[$t,$r]}" != yes ]] || ok+=("${R_WALL[$t,$r]}")
    [[ "${A_STATUS[$t]}" != yes || "${R_STATUS[$t,$r]}" == yes ]] || A_STATUS[$t]="${R_STATUS[$t,$r]} (run $r)"
    ((R_RSS[$t,$r] <= A_RSS[$t])) || A_RSS[$t]=${R_RSS[$t,$r]}
    ((R_TREE[$t,$r] <= A_TREE[$t])) || A_TREE[$t]=${R_TREE[$t,$r]}
    A_WALLS[$t]+="${A_WALLS[$t]:+ }${R_WALL[$t,$r]}"
  done
  ((${#ok[@]})) || ok=("${all[@]}")
  A_WALL[$t]=$(printf '%s\n' "${ok[@]}" | median)
done

# ---------------------------------------------------------------------------------------------
# Report

base=
[[ "${A_STATUS[pgshift]:-}" == yes ]] && base=${A_WALL[pgshift]}

stamp=$(date +%Y%m%d-%H%M%S)
results="$E2E_DIR/results-sqlite-$stamp.txt"
version_of() { "$@" 2>/dev/null | head -n 1 || true; }
{
  echo "pgshift SQLite -> PostgreSQL end-to-end benchmark, $(date -Is)"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
  echo "server: $(psqlx "$TADMIN" -c 'select version()')"
  echo "settings (target): $(cluster_settings "$TADMIN")"
  echo "sqlite3: $(sqlite3 --version | cut -d' ' -f1)"
  if has_tool pgloader; then echo "pgloader: $(pgloader --version 2>/dev/null | paste -sd' ' || true)"; fi
  if [[ -x "$pgshift" ]]; then echo "pgshift: $pgshift $(version_of timeout 5 "$pgshift" --version)"; fi
  echo "dataset: $(basename "$DB"), scale $scale, $db_mb MB, $(wc -l <"$W/tables.txt") tables, $source_rows rows; $gen_note"
  echo "jobs: pgshift --jobs $jobs; pgloader workers = $pgl_workers, concurrency = $pgl_concurrency, heap $pgl_heap MB"
  echo "CHECKPOINT on the target and the SQLite file read into the page cache before each tool"
  echo
  echo "rows (sqlite3 count(*)):"
  awk -F'|' '{ printf "  %-12s %10s\n", $1, $2 }' "$W/counts.source"
  echo
  printf '%-10s %9s %13s %13s %14s  %s\n' tool "wall s" "peak RSS MB" "tree PSS MB" "vs pgshift" "rows OK"
  for t in "${tools[@]}"; do
    ratio=n/a
    [[ -n "$base" ]] && ratio=$(awk -v a="${A_WALL[$t]}" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-10s %9s %13s %13s %14s  %s\n' "$t" "${A_WALL[$t]}" "${A_RSS[$t]}" "${A_TREE[$t]}" "$ratio" "${A_STATUS[$t]}"
  done
  echo
  if ((runs > 1)); then
    echo "runs: $runs per tool, interleaved; wall s is the median; memory columns the largest."
    for t in "${tools[@]}"; do echo "  $t walls: ${A_WALLS[$t]}"; done
    # Each run against the pgshift run just before or after it: the host's speed drifts over
    # minutes, and adjacent runs see the same host.
    if [[ -n "$base" ]]; then
      for t in "${tools[@]}"; do
        [[ "$t" != pgshift ]] || continue
        pairs=
        for ((r = 1; r <= runs; r++)); do
          pairs+="${pairs:+ }$(awk -v a="${R_WALL[$t,$r]}" -v b="${R_WALL[pgshift,$r]}" 'BEGIN { printf "%.2f", a / b }')"
        done
        echo "  $t / pgshift, run by run: $pairs (median $(tr ' ' '\n' <<<"$pairs" | median)x)"
      done
    fi
  fi
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host makes walls noisy)"
  echo "wall s: /usr/bin/time %e of the whole command."
  echo "peak RSS MB: /usr/bin/time %M = max RSS of the largest single process in the tool's tree."
  echo "tree PSS MB: peak of the summed PSS of all the tool's processes, sampled every 0.2 s"
  echo "             (not the server's backends)."
  echo "vs pgshift: tool wall / pgshift wall (>1 = slower than pgshift)."
  echo "Work per tool differs: pgshift verifies every chunk (row count + digest, read back from the"
  echo "target) and runs ANALYZE; pgloader does neither."
  for t in "${tools[@]}"; do
    if [[ -n "${R_NOTE[$t]:-}" ]]; then echo "$t: ${R_NOTE[$t]}"; fi
  done
  echo
  echo "schema on the target (public):"
  printf '  %-10s %8s %8s %5s  %-32s  %s\n' tool indexes partial "FKs" "users.balance vs SQLite doubles" "users.id"
  for t in "${tools[@]}"; do
    printf '  %-10s %8s %8s %5s  %-32s  %s\n' "$t" "${N_IDX[$t]:-?}" "${N_PARTIAL[$t]:-?}" "${N_FK[$t]:-?}" "${BAL[$t]:-n/a}" "${NEXT_ID[$t]:-n/a}"
  done
  for t in "${tools[@]}"; do echo "  $t primary keys: ${N_PK[$t]:-?}"; done
  echo "SQLite file: $(sqlite3 -readonly "$DB" "select count(*) from sqlite_master where type = 'index'") indexes" \
    "($(sqlite3 -readonly "$DB" "select count(*) from sqlite_master where type = 'index' and sql like '% WHERE %'") partial)," \
    "$(sqlite3 -readonly "$DB" "select count(*) from sqlite_master m, pragma_foreign_key_list(m.name) f where m.type = 'table' and f.seq = 0") foreign keys"
  for t in "${tools[@]}"; do
    echo
    echo "users columns on $t's target (information_schema.columns: name | type | nullable | default or identity):"
    sed 's/^/  /' "$W/users_cols.$t" 2>/dev/null || true
  done
  for t in "${tools[@]}"; do
    echo
    echo "all columns on $t's target (NN = NOT NULL):"
    sed 's/^/  /' "$W/all_cols.$t" 2>/dev/null || true
  done
  echo
  echo "users in the SQLite file:"
  sqlite3 -readonly "$DB" "select sql from sqlite_master where name = 'users'" | sed 's/^/  /'
  for t in "${tools[@]}"; do
    echo
    echo "indexes on $t's target:"
    sed 's/^/  /' "$W/indexes.$t" 2>/dev/null || true
  done
  if has_tool pgloader && [[ -s "$W/pgloader-summary.txt" ]]; then
    echo
    echo "pgloader summary:"
    sed 's/^/  /' "$W/pgloader-summary.txt"
  fi
} | tee "$results"
[[ ! -f "$W/pgshift-report.json" ]] || cp "$W/pgshift-report.json" "$E2E_DIR/results-sqlite-$stamp-pgshift-report.json"
log "results written to $results"
exit "$any_failed"
