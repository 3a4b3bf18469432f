#!/usr/bin/env bash
# bench/e2e/run.sh — end-to-end benchmark: pgshift against pg_dump|psql, pg_dump -Fd/pg_restore and
# pgcopydb, on the same pair of local PostgreSQL 15 servers.
#
# usage: bench/e2e/run.sh [--scale S] [--tools LIST] [--pgshift PATH] [--jobs N] [--keep]
#                         [--verify-bench] [--workdir DIR] [--no-warm-up]
#
#   --scale S        dataset size for generate.sql; 1 = about 1 GB (default 1; 0.1 = about 100 MB)
#   --tools LIST     comma-separated, run in this order (default pgshift,pg_dump_psql,pg_dump_dir,pgcopydb)
#                      pgshift       PGSHIFT migrate --jobs N --quiet --report FILE
#                      pgshift_noverify  the same with --verify off (no read-back)
#                      pgshift_j1    one pgshift migrate process with --jobs 1
#                      pgshift_base  PGSHIFT_BASE migrate, as `pgshift`: another build (e.g. the
#                                    commit before a refactor) timed in the same run
#                      pgshift_2x1   two pgshift migrate processes with --jobs 1 each, started
#                                    together on the same source and target (they share one run);
#                                    timed until both exit, FAILED unless both exit 0
#                      pg_dump_psql  pg_dump (plain) | psql
#                      pg_dump_dir   pg_dump -Fd -jN, then pg_restore -jN (timed together)
#                      pgcopydb      pgcopydb clone --table-jobs N --index-jobs N
#                      pgcopydb_split  the same with --split-tables-larger-than 64MB (not in the
#                                    default list: same-table COPY concurrency, like pgshift's chunks)
#   --pgshift PATH   the pgshift executable (default build/pgshift)
#   --pgshift-base PATH  the executable of the pgshift_base tool (required when it is listed)
#   --jobs N         parallelism given to every tool (default 2)
#   --runs N         run the tool list N times, interleaved (a, b, a, b, ...); the table shows each
#                    tool's median wall and largest memory, and lists every wall (default 1)
#   --keep           keep the work directory (clusters' data, logs, dumps) after the run
#   --no-warm-up     skip the untimed first run of the first tool (a fresh target cluster's first
#                    bulk load is slower, for any tool)
#   --verify-bench   after the pgshift migrate, run bench/e2e/verify_compare.sh on the source and
#                    pgshift's target (without pgshift in --tools: on the first tool's target that
#                    copied every row, and only the hashtext side is timed if PGSHIFT is missing)
#   --workdir DIR    use DIR (created; must be empty) instead of a fresh /tmp/pgshift-e2e.XXXXXX
#   --rtt MS         a far network: every tool reaches both servers through the fault proxy
#                    (build/tests/fault-proxy), which adds MS/2 each way (default 0: direct)
#   --link-rate MB   with the proxy: cap each connection at MB megabytes/s each way (default 0: none)
#   --proxy PATH     the fault-proxy executable (default build/tests/fault-proxy)
#   --plan           before the tools, `pgshift plan --jobs N` against an empty target database
#                    (with --verify off too when pgshift_noverify is listed); the results compare
#                    its estimate with the median wall of pgshift (and pgshift_noverify)
#
# Starts one source and one target cluster (tools/cluster.sh; normal durability: fsync,
# synchronous_commit, full_page_writes on), loads generate.sql into database `bench` on the source,
# VACUUM ANALYZE. Then, for each tool: a fresh empty target database bench_<tool>, CHECKPOINT on both
# servers (the OS page cache cannot be dropped here, so every tool reads a warm source), the tool
# under /usr/bin/time -f '%e %M', then count(*) of every source table on both sides; any difference
# or a non-zero exit marks the tool FAILED. The target database is dropped afterwards (disk space).
# Prints a table and writes it to bench/e2e/results-<timestamp>.txt. Exit status 1 if a tool failed.
set -Eeuo pipefail

# shellcheck source=bench/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/} line $LINENO"' ERR

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

