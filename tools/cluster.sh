#!/usr/bin/env bash
# tools/cluster.sh — throwaway local PostgreSQL 15 clusters for tests, demos and benchmarks.
#
#   tools/cluster.sh start DIR PORT [--fast]   initdb into DIR/data and start it on 127.0.0.1:PORT
#   tools/cluster.sh stop DIR                  stop it (immediate mode); quiet if it is not running
#   tools/cluster.sh free-port                 print a free TCP port in 20000-60000
#
# Superuser `postgres`, password `pgshift`:  postgres://postgres:pgshift@127.0.0.1:PORT/postgres
# Local (unix socket in DIR) connections are trusted:  psql -h DIR -p PORT -U postgres
# --fast turns off fsync, synchronous_commit and full_page_writes: for tests only, a crash loses data.
# Works as root (the server runs as the `postgres` user) or as an ordinary user (runs as that user).
# Prints nothing but errors.
set -euo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PASSWORD=pgshift

die() { echo "cluster.sh: $*" >&2; exit 1; }

usage() {
  sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# Run a command as the user who owns (or will own) the cluster; initdb and pg_ctl refuse root.
as_owner() {
  local user=$1; shift
  if ((EUID == 0)); then
    (cd / && runuser -u "$user" -- "$@")
  else
    "$@"
  fi
}

# The user that runs the server: `postgres` when we are root, otherwise ourselves.
server_user() {
  if ((EUID == 0)); then echo postgres; else id -un; fi
}

port_in_use() {
  local port=$1 dir
  for dir in /tmp /var/run/postgresql; do
    [[ -e "$dir/.s.PGSQL.$port" ]] && return 0
  done
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

cmd_free_port() {
  local port
  for _ in {1..200}; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  die "no free port found in 20000-60000"
}

cmd_start() {
  (($# >= 2)) || usage
  local dir=$1 port=$2 fast=0
  shift 2
  while (($#)); do
    case $1 in
      --fast) fast=1 ;;
      *) usage ;;
    esac
    shift
  done
  if [[ ! "$port" =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
    die "bad port: $port"
  fi
  [[ -x "$PGBIN/initdb" ]] || die "PostgreSQL 15 not found in $PGBIN (install postgresql-15)"

  local user
  user=$(server_user)
  dir=$(realpath -m "$dir")
  [[ "$dir" != *"'"* ]] || die "directory name must not contain a quote: $dir"
  [[ ! -e "$dir/data/PG_VERSION" ]] || die "$dir/data already holds a cluster (stop it and remove $dir first)"
  # The server's unix socket lives in DIR; its path is limited to 107 bytes.
  ((${#dir} + ${#port} + 10 <= 107)) || die "path too long for a unix socket directory: $dir"
  mkdir -p "$dir"
  ((EUID != 0)) || chown "$user:" "$dir"
  as_owner "$user" test -w "$dir" ||
    die "user $user cannot write $dir (is a parent directory closed to it?)"

  local pwfile="$dir/pwfile" out
  (umask 077 && echo "$PASSWORD" >"$pwfile")
  ((EUID != 0)) || chown "$user:" "$pwfile"
  local initdb=("$PGBIN/initdb" -D "$dir/data" --auth-local=trust --auth-host=scram-sha-256
    --username=postgres "--pwfile=$pwfile" -E UTF8)
  if ! out=$(as_owner "$user" "${initdb[@]}" --locale=C.UTF-8 2>&1); then
    rm -rf "$dir/data"
    if ! out=$(as_owner "$user" "${initdb[@]}" --locale=C 2>&1); then
      rm -f "$pwfile"
      die "initdb failed:"$'\n'"$out"
    fi
  fi
  rm -f "$pwfile"

  {
    echo
    echo "# added by tools/cluster.sh"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$dir'"
    echo "wal_level = logical"
    echo "max_wal_senders = 20"
    echo "max_replication_slots = 20"
    echo "max_connections = 100"
    echo "shared_buffers = 256MB"
    if ((fast)); then
      echo "# --fast: unsafe settings for throwaway test clusters"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >>"$dir/data/postgresql.conf"

  if ! as_owner "$user" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -s start >/dev/null 2>&1; then
    echo "cluster.sh: server in $dir failed to start on port $port; end of $dir/log:" >&2
    tail -n 20 "$dir/log" >&2 2>/dev/null || true
    exit 1
  fi
}

cmd_stop() {
  (($# == 1)) || usage
  # Resolve links first: the server user may not be able to pass through the caller's path.
  local data owner pid
  data=$(realpath -m "$1")/data
  [[ -f "$data/postmaster.pid" ]] || return 0
  owner=$(stat -c %U "$data")
  if ! as_owner "$owner" "$PGBIN/pg_ctl" -D "$data" -m immediate -w -s stop >/dev/null 2>&1; then
    # Fine if it was not running (a stale pid file); an error if it still is.
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && grep -qa postgres "/proc/$pid/cmdline" 2>/dev/null; then
      die "could not stop the server in $data (pid $pid)"
    fi
  fi
}

(($#)) || usage
cmd=$1
shift
case $cmd in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  free-port) (($# == 0)) || usage; cmd_free_port ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
