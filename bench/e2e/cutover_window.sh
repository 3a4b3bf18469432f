#!/usr/bin/env bash
# bench/e2e/cutover_window.sh — the write-unavailable window of a cutover, seen from the client:
# pgbench writes at a fixed rate through PgBouncer to the source while the application is moved to
# the target, once by `pgshift cutover` and once by the best manual runbook on native logical
# replication; the window is the longest gap between two successful pgbench transactions.
#
# usage: bench/e2e/cutover_window.sh [--runs N] [--tps R] [--only native|pgshift] [--clients C]
#                                    [--scale S] [--before S] [--after S] [--native-sync-commit]
#                                    [--pgshift PATH] [--keep] [--workdir DIR]
#
#   --runs N          cutovers per tool, each on fresh databases; the table shows medians (default 5)
#   --tps R           pgbench -R R transactions per second (default 500)
#   --only WHAT       run only the native runbook or only pgshift (default both, alternating order)
#   --clients C       pgbench -c C -j 2 (default 4)
#   --scale S         pgbench -i -s S (default 10)
#   --before S        seconds of steady load before the cutover starts (default 5)
#   --after S         seconds of load after the cutover starts (default 10; pgbench -T is before+after)
#   --native-sync-commit  the native subscription WITH (synchronous_commit = on) instead of its
#                     default (off: the subscriber confirms a commit only once its WAL writer flushed
#                     it, which is most of the runbook's wait); a tuned runbook, not the issue's bar
#   --pgshift PATH    the pgshift executable (default build/pgshift)
#   --keep            keep the work directory (clusters, PgBouncer, per-transaction logs) after the run
#   --workdir DIR     use DIR (created; must be empty) instead of a fresh /tmp/pgshift-cut.XXXXXX
#
# Setup: a source and a target cluster (tools/cluster.sh + the durable settings of run.sh: fsync,
# synchronous_commit, full_page_writes on) and PgBouncer 1.18 (Debian `pgbouncer`, run as the
# `postgres` user when we are root, since it refuses root) on 127.0.0.1, with the admin console
# (database `pgbouncer`, admin_users = postgres) for PAUSE / RELOAD / RESUME. Its [databases] entry
# `app` points at the source database; repointing = rewriting that entry to the target + RELOAD.
# pool_mode = transaction: PAUSE waits until every server connection is released, which in session
# mode happens only when the clients disconnect (pgbench keeps its connections for the whole run, so
# PAUSE would never return); in transaction mode a server connection is released at each COMMIT, and
# pgbench's default simple query protocol keeps no prepared statement on a server connection.
# The application role `app` is a LOGIN role, not a superuser (password auth through PgBouncer),
# with SELECT/INSERT/UPDATE/DELETE on the pgbench tables and USAGE on the sequence app_seq.
#
# Each run, on fresh databases: pgbench -i -s S into src_R on the source, plus `app_seq`; then
#   native:  pg_dump --schema-only into tgt_R, CREATE PUBLICATION ... FOR ALL TABLES, CREATE
#            SUBSCRIPTION (copy_data = true, default settings), wait until every table is 'r' and the
#            slot confirmed the source's current LSN; load; after --before seconds the runbook:
#            PAUSE; poll every 50 ms (one PL/pgSQL loop on the source) until the slot's
#            confirmed_flush_lsn >= pg_current_wal_lsn() read right after PAUSE; setval every
#            sequence on the target to the source's last_value (from pg_sequences); rewrite the
#            ini to the target; RELOAD; RESUME.
#   pgshift: pgshift sync --replica-identity-full (pgbench_history has no key) into an empty tgt_R
#            in the background; once `pgshift status --json` says phase streaming, GRANTs to app on
#            the target (pgshift copies no grants); load; after --before seconds
#              pgshift cutover --source S --target T --freeze-hook FREEZE --unfreeze-hook UNFREEZE
#                --switch-hook SWITCH --report FILE
#            FREEZE = PAUSE, UNFREEZE = RESUME, SWITCH = the ini rewritten to the target named by
#            PGSHIFT_TARGET (set by pgshift in the hook's environment), RELOAD, RESUME. The hooks are
#            small generated scripts (in the work directory) that also log their timestamps.
# The load: pgbench -n -R R -c C -j 2 -T before+after -f cutover.sql --log through PgBouncer as
# `app`. cutover.sql is pgbench's tpcb-like transaction whose history row's filler holds
# '<server port>:<nextval('app_seq')>', so every committed transaction says which server took it and
# which sequence value it got.
# Measured per run: window = the longest gap between the end times (time_epoch.time_us) of two
# consecutive successful transactions in the per-transaction logs of all clients, merged; failed
# and skipped transactions and aborted clients are counted (there should be none).
# Checked per run (PASS/FAIL each):
#   load      pgbench exit 0, no failed transaction, no aborted client;
#   switched  transactions committed on the target after the cutover (the filler's port);
#   tables    the four pgbench tables: count + md5 of the rows on the source equal those on the
#             target once the effect of the transactions committed on the target is taken out
#             (history rows written by the target left out; their deltas subtracted from
#             accounts/tellers/branches), each side computed in its own database;
#   complete  successful transactions in pgbench's log = history rows on the target (none lost);
#   sequence  every app_seq value the target handed out > the largest the source handed out, and
#             nextval('app_seq') on the target > the source's last_value;
#   cutover   (pgshift) the cutover command exited 0.
# Prints one line per run and tool (window in ms, where it started relative to the freeze, the
# steps' timings, the checks), the median window per tool and the ratio pgshift / native, and
# writes that to bench/e2e/results-cutover-window-<timestamp>.txt (pgshift's cutover reports go
# beside it as results-cutover-window-<timestamp>-report-R.json). Exit status 1 if a check failed.
set -Eeuo pipefail

