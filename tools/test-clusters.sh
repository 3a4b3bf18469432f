#!/usr/bin/env bash
# tools/test-clusters.sh — the source/target PostgreSQL pair behind the integration tests (a CTest fixture).
#
#   tools/test-clusters.sh start DIR   start DIR/source and DIR/target (--fast) on free ports and write
#                                      DIR/env:  PGSHIFT_TEST_SOURCE=postgres://...  PGSHIFT_TEST_TARGET=...
#   tools/test-clusters.sh stop DIR    stop both and remove DIR
#
# `start` first stops and removes clusters left in DIR by an earlier run, so it can be rerun freely.
# If the server user cannot reach DIR, or DIR is too deep for a unix socket path, a cluster lives in
# a scratch directory under $TMPDIR (or /tmp) instead, and DIR/source (DIR/target) links to it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="$HERE/cluster.sh"
SCRATCH_PREFIX="${TMPDIR:-/tmp}/pgshift-test."

die() { echo "test-clusters.sh: $*" >&2; exit 1; }
usage() { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//' >&2; exit 2; }

# Stop the cluster DIR/NAME and delete it (and its scratch directory if DIR/NAME is a link to one).
remove_cluster() {
  local link=$1/$2 real
  [[ -e "$link" || -L "$link" ]] || return 0
  "$CLUSTER" stop "$link"
  if [[ -L "$link" ]]; then
    real=$(readlink -f "$link" || true)
    [[ "$real" != "$SCRATCH_PREFIX"* ]] || rm -rf "$real"
  fi
  rm -rf "$link"
}

# Print the directory the cluster NAME should live in (see the header).
cluster_home() {
  local dir=$1 name=$2 reachable=1 scratch
  if ((EUID == 0)) && ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
    reachable=0
  fi
  # 107 bytes for "<home>/.s.PGSQL.<5-digit port>"
  if ((reachable && ${#dir} + ${#name} + 1 + 15 <= 107)); then
    echo "$dir/$name"
    return
  fi
  scratch=$(mktemp -d "${SCRATCH_PREFIX}XXXXXX")
  chmod 755 "$scratch"
  ln -sfn "$scratch" "$dir/$name"
  echo "$scratch"
}

# Start cluster NAME in DIR on a free port other than AVOID; print the port.
# A port can be taken between choosing it and binding it (parallel runs), so retry a few times.
start_cluster() {
  local dir=$1 name=$2 avoid=$3 home port err=""
  for _ in 1 2 3; do
    port=$("$CLUSTER" free-port)
    [[ "$port" != "$avoid" ]] || continue
    home=$(cluster_home "$dir" "$name")
    if err=$("$CLUSTER" start "$home" "$port" --fast 2>&1); then
      echo "$port"
      return 0
    fi
    remove_cluster "$dir" "$name"
  done
  die "could not start the $name cluster:"$'\n'"$err"
}

cmd_start() {
  local dir=$1 sp tp
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  cmd_stop_clusters "$dir"
  sp=$(start_cluster "$dir" source 0)
  tp=$(start_cluster "$dir" target "$sp")
  {
    echo "PGSHIFT_TEST_SOURCE=postgres://postgres:pgshift@127.0.0.1:$sp/postgres"
    echo "PGSHIFT_TEST_TARGET=postgres://postgres:pgshift@127.0.0.1:$tp/postgres"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

cmd_stop_clusters() {
  local dir=$1
  remove_cluster "$dir" source
  remove_cluster "$dir" target
  rm -f "$dir/env" "$dir/env.tmp"
}

(($# == 2)) || usage
case $1 in
  start) cmd_start "$2" ;;
  stop)
    if [[ -d "$2" ]]; then
      cmd_stop_clusters "$2"
      rm -rf "$2"
    fi
    ;;
  *) usage ;;
esac
