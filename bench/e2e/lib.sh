# bench/e2e/lib.sh — helpers shared by bench/e2e/run.sh and bench/e2e/verify_compare.sh (sourced).
#
# Clusters: tools/cluster.sh when the checkout has it, else a private copy of its behaviour
# (initdb as `postgres` into DIR/data, superuser postgres / password pgshift, scram on 127.0.0.1,
# trust on the unix socket in DIR, wal_level=logical, log in DIR/log).
# shellcheck shell=bash

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd -P)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BENCH_PASSWORD=pgshift
export PGPASSWORD=$BENCH_PASSWORD PGCONNECT_TIMEOUT=10

die() { echo "${0##*/}: $*" >&2; exit 2; }
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# URI for PORT and DB on 127.0.0.1 (password included: these are throwaway benchmark clusters).
pg_uri() { echo "postgres://postgres:$BENCH_PASSWORD@127.0.0.1:$1/$2"; }
# The same URI with the password masked, for printing.
mask_uri() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:****@#; s#(password=)[^& ]*#\1****#g' <<<"$1"; }

# psql with no psqlrc, unaligned, tuples only, stop on error.
psqlx() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------------------------------------
# Clusters

_as_owner() { # USER CMD... — initdb and pg_ctl refuse to run as root
  local user=$1; shift
  if ((EUID == 0)); then (cd / && runuser -u "$user" -- "$@"); else "$@"; fi
}
_server_user() { if ((EUID == 0)); then echo postgres; else id -un; fi; }

