#!/usr/bin/env bash
# bench/e2e/sync_catchup.sh — catch-up benchmark of `pgshift sync` against PostgreSQL's own logical
# replication: how long each takes to apply the same backlog of 40,000 pgbench transactions
# (about 160,000 row changes) that piled up in its slot while nothing was reading it.
#
# usage: bench/e2e/sync_catchup.sh [--runs N] [--scale S] [--clients C] [--transactions T]
#                                  [--pgshift PATH] [--keep] [--workdir DIR]
#
#   --runs N          repeat N times, each on fresh databases; the table shows medians (default 3)
#   --scale S         pgbench -i -s S (default 10: 1,000,000 accounts)
#   --clients C       pgbench -c C for the backlog (default 4)
#   --transactions T  pgbench -t T per client (default 10000: C*T transactions in all)
#   --pgshift PATH    the pgshift executable (default build/pgshift)
#   --keep            keep the work directory (clusters' data and logs) after the run
#   --workdir DIR     use DIR (created; must be empty) instead of a fresh /tmp/pgshift-sync.XXXXXX
#
# Starts a source and a target cluster (tools/cluster.sh, then the durable settings of run.sh:
# fsync, synchronous_commit, full_page_writes on). Each run, on fresh databases:
#   1. pgbench -i -s S into database src_R on the source;
#   2. pgshift sync --endpos current --replica-identity-full into pgshift_R on the target: the copy
#      (pgbench_history has no key); it leaves the slot pgshift_<hash> at the copy's point;
#   3. at the same point: a publication native_pub FOR TABLE the four pgbench tables, then the slot
#      `native` (pg_create_logical_replication_slot('native', 'pgoutput')), then
#      pg_dump src_R | psql native_R on the target (nothing writes to the source meanwhile);
#   4. the backlog: pgbench -c C -t T once (both slots record it); L = pg_current_wal_insert_lsn();
#   5. pgshift: /usr/bin/time -v pgshift sync --endpos current (the catch-up, timed whole);
#   6. native: CREATE SUBSCRIPTION ... WITH (create_slot = false, slot_name = 'native',
#      copy_data = false) on native_R, timed from the CREATE until the slot's confirmed_flush_lsn
#      >= L (polled every 20 ms); then the subscription is dropped;
#   6b. the decode floor: a third slot `floor`, made with `native`, read by pg_recvlogical
#      (pgoutput, the same publication) into /dev/null up to L, timed: what the source's WAL sender
#      alone needs to decode the backlog, which neither tool can go below;
#      steps 5 and 6 run one after the other (not together), pgshift first in odd runs, native
#      first in even runs;
#   7. count(*) and an md5 of every table's rows on src_R, pgshift_R and native_R must agree.
# Prints a table (medians of the runs, every run's figures) and writes it to
# bench/e2e/results-sync-catchup-<timestamp>.txt. Exit status 1 if a run failed or a target differs.
set -Eeuo pipefail

# shellcheck source=bench/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/} line $LINENO"' ERR

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

