#!/usr/bin/env bash
# bench/e2e/sync_latency.sh — steady-state lag of `pgshift sync` (streaming) against PostgreSQL's own
# logical replication: pgbench at a fixed rate against the source while changes flow to a target,
# and the time from a probe row's commit on the source to its arrival in the target.
#
# usage: bench/e2e/sync_latency.sh [--seconds S] [--rate R] [--clients C] [--scale N]
#                                  [--only pgshift|native] [--pgshift PATH] [--keep] [--workdir DIR]
#
#   --seconds S     length of the load in each phase (default 60)
#   --rate R        pgbench -R R transactions per second, TPC-B-like (default 1000)
#   --clients C     pgbench -c C (default 4)
#   --scale N       pgbench -i -s N (default 10)
#   --only WHAT     run only the pgshift or only the native phase (default both)
#   --pgshift PATH  the pgshift executable (default build/pgshift)
#   --keep          keep the work directory (clusters' data and logs) after the run
#   --workdir DIR   use DIR (created; must be empty) instead of a fresh /tmp/pgshift-lat.XXXXXX
#
# Starts a source and a target cluster (tools/cluster.sh, then the durable settings of run.sh:
# fsync, synchronous_commit, full_page_writes on). The source database `src` holds pgbench -i -s N
# and `probe (id bigserial primary key, at timestamptz default clock_timestamp())`. Two phases, one
# after the other (never at the same time), each with its own target database:
#   pgshift: pgshift sync --replica-identity-full (no --endpos: it streams) into pgshift_t, under
#            /usr/bin/time -v; the load starts once pgshift.sync.phase = 'streaming'; after the load
#            and the last probe row reached the target, pgshift gets SIGINT.
#   native:  pg_dump --schema-only into native_t, a publication for the pgbench tables and probe,
#            CREATE SUBSCRIPTION (copy_data = true); the load starts once every table is synced ('r').
# The load, the same in both phases: pgbench -R R -c C -T S (built-in tpcb-like) and, beside it, one
# pgbench client running `INSERT INTO probe DEFAULT VALUES; \sleep 10 ms` for S seconds.
# On the target, two ALWAYS triggers on probe (appliers run with session_replication_role =
# replica, under which only ALWAYS/REPLICA triggers fire) record clock_timestamp() - at:
#   at insert  an AFTER INSERT row trigger: when the applier inserts the row, inside its transaction;
#   at commit  a DEFERRABLE INITIALLY DEFERRED constraint trigger: when the applier's transaction
#              reaches COMMIT (after all its other work, before the commit's WAL flush). This is the
#              headline figure: pgshift applies several source transactions per target transaction.
# Both clusters run on this machine, so the clocks agree. Prints p50/p90/p99/max of both lags per
# phase, probes received/sent, pgshift's peak RSS, and writes the table to
# bench/e2e/results-sync-latency-<timestamp>.txt. Exit status 1 if a phase lost probe rows or failed.
set -Eeuo pipefail

# shellcheck source=bench/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/} line $LINENO"' ERR

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

