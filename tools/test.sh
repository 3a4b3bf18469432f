#!/usr/bin/env bash
# tools/test.sh — the README's test command: install what is missing, build, run every test.
# Integration tests start their own throwaway clusters (tools/test-clusters.sh, a CTest fixture).
#
#   tools/test.sh                      Release build in build/, the whole suite (what CI runs)
#   tools/test.sh --sanitize address   ASan + UBSan build in build-asan/, the whole suite
#   tools/test.sh --sanitize thread    TSan build in build-tsan/: the unit tests and the tests of
#                                      concurrent code (pipeline, session pool, SQLite reader
#                                      threads, processes sharing a run, faults)
#   tools/test.sh --long               Release build in build/, only the long tests (ctest label
#                                      `long`, PGSHIFT_LONG_TESTS=1): peak RSS of the pgshift
#                                      binary under 256 MB on a table 10x the demo's largest, one
#                                      500 MiB bytea and one 500 MiB text value, and a ~1 GB
#                                      single-transaction change applied by sync. ~15-25 minutes
#                                      on 2 cores; they need ~6 GB of disk. Without --long they are
#                                      skipped (the fast suite stays fast).
#
# Any sanitizer report fails the test that triggered it (halt on the first error; leaks count).
# Exits with ctest's status.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$ROOT/tools/lib/deps.sh"

sanitize=""
long=0
while (($#)); do
  case $1 in
    --sanitize)
      (($# >= 2)) || { echo "test.sh: --sanitize needs address or thread" >&2; exit 2; }
      sanitize=$2
      shift 2
      ;;
    --sanitize=*) sanitize=${1#--sanitize=}; shift ;;
    --long) long=1; shift ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

pgshift_install_deps

if ((long)); then
  [[ -z "$sanitize" ]] || { echo "test.sh: --long does not combine with --sanitize" >&2; exit 2; }
  pgshift_build
  cd "$ROOT/build"
  status=0
  PGSHIFT_LONG_TESTS=1 ctest --output-on-failure -j1 --timeout 3600 -L long || status=$?
  exit "$status"
fi

if [[ -z "$sanitize" ]]; then
  pgshift_build
  cd "$ROOT/build"
  status=0
  ctest --output-on-failure -j2 --timeout 900 || status=$?
  exit "$status"
fi

case $sanitize in
  address)
    build="$ROOT/build-asan"
    flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
    # Every test of the suite, the fuzz smoke runs included.
    select=()
    export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    ;;
  thread)
    build="$ROOT/build-tsan"
    flags="-O1 -g -fno-omit-frame-pointer -fsanitize=thread"
    # Every unit test, then the integration tests of concurrent code; the fixture's cluster start
    # and stop come along by themselves.
    select=(-L unit)
    concurrent='^(SessionPoolTest|CrashSafety\.TwoProcesses|SqliteMigrate|Faults)\.'
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
    ;;
  *) echo "test.sh: --sanitize takes address or thread, not '$sanitize'" >&2; exit 2 ;;
esac

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPGSHIFT_BENCH=OFF "${launcher[@]}" \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=${flags#-O1 -g }"
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest_run() {
  local run=(ctest --output-on-failure -j2 --timeout 1800 "$@")
  # TSan (g++ 12) can fail to map its shadow memory under the wider address randomization of some
  # kernels: its runs have randomization off (children inherit that).
  if [[ "$sanitize" == thread ]] && command -v setarch >/dev/null 2>&1; then
    run=(setarch "$(uname -m)" -R "${run[@]}")
  fi
  "${run[@]}"
}
status=0
ctest_run "${select[@]}" || status=$?
if [[ "$sanitize" == thread ]]; then
  ctest_run -R "$concurrent" || status=$?
fi
exit "$status"