# shellcheck source=bench/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/} line $LINENO"' ERR

usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit "${1:-2}"; }

runs=5
tps=500
only=
clients=4
scale=10
before=5
after=10
pgshift=$REPO_ROOT/build/pgshift
keep=0
workdir=
native_sync_commit=0
while (($#)); do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --tps) tps=${2:?--tps needs a number}; shift ;;
    --only) only=${2:?--only needs native or pgshift}; shift ;;
    --clients) clients=${2:?--clients needs a number}; shift ;;
    --scale) scale=${2:?--scale needs a number}; shift ;;
    --before) before=${2:?--before needs a number}; shift ;;
    --after) after=${2:?--after needs a number}; shift ;;
    --native-sync-commit) native_sync_commit=1 ;;
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --keep) keep=1 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
for v in runs tps clients scale before after; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer: ${!v}"
done
case $only in "") tools=(native pgshift) ;; native | pgshift) tools=("$only") ;; *) die "--only: native or pgshift" ;; esac
[[ "$pgshift" == /* ]] || pgshift=$PWD/$pgshift
if [[ " ${tools[*]} " == *" pgshift "* && ! -x "$pgshift" ]]; then
  die "pgshift executable not found at $pgshift (build it or pass --pgshift PATH)"
fi
PGBENCH=$PGBIN/pgbench
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
[[ -x "$PGBENCH" ]] || die "pgbench not found in $PGBIN"
[[ -x "$PGBOUNCER" ]] || die "pgbouncer not found at $PGBOUNCER (apt-get install pgbouncer)"

# ---------------------------------------------------------------------------------------------
# Work directory, clusters, PgBouncer

bench_workdir "$workdir" pgshift-cut

started=()
bouncer_pid=
sync_pid=
pgbench_pid=
# shellcheck disable=SC2317 # reached through the trap
cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  for d in "$pgbench_pid" "$sync_pid" "$bouncer_pid"; do
    if [[ -n "$d" ]]; then kill "$d" 2>/dev/null || true; fi
  done
  for d in "${started[@]}"; do cluster_stop "$d" || true; done
  if ((keep)); then log "work directory kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_cluster_pair
APP_PASSWORD=$BENCH_PASSWORD # throwaway clusters; PGPASSWORD (lib.sh) then serves both roles
for uri in "$SADMIN" "$TADMIN"; do
  psqlx "$uri" -c "create role app login password '$APP_PASSWORD'"
done

BP=$(cluster_free_port)
while [[ "$BP" == "$SP" || "$BP" == "$TP" ]]; do BP=$(cluster_free_port); done
B=$W/bouncer
mkdir -p "$B"
cat >"$B/tail.ini" <<EOF

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BP
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $B/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 100
default_pool_size = 8
ignore_startup_parameters = extra_float_digits,options
logfile = $B/pgbouncer.log
pidfile = $B/pgbouncer.pid
EOF
printf '"postgres" "%s"\n"app" "%s"\n' "$BENCH_PASSWORD" "$APP_PASSWORD" >"$B/userlist.txt"
# point.sh HOST PORT DB: the [databases] entry `app` -> that database (the caller sends RELOAD).
cat >"$B/point.sh" <<EOF
#!/usr/bin/env bash
# Generated by cutover_window.sh: rewrites $B/pgbouncer.ini so that \`app\` points at HOST PORT DB.
set -euo pipefail
{ printf '[databases]\napp = host=%s port=%s dbname=%s\n' "\$1" "\$2" "\$3"; cat '$B/tail.ini'; } >'$B/pgbouncer.ini.new'
mv -f '$B/pgbouncer.ini.new' '$B/pgbouncer.ini'
EOF
chmod 755 "$B/point.sh"
"$B/point.sh" 127.0.0.1 "$SP" postgres
chmod 644 "$B"/*.ini "$B/userlist.txt"
((EUID != 0)) || chown -R postgres: "$B"

# psql on PgBouncer's admin console.
bouncer_admin() { "$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$BP" -U postgres -d pgbouncer "$@"; }

log "starting PgBouncer on port $BP (pool_mode = transaction)"
_as_owner "$(_server_user)" "$PGBOUNCER" -q -d "$B/pgbouncer.ini" ||
  { tail -n 5 "$B/pgbouncer.log" >&2 || true; die "pgbouncer did not start"; }
for _ in {1..100}; do
  [[ -s "$B/pgbouncer.pid" ]] && bouncer_admin -c "show version" >/dev/null 2>&1 && break
  sleep 0.1
done
bouncer_pid=$(cat "$B/pgbouncer.pid" 2>/dev/null || true)
[[ -n "$bouncer_pid" ]] || { tail -n 5 "$B/pgbouncer.log" >&2 || true; die "pgbouncer does not answer"; }

# Points `app` at PORT DB and reloads (between runs; not part of any measured cutover).
bouncer_point() { # PORT DB
  "$B/point.sh" 127.0.0.1 "$1" "$2"
  bouncer_admin -c RELOAD
}

# The load: tpcb-like, the history row's filler = '<port of the server>:<nextval(app_seq)>'.
cat >"$W/cutover.sql" <<'EOF'
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime, filler) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP, inet_server_port() || ':' || nextval('app_seq'));
END;
EOF

grant_app() { # URI
  psqlx "$1" -c "grant select, insert, update, delete on all tables in schema public to app" \
    -c "grant usage, select on all sequences in schema public to app"
}

# Waits until the slot's confirmed_flush_lsn >= the source's current LSN (setup, not measured).
wait_slot_current() { # SRC_URI SLOT TIMEOUT_S
  local ok
  for ((i = 0; i < $3 * 10; ++i)); do
    ok=$(psqlx "$1" -c "select coalesce(bool_and(confirmed_flush_lsn >= pg_current_wal_lsn()), false)
      from pg_replication_slots where slot_name = '$2'")
    [[ "$ok" == t ]] && return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Measurements and checks

# From the per-transaction logs PREFIX.*: "ok failed skipped max_gap_us gap_start_epoch tps".
tx_stats() { # PREFIX
  local counts gaps
  counts=$(cat "$1".* | awk '$3 == "failed" { f++; next } $3 == "skipped" { s++; next } { n++ }
    END { printf "%d %d %d", n, f, s }')
  gaps=$(cat "$1".* | awk '$3 != "failed" && $3 != "skipped" { printf "%.0f\n", $5 * 1000000 + $6 }' |
    sort -n | awk 'NR > 1 && $1 - prev > max { max = $1 - prev; at = prev }
      NR == 1 { first = $1 } { prev = $1 }
      END { printf "%.0f %.6f %.1f", max, at / 1e6, (NR > 1 ? (NR - 1) / ((prev - first) / 1e6) : 0) }')
  echo "$counts $gaps"
}

# Per-table "name count md5" of the source (all rows) or of the target with the transactions the
# target itself committed (filler port = TPORT) taken out; the two outputs must be equal.
table_sums() { # URI side(source|target) SPORT TPORT
  local uri=$1 side=$2 sp=$3 tp=$4 post
  post="select %s, sum(delta) d from pgbench_history where split_part(filler, ':', 1) = '$tp' group by %s"
  if [[ "$side" == source ]]; then
    psqlx "$uri" -F' ' \
      -c "select 'history', count(*), md5(coalesce(string_agg(h, '' order by h), '')) from (select md5(x::text) h from pgbench_history x) s" \
      -c "select 'accounts', count(*), md5(string_agg(md5(row(aid, bid, abalance, filler)::text), '' order by aid)) from pgbench_accounts" \
      -c "select 'tellers', count(*), md5(string_agg(md5(row(tid, bid, tbalance, filler)::text), '' order by tid)) from pgbench_tellers" \
      -c "select 'branches', count(*), md5(string_agg(md5(row(bid, bbalance, filler)::text), '' order by bid)) from pgbench_branches"
  else
    # shellcheck disable=SC2059 # $post is a format with the key column
    psqlx "$uri" -F' ' \
      -c "select 'history', count(*), md5(coalesce(string_agg(h, '' order by h), '')) from (select md5(x::text) h from pgbench_history x where split_part(x.filler, ':', 1) = '$sp') s" \
      -c "select 'accounts', count(*), md5(string_agg(md5(row(a.aid, a.bid, a.abalance - coalesce(p.d, 0), a.filler)::text), '' order by a.aid)) from pgbench_accounts a left join ($(printf "$post" aid aid)) p using (aid)" \
      -c "select 'tellers', count(*), md5(string_agg(md5(row(t.tid, t.bid, t.tbalance - coalesce(p.d, 0), t.filler)::text), '' order by t.tid)) from pgbench_tellers t left join ($(printf "$post" tid tid)) p using (tid)" \
      -c "select 'branches', count(*), md5(string_agg(md5(row(b.bid, b.bbalance - coalesce(p.d, 0), b.filler)::text), '' order by b.bid)) from pgbench_branches b left join ($(printf "$post" bid bid)) p using (bid)"
  fi
}

# Sets CHECKS (text) and CHECKS_OK (0/1) for run R of TOOL. Globals used: SRC TGT SP TP, the
# pgbench rc/log, N_OK.
run_checks() { # TOOL R PGBENCH_RC PGBENCH_OUT
  local tool=$1 r=$2 rc=$3 out=$4 nfail aborted post hist smax tmin slast tnext c
  CHECKS="" CHECKS_OK=1
  add() { CHECKS+="$1 $2; "; [[ "$2" == PASS ]] || CHECKS_OK=0; }

  nfail=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$out")
  aborted=$(grep -c 'aborted' "$out" || true)
  if ((rc == 0 && ${nfail:-0} == 0 && aborted == 0 && N_FAILED == 0)); then add load PASS; else
    add load "FAIL(rc=$rc,failed=${nfail:-?},aborted=$aborted)"; fi

  read -r post hist < <(psqlx "$TGT" -F' ' -c "select count(*) filter (where split_part(filler, ':', 1) = '$TP'),
    count(*) from pgbench_history")
  if ((post > 0)); then add switched PASS; else add switched "FAIL(no transaction on the target)"; fi

  table_sums "$SRC" source "$SP" "$TP" >"$W/logs/sums.$tool.$r.source"
  table_sums "$TGT" target "$SP" "$TP" >"$W/logs/sums.$tool.$r.target"
  if diff -q "$W/logs/sums.$tool.$r.source" "$W/logs/sums.$tool.$r.target" >/dev/null; then add tables PASS; else
    c=$(diff "$W/logs/sums.$tool.$r.source" "$W/logs/sums.$tool.$r.target" | awk '/^>/ { printf "%s%s", s, $2; s = "," }')
    add tables "FAIL($c)"
    diff "$W/logs/sums.$tool.$r.source" "$W/logs/sums.$tool.$r.target" >&2 || true
  fi

  if ((hist == N_OK)); then add complete PASS; else add complete "FAIL(log $N_OK, target $hist)"; fi

  smax=$(psqlx "$SRC" -c "select coalesce(max(split_part(filler, ':', 2)::bigint), 0) from pgbench_history")
  slast=$(psqlx "$SRC" -c "select coalesce(last_value, 0) from pg_sequences where sequencename = 'app_seq'")
  tmin=$(psqlx "$TGT" -c "select coalesce(min(split_part(filler, ':', 2)::bigint), 0) from pgbench_history
    where split_part(filler, ':', 1) = '$TP'")
  tnext=$(psqlx "$TGT" -c "select nextval('app_seq')")
  if ((tmin > smax && tnext > slast)); then add sequence PASS; else
    add sequence "FAIL(source max $smax last $slast, target min $tmin next $tnext)"; fi
  SEQ_NOTE="source handed out up to $smax, the target from $tmin"
}

declare -a LINES
declare -A WIN
any_failed=0

# Starts the load in the background (pgbench_pid); its per-transaction logs go to W/logs/tx.TOOL.R.*
start_load() { # TOOL R
  local secs=$((before + after))
  log "run $2 $1: pgbench -R $tps -c $clients -j 2 -T $secs through PgBouncer as app (database app)"
  (cd "$W/logs" && exec "$PGBENCH" -n -h 127.0.0.1 -p "$BP" -U app -R "$tps" -c "$clients" -j 2 \
    -T "$secs" -s "$scale" -f "$W/cutover.sql" --log --log-prefix="$W/logs/tx.$1.$2" app) \
    >"$W/logs/pgbench.$1.$2" 2>&1 &
  pgbench_pid=$!
}

# Waits for the load; runs the checks; records the run's line.
finish_run() { # TOOL R STEPS T_FREEZE
  local tool=$1 r=$2 steps=$3 tfreeze=$4 rc=0 stats max_us at rate win at_ms
  wait "$pgbench_pid" || rc=$?
  pgbench_pid=
  stats=$(tx_stats "$W/logs/tx.$tool.$r")
  read -r N_OK N_FAILED _skipped max_us at rate <<<"$stats"
  win=$(awk -v u="$max_us" 'BEGIN { printf "%.1f", u / 1000 }')
  at_ms=$(awk -v a="$at" -v f="$tfreeze" 'BEGIN { printf "%+.0f", (a - f) * 1000 }')
  run_checks "$tool" "$r" "$rc" "$W/logs/pgbench.$tool.$r"
  if [[ "$tool" == pgshift ]]; then
    if [[ "$CUT_RC" == 0 ]]; then CHECKS+="cutover PASS; "; else CHECKS+="cutover FAIL(exit $CUT_RC); "; CHECKS_OK=0; fi
  fi
  if ((CHECKS_OK)); then WIN[$tool]+="$win "; else any_failed=1; fi # medians only over runs that passed
  LINES+=("$(printf '%3d %-8s %9s %10s %7s %6s %6s  %-44s %s' "$r" "$tool" "$win" "$at_ms" "$N_OK" "$N_FAILED" "$rate" "$steps" "${CHECKS%; }")")
  log "run $r $tool: window $win ms (gap began ${at_ms} ms after the freeze started), $N_OK transactions, $N_FAILED failed; $steps; ${CHECKS%; }; $SEQ_NOTE"
}

ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

run_native() { # R
  local r=$1 left t0 t1 t2 t3 t4 slot="native_$1" sub_with=""
  ((native_sync_commit == 0)) || sub_with=" with (synchronous_commit = on)"
  log "run $r native: schema, publication, subscription (copy_data = true)"
  "$PGBIN/pg_dump" --schema-only --no-publications --no-subscriptions -d "$SRC" |
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$TGT" >"$W/logs/schema.$r" 2>&1 ||
    { tail "$W/logs/schema.$r" >&2; die "pg_dump --schema-only | psql failed"; }
  grant_app "$TGT"
  psqlx "$SRC" -c "create publication native_pub for all tables"
  psqlx "$TGT" -c "create subscription $slot connection
    'host=127.0.0.1 port=$SP dbname=$DB_SRC user=postgres password=$BENCH_PASSWORD' publication native_pub$sub_with"
  for _ in {1..600}; do
    left=$(psqlx "$TGT" -c "select count(*) from pg_subscription_rel where srsubstate <> 'r'")
    ((left == 0)) && break
    sleep 0.5
  done
  ((left == 0)) || die "native subscription: $left tables not synced after 300 s"
  wait_slot_current "$SRC" "$slot" 60 || die "native subscription did not catch up within 60 s"
  psqlx "$SADMIN" -c checkpoint
  psqlx "$TADMIN" -c checkpoint

  start_load native "$r"
  sleep "$before"
  log "run $r native: runbook: PAUSE, wait for the slot (50 ms polls), setval, repoint + RELOAD + RESUME"
  t0=$(now)
  bouncer_admin -c PAUSE
  t1=$(now)
  psqlx "$SRC" -c "set statement_timeout = '60s'" -c "do \$\$
    declare goal pg_lsn := pg_current_wal_lsn();
    begin
      loop
        exit when (select confirmed_flush_lsn >= goal from pg_replication_slots where slot_name = '$slot');
        perform pg_sleep(0.05);
      end loop;
    end \$\$"
  t2=$(now)
  psqlx "$SRC" -c "select format('select pg_catalog.setval(%L, %s, true);', format('%I.%I', schemaname, sequencename), last_value)
    from pg_sequences where last_value is not null" | psqlx "$TGT" >/dev/null
  t3=$(now)
  "$B/point.sh" 127.0.0.1 "$TP" "$DB_TGT"
  bouncer_admin -c RELOAD -c RESUME
  t4=$(now)
  log "run $r native: runbook done in $(ms_between "$t0" "$t4") ms"
  finish_run native "$r" "$(printf 'pause %s, drain %s, setval %s, switch %s ms' "$(ms_between "$t0" "$t1")" \
    "$(ms_between "$t1" "$t2")" "$(ms_between "$t2" "$t3")" "$(ms_between "$t3" "$t4")")" "$t0"
  psqlx "$TGT" -c "drop subscription $slot" || log "run $r native: drop subscription failed"
}

# The hooks `pgshift cutover` runs, generated per run into W/hooks.R; each logs its timestamps to
# W/logs/hooks.R ("name start end [note]").
write_hooks() { # R
  local h=$W/hooks.$1 hl=$W/logs/hooks.$1
  mkdir -p "$h"
  cat >"$h/freeze.sh" <<EOF
#!/usr/bin/env bash
# Generated by cutover_window.sh: freeze = PgBouncer PAUSE (returns once no transaction runs).
set -euo pipefail
t0=\$(date +%s.%N)
'$PGBIN/psql' -X -q -h 127.0.0.1 -p $BP -U postgres -d pgbouncer -c PAUSE
echo "freeze \$t0 \$(date +%s.%N)" >>'$hl'
EOF
  cat >"$h/unfreeze.sh" <<EOF
#!/usr/bin/env bash
# Generated by cutover_window.sh: unfreeze (cutover abandoned) = PgBouncer RESUME, still on the source.
set -euo pipefail
t0=\$(date +%s.%N)
'$PGBIN/psql' -X -q -h 127.0.0.1 -p $BP -U postgres -d pgbouncer -c RESUME
echo "unfreeze \$t0 \$(date +%s.%N)" >>'$hl'
EOF
  cat >"$h/switch.sh" <<EOF
#!/usr/bin/env bash
# Generated by cutover_window.sh: switch = \`app\` repointed to the target pgshift names in
# PGSHIFT_TARGET (a URI or key=value conninfo; host, port and dbname are used), RELOAD, RESUME.
set -euo pipefail
t0=\$(date +%s.%N)
t=\${PGSHIFT_TARGET:-} host= port=5432 db= how=PGSHIFT_TARGET
if [[ "\$t" =~ ^postgres(ql)?://([^@/]*@)?([^:/?]+)(:([0-9]+))?/([^?]+) ]]; then
  host=\${BASH_REMATCH[3]} port=\${BASH_REMATCH[5]:-5432} db=\${BASH_REMATCH[6]}
else
  for kv in \$t; do
    case \$kv in host=* | hostaddr=*) host=\${kv#*=} ;; port=*) port=\${kv#*=} ;; dbname=*) db=\${kv#*=} ;; esac
  done
fi
if [[ -z "\$host" || -z "\$db" ]]; then host=127.0.0.1 port=$TP db=$DB_TGT how=fallback; fi
'$B/point.sh' "\$host" "\$port" "\$db"
'$PGBIN/psql' -X -q -h 127.0.0.1 -p $BP -U postgres -d pgbouncer -c RELOAD -c RESUME
echo "switch \$t0 \$(date +%s.%N) \$how:\$host:\$port/\$db" >>'$hl'
EOF
  chmod 755 "$h"/*.sh
}

run_pgshift() { # R
  local r=$1 phase_now f=$W/logs/pgshift-sync.$1 t0 t1 steps hooks load_end
  log "run $r pgshift: pgshift sync --replica-identity-full (background) until streaming"
  "$pgshift" sync --source "$SRC" --target "$TGT" --replica-identity-full --quiet >"$f" 2>&1 &
  sync_pid=$!
  phase_now=
  for _ in {1..600}; do
    phase_now=$("$pgshift" status --target "$TGT" --json 2>/dev/null |
      grep -oE '"phase": ?"[a-z_-]+"' | head -n 1 | sed -E 's/.*"([a-z_-]+)"$/\1/' || true)
    [[ "$phase_now" == streaming ]] && break
    kill -0 "$sync_pid" 2>/dev/null || { tail -n 20 "$f" >&2; die "pgshift sync exited early"; }
    sleep 0.5
  done
  [[ "$phase_now" == streaming ]] || die "pgshift sync not streaming after 300 s (phase: $phase_now)"
  grant_app "$TGT"
  psqlx "$SADMIN" -c checkpoint
  psqlx "$TADMIN" -c checkpoint
  write_hooks "$r"

  start_load pgshift "$r"
  load_end=$(awk -v n="$(now)" -v s="$((before + after))" 'BEGIN { printf "%.3f", n + s }')
  sleep "$before"
  log "run $r pgshift: pgshift cutover"
  CUT_RC=0
  t0=$(now)
  "$pgshift" cutover --source "$SRC" --target "$TGT" --freeze-hook "$W/hooks.$r/freeze.sh" \
    --unfreeze-hook "$W/hooks.$r/unfreeze.sh" --switch-hook "$W/hooks.$r/switch.sh" \
    --report "$W/logs/cutover-report.$r.json" >"$W/logs/pgshift-cutover.$r" 2>&1 || CUT_RC=$?
  t1=$(now)
  ((CUT_RC == 0)) || { log "run $r pgshift: cutover exit $CUT_RC:"; tail -n 15 "$W/logs/pgshift-cutover.$r" >&2; }
  if awk -v a="$t1" -v b="$load_end" 'BEGIN { exit !(a > b - 1) }'; then
    log "run $r pgshift: the cutover ended less than 1 s before the load did: raise --after"
  fi
  # From the hooks' timestamps: freeze start -> switch end, and the steps in between.
  hooks=$(awk '{ s[$1] = $2; e[$1] = $3 } END {
      if (("freeze" in s) && ("switch" in e))
        printf "%.0f %.0f %.0f %.0f %.6f", (e["switch"] - s["freeze"]) * 1000, (e["freeze"] - s["freeze"]) * 1000,
          (s["switch"] - e["freeze"]) * 1000, (e["switch"] - s["switch"]) * 1000, s["freeze"] }' "$W/logs/hooks.$r" 2>/dev/null || true)
  if [[ -n "$hooks" ]]; then
    read -r h_all h_pause h_between h_switch h_t0 <<<"$hooks"
    steps="command $(ms_between "$t0" "$t1") ms; frozen $h_all: pause $h_pause, pgshift $h_between, switch $h_switch ms"
  else
    h_t0=$t0
    steps="command $(ms_between "$t0" "$t1") ms; hooks not run"
  fi
  ((CUT_RC != 0)) || [[ ! -f "$W/logs/cutover-report.$r.json" ]] || cp "$W/logs/cutover-report.$r.json" "$W/report.$r.json"
  finish_run pgshift "$r" "$steps" "$h_t0"
  grep -h '^switch' "$W/logs/hooks.$r" 2>/dev/null | sed -E 's#(://[^:/@]*):[^@/]*@#\1:****@#' >&2 || true
  # The sync may have ended with the cutover; otherwise stop it.
  if kill -0 "$sync_pid" 2>/dev/null; then
    kill -INT "$sync_pid" 2>/dev/null || true
    for _ in {1..100}; do kill -0 "$sync_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$sync_pid" 2>/dev/null && kill -KILL "$sync_pid" 2>/dev/null
  fi
  wait "$sync_pid" 2>/dev/null || true
  sync_pid=
  "$pgshift" cleanup --source "$SRC" --target "$TGT" >"$W/logs/cleanup.$r" 2>&1 ||
    log "run $r pgshift: pgshift cleanup failed (see $W/logs/cleanup.$r)"
}

# ---------------------------------------------------------------------------------------------
# Runs

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= runs; ++r)); do
  order=("${tools[@]}")
  if ((${#tools[@]} == 2 && r % 2 == 0)); then order=(pgshift native); fi
  for tool in "${order[@]}"; do
    DB_SRC=src_${tool}_$r DB_TGT=tgt_${tool}_$r
    SRC=$(pg_uri "$SP" "$DB_SRC")
    TGT=$(pg_uri "$TP" "$DB_TGT")
    psqlx "$SADMIN" -c "create database $DB_SRC"
    psqlx "$TADMIN" -c "create database $DB_TGT"
    log "run $r $tool: pgbench -i -s $scale"
    "$PGBENCH" -i -q -s "$scale" "$SRC" >"$W/logs/pgbench-init.$tool.$r" 2>&1 ||
      { tail "$W/logs/pgbench-init.$tool.$r" >&2; die "pgbench -i failed"; }
    psqlx "$SRC" -c "create sequence app_seq"
    grant_app "$SRC"
    bouncer_point "$SP" "$DB_SRC"
    [[ "$("$PGBIN/psql" -X -A -t -h 127.0.0.1 -p "$BP" -U app -d app -c 'select current_database()')" == "$DB_SRC" ]] ||
      die "PgBouncer's app does not lead to $DB_SRC"
    SEQ_NOTE=
    case $tool in native) run_native "$r" ;; pgshift) run_pgshift "$r" ;; esac
    psqlx "$SADMIN" -c "drop database $DB_SRC with (force)"
    psqlx "$TADMIN" -c "drop database $DB_TGT with (force)"
  done
done

# ---------------------------------------------------------------------------------------------
# Report

med_of() { tr ' ' '\n' <<<"${WIN[$1]:-}" | grep . | median || true; }
stamp=$(date +%Y%m%d-%H%M%S)
results="$E2E_DIR/results-cutover-window-$stamp.txt"
for f in "$W"/report.*.json; do
  [[ -f "$f" ]] || continue
  n=${f##*/report.}
  cp "$f" "$E2E_DIR/results-cutover-window-$stamp-report-${n%.json}.json"
done
{
  echo "cutover write-unavailable window, $(date -Is)"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); load average before: $load_before, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $(psqlx "$SADMIN" -c 'select version()')"
  echo "settings (source and target): $(cluster_settings "$SADMIN")"
  echo "pgbouncer: $("$PGBOUNCER" --version | head -n 1), pool_mode = transaction"
  [[ " ${tools[*]} " != *" pgshift "* ]] || echo "pgshift: $pgshift $("$pgshift" --version 2>/dev/null | head -n 1 || true)"
  echo "load: pgbench -i -s $scale; pgbench -n -R $tps -c $clients -j 2 -T $((before + after)) through PgBouncer as role app (not a superuser),"
  echo "      tpcb-like + nextval('app_seq'); cutover after $before s; $runs run(s) per tool on fresh databases"
  if [[ " ${tools[*]} " == *" native "* ]]; then
    if ((native_sync_commit)); then echo "native subscription: WITH (synchronous_commit = on) (--native-sync-commit)"
    else echo "native subscription: default settings (synchronous_commit = off on the subscriber)"; fi
  fi
  echo
  printf '%-8s %16s %6s\n' tool "median window ms" runs
  for t in "${tools[@]}"; do
    printf '%-8s %16s %6s\n' "$t" "$(med_of "$t")" "$(wc -w <<<"${WIN[$t]:-}")/$runs passed"
  done
  if ((${#tools[@]} == 2)); then
    printf '%-25s %s\n' "ratio pgshift / native" "$(awk -v a="$(med_of pgshift)" -v b="$(med_of native)" \
      'BEGIN { if (a != "" && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')"
  fi
  echo
  printf '%3s %-8s %9s %10s %7s %6s %6s  %-44s %s\n' run tool "window ms" "gap at ms" txns failed tps steps checks
  printf '%s\n' "${LINES[@]}"
  echo
  echo "window: the longest gap between the end times of two consecutive successful transactions, all"
  echo "  clients merged (pgbench --log: time_epoch.time_us); medians over the runs whose checks passed."
  echo "gap at: when that gap began, relative to the start of the freeze (PAUSE)."
  echo "tps: successful transactions per second over the run (pgbench catches up after the pause)."
  echo "native steps: PAUSE until it returned; the PL/pgSQL loop (50 ms polls) until the slot confirmed"
  echo "  pg_current_wal_lsn() read after PAUSE; setval of every sequence; ini rewrite + RELOAD + RESUME."
  echo "pgshift steps: the whole cutover command; frozen = freeze hook start to switch hook end (hook timestamps)."
  echo "checks: tables = the four pgbench tables on the target, less what the target committed itself after"
  echo "  the switch, equal the source's (count + md5); complete = logged transactions = history rows on the"
  echo "  target; sequence = app_seq values from the target above every value from the source."
} | tee "$results"
log "results written to $results"
exit "$any_failed"
