# shellcheck shell=bash
# tools/lib/deps.sh — sourced by the set-up scripts (demo, tests, benchmarks).
#   pgshift_install_deps        install the Debian packages needed to build and test pgshift
#   pgshift_install_bench_deps  the same plus the comparison tools used by bench/
#   pgshift_build               configure and build build/pgshift (Release)
# Packages are installed only when some are missing, so a ready machine needs no network.
# Being a library, this file leaves shell options (set -e etc.) to the script that sources it.

PGSHIFT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

PGSHIFT_DEPS=(
  build-essential cmake pkg-config
  libpq-dev libboost-dev libxxhash-dev libzstd-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev sqlite3 nlohmann-json3-dev
  postgresql-15 postgresql-client-15 time pgbouncer
)
PGSHIFT_BENCH_DEPS=(pgcopydb pgloader hyperfine)

# Install whichever of the given Debian packages are not installed yet.
pgshift_apt_ensure() {
  local pkg missing=()
  for pkg in "$@"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]})) || return 0

  local sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "pgshift: missing packages: ${missing[*]} (run as root or install sudo)" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "pgshift: installing ${missing[*]}" >&2
  if [[ -z "${PGSHIFT_APT_UPDATED:-}" ]]; then
    "${sudo[@]}" apt-get update || return 1
    PGSHIFT_APT_UPDATED=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" || return 1
}

pgshift_install_deps() {
  pgshift_apt_ensure "${PGSHIFT_DEPS[@]}"
}

pgshift_install_bench_deps() {
  pgshift_apt_ensure "${PGSHIFT_DEPS[@]}" "${PGSHIFT_BENCH_DEPS[@]}"
}

# Configure and build into $ROOT/build (ROOT defaults to the checkout holding this file).
pgshift_build() {
  local root="${ROOT:-$PGSHIFT_ROOT}"
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release || return 1
  cmake --build "$root/build" -j"$(nproc)" || return 1
}