ALL_TOOLS=(pgshift pgshift_base pgshift_noverify pgshift_j1 pgshift_2x1 pg_dump_psql pg_dump_dir pgcopydb pgcopydb_split)
scale=1
tools_arg=pgshift,pg_dump_psql,pg_dump_dir,pgcopydb
pgshift=$REPO_ROOT/build/pgshift
pgshift_base=
jobs=2
keep=0
runs=1
verify_bench=0
warm_up=1
warming=0
plan=0
workdir=
rtt=0
link_rate=0
proxy=$REPO_ROOT/build/tests/fault-proxy

while (($#)); do
  case $1 in
    --scale) scale=${2:?--scale needs a value}; shift ;;
    --tools) tools_arg=${2:?--tools needs a value}; shift ;;
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --pgshift-base) pgshift_base=${2:?--pgshift-base needs a path}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --keep) keep=1 ;;
    --no-warm-up) warm_up=0 ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --verify-bench) verify_bench=1 ;;
    --plan) plan=1 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift ;;
    --rtt) rtt=${2:?--rtt needs milliseconds}; shift ;;
    --link-rate) link_rate=${2:?--link-rate needs MB/s}; shift ;;
    --proxy) proxy=${2:?--proxy needs a path}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done

[[ "$scale" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--scale must be a positive number: $scale"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer: $jobs"
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
if has_tool pgshift_base && [[ ! -x "$pgshift_base" ]]; then
  die "pgshift_base needs --pgshift-base PATH, an executable (got '$pgshift_base')"
fi
if has_tool pgcopydb || has_tool pgcopydb_split; then command -v pgcopydb >/dev/null || die "pgcopydb not installed (apt-get install pgcopydb)"; fi
[[ -x "$PGBIN/pg_dump" ]] || die "PostgreSQL 15 client tools not found in $PGBIN"
require_time
[[ "$rtt" =~ ^[0-9]+$ ]] || die "--rtt must be whole milliseconds: $rtt"
[[ "$link_rate" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--link-rate must be a number of MB/s: $link_rate"
far=0
if ((rtt > 0)) || [[ "$link_rate" != 0 ]]; then
  far=1
  [[ -x "$proxy" ]] || die "fault-proxy not found at $proxy (cmake --build build --target fault-proxy)"
fi

# ---------------------------------------------------------------------------------------------
# Work directory and clusters

if [[ -n "$workdir" ]]; then
  mkdir -p "$workdir"
  [[ -z "$(ls -A "$workdir")" ]] || die "--workdir $workdir is not empty"
  W=$(cd "$workdir" && pwd -P)
else
  W=$(mktemp -d /tmp/pgshift-e2e.XXXXXX)
fi
chmod 755 "$W" # the servers run as `postgres` and must reach their directories
mkdir -p "$W/logs"

started=()
proxies=()
cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  for d in "${proxies[@]}"; do kill "$d" 2>/dev/null || true; done
  for d in "${started[@]}"; do cluster_stop "$d" || true; done
  if ((keep)); then
    log "work directory kept: $W"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster_pair
SRC=$(pg_uri "$SP" bench)

# Far network: the tools' connections go through one fault proxy per server (the set-up and the
# row counts do not). SLINK/TLINK are the ports the tools use.
SLINK=$SP TLINK=$TP
start_proxy() { # UPSTREAM_PORT VAR: starts a proxy to the port, sets VAR to the proxy's port
  local fifo="$W/proxy.$1" port
  rm -f "$fifo" && mkfifo "$fifo"
  "$proxy" --upstream "$1" --latency-ms $((rtt / 2)) \
    --rate "$(awk -v m="$link_rate" 'BEGIN { printf "%.0f", m * 1048576 }')" >"$fifo" &
  proxies+=($!)
  read -r port <"$fifo"
  rm -f "$fifo"
  [[ "$port" =~ ^[0-9]+$ ]] || die "fault-proxy did not start"
  printf -v "$2" '%s' "$port"
}
if ((far)); then
  start_proxy "$SP" SLINK
  start_proxy "$TP" TLINK
  log "far network: fault proxies on $SLINK (source) and $TLINK (target), ${rtt} ms round trip, ${link_rate} MB/s per connection (0 = no cap)"
fi
SRC_TOOL=$(pg_uri "$SLINK" bench)

# ---------------------------------------------------------------------------------------------
# Dataset

psqlx "$SADMIN" -c "create database bench"
log "loading generate.sql at scale $scale"
t0=$(now)
"$PGBIN/psql" -X -v ON_ERROR_STOP=1 -v scale="$scale" -d "$SRC" -f "$E2E_DIR/generate.sql" \
  >"$W/logs/generate.log" 2>&1 || { tail -n 30 "$W/logs/generate.log" >&2; die "generate.sql failed"; }
t1=$(now)
psqlx "$SRC" -c "vacuum analyze"
t2=$(now)
load_s=$(elapsed "$t0" "$t1")
vacuum_s=$(elapsed "$t1" "$t2")
db_bytes=$(psqlx "$SRC" -c "select pg_database_size('bench')")
db_mb=$(awk -v b="$db_bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
log "dataset: $db_mb MB (pg_database_size), load ${load_s}s, vacuum analyze ${vacuum_s}s"

user_tables "$SRC" >"$W/tables.txt"
table_counts "$SRC" "$W/tables.txt" >"$W/counts.source"
source_rows=$(awk -F'|' '{ s += $2 } END { print s }' "$W/counts.source")

# ---------------------------------------------------------------------------------------------
# Plan: pgshift's own estimate of the migrate runs below, made before any of them.

declare -A PLAN_ESTIMATE=()
plan_estimate() { # TOOL [migrate options]: runs plan as TOOL would migrate, sets PLAN_ESTIMATE[TOOL]
  local tool=$1 db=bench_plan report="$W/plan-$1.json"
  shift
  psqlx "$TADMIN" -c "drop database if exists $db with (force)" -c "create database $db"
  log "plan for $tool"
  "$pgshift" plan --source "$SRC_TOOL" --target "$(pg_uri "$TLINK" "$db")" --jobs "$jobs" "$@" \
    --report "$report" >"$W/logs/plan-$tool.log" 2>&1 || true
  PLAN_ESTIMATE[$tool]=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["estimate"]["seconds"])' "$report" 2>/dev/null || echo n/a)
  log "plan for $tool: estimated ${PLAN_ESTIMATE[$tool]} s"
  psqlx "$TADMIN" -c "drop database if exists $db with (force)"
}
if ((plan)); then
  has_tool pgshift && plan_estimate pgshift
  has_tool pgshift_noverify && plan_estimate pgshift_noverify --verify off
fi

# ---------------------------------------------------------------------------------------------
# Tools

declare -A R_WALL R_RSS R_TREE R_STATUS R_NOTE R_PHASES R_CPU R_CPUS
verify_target=
has_tool pgshift && verify_target=pgshift
verify_done=0
verify_out=

run_tool() { # TOOL
  local tool=$1 db="bench_$1" turi tlink logf="$W/logs/$1.log" ndiff
  turi=$(pg_uri "$TP" "$db")
  tlink=$(pg_uri "$TLINK" "$db")
  psqlx "$TADMIN" -c "drop database if exists $db with (force)" -c "create database $db"
  psqlx "$SADMIN" -c checkpoint
  psqlx "$TADMIN" -c checkpoint
  log "running $tool"
  local cpu_source cpu_target
  cpu_source=$(cluster_cpu "$W/source")
  cpu_target=$(cluster_cpu "$W/target")
  case $tool in
    pgshift)
      timed_run "$logf" "$pgshift" migrate --source "$SRC_TOOL" --target "$tlink" --jobs "$jobs" --quiet \
        --report "$W/pgshift-report.json"
      ;;
    pgshift_base)
      timed_run "$logf" "$pgshift_base" migrate --source "$SRC_TOOL" --target "$tlink" --jobs "$jobs" \
        --quiet
      ;;
    pgshift_noverify)
      timed_run "$logf" "$pgshift" migrate --source "$SRC_TOOL" --target "$tlink" --jobs "$jobs" --quiet \
        --verify off --report "$W/pgshift_noverify-report.json"
      ;;
    pgshift_j1)
      timed_run "$logf" "$pgshift" migrate --source "$SRC_TOOL" --target "$tlink" --jobs 1 --quiet
      ;;
    pgshift_2x1)
      timed_run "$logf" bash -c '"$1" migrate --source "$2" --target "$3" --jobs 1 --quiet & first=$!
        "$1" migrate --source "$2" --target "$3" --jobs 1 --quiet; second=$?
        wait "$first" && exit "$second"' _ "$pgshift" "$SRC_TOOL" "$tlink"
      R_NOTE[$tool]="chunks by process: $(psqlx "$turi" -c "select string_agg(n::text, ' + ')
        from (select count(*) n from pgshift.chunks group by copied_by order by 1 desc) c" 2>/dev/null || echo '?')"
      ;;
    pg_dump_psql)
      # psql's stdout (results of the dump's set_config calls) is noise; its errors stay in the log.
      timed_run "$logf" bash -c 'set -o pipefail
        "$1/pg_dump" -d "$2" | "$1/psql" -X -q -v ON_ERROR_STOP=1 -d "$3" >/dev/null' \
        _ "$PGBIN" "$SRC_TOOL" "$tlink"
      ;;
    pg_dump_dir)
      rm -rf "$W/dump"
      timed_run "$logf" bash -c '"$1/pg_dump" -Fd -j "$4" -f "$5" -d "$2" &&
        "$1/pg_restore" -j "$4" -d "$3" "$5"' _ "$PGBIN" "$SRC_TOOL" "$tlink" "$jobs" "$W/dump"
      [[ ! -d "$W/dump" ]] || R_NOTE[$tool]="dump dir $(du -sm "$W/dump" | cut -f1) MB (default gzip)"
      rm -rf "$W/dump"
      ;;
    pgcopydb | pgcopydb_split)
      # A fresh --dir each time: pgcopydb refuses a dir holding a previous run's state without
      # --restart/--resume.
      local split=()
      [[ $tool != pgcopydb_split ]] || split=(--split-tables-larger-than 64MB)
      rm -rf "${W:?}/$tool"
      timed_run "$logf" pgcopydb clone --source "$SRC_TOOL" --target "$tlink" \
        --table-jobs "$jobs" --index-jobs "$jobs" "${split[@]}" --dir "$W/$tool"
      ;;
  esac
  R_WALL[$tool]=$TIMED_WALL
  R_CPU[$tool]=$(awk -v t="$TIMED_CPU" -v s0="$cpu_source" -v s1="$(cluster_cpu "$W/source")" \
    -v d0="$cpu_target" -v d1="$(cluster_cpu "$W/target")" \
    'BEGIN { printf "%.1f+%.1f+%.1f=%.1f", t, s1 - s0, d1 - d0, t + s1 - s0 + d1 - d0 }')
  # Where each run's time went: pgshift's report and pgcopydb's own summary (not the warm-up's).
  ((warming)) || case $tool in
    pgshift | pgshift_noverify)
      R_PHASES[$tool]+="  run $run, ${TIMED_WALL} s: $(pgshift_phases "$W/$tool-report.json")"$'\n' ;;
    pgcopydb | pgcopydb_split)
      R_PHASES[$tool]+="  run $run, ${TIMED_WALL} s:"$'\n'"$(pgcopydb_phases "$logf" | sed 's/^/    /')"$'\n' ;;
  esac
  R_RSS[$tool]=$(awk -v k="$TIMED_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  R_TREE[$tool]=$(awk -v k="$TIMED_TREE_KB" 'BEGIN { printf "%.0f", k / 1024 }')

  table_counts "$turi" "$W/tables.txt" >"$W/counts.$tool"
  ndiff=$(diff "$W/counts.source" "$W/counts.$tool" | grep -c '^>' || true)
  if ((TIMED_RC != 0)); then
    R_STATUS[$tool]="FAILED (exit $TIMED_RC)"
  elif ((ndiff > 0)); then
    R_STATUS[$tool]="FAILED ($ndiff tables differ)"
  else
    R_STATUS[$tool]="yes"
  fi
  if [[ "${R_STATUS[$tool]}" != yes ]]; then
    log "$tool: ${R_STATUS[$tool]}; end of $logf:"
    tail -n 15 "$logf" >&2 || true
    diff "$W/counts.source" "$W/counts.$tool" >&2 || true
  fi
  log "$tool: ${R_WALL[$tool]} s, peak RSS ${R_RSS[$tool]} MB (tree PSS ${R_TREE[$tool]} MB), rows OK: ${R_STATUS[$tool]}"

  if ((verify_bench && !verify_done && !warming)) && [[ "${R_STATUS[$tool]}" == yes ]] &&
    [[ -z "$verify_target" || "$verify_target" == "$tool" ]]; then
    verify_done=1
    log "verify bench on the source and $tool's target"
    verify_out=$("$E2E_DIR/verify_compare.sh" --pgshift "$pgshift" --jobs "$jobs" "$SRC" "$turi" 2>&1) || true
    verify_out="target: $db (written by $tool)"$'\n'"$verify_out"
    printf '%s\n' "$verify_out" >&2
  fi
  psqlx "$TADMIN" -c "drop database if exists $db with (force)"
}

