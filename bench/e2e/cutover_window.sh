#!/usr/bin/env bash
# bench/e2e/cutover_window.sh — the write-unavailable window of a cutover, seen from the client:
# pgbench writes at a fixed rate through PgBouncer to the source while the application is moved to
# the target, once by `pgshift cutover` and once by the best manual runbook on native logical
# replication; the window is the longest gap between two successful pgbench transactions. With
# --rollback, each pgshift run also moves the application back with `pgshift rollback` and measures
# that window the same way.
#
# usage: bench/e2e/cutover_window.sh [--runs N] [--tps R] [--only native|pgshift] [--clients C]
#                                    [--scale S] [--before S] [--after S] [--native-sync-commit]
#                                    [--rollback] [--between S] [--native-ref MS]
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
#   --rollback        pgshift runs: cutover --reverse, then `pgshift rollback` back to the source
#                     (not with --only native; native runs, if any, are unchanged)
#   --between S       with --rollback: seconds of load on the target between the cutover's return
#                     and the rollback's start (default 5; pgbench -T is before+between+after)
#   --native-ref MS   the native runbook's median window for the ratios when native does not run
#                     here (default: the newest results-cutover-window-*.txt with native defaults in
#                     bench/e2e, this checkout's or else the main worktree's)
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
#   pgshift --rollback: the same with `cutover --reverse` (a publication and slot on the target,
#            a stream back to the source recorded in the source, made inside the freeze); when
#            the cutover has returned, the source's app_seq last_value is read (FWD_LAST: the
#            source is read-only for app and untouched until the rollback) and this script starts
#              pgshift sync --source T --target S            (background; stream only, no copy)
#            itself, rather than leaving that to rollback, so the old source is current when the
#            rollback begins; the reverse stream's phase and lag are logged every 0.5 s while
#            pgbench writes to the target for --between seconds; then
#              pgshift rollback --source S --target T --freeze-hook FREEZE --unfreeze-hook UNFREEZE
#                --switch-hook SWITCH --report FILE
#            with the same hooks (SWITCH repoints `app` to PGSHIFT_TARGET, which now names the old
#            source); pgbench keeps writing, now to the old source, for the rest of its -T.
# The load: pgbench -n -R R -c C -j 2 -T before+after -f cutover.sql --log through PgBouncer as
# `app`. cutover.sql is pgbench's tpcb-like transaction whose history row's filler holds
# '<server port>:<nextval('app_seq')>', so every committed transaction says which server took it and
# which sequence value it got.
# Measured per run: window = the longest gap between the end times (time_epoch.time_us) of two
# consecutive successful transactions in the per-transaction logs of all clients, merged; failed
# and skipped transactions and aborted clients are counted (there should be none). With
# --rollback the merged log is split at the midpoint between the two switches (the ends of the
# cutover's and the rollback's switch hooks): the longest gap that began before it is the
# cutover's window, the longest that began after it the rollback's.
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
# After a rollback the transactions fall in three phases: on the source (filler port S, app_seq
# value <= FWD_LAST), on the target (port T), on the source again (port S, value > FWD_LAST: phase
# 3, which the target never sees), and these replace tables, complete and sequence above:
#   switched-back  phase 3 is not empty;
#   tables    the four pgbench tables: count + md5 on the source with phase 3's effect taken out
#             (its history rows left out, its deltas subtracted) = the target's, as it is;
#   complete  successful transactions in pgbench's log = history rows on the source;
#   sequence  every value the target handed out > every phase-1 value, and the target's nextval
#             > FWD_LAST;
#   sequence-back  every phase-3 value > every value the target handed out, and the source's
#             nextval > the target's last_value;
#   rollback  the rollback command exited 0.
# Prints one line per run and tool (window in ms, where it started relative to the freeze, the
# same for the rollback, the steps' timings, the checks), the median window per tool (and of the
# rollback), the ratios to the native runbook's median, and writes that to
# bench/e2e/results-cutover-window-<timestamp>.txt (pgshift's reports go beside it as
# results-cutover-window-<timestamp>-report-R.json and -rollback-report-R.json). Exit status 1 if
# a check failed.
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
rollback=0
between=5
native_ref=
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
    --rollback) rollback=1 ;;
    --between) between=${2:?--between needs a number}; shift ;;
    --native-ref) native_ref=${2:?--native-ref needs milliseconds}; shift ;;
    --pgshift) pgshift=${2:?--pgshift needs a path}; shift ;;
    --keep) keep=1 ;;
    --workdir) workdir=${2:?--workdir needs a directory}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