_private_free_port() {
  local port
  for _ in {1..200}; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    [[ -e /tmp/.s.PGSQL.$port || -e /var/run/postgresql/.s.PGSQL.$port ]] && continue
    [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && { echo "$port"; return 0; }
  done
  die "no free port found"
}

_private_start() { # DIR PORT
  local dir=$1 port=$2 user pw
  user=$(_server_user)
  mkdir -p "$dir" && dir=$(cd "$dir" && pwd -P)
  ((EUID != 0)) || chown "$user:" "$dir"
  pw="$dir/pwfile"
  (umask 077 && echo "$BENCH_PASSWORD" >"$pw")
  ((EUID != 0)) || chown "$user:" "$pw"
  _as_owner "$user" "$PGBIN/initdb" -D "$dir/data" --auth-local=trust --auth-host=scram-sha-256 \
    --username=postgres "--pwfile=$pw" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { rm -f "$pw"; cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
  rm -f "$pw"
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
wal_level = logical
max_wal_senders = 20
max_replication_slots = 20
shared_buffers = 256MB
EOF
  _as_owner "$user" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -s start >/dev/null 2>&1 ||
    { tail -n 20 "$dir/log" >&2; die "server in $dir failed to start"; }
}

_private_stop() { # DIR
  local data=$1/data owner
  [[ -f "$data/postmaster.pid" ]] || return 0
  owner=$(stat -c %U "$data") || return 0
  _as_owner "$owner" "$PGBIN/pg_ctl" -D "$data" -m immediate -w -s stop >/dev/null 2>&1 || true
}

_cluster_sh() { [[ -x "$REPO_ROOT/tools/cluster.sh" && "${BENCH_PRIVATE_CLUSTER:-0}" != 1 ]]; }

cluster_free_port() { if _cluster_sh; then "$REPO_ROOT/tools/cluster.sh" free-port; else _private_free_port; fi; }
cluster_start() { if _cluster_sh; then "$REPO_ROOT/tools/cluster.sh" start "$1" "$2"; else _private_start "$1" "$2"; fi; }
cluster_stop() { if _cluster_sh; then "$REPO_ROOT/tools/cluster.sh" stop "$1"; else _private_stop "$1"; fi; }

# Benchmark settings, the same on source and target: durable (fsync, synchronous_commit and
# full_page_writes on, whatever the cluster script chose), with memory and WAL sized for bulk loads
# so that forced checkpoints do not dominate. Restarts the server for shared_buffers.
cluster_tune() { # DIR PORT
  local dir=$1 port=$2 uri owner
  uri=$(pg_uri "$port" postgres)
  psqlx "$uri" >/dev/null <<'SQL'
ALTER SYSTEM SET fsync = on;
ALTER SYSTEM SET synchronous_commit = on;
ALTER SYSTEM SET full_page_writes = on;
ALTER SYSTEM SET shared_buffers = '1GB';
ALTER SYSTEM SET max_wal_size = '8GB';
ALTER SYSTEM SET checkpoint_timeout = '30min';
ALTER SYSTEM SET maintenance_work_mem = '512MB';
ALTER SYSTEM SET work_mem = '32MB';
SQL
  owner=$(stat -c %U "$dir/data")
  _as_owner "$owner" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -m fast -w -s restart >/dev/null 2>&1 ||
    { tail -n 20 "$dir/log" >&2; die "restart of $dir failed"; }
}

# One line describing the settings that matter, for the results header.
cluster_settings() { # URI
  psqlx "$1" -F' ' -c "select string_agg(name || '=' || current_setting(name), ' ' order by name)
    from pg_settings where name in ('fsync','synchronous_commit','full_page_writes','shared_buffers',
    'max_wal_size','maintenance_work_mem','work_mem','wal_level','checkpoint_timeout')"
}

# ---------------------------------------------------------------------------------------------
# Tables and row counts

# User tables holding rows (plain tables and leaf partitions, not partitioned parents, since callers
# read them with FROM ONLY), as quoted schema.name, one a line, largest first. Leaves out the
# catalogs and the migration tools' own state schemas.
user_tables() { # URI
  psqlx "$1" -c "select format('%I.%I', n.nspname, c.relname)
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r'
      and n.nspname not in ('pg_catalog', 'information_schema', 'pgshift', 'pgcopydb')
      and n.nspname !~ '^pg_(toast|temp)'
    order by pg_total_relation_size(c.oid) desc, 1"
}

# "table|count" for each table listed in TABLES_FILE, sorted by table; a missing table gives a
# "table|ERROR" line.
table_counts() { # URI TABLES_FILE
  local uri=$1 t n
  while IFS= read -r t; do
    [[ -n "$t" ]] || continue
    if n=$(psqlx "$uri" -c "select count(*) from only $t" 2>/dev/null); then
      echo "$t|$n"
    else
      echo "$t|ERROR"
    fi
  done <"$2" | sort
}

# ---------------------------------------------------------------------------------------------
# Timing

# Peak of the summed PSS (KB, proportional set size: shared pages divided among the processes sharing
# them) of ROOT and all its descendants, sampled every 0.2 s until ROOT exits; written to OUT.
# /usr/bin/time's %M is the RSS of the single largest process of the tree, which undercounts tools
# made of several processes (pgcopydb, pg_dump -j, pipelines); summing RSS would count the pages
# that forked children share with their parent several times.
sample_tree_pss() { # ROOT OUT
  local root=$1 out=$2 max=0 cur pids
  while kill -0 "$root" 2>/dev/null; do
    pids=$(ps -e -o pid=,ppid= | awk -v root="$root" '
      { parent[$1] = $2 }
      END { for (p in parent) { x = p; n = 0
              while (x != root && (x in parent) && n++ < 64) x = parent[x]
              if (x == root) print "/proc/" p "/smaps_rollup" } }')
    # shellcheck disable=SC2086 # one path per pid, no spaces
    # Processes come and go between ps and cat: cat's failures are expected.
    cur=$({ cat $pids 2>/dev/null || true; } | awk '/^Pss:/ { s += $2 } END { print s + 0 }')
    if ((cur > max)); then max=$cur; fi
    sleep 0.2
  done
  echo "$max" >"$out"
}

# Run CMD under /usr/bin/time -f '%e %M' with stdout+stderr to LOG; sets TIMED_RC, TIMED_WALL (s),
# TIMED_RSS_KB (largest single process, from time) and TIMED_TREE_KB (sampled PSS sum over the tree).
# shellcheck disable=SC2034 # the TIMED_* globals are its results, read by the callers
timed_run() { # LOG CMD...
  local logf=$1 tf sf pid spid
  shift
  tf=$(mktemp) sf=$(mktemp)
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$logf" 2>&1 &
  pid=$!
  sample_tree_pss "$pid" "$sf" &
  spid=$!
  TIMED_RC=0
  wait "$pid" || TIMED_RC=$?
  wait "$spid" || true
  # time writes "Command exited with non-zero status N" before the format line on failure.
  read -r TIMED_WALL TIMED_RSS_KB TIMED_USER TIMED_SYS < <(tail -n 1 "$tf") || true
  TIMED_TREE_KB=$(cat "$sf" 2>/dev/null || echo 0)
  rm -f "$tf" "$sf"
  [[ "$TIMED_WALL" =~ ^[0-9.]+$ ]] || TIMED_WALL=nan
  [[ "$TIMED_RSS_KB" =~ ^[0-9]+$ ]] || TIMED_RSS_KB=0
  [[ "$TIMED_TREE_KB" =~ ^[0-9]+$ ]] || TIMED_TREE_KB=0
  # CPU seconds of the tool's processes (user + system, children included).
  TIMED_CPU=$(awk -v u="${TIMED_USER:-0}" -v s="${TIMED_SYS:-0}" 'BEGIN { printf "%.1f", u + s }')
}

# CPU seconds (user + system) a cluster has used so far: its postmaster's and those of its children
# that have exited (each backend exits with its connection). The long-lived background processes
# (checkpointer, WAL writer) are not counted. For a tool's cost on a server: the difference around
# the tool's run.
cluster_cpu() { # DIR
  local pid
  pid=$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null) && [[ -r "/proc/$pid/stat" ]] || { echo 0; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13 + $14 + $15) / hz }' \
    "/proc/$pid/stat"
}

# The median of the numbers on stdin (one per line), with two decimals.
median() {
  sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

require_time() {
  [[ -x /usr/bin/time ]] && return 0
  log "/usr/bin/time missing: installing the Debian package 'time'"
  apt-get install -y -q time >/dev/null || die "could not install /usr/bin/time (apt-get install time)"
}

# ---------------------------------------------------------------------------------------------
# Work directory and a source/target pair (sync_catchup.sh, sync_latency.sh)

# Sets W to WORKDIR (created; must be empty) or, if WORKDIR is empty, a fresh /tmp/PREFIX.XXXXXX,
# readable by the server user; creates W/logs.
bench_workdir() { # WORKDIR PREFIX
  if [[ -n "$1" ]]; then
    mkdir -p "$1"
    [[ -z "$(ls -A "$1")" ]] || die "--workdir $1 is not empty"
    W=$(cd "$1" && pwd -P)
  else
    W=$(mktemp -d "/tmp/$2.XXXXXX")
  fi
  chmod 755 "$W" # the servers run as `postgres` and must reach their directories
  mkdir -p "$W/logs"
}

# Starts W/source and W/target on free ports with the durable benchmark settings (cluster_tune);
# appends both directories to the caller's array `started` (for its cleanup) before starting each;
# sets SP, TP, SADMIN and TADMIN.
start_cluster_pair() {
  SP=$(cluster_free_port)
  log "starting source cluster on port $SP"
  started+=("$W/source")
  cluster_start "$W/source" "$SP"
  TP=$(cluster_free_port)
  while [[ "$TP" == "$SP" ]]; do TP=$(cluster_free_port); done
  log "starting target cluster on port $TP"
  started+=("$W/target")
  cluster_start "$W/target" "$TP"
  cluster_tune "$W/source" "$SP"
  cluster_tune "$W/target" "$TP"
  SADMIN=$(pg_uri "$SP" postgres)
  TADMIN=$(pg_uri "$TP" postgres)
}

# One line from a pgshift report's "phases" member: busy seconds per phase (summed over its
# tasks) and, in brackets, the seconds from the start when the phase was first and last busy.
pgshift_phases() { # REPORT.json
  python3 - "$1" <<'PY' 2>/dev/null || echo "(no phases in the report)"
import json, sys
phases = json.load(open(sys.argv[1])).get("phases", {})
print("  ".join(f"{name} {p['busy_s']:.1f}s [{p['first_s']:.1f}-{p['last_s']:.1f}]"
                for name, p in phases.items()) or "(no phases in the report)")
PY
}

# pgcopydb's own summary of its steps (the table it prints at the end of `clone`), from its log.
pgcopydb_phases() { # LOG
  sed -n '/^ *Step  *Connection/,/Total Wall Clock Duration/p' "$1" | grep -v -e '^ *-\{5,\}' |
    sed -e 's/^ *//' -e 's/  \{2,\}/  /g' || true
}