runs=3
scale=10
clients=4
transactions=10000
pgshift=$REPO_ROOT/build/pgshift
keep=0
workdir=
while (($#)); do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --scale) scale=${2:?--scale needs a number}; shift ;;
    --clients) clients=${2:?--clients needs a number}; shift ;;
    --transactions) transactions=${2:?--transactions needs a number}; shift ;;
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --keep) keep=1 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
for v in runs scale clients transactions; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer: ${!v}"
done
[[ "$pgshift" == /* ]] || pgshift=$PWD/$pgshift
[[ -x "$pgshift" ]] || die "pgshift executable not found at $pgshift (build it or pass --pgshift PATH)"
PGBENCH=$PGBIN/pgbench
[[ -x "$PGBENCH" ]] || die "pgbench not found in $PGBIN"
require_time

# ---------------------------------------------------------------------------------------------
# Work directory and clusters

bench_workdir "$workdir" pgshift-sync

started=()
cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  for d in "${started[@]}"; do cluster_stop "$d" || true; done
  if ((keep)); then log "work directory kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster_pair

TABLES=(pgbench_accounts pgbench_branches pgbench_history pgbench_tellers)

# "table count md5" for each pgbench table: md5 over the sorted md5s of the rows' text forms.
table_sums() { # URI
  local t
  for t in "${TABLES[@]}"; do
    psqlx "$1" -F' ' -c "select '$t', count(*), coalesce(md5(string_agg(h, '' order by h)), '-')
      from (select md5(x::text) h from only public.$t x) s"
  done
}

# Seconds from START (now) to the moment the slot's confirmed_flush_lsn >= LSN, polling every 20 ms.
wait_slot() { # URI SLOT LSN START TIMEOUT_S
  local ok
  while :; do
    ok=$(psqlx "$1" -c "select coalesce(confirmed_flush_lsn >= '$3'::pg_lsn, false)
      from pg_replication_slots where slot_name = '$2'")
    [[ "$ok" == t ]] && break
    if awk -v s="$4" -v n="$(now)" -v t="$5" 'BEGIN { exit !(n - s > t) }'; then return 1; fi
    sleep 0.02
  done
  elapsed "$4" "$(now)"
}

# /usr/bin/time -v output FILE -> "wall_s rss_mb exit_status cpu_s" (cpu: user + system)
time_v_fields() {
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { r = $2 }
    /Exit status/ { e = $2 }
    /User time \(seconds\)|System time \(seconds\)/ { c += $2 }
    END { printf "%.2f %.0f %s %.2f\n", s, r / 1024, e, c }' "$1"
}

declare -a RUN_LINES FLOOR_S PG_S NAT_S COPY_S PG_RSS COPY_RSS CHANGES
any_failed=0

run_pgshift() { # R
  local r=$1 f="$W/logs/pgshift-catchup.$1"
  log "run $r: pgshift sync --endpos current (catch-up)"
  /usr/bin/time -v -o "$f.time" "$pgshift" sync --source "$SRC" --target "$TPG" --endpos current \
    >"$f.log" 2>&1 || true
  read -r pg_s pg_rss pg_rc pg_cpu < <(time_v_fields "$f.time")
  [[ "$pg_rc" == 0 ]] || { log "pgshift catch-up exit $pg_rc:"; tail -n 15 "$f.log" >&2; }
  log "run $r: pgshift catch-up ${pg_s} s (pgshift CPU ${pg_cpu} s), peak RSS ${pg_rss} MB, exit $pg_rc: $(grep -m1 '^sync:' "$f.log" || true)"
}

run_floor() { # R
  local r=$1 t0
  t0=$(now)
  "$PGBIN/pg_recvlogical" -d "$SRC" --slot floor --start --endpos "$end_lsn" -o proto_version=1 \
    -o publication_names=native_pub -f /dev/null >"$W/logs/floor.$r" 2>&1 ||
    log "run $r: pg_recvlogical failed: $(tail -n 2 "$W/logs/floor.$r")"
  floor_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  log "run $r: decode floor (pg_recvlogical to /dev/null) ${floor_s} s"
}

run_native() { # R
  local r=$1 t0
  log "run $r: native subscription (catch-up)"
  t0=$(now)
  psqlx "$TNAT" -c "create subscription native_sub connection
    'host=127.0.0.1 port=$SP dbname=$db_src user=postgres password=$BENCH_PASSWORD'
    publication native_pub with (create_slot = false, slot_name = 'native', copy_data = false)"
  if ! nat_s=$(wait_slot "$SRC" native "$end_lsn" "$t0" 600); then
    nat_s=nan
    log "run $r: native subscription did not confirm $end_lsn within 600 s"
  fi
  log "run $r: native catch-up ${nat_s} s"
  # Detach the slot first so that DROP SUBSCRIPTION leaves it (it is dropped on the source below).
  psqlx "$TNAT" -c "alter subscription native_sub disable" \
    -c "alter subscription native_sub set (slot_name = none)" -c "drop subscription native_sub"
}

for ((r = 1; r <= runs; ++r)); do
  db_src=src_$r
  SRC=$(pg_uri "$SP" "$db_src")
  TPG=$(pg_uri "$TP" "pgshift_$r")
  TNAT=$(pg_uri "$TP" "native_$r")
  psqlx "$SADMIN" -c "create database $db_src"
  psqlx "$TADMIN" -c "create database pgshift_$r" -c "create database native_$r"

  log "run $r: pgbench -i -s $scale"
  "$PGBENCH" -i -q -s "$scale" "$SRC" >"$W/logs/pgbench-init.$r" 2>&1 ||
    { tail "$W/logs/pgbench-init.$r" >&2; die "pgbench -i failed"; }

  log "run $r: pgshift sync --endpos current --replica-identity-full (the copy)"
  /usr/bin/time -v -o "$W/logs/pgshift-copy.$r.time" "$pgshift" sync --source "$SRC" --target "$TPG" \
    --endpos current --replica-identity-full --quiet >"$W/logs/pgshift-copy.$r.log" 2>&1 ||
    { tail -n 20 "$W/logs/pgshift-copy.$r.log" >&2; die "pgshift copy failed"; }
  read -r copy_s copy_rss _ _ < <(time_v_fields "$W/logs/pgshift-copy.$r.time")
  log "run $r: copy ${copy_s} s, peak RSS ${copy_rss} MB"

  log "run $r: native publication and slot at the same point, pg_dump | psql into native_$r"
  psqlx "$SRC" -c "create publication native_pub for table $(IFS=,; echo "${TABLES[*]}")"
  psqlx "$SRC" -c "select pg_create_logical_replication_slot('native', 'pgoutput')" >/dev/null
  psqlx "$SRC" -c "select pg_create_logical_replication_slot('floor', 'pgoutput')" >/dev/null
  "$PGBIN/pg_dump" --no-publications --no-subscriptions -d "$SRC" |
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$TNAT" >"$W/logs/restore.$r" 2>&1 ||
    { tail "$W/logs/restore.$r" >&2; die "pg_dump | psql failed"; }
  psqlx "$SADMIN" -c checkpoint
  psqlx "$TADMIN" -c checkpoint

  log "run $r: backlog: pgbench -c $clients -t $transactions (no sync running)"
  "$PGBENCH" -c "$clients" -t "$transactions" "$SRC" >"$W/logs/pgbench.$r" 2>&1 ||
    { tail "$W/logs/pgbench.$r" >&2; die "pgbench failed"; }
  end_lsn=$(psqlx "$SRC" -c "select pg_current_wal_insert_lsn()")
  tps=$(awk '/^tps/ { print $3; exit }' "$W/logs/pgbench.$r")
  ntx=$(sed -nE 's#^number of transactions actually processed: ([0-9]+)/.*#\1#p' "$W/logs/pgbench.$r")
  backlog_mb=$(psqlx "$SRC" -c "select round(pg_wal_lsn_diff('$end_lsn', confirmed_flush_lsn) / 1048576.0, 1)
    from pg_replication_slots where slot_name = 'native'")
  log "run $r: backlog $ntx transactions at $tps tps, $backlog_mb MB of WAL, ends at $end_lsn"
  psqlx "$SADMIN" -c checkpoint
  psqlx "$TADMIN" -c checkpoint

  if ((r % 2)); then run_pgshift "$r"; run_native "$r"; else run_native "$r"; run_pgshift "$r"; fi
  run_floor "$r"
  changes=$(grep -m1 -oE '[0-9]+ changes applied' "$W/logs/pgshift-catchup.$r.log" | cut -d' ' -f1 || true)
  [[ -n "$changes" ]] || changes=$((ntx * 4))

  log "run $r: comparing count and md5 of every table"
  table_sums "$SRC" >"$W/sums.src.$r"
  table_sums "$TPG" >"$W/sums.pgshift.$r"
  table_sums "$TNAT" >"$W/sums.native.$r"
  ok_pg=yes ok_nat=yes
  diff -q "$W/sums.src.$r" "$W/sums.pgshift.$r" >/dev/null || ok_pg=DIFFERS
  diff -q "$W/sums.src.$r" "$W/sums.native.$r" >/dev/null || ok_nat=DIFFERS
  [[ "$pg_rc" == 0 ]] || ok_pg="FAILED (exit $pg_rc)"
  [[ "$nat_s" != nan ]] || ok_nat="FAILED (timeout)"
  if [[ "$ok_pg" != yes || "$ok_nat" != yes ]]; then
    any_failed=1
    log "run $r: pgshift $ok_pg, native $ok_nat"
    diff "$W/sums.src.$r" "$W/sums.pgshift.$r" >&2 || true
    diff "$W/sums.src.$r" "$W/sums.native.$r" >&2 || true
  fi

  FLOOR_S+=("$floor_s")
  PG_S+=("$pg_s") NAT_S+=("$nat_s") COPY_S+=("$copy_s") PG_RSS+=("$pg_rss") COPY_RSS+=("$copy_rss")
  CHANGES+=("$changes")
  ratio=$(awk -v a="$pg_s" -v b="$nat_s" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
  RUN_LINES+=("$(printf '%3d %9s %8s %10s %10s %8s %8s %8s %10s %8s %7s  %s' "$r" "$ntx" "$changes" "$backlog_mb" \
    "$pg_s" "$nat_s" "$ratio" "$floor_s" "$pg_rss" "$pg_cpu" "$copy_s" "pgshift $ok_pg, native $ok_nat")")

  # Free the slots and the databases (disk space, WAL).
  "$pgshift" cleanup --source "$SRC" --target "$TPG" >"$W/logs/cleanup.$r" 2>&1 ||
    log "run $r: pgshift cleanup failed (see $W/logs/cleanup.$r)"
  for _ in {1..50}; do # a walsender may take a moment to release its slot
    psqlx "$SRC" -c "select pg_drop_replication_slot(slot_name) from pg_replication_slots
      where database = current_database()" >/dev/null 2>&1 && break
    sleep 0.2
  done
  psqlx "$SADMIN" -c "drop database $db_src with (force)"
  psqlx "$TADMIN" -c "drop database pgshift_$r with (force)" -c "drop database native_$r with (force)"
done

# ---------------------------------------------------------------------------------------------
# Report

med() { printf '%s\n' "$@" | grep -v nan | median; }
m_pg=$(med "${PG_S[@]}")
m_nat=$(med "${NAT_S[@]}")
m_changes=$(printf '%s\n' "${CHANGES[@]}" | median)
max_rss=$(printf '%s\n' "${PG_RSS[@]}" | sort -n | tail -n 1)
max_copy_rss=$(printf '%s\n' "${COPY_RSS[@]}" | sort -n | tail -n 1)
rate() { awk -v c="$1" -v s="$2" 'BEGIN { if (s + 0 > 0) printf "%.0f", c / s; else print "n/a" }'; }
stamp=$(date +%Y%m%d-%H%M%S)
results="$E2E_DIR/results-sync-catchup-$stamp.txt"
{
  echo "pgshift sync catch-up benchmark, $(date -Is)"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $(psqlx "$SADMIN" -c 'select version()')"
  echo "settings (source and target): $(cluster_settings "$SADMIN")"
  echo "pgshift: $pgshift $("$pgshift" --version 2>/dev/null | head -n 1 || true)"
  echo "backlog: pgbench -i -s $scale, then pgbench -c $clients -t $transactions recorded in both slots; $runs runs on fresh databases"
  echo
  printf '%-28s %10s %12s\n' "" "seconds" "changes/s"
  printf '%-28s %10s %12s\n' "pgshift sync (catch-up)" "$m_pg" "$(rate "$m_changes" "$m_pg")"
  printf '%-28s %10s %12s\n' "native subscription" "$m_nat" "$(rate "$m_changes" "$m_nat")"
  printf '%-28s %10s %12s\n' "decode floor (pg_recvlogical)" "$(med "${FLOOR_S[@]}")" "$(rate "$m_changes" "$(med "${FLOOR_S[@]}")")"
  printf '%-28s %10s\n' "ratio pgshift / native" "$(awk -v a="$m_pg" -v b="$m_nat" 'BEGIN { printf "%.2f", a / b }')"
  printf '%-28s %10s MB (catch-up), %s MB (copy)\n' "pgshift peak RSS (max)" "$max_rss" "$max_copy_rss"
  echo
  printf '%3s %9s %8s %10s %10s %8s %8s %8s %10s %8s %7s  %s\n' run txns changes "WAL MB" "pgshift s" "native s" ratio "floor s" "RSS MB" "CPU s" "copy s" "targets equal source"
  printf '%s\n' "${RUN_LINES[@]}"
  echo
  echo "seconds: medians. pgshift: wall of the whole 'pgshift sync --endpos current' command (connect,"
  echo "  checks, receive into the spill, apply, exit), /usr/bin/time -v. native: from CREATE SUBSCRIPTION"
  echo "  until the slot's confirmed_flush_lsn >= the source's insert LSN read after pgbench (20 ms polls);"
  echo "  the subscriber commits with its default synchronous_commit = off and confirms what its WAL has flushed."
  echo "changes: row changes pgshift reports applying (pgbench's TRUNCATE of pgbench_history included)."
  echo "ratio: pgshift seconds / native seconds (target: <= 0.5)."
  echo "floor: pg_recvlogical reading the same backlog from a third slot into /dev/null: the source's"
  echo "  decoding alone, which bounds both tools from below (run after them, on a warm WAL cache)."
  echo "WAL MB: WAL between the slots' point and the end of the backlog."
  echo "CPU s: user + system time of the pgshift process during the catch-up (not the servers')."
} | tee "$results"
log "results written to $results"
exit "$any_failed"