for v in runs tps clients scale before after between; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer: ${!v}"
done
case $only in "") tools=(native pgshift) ;; native | pgshift) tools=("$only") ;; *) die "--only: native or pgshift" ;; esac
if ((rollback)) && [[ " ${tools[*]} " != *" pgshift "* ]]; then die "--rollback measures pgshift rollback: not with --only native"; fi
[[ -z "$native_ref" || "$native_ref" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--native-ref must be milliseconds: $native_ref"
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
rsync_pid=
pgbench_pid=
# shellcheck disable=SC2317 # reached through the trap
cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  for d in "$pgbench_pid" "$sync_pid" "$rsync_pid" "$bouncer_pid"; do
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

# From the per-transaction logs PREFIX.*: "ok failed skipped max_gap_us gap_start_epoch tps
# max_gap2_us gap2_start_epoch": the longest gap that began before SPLIT (epoch seconds; default
# never: every gap) and the longest that began at or after it (0 0 without SPLIT).
tx_stats() { # PREFIX [SPLIT]
  local counts gaps cut_at=${2:-9e12}
  counts=$(cat "$1".* | awk '$3 == "failed" { f++; next } $3 == "skipped" { s++; next } { n++ }
    END { printf "%d %d %d", n, f, s }')
  gaps=$(cat "$1".* | awk '$3 != "failed" && $3 != "skipped" { printf "%.0f\n", $5 * 1000000 + $6 }' |
    sort -n | awk -v cut_at="$cut_at" 'BEGIN { split_us = cut_at * 1e6 }
      NR > 1 && prev < split_us && $1 - prev > max { max = $1 - prev; at = prev }
      NR > 1 && prev >= split_us && $1 - prev > max2 { max2 = $1 - prev; at2 = prev }
      NR == 1 { first = $1 } { prev = $1 }
      END { printf "%.0f %.6f %.1f %.0f %.6f", max, at / 1e6, (NR > 1 ? (NR - 1) / ((prev - first) / 1e6) : 0),
        max2, at2 / 1e6 }')
  echo "$counts $gaps"
}

# Per-table "name count md5" of one database with the effect of some transactions taken out: those
# whose history row matches OUT, an SQL condition on the history row's `filler` ('<port>:<seq>'):
# their history rows are left out and their deltas subtracted from accounts/tellers/branches.
# OUT = false: the database as it is. The sides compared are each computed in their own database.
table_sums() { # URI OUT
  local uri=$1 out=$2 post
  post="select %s, sum(delta) d from pgbench_history where $out group by %s"
  # shellcheck disable=SC2059 # $post is a format with the key column
  psqlx "$uri" -F' ' \
    -c "select 'history', count(*), md5(coalesce(string_agg(h, '' order by h), '')) from (select md5(x::text) h from pgbench_history x where not ($out)) s" \
    -c "select 'accounts', count(*), md5(string_agg(md5(row(a.aid, a.bid, a.abalance - coalesce(p.d, 0), a.filler)::text), '' order by a.aid)) from pgbench_accounts a left join ($(printf "$post" aid aid)) p using (aid)" \
    -c "select 'tellers', count(*), md5(string_agg(md5(row(t.tid, t.bid, t.tbalance - coalesce(p.d, 0), t.filler)::text), '' order by t.tid)) from pgbench_tellers t left join ($(printf "$post" tid tid)) p using (tid)" \
    -c "select 'branches', count(*), md5(string_agg(md5(row(b.bid, b.bbalance - coalesce(p.d, 0), b.filler)::text), '' order by b.bid)) from pgbench_branches b left join ($(printf "$post" bid bid)) p using (bid)"
}

# Compares table_sums of A (less OUT_A) with B (less OUT_B) into W/logs/sums.NAME.{a,b}; adds the
# check CHECK (run_checks's add).
compare_sums() { # NAME CHECK URI_A OUT_A URI_B OUT_B
  local a=$W/logs/sums.$1.a b=$W/logs/sums.$1.b c
  table_sums "$3" "$4" >"$a"
  table_sums "$5" "$6" >"$b"
  if diff -q "$a" "$b" >/dev/null; then add "$2" PASS; else
    c=$(diff "$a" "$b" | awk '/^>/ { printf "%s%s", s, $2; s = "," }')
    add "$2" "FAIL($c)"
    diff "$a" "$b" >&2 || true
  fi
}

# Sets CHECKS (text) and CHECKS_OK (0/1) for run R of TOOL. Globals used: SRC TGT SP TP, the
# pgbench rc/log, N_OK; after a rollback (ROLLED = 1) FWD_LAST, the source's app_seq last_value
# when the cutover had returned.
run_checks() { # TOOL R PGBENCH_RC PGBENCH_OUT
  local tool=$1 r=$2 rc=$3 out=$4 nfail aborted post hist smax tmin slast tnext back p3 s3min tmax tlast snext
  CHECKS="" CHECKS_OK=1
  add() { CHECKS+="$1 $2; "; [[ "$2" == PASS ]] || CHECKS_OK=0; }

  nfail=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$out")
  aborted=$(grep -c 'aborted' "$out" || true)
  if ((rc == 0 && ${nfail:-0} == 0 && aborted == 0 && N_FAILED == 0)); then add load PASS; else
    add load "FAIL(rc=$rc,failed=${nfail:-?},aborted=$aborted)"; fi

  read -r post hist < <(psqlx "$TGT" -F' ' -c "select count(*) filter (where split_part(filler, ':', 1) = '$TP'),
    count(*) from pgbench_history")
  if ((post > 0)); then add switched PASS; else add switched "FAIL(no transaction on the target)"; fi
  if ((ROLLED)); then
    rollback_checks "$tool" "$r" "$post"
    return
  fi

  # The target less what it committed itself (filler port TP) = the source.
  compare_sums "$tool.$r" tables "$SRC" false "$TGT" "split_part(filler, ':', 1) = '$TP'"

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

# run_checks after `pgshift rollback`: the transactions ran on the source (phase 1: filler port SP,
# app_seq value <= FWD_LAST), then on the target (port TP), then on the source again (port SP,
# value > FWD_LAST: phase 3, which the target never sees). Adds switched-back, tables (the source
# less phase 3 = the target), complete (every logged transaction is in the source's history),
# sequence (target values > phase 1's) and sequence-back (phase 3's values > the target's).
rollback_checks() { # TOOL R TARGET_ROWS
  local tool=$1 r=$2 post=$3 p3="split_part(filler, ':', 1) = '$SP' and split_part(filler, ':', 2)::bigint > $FWD_LAST"
  local back hist smax s3min tmin tmax tlast tnext snext
  read -r back hist smax s3min < <(psqlx "$SRC" -F' ' -c "select count(*) filter (where $p3), count(*),
      coalesce(max(split_part(filler, ':', 2)::bigint) filter (where split_part(filler, ':', 1) = '$SP' and not ($p3)), 0),
      coalesce(min(split_part(filler, ':', 2)::bigint) filter (where $p3), 0)
    from pgbench_history")
  if ((back > 0)); then add switched-back PASS; else add switched-back "FAIL(no transaction on the source after the rollback)"; fi

  compare_sums "$tool.$r" tables "$SRC" "$p3" "$TGT" false

  if ((hist == N_OK)); then add complete PASS; else add complete "FAIL(log $N_OK, source $hist)"; fi

  read -r tmin tmax < <(psqlx "$TGT" -F' ' -c "select coalesce(min(split_part(filler, ':', 2)::bigint), 0),
      coalesce(max(split_part(filler, ':', 2)::bigint), 0) from pgbench_history where split_part(filler, ':', 1) = '$TP'")
  tlast=$(psqlx "$TGT" -c "select coalesce(last_value, 0) from pg_sequences where sequencename = 'app_seq'")
  # The rollback left the target read-only (for its own role too when that owns the database).
  tnext=$(psqlx "$TGT" -c "set default_transaction_read_only = off" -c "select nextval('app_seq')")
  snext=$(psqlx "$SRC" -c "select nextval('app_seq')")
  if ((tmin > smax && tnext > FWD_LAST)); then add sequence PASS; else
    add sequence "FAIL(source max $smax last $FWD_LAST, target min $tmin next $tnext)"; fi
  if ((s3min > tmax && snext > tlast)); then add sequence-back PASS; else
    add sequence-back "FAIL(target max $tmax last $tlast, source after the rollback min $s3min next $snext)"; fi
  SEQ_NOTE="source handed out up to $smax ($post transactions on the target: $tmin..$tmax), the source again from $s3min ($back transactions)"
}

declare -a LINES
declare -A WIN RWIN
any_failed=0

# Seconds of load: --before + --after, plus --between for a pgshift run with --rollback.
load_secs() { # TOOL
  if ((rollback)) && [[ "$1" == pgshift ]]; then echo $((before + between + after)); else echo $((before + after)); fi
}

# Starts the load in the background (pgbench_pid); its per-transaction logs go to W/logs/tx.TOOL.R.*
start_load() { # TOOL R
  local secs
  secs=$(load_secs "$1")
  log "run $2 $1: pgbench -R $tps -c $clients -j 2 -T $secs through PgBouncer as app (database app)"
  (cd "$W/logs" && exec "$PGBENCH" -n -h 127.0.0.1 -p "$BP" -U app -R "$tps" -c "$clients" -j 2 \
    -T "$secs" -s "$scale" -f "$W/cutover.sql" --log --log-prefix="$W/logs/tx.$1.$2" app) \
    >"$W/logs/pgbench.$1.$2" 2>&1 &
  pgbench_pid=$!
}

# Waits for the load; runs the checks; records the run's line. After a rollback (ROLLED = 1, set
# with SPLIT, R_STEPS, R_FREEZE and ROLL_RC by run_pgshift) the per-transaction log is split at
# SPLIT, the midpoint between the cutover's and the rollback's switch: the longest gap before it
# is the cutover's window, the longest after it the rollback's.
finish_run() { # TOOL R STEPS T_FREEZE
  local tool=$1 r=$2 steps=$3 tfreeze=$4 rc=0 stats max_us at rate win at_ms rmax_us rat rwin=- rat_ms=- rnote=
  wait "$pgbench_pid" || rc=$?
  pgbench_pid=
  if ((ROLLED)); then stats=$(tx_stats "$W/logs/tx.$tool.$r" "$SPLIT"); else stats=$(tx_stats "$W/logs/tx.$tool.$r"); fi
  read -r N_OK N_FAILED _skipped max_us at rate rmax_us rat <<<"$stats"
  win=$(awk -v u="$max_us" 'BEGIN { printf "%.1f", u / 1000 }')
  at_ms=$(awk -v a="$at" -v f="$tfreeze" 'BEGIN { printf "%+.0f", (a - f) * 1000 }')
  if ((ROLLED)); then
    rwin=$(awk -v u="$rmax_us" 'BEGIN { printf "%.1f", u / 1000 }')
    rat_ms=$(awk -v a="$rat" -v f="$R_FREEZE" 'BEGIN { printf "%+.0f", (a - f) * 1000 }')
    steps+="; rollback: $R_STEPS"
  fi
  run_checks "$tool" "$r" "$rc" "$W/logs/pgbench.$tool.$r"
  if [[ "$tool" == pgshift ]]; then
    if [[ "$CUT_RC" == 0 ]]; then CHECKS+="cutover PASS; "; else CHECKS+="cutover FAIL(exit $CUT_RC); "; CHECKS_OK=0; fi
    if ((rollback)); then
      if [[ "$ROLL_RC" == 0 ]]; then CHECKS+="rollback PASS; "; else CHECKS+="rollback FAIL(exit ${ROLL_RC:-not run}); "; CHECKS_OK=0; fi
    fi
  fi
  if ((CHECKS_OK)); then # medians only over runs that passed
    WIN[$tool]+="$win "
    ((ROLLED == 0)) || RWIN[$tool]+="$rwin "
  else any_failed=1; fi
  LINES+=("$(printf '%3d %-8s %9s %10s %9s %10s %7s %6s %6s  %-44s %s' "$r" "$tool" "$win" "$at_ms" "$rwin" "$rat_ms" "$N_OK" "$N_FAILED" "$rate" "$steps" "${CHECKS%; }")")
  ((ROLLED == 0)) || rnote="; rollback window $rwin ms (gap began $rat_ms ms after the rollback's freeze started)"
  log "run $r $tool: window $win ms (gap began ${at_ms} ms after the freeze started)$rnote, $N_OK transactions, $N_FAILED failed; $steps; ${CHECKS%; }; $SEQ_NOTE"
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

# The hooks `pgshift cutover` (KIND cutover) or `pgshift rollback` (KIND rollback) runs, generated
# per run into W/hooks.R (cutover) or W/hooks.R.rollback; each logs its timestamps to W/logs/hooks.R
# or W/logs/hooks.R.rollback ("name start end [note]"). The switch hook repoints `app` to the
# server named by PGSHIFT_TARGET: the target for a cutover, the old source for a rollback (and falls
# back to that one if PGSHIFT_TARGET cannot be read).
write_hooks() { # R KIND
  local h=$W/hooks.$1 hl=$W/logs/hooks.$1 to_port=$TP to_db=$DB_TGT to=target
  if [[ "$2" == rollback ]]; then h+=.rollback hl+=.rollback to_port=$SP to_db=$DB_SRC to=source; fi
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
# Generated by cutover_window.sh: unfreeze ($2 abandoned) = PgBouncer RESUME, \`app\` unchanged.
set -euo pipefail
t0=\$(date +%s.%N)
'$PGBIN/psql' -X -q -h 127.0.0.1 -p $BP -U postgres -d pgbouncer -c RESUME
echo "unfreeze \$t0 \$(date +%s.%N)" >>'$hl'
EOF
  cat >"$h/switch.sh" <<EOF
#!/usr/bin/env bash
# Generated by cutover_window.sh: switch ($2) = \`app\` repointed to the server pgshift names in
# PGSHIFT_TARGET (a URI or key=value conninfo; host, port and dbname are used; the $to), RELOAD, RESUME.
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
if [[ -z "\$host" || -z "\$db" ]]; then host=127.0.0.1 port=$to_port db=$to_db how=fallback; fi
'$B/point.sh' "\$host" "\$port" "\$db"
'$PGBIN/psql' -X -q -h 127.0.0.1 -p $BP -U postgres -d pgbouncer -c RELOAD -c RESUME
echo "switch \$t0 \$(date +%s.%N) \$how:\$host:\$port/\$db" >>'$hl'
EOF
  chmod 755 "$h"/*.sh
}

# From a hooks log (write_hooks) and the command's start and end: sets STEPS ("command N ms;
# frozen N: pause N, pgshift N, switch N ms"), H_FREEZE (freeze hook start, epoch seconds; the
# command's start without hooks) and H_SWITCHED (switch hook end; empty without it).
hook_steps() { # HOOKS_LOG T_START T_END
  local hooks h_all h_pause h_between h_switch
  hooks=$(awk '{ s[$1] = $2; e[$1] = $3 } END {
      if (("freeze" in s) && ("switch" in e))
        printf "%.0f %.0f %.0f %.0f %.6f %.6f", (e["switch"] - s["freeze"]) * 1000, (e["freeze"] - s["freeze"]) * 1000,
          (s["switch"] - e["freeze"]) * 1000, (e["switch"] - s["switch"]) * 1000, s["freeze"], e["switch"] }' "$1" 2>/dev/null || true)
  if [[ -n "$hooks" ]]; then
    read -r h_all h_pause h_between h_switch H_FREEZE H_SWITCHED <<<"$hooks"
    STEPS="command $(ms_between "$2" "$3") ms; frozen $h_all: pause $h_pause, pgshift $h_between, switch $h_switch ms"
  else
    H_FREEZE=$2 H_SWITCHED=
    STEPS="command $(ms_between "$2" "$3") ms; hooks not run"
  fi
}

# Stops a background pgshift sync: waits up to WAIT_S seconds for it to end by itself (it does
# after a switch), then SIGINT, then SIGKILL.
stop_sync() { # PID WAIT_S
  local pid=$1
  [[ -n "$pid" ]] || return 0
  for ((i = 0; i < $2 * 10; ++i)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true
}

run_pgshift() { # R
  local r=$1 phase_now f=$W/logs/pgshift-sync.$1 t0 t1 steps load_end reverse=() c_freeze c_switched R_LAG
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
  write_hooks "$r" cutover
  if ((rollback)); then write_hooks "$r" rollback; reverse=(--reverse); fi

  start_load pgshift "$r"
  load_end=$(awk -v n="$(now)" -v s="$(load_secs pgshift)" 'BEGIN { printf "%.3f", n + s }')
  sleep "$before"
  log "run $r pgshift: pgshift cutover ${reverse[*]}"
  CUT_RC=0
  t0=$(now)
  "$pgshift" cutover --source "$SRC" --target "$TGT" "${reverse[@]}" --freeze-hook "$W/hooks.$r/freeze.sh" \
    --unfreeze-hook "$W/hooks.$r/unfreeze.sh" --switch-hook "$W/hooks.$r/switch.sh" \
    --report "$W/logs/cutover-report.$r.json" >"$W/logs/pgshift-cutover.$r" 2>&1 || CUT_RC=$?
  t1=$(now)
  ((CUT_RC == 0)) || { log "run $r pgshift: cutover exit $CUT_RC:"; tail -n 15 "$W/logs/pgshift-cutover.$r" >&2; }
  if awk -v a="$t1" -v b="$load_end" 'BEGIN { exit !(a > b - 1) }'; then
    log "run $r pgshift: the cutover ended less than 1 s before the load did: raise --after"
  fi
  # From the hooks' timestamps: freeze start -> switch end, and the steps in between.
  hook_steps "$W/logs/hooks.$r" "$t0" "$t1"
  steps=$STEPS c_freeze=$H_FREEZE c_switched=$H_SWITCHED
  ((CUT_RC != 0)) || [[ ! -f "$W/logs/cutover-report.$r.json" ]] || cp "$W/logs/cutover-report.$r.json" "$W/report.$r.json"

  if ((rollback && CUT_RC == 0)); then
    # The source is read-only for `app` now and nothing has written to it since the switch: its
    # app_seq last_value separates the transactions it took before the cutover from those after
    # the rollback (rollback_checks).
    FWD_LAST=$(psqlx "$SRC" -c "select coalesce(last_value, 0) from pg_sequences where sequencename = 'app_seq'")
    # The reverse stream: started by the script right away (not left to rollback), so the old
    # source is current when rollback begins and rollback's wait for the lag is short.
    log "run $r pgshift: pgshift sync --source TARGET --target SOURCE (background, stream only); load on the target for $between s"
    "$pgshift" sync --source "$TGT" --target "$SRC" --quiet >"$W/logs/pgshift-rsync.$r" 2>&1 &
    rsync_pid=$!
    stop_sync "$sync_pid" 10 # the forward sync ends with the switch
    sync_pid=
    # Meanwhile the reverse stream's state, as rollback reads it, every 0.5 s into W/logs/rsync-lag.R.
    t0=$(awk -v n="$(now)" -v s="$between" 'BEGIN { printf "%.3f", n + s }')
    while awk -v a="$(now)" -v b="$t0" 'BEGIN { exit !(a < b - 0.5) }'; do
      psqlx "$SRC" -F' ' -c "select clock_timestamp(), phase, lag_seconds, updated_at from pgshift.sync" \
        >>"$W/logs/rsync-lag.$r" 2>&1 || true
      sleep 0.5
    done
    sleep "$(awk -v a="$(now)" -v b="$t0" 'BEGIN { d = b - a; if (d < 0) d = 0; printf "%.3f", d }')"
    R_LAG=$(psqlx "$SRC" -c "select phase || ' ' || lag_seconds || ' s' from pgshift.sync" 2>/dev/null || echo unknown)
    kill -0 "$rsync_pid" 2>/dev/null || { log "run $r pgshift: the reverse sync exited early:"; tail -n 15 "$W/logs/pgshift-rsync.$r" >&2; }
    log "run $r pgshift: pgshift rollback"
    ROLL_RC=0
    t0=$(now)
    "$pgshift" rollback --source "$SRC" --target "$TGT" --freeze-hook "$W/hooks.$r.rollback/freeze.sh" \
      --unfreeze-hook "$W/hooks.$r.rollback/unfreeze.sh" --switch-hook "$W/hooks.$r.rollback/switch.sh" \
      --report "$W/logs/rollback-report.$r.json" >"$W/logs/pgshift-rollback.$r" 2>&1 || ROLL_RC=$?
    t1=$(now)
    ((ROLL_RC == 0)) || { log "run $r pgshift: rollback exit $ROLL_RC:"; tail -n 15 "$W/logs/pgshift-rollback.$r" >&2; }
    if awk -v a="$t1" -v b="$load_end" 'BEGIN { exit !(a > b - 1) }'; then
      log "run $r pgshift: the rollback ended less than 1 s before the load did: raise --after"
    fi
    hook_steps "$W/logs/hooks.$r.rollback" "$t0" "$t1"
    R_STEPS="$STEPS; reverse stream before: $R_LAG" R_FREEZE=$H_FREEZE
    # The log is split halfway between the two switches (the rollback command's end if its switch
    # hook did not run).
    SPLIT=$(awk -v a="${c_switched:-$c_freeze}" -v b="${H_SWITCHED:-$t1}" 'BEGIN { printf "%.6f", (a + b) / 2 }')
    ROLLED=1
    ((ROLL_RC != 0)) || [[ ! -f "$W/logs/rollback-report.$r.json" ]] || cp "$W/logs/rollback-report.$r.json" "$W/rollback-report.$r.json"
  fi
  finish_run pgshift "$r" "$steps" "$c_freeze"
  grep -h '^switch' "$W/logs/hooks.$r" "$W/logs/hooks.$r.rollback" 2>/dev/null | sed -E 's#(://[^:/@]*):[^@/]*@#\1:****@#' >&2 || true
  # The syncs may have ended with the switches; otherwise stop them.
  stop_sync "$sync_pid" 0
  sync_pid=
  stop_sync "$rsync_pid" 0
  rsync_pid=
  "$pgshift" cleanup --source "$SRC" --target "$TGT" >"$W/logs/cleanup.$r" 2>&1 ||
    log "run $r pgshift: pgshift cleanup failed (see $W/logs/cleanup.$r)"
  if ((rollback)); then
    "$pgshift" cleanup --source "$TGT" --target "$SRC" >"$W/logs/cleanup-reverse.$r" 2>&1 ||
      log "run $r pgshift: pgshift cleanup of the reverse stream failed (see $W/logs/cleanup-reverse.$r)"
  fi
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
    SEQ_NOTE='' ROLLED=0 ROLL_RC='' FWD_LAST=0 SPLIT='' R_STEPS='' R_FREEZE=''
    case $tool in native) run_native "$r" ;; pgshift) run_pgshift "$r" ;; esac
    psqlx "$SADMIN" -c "drop database $DB_SRC with (force)"
    psqlx "$TADMIN" -c "drop database $DB_TGT with (force)"
  done
done

# ---------------------------------------------------------------------------------------------
# Report

med_of() { tr ' ' '\n' <<<"${WIN[$1]:-}" | grep . | median || true; }
rmed_of() { tr ' ' '\n' <<<"${RWIN[$1]:-}" | grep . | median || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

# The native runbook's median window the ratios use: measured in this run; else --native-ref; else
# the newest results-cutover-window-*.txt in bench/e2e (this checkout's, else the main worktree's:
# results are not committed) whose native runbook used the subscription's defaults (the issue's bar).
native_med='' native_from=''
if [[ " ${tools[*]} " == *" native "* ]]; then
  native_med=$(med_of native) native_from="measured in this run"
elif [[ -n "$native_ref" ]]; then
  native_med=$native_ref native_from="--native-ref, not measured in this run"
else
  main_tree=$(git -C "$REPO_ROOT" worktree list --porcelain 2>/dev/null | sed -n '1s/^worktree //p' || true)
  for d in "$E2E_DIR" ${main_tree:+"$main_tree/bench/e2e"}; do
    for f in $(find "$d" -maxdepth 1 -name 'results-cutover-window-*[0-9].txt' 2>/dev/null | sort -r); do
      grep -q '^native subscription: default settings' "$f" || continue
      native_med=$(awk '$1 == "native" && $2 ~ /^[0-9.]+$/ { print $2; exit }' "$f")
      if [[ -n "$native_med" ]]; then native_from="from $f, not measured in this run"; break 2; fi
    done
  done
fi

stamp=$(date +%Y%m%d-%H%M%S)
results="$E2E_DIR/results-cutover-window-$stamp.txt"
for f in "$W"/report.*.json "$W"/rollback-report.*.json; do
  [[ -f "$f" ]] || continue
  n=${f##*/}
  n=${n%.json}
  cp "$f" "$E2E_DIR/results-cutover-window-$stamp-${n/report./report-}.json"
done
{
  echo "cutover write-unavailable window, $(date -Is)"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); load average before: $load_before, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $(psqlx "$SADMIN" -c 'select version()')"
  echo "settings (source and target): $(cluster_settings "$SADMIN")"
  echo "pgbouncer: $("$PGBOUNCER" --version | head -n 1), pool_mode = transaction"
  [[ " ${tools[*]} " != *" pgshift "* ]] || echo "pgshift: $pgshift $("$pgshift" --version 2>/dev/null | head -n 1 || true)"
  echo "load: pgbench -i -s $scale; pgbench -n -R $tps -c $clients -j 2 -T $(load_secs "${tools[0]}") through PgBouncer as role app (not a superuser),"
  echo "      tpcb-like + nextval('app_seq'); cutover after $before s; $runs run(s) per tool on fresh databases"
  if ((rollback)); then
    echo "rollback (pgshift): cutover --reverse; pgshift sync --source T --target S started by this script when the"
    echo "      cutover returned; pgshift rollback $between s later; pgbench -T $(load_secs pgshift) for pgshift"
  fi
  if [[ " ${tools[*]} " == *" native "* ]]; then
    if ((native_sync_commit)); then echo "native subscription: WITH (synchronous_commit = on) (--native-sync-commit)"
    else echo "native subscription: default settings (synchronous_commit = off on the subscriber)"; fi
  fi
  echo
  printf '%-8s %16s %17s %6s\n' tool "median window ms" "median rollback ms" runs
  for t in "${tools[@]}"; do
    rm_=-
    [[ "$t" != pgshift ]] || ((rollback == 0)) || rm_=$(rmed_of "$t")
    printf '%-8s %16s %17s %6s\n' "$t" "$(med_of "$t")" "$rm_" "$(wc -w <<<"${WIN[$t]:-}")/$runs passed"
  done
  if [[ -n "$native_med" ]]; then
    printf '%-34s %s\n' "native runbook median window ms" "$native_med ($native_from)"
    [[ " ${tools[*]} " != *" pgshift "* ]] ||
      printf '%-34s %s\n' "ratio pgshift cutover / native" "$(ratio "$(med_of pgshift)" "$native_med")"
    ((rollback == 0)) ||
      printf '%-34s %s\n' "ratio pgshift rollback / native" "$(ratio "$(rmed_of pgshift)" "$native_med")"
  elif [[ " ${tools[*]} " == *" pgshift "* ]]; then
    echo "ratio to native: n/a (no native run here or in bench/e2e/results-cutover-window-*.txt; --native-ref MS)"
  fi
  echo
  printf '%3s %-8s %9s %10s %9s %10s %7s %6s %6s  %-44s %s\n' run tool "window ms" "gap at ms" "rollbk ms" "gap at ms" txns failed tps steps checks
  printf '%s\n' "${LINES[@]}"
  echo
  echo "window: the longest gap between the end times of two consecutive successful transactions, all"
  echo "  clients merged (pgbench --log: time_epoch.time_us); medians over the runs whose checks passed."
  echo "gap at: when that gap began, relative to the start of the freeze (PAUSE)."
  if ((rollback)); then
    echo "rollbk: the rollback's window, the same measure; the log is split halfway between the cutover's and the"
    echo "  rollback's switch (switch hook ends): the longest gap before that point is the cutover's window, the"
    echo "  longest after it the rollback's; its gap at is relative to the rollback's freeze (PAUSE)."
  fi
  echo "tps: successful transactions per second over the run (pgbench catches up after the pause)."
  echo "native steps: PAUSE until it returned; the PL/pgSQL loop (50 ms polls) until the slot confirmed"
  echo "  pg_current_wal_lsn() read after PAUSE; setval of every sequence; ini rewrite + RELOAD + RESUME."
  echo "pgshift steps: the whole cutover command; frozen = freeze hook start to switch hook end (hook timestamps);"
  echo "  after \"rollback:\" the same for the rollback command."
  echo "checks: tables = the four pgbench tables on the target, less what the target committed itself after"
  echo "  the switch, equal the source's (count + md5); complete = logged transactions = history rows on the"
  echo "  target; sequence = app_seq values from the target above every value from the source."
  if ((rollback)); then
    echo "checks after a rollback (pgshift): switched-back = transactions on the source after the rollback (app_seq"
    echo "  value above the source's last_value when the cutover returned); tables = the source, less those, equals"
    echo "  the target (count + md5); complete = logged transactions = history rows on the source; sequence-back ="
    echo "  app_seq values from the source after the rollback above every value from the target."
  fi
} | tee "$results"
log "results written to $results"
exit "$any_failed"