[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer: $runs"
declare -A R_WALLS R_RSS_MAX R_TREE_MAX R_FAILED
any_failed=0
# The first bulk load into the fresh target cluster costs whichever tool comes first several
# seconds more (measured 2026-12-04: pgcopydb first 17.6 s then 14.3 s; pgshift first 17.4 s then
# 12.7 s, the target's CPU 24 s against 18): one untimed run of the first tool takes that.
if ((warm_up)); then
  log "warm-up: one untimed run of ${tools[0]}"
  warming=1
  run_tool "${tools[0]}"
  warming=0
fi
for ((run = 1; run <= runs; ++run)); do
  for t in "${tools[@]}"; do
    run_tool "$t"
    [[ "${R_STATUS[$t]}" == yes ]] || { any_failed=1; R_FAILED[$t]="${R_STATUS[$t]} (run $run)"; }
    R_WALLS[$t]+="${R_WALLS[$t]:+ }${R_WALL[$t]}"
    R_CPUS[$t]+="${R_CPUS[$t]:+ }${R_CPU[$t]}"
    ((${R_RSS[$t]} > ${R_RSS_MAX[$t]:-0})) && R_RSS_MAX[$t]=${R_RSS[$t]}
    ((${R_TREE[$t]} > ${R_TREE_MAX[$t]:-0})) && R_TREE_MAX[$t]=${R_TREE[$t]}
  done
done
for t in "${tools[@]}"; do
  R_WALL[$t]=$(tr ' ' '\n' <<<"${R_WALLS[$t]}" | median)
  R_RSS[$t]=${R_RSS_MAX[$t]}
  R_TREE[$t]=${R_TREE_MAX[$t]}
  [[ -z "${R_FAILED[$t]:-}" ]] || R_STATUS[$t]=${R_FAILED[$t]}
done

# ---------------------------------------------------------------------------------------------
# Report

base=
[[ "${R_STATUS[pgshift]:-}" == yes ]] && base=${R_WALL[pgshift]}

stamp=$(date +%Y%m%d-%H%M%S)
results="$E2E_DIR/results-$stamp.txt"
version_of() { "$@" 2>/dev/null | head -n 1 || true; }
{
  echo "pgshift end-to-end benchmark, $(date -Is)"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
  echo "server: $(psqlx "$SADMIN" -c 'select version()')"
  echo "settings (source and target): $(cluster_settings "$SADMIN")"
  echo "clients: $(version_of "$PGBIN/pg_dump" --version); $(version_of pgcopydb --version)"
  if [[ -x "$pgshift" ]]; then echo "pgshift: $pgshift $(version_of timeout 5 "$pgshift" --version)"; fi
  echo "dataset: scale $scale, $db_mb MB (pg_database_size of bench after VACUUM ANALYZE), $(wc -l <"$W/tables.txt") tables, $source_rows rows; load ${load_s}s, vacuum analyze ${vacuum_s}s"
  echo "jobs: $jobs for every tool; CHECKPOINT on both servers before each tool; source cache warm;" \
    "$( ((warm_up)) && echo "one untimed warm-up run of ${tools[0]} first" || echo "no warm-up run")"
  if ((far)); then
    echo "network: every tool through fault proxies (tests/support/fault_proxy): ${rtt} ms round trip to each server, ${link_rate} MB/s per connection and direction (0 = no cap)"
  fi
  echo
  sed -n '/^ *table *|/,/^(/p' "$W/logs/generate.log"
  echo
  printf '%-14s %9s %13s %13s %12s  %s\n' tool "wall s" "peak RSS MB" "tree PSS MB" "vs pgshift" "rows OK"
  for t in "${tools[@]}"; do
    ratio=n/a
    [[ -n "$base" ]] && ratio=$(awk -v a="${R_WALL[$t]}" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-14s %9s %13s %13s %12s  %s\n' "$t" "${R_WALL[$t]}" "${R_RSS[$t]}" "${R_TREE[$t]}" "$ratio" "${R_STATUS[$t]}"
  done
  echo
  echo "wall s: /usr/bin/time %e of the whole command (pipelines and pg_dump+pg_restore as one bash -c)."
  echo "peak RSS MB: /usr/bin/time %M = max RSS of the largest single process in the tool's tree."
  echo "tree PSS MB: peak of the summed PSS (shared pages split among sharers) of all the tool's"
  echo "             processes, sampled every 0.2 s (not the servers' backends)."
  echo "vs pgshift: tool wall / pgshift wall (>1 = slower than pgshift)."
  echo "CPU s per run: the tool's processes + the source server's + the target server's backends"
  echo "             (user + system; each server's long-lived background processes not counted):"
  for t in "${tools[@]}"; do echo "  $t: ${R_CPUS[$t]}"; done
  if ((runs > 1)); then
    echo "runs: $runs, interleaved; wall s is the median, memory the largest."
    for t in "${tools[@]}"; do echo "  $t walls: ${R_WALLS[$t]}"; done
  fi
  echo "Work per tool differs: pgcopydb also runs VACUUM ANALYZE on the target; pgshift runs ANALYZE"
  echo "and verifies every chunk; pg_dump/pg_restore do neither."
  for t in "${tools[@]}"; do
    if [[ -n "${R_NOTE[$t]:-}" ]]; then echo "$t: ${R_NOTE[$t]}"; fi
  done
  if ((${#PLAN_ESTIMATE[@]})); then
    echo
    echo "plan's estimate against the run (median wall):"
    for t in "${!PLAN_ESTIMATE[@]}"; do
      awk -v t="$t" -v e="${PLAN_ESTIMATE[$t]}" -v a="${R_WALL[$t]:-nan}" 'BEGIN {
        if (e + 0 > 0 && a + 0 > 0) printf "  %s: estimated %.1f s, ran %.2f s: %+.0f%%\n", t, e, a, 100 * (e - a) / a
        else printf "  %s: estimated %s s, ran %s s\n", t, e, a }'
    done
  fi
  if ((${#R_PHASES[@]})); then
    echo
    echo "phases (pgshift: busy seconds summed over the phase's tasks [first-last second busy];"
    echo "pgcopydb: its own summary, cumulative rows summed over its workers):"
    for t in "${tools[@]}"; do
      if [[ -n "${R_PHASES[$t]:-}" ]]; then printf '%s:\n%s' "$t" "${R_PHASES[$t]}"; fi
    done
  fi
  if ((verify_bench)); then
    echo
    echo "verify bench:"
    if ((verify_done)); then printf '%s\n' "$verify_out"
    elif [[ -n "$verify_target" ]]; then echo "not run ($verify_target did not copy every row)"
    else echo "not run (no tool copied every row)"; fi
  fi
} | tee "$results"
[[ ! -f "$W/pgshift-report.json" ]] || cp "$W/pgshift-report.json" "$E2E_DIR/results-$stamp-pgshift-report.json"
log "results written to $results"
exit "$any_failed"