seconds=60
rate=1000
clients=4
scale=10
only=
pgshift=$REPO_ROOT/build/pgshift
keep=0
workdir=
while (($#)); do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --rate) rate=${2:?--rate needs a number}; shift ;;
    --clients) clients=${2:?--clients needs a number}; shift ;;
    --scale) scale=${2:?--scale needs a number}; shift ;;
    --only) only=${2:?--only needs pgshift or native}; shift ;;
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --keep) keep=1 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
for v in seconds rate clients scale; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer: ${!v}"
done
case $only in "") phases=(pgshift native) ;; pgshift | native) phases=("$only") ;; *) die "--only: pgshift or native" ;; esac
[[ "$pgshift" == /* ]] || pgshift=$PWD/$pgshift
if [[ " ${phases[*]} " == *" pgshift "* && ! -x "$pgshift" ]]; then
  die "pgshift executable not found at $pgshift (build it or pass --pgshift PATH)"
fi
PGBENCH=$PGBIN/pgbench
[[ -x "$PGBENCH" ]] || die "pgbench not found in $PGBIN"
require_time

# ---------------------------------------------------------------------------------------------
# Work directory and clusters

bench_workdir "$workdir" pgshift-lat

started=()
bg_pids=()
cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  for d in "${bg_pids[@]}"; do # /usr/bin/time and the pgshift it runs
    kill $(pgrep -P "$d" 2>/dev/null) "$d" 2>/dev/null || true
  done
  for d in "${started[@]}"; do cluster_stop "$d" || true; done
  if ((keep)); then log "work directory kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster_pair
SRC=$(pg_uri "$SP" src)

psqlx "$SADMIN" -c "create database src"
log "pgbench -i -s $scale, probe table"
"$PGBENCH" -i -q -s "$scale" "$SRC" >"$W/logs/pgbench-init" 2>&1 || { tail "$W/logs/pgbench-init" >&2; die "pgbench -i failed"; }
psqlx "$SRC" -c "create table probe (id bigserial primary key, at timestamptz default clock_timestamp())"
printf 'INSERT INTO probe DEFAULT VALUES;\n\\sleep 10 ms\n' >"$W/probe.sql"

# The lag recorders on a target database's probe table.
add_triggers() { # URI
  psqlx "$1" >/dev/null <<'SQL'
create schema lag;
create table lag.at_insert (id bigint, ms double precision);
create table lag.at_commit (id bigint, ms double precision);
create function lag.f_insert() returns trigger language plpgsql as $$
begin insert into lag.at_insert values (new.id, extract(epoch from clock_timestamp() - new.at) * 1000); return null; end $$;
create function lag.f_commit() returns trigger language plpgsql as $$
begin insert into lag.at_commit values (new.id, extract(epoch from clock_timestamp() - new.at) * 1000); return null; end $$;
create trigger lag_insert after insert on public.probe for each row execute function lag.f_insert();
create constraint trigger lag_commit after insert on public.probe deferrable initially deferred
  for each row execute function lag.f_commit();
alter table public.probe enable always trigger lag_insert;
alter table public.probe enable always trigger lag_commit;
SQL
}

# Runs the load; waits (up to 60 s) until the target holds the last probe row; sets SENT, PROBE_FROM
# (the first probe id of this load), LOAD_TPS.
run_load() { # PHASE TARGET_URI
  local phase=$1 turi=$2 last got t0 p1 p2
  PROBE_FROM=$(psqlx "$SRC" -c "select coalesce(max(id), 0) + 1 from probe")
  log "$phase: load: pgbench -R $rate -c $clients -T $seconds, probe every 10 ms"
  "$PGBENCH" -n -R "$rate" -c "$clients" -j 2 -T "$seconds" "$SRC" >"$W/logs/pgbench.$phase" 2>&1 &
  p1=$!
  "$PGBENCH" -n -c 1 -T "$seconds" -f "$W/probe.sql" "$SRC" >"$W/logs/probe.$phase" 2>&1 &
  p2=$!
  wait "$p1" || { tail "$W/logs/pgbench.$phase" >&2; die "pgbench failed"; }
  wait "$p2" || { tail "$W/logs/probe.$phase" >&2; die "probe pgbench failed"; }
  LOAD_TPS=$(awk '/^tps/ { printf "%.0f", $3; exit }' "$W/logs/pgbench.$phase")
  LOAD_SCHED=$(sed -nE 's/^rate limit schedule lag: avg ([0-9.]+) \(max ([0-9.]+)\) ms/\1 ms avg, \2 ms max/p' "$W/logs/pgbench.$phase")
  last=$(psqlx "$SRC" -c "select max(id) from probe")
  SENT=$((last - PROBE_FROM + 1))
  t0=$(now)
  while :; do
    got=$(psqlx "$turi" -c "select coalesce(max(id), 0) from lag.at_commit")
    ((got >= last)) && break
    if awk -v s="$t0" -v n="$(now)" 'BEGIN { exit !(n - s > 60) }'; then
      log "$phase: the target did not receive probe $last within 60 s after the load (has $got)"
      break
    fi
    sleep 0.1
  done
}

# "p50 p90 p99 max count" in ms of lag.TABLE from probe id FROM on.
percentiles() { # URI TABLE FROM
  psqlx "$1" -F' ' -c "select round(percentile_cont(0.5) within group (order by ms)::numeric, 1),
      round(percentile_cont(0.9) within group (order by ms)::numeric, 1),
      round(percentile_cont(0.99) within group (order by ms)::numeric, 1),
      round(max(ms)::numeric, 1), count(*)
    from lag.$2 where id >= $3"
}

declare -A P_INS P_COMMIT P_RECV P_SENT P_TPS P_SCHED P_NOTE
any_failed=0

phase_pgshift() {
  local turi pid tpid phase_now f="$W/logs/pgshift"
  turi=$(pg_uri "$TP" pgshift_t)
  psqlx "$TADMIN" -c "create database pgshift_t"
  log "pgshift: starting pgshift sync (streaming)"
  /usr/bin/time -v -o "$f.time" "$pgshift" sync --source "$SRC" --target "$turi" \
    --replica-identity-full --quiet >"$f.log" 2>&1 &
  tpid=$!
  bg_pids+=("$tpid")
  for _ in {1..600}; do
    phase_now=$(psqlx "$turi" -c "select phase from pgshift.sync" 2>/dev/null || true)
    [[ "$phase_now" == streaming ]] && break
    kill -0 "$tpid" 2>/dev/null || { tail -n 20 "$f.log" >&2; die "pgshift sync exited early"; }
    sleep 0.5
  done
  [[ "$phase_now" == streaming ]] || die "pgshift sync not streaming after 300 s (phase: $phase_now)"
  add_triggers "$turi"
  sleep 2
  run_load pgshift "$turi"
  pid=$(pgrep -P "$tpid" -x pgshift || true)
  [[ -n "$pid" ]] || die "pgshift sync is no longer running; end of its log:"$'\n'"$(tail -n 20 "$f.log")"
  kill -INT "$pid"
  wait "$tpid" || true
  P_RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$f.time")
  P_NOTE[pgshift]="exit $(awk -F': ' '/Exit status/ { print $2 }' "$f.time") after SIGINT; $(grep -m1 -E '^sync:' "$f.log" || true)"
  P_INS[pgshift]=$(percentiles "$turi" at_insert "$PROBE_FROM")
  P_COMMIT[pgshift]=$(percentiles "$turi" at_commit "$PROBE_FROM")
  P_SENT[pgshift]=$SENT
  P_TPS[pgshift]=$LOAD_TPS
  P_SCHED[pgshift]=$LOAD_SCHED
  "$pgshift" cleanup --source "$SRC" --target "$turi" >"$W/logs/cleanup" 2>&1 ||
    log "pgshift cleanup failed (see $W/logs/cleanup)"
}

phase_native() {
  local turi left
  turi=$(pg_uri "$TP" native_t)
  psqlx "$TADMIN" -c "create database native_t"
  log "native: schema, publication, subscription (copy_data = true)"
  "$PGBIN/pg_dump" --schema-only --no-publications --no-subscriptions -d "$SRC" |
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$turi" >"$W/logs/native-schema" 2>&1 ||
    { tail "$W/logs/native-schema" >&2; die "pg_dump --schema-only | psql failed"; }
  psqlx "$SRC" -c "create publication native_pub for table pgbench_accounts, pgbench_branches,
    pgbench_history, pgbench_tellers, probe"
  psqlx "$turi" -c "create subscription native_sub connection
    'host=127.0.0.1 port=$SP dbname=src user=postgres password=$BENCH_PASSWORD' publication native_pub"
  for _ in {1..600}; do
    left=$(psqlx "$turi" -c "select count(*) from pg_subscription_rel where srsubstate <> 'r'")
    ((left == 0)) && break
    sleep 0.5
  done
  ((left == 0)) || die "native subscription: $left tables not synced after 300 s"
  add_triggers "$turi"
  sleep 2
  run_load native "$turi"
  P_INS[native]=$(percentiles "$turi" at_insert "$PROBE_FROM")
  P_COMMIT[native]=$(percentiles "$turi" at_commit "$PROBE_FROM")
  P_SENT[native]=$SENT
  P_TPS[native]=$LOAD_TPS
  P_SCHED[native]=$LOAD_SCHED
  P_NOTE[native]="subscription defaults (synchronous_commit = off on the subscriber)"
  psqlx "$turi" -c "drop subscription native_sub"
}

P_RSS=n/a
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for p in "${phases[@]}"; do
  psqlx "$SADMIN" -c checkpoint
  psqlx "$TADMIN" -c checkpoint
  "phase_$p"
  P_RECV[$p]=$(awk '{ print $5 }' <<<"${P_COMMIT[$p]}")
  if ((${P_RECV[$p]:-0} != ${P_SENT[$p]:-0})); then
    any_failed=1
    log "$p: ${P_RECV[$p]} of ${P_SENT[$p]} probe rows reached the target"
  fi
done

# ---------------------------------------------------------------------------------------------
# Report

stamp=$(date +%Y%m%d-%H%M%S)
results="$E2E_DIR/results-sync-latency-$stamp.txt"
{
  echo "pgshift sync steady-state lag benchmark, $(date -Is)"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); load average before: $load_before, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $(psqlx "$SADMIN" -c 'select version()')"
  echo "settings (source and target): $(cluster_settings "$SADMIN")"
  echo "pgshift: $pgshift $("$pgshift" --version 2>/dev/null | head -n 1 || true)"
  echo "load: pgbench -i -s $scale; pgbench -n -R $rate -c $clients -T $seconds (tpcb-like) + 1 client inserting a probe row every 10 ms;"
  echo "      the phases ran one after the other on separate target databases, never together"
  echo
  printf '%-9s %-10s %8s %8s %8s %8s %13s %8s\n' phase lag "p50 ms" "p90 ms" "p99 ms" "max ms" "probes" "load tps"
  for p in "${phases[@]}"; do
    for k in commit insert; do
      if [[ $k == commit ]]; then v=${P_COMMIT[$p]}; else v=${P_INS[$p]}; fi
      read -r a b c d n <<<"$v"
      printf '%-9s %-10s %8s %8s %8s %8s %13s %8s\n' "$p" "at $k" "$a" "$b" "$c" "$d" "$n/${P_SENT[$p]}" "${P_TPS[$p]}"
    done
  done
  echo
  echo "pgshift peak RSS: $P_RSS MB (/usr/bin/time -v, the whole run: copy and streaming)"
  for p in "${phases[@]}"; do echo "$p: ${P_NOTE[$p]}"; done
  for p in "${phases[@]}"; do
    echo "$p load: ${P_TPS[$p]} tps achieved of $rate asked; pgbench schedule lag ${P_SCHED[$p]:-n/a} (the source falling behind -R)"
  done
  echo
  echo "lag: clock_timestamp() on the target minus the probe row's clock_timestamp() default on the source"
  echo "  (set at the INSERT, before the source's commit and its WAL flush, which a walsender waits for:"
  echo "  so the lag includes the source's commit fsync)."
  echo "  at commit: a deferred constraint trigger, fired when the applier's transaction commits, before"
  echo "  its WAL flush (so without the target's fsync). at insert: a row trigger at the applier's INSERT."
  echo "probes: probe rows that reached the target / probe rows committed on the source during the load."
} | tee "$results"
log "results written to $results"
exit "$any_failed"
