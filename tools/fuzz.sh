#!/usr/bin/env bash
# tools/fuzz.sh — run the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with ASan + UBSan.
#
#   tools/fuzz.sh                        every target, 60 s each
#   tools/fuzz.sh copy_binary_fuzz ...   only the named targets
#   tools/fuzz.sh --seconds 300 NAME     longer runs (libFuzzer's -max_total_time)
#   tools/fuzz.sh --merge NAME           also merge the new coverage-increasing inputs back into the
#                                        checked-in corpus (libFuzzer -merge=1: few, small files)
#   tools/fuzz.sh --build-only           install, configure and build, run nothing
#   tools/fuzz.sh --no-build NAME        run what build-fuzz/ already holds (no install, no build)
#   tools/fuzz.sh --list                 the target names
#   tools/fuzz.sh NAME -- -max_len=64    what follows -- goes to libFuzzer as it is
#
# Installs clang-14 and its libFuzzer runtime when missing, configures build-fuzz/ (clang-14,
# -DPGSHIFT_FUZZ=ON) and builds only the *_fuzz targets, under nice -n 19 with one job (the
# machine is shared: PGSHIFT_FUZZ_JOBS raises the build's -j). Each target starts from its
# checked-in corpus (tests/fuzz/corpus/<target>/) copied to a scratch directory, so the checked-in
# corpus changes only with --merge. A crash, leak or sanitizer report leaves libFuzzer's crash-*
# (leak-*, timeout-*, oom-*) file in build-fuzz/fuzz-artifacts/<target>/; the script prints the
# command that reproduces it and exits 1. A reproducer, once fixed, belongs in the corpus
# directory: the ctest smoke run (<target>_smoke) replays every file there.
# Other exits: 0 no crash, 2 usage or build failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$ROOT/tools/lib/deps.sh"

BUILD="$ROOT/build-fuzz"
CORPUS="$ROOT/tests/fuzz/corpus"
seconds=60
merge=0
build_only=0
no_build=0
targets=()
extra=()

all_targets() {
  local source
  for source in "$ROOT"/tests/fuzz/*_fuzz.cpp; do basename "$source" .cpp; done
}

while (($#)); do
  case $1 in
    --seconds)
      (($# >= 2)) || { echo "fuzz.sh: --seconds needs a number" >&2; exit 2; }
      seconds=$2
      shift 2
      ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    --merge) merge=1; shift ;;
    --build-only) build_only=1; shift ;;
    --no-build) no_build=1; shift ;;
    --list) all_targets; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seconds needs a number" >&2; exit 2; }
if ((${#targets[@]} == 0)); then mapfile -t targets < <(all_targets); fi
for target in "${targets[@]}"; do
  [[ -f "$ROOT/tests/fuzz/$target.cpp" ]] || {
    echo "fuzz.sh: no target $target (tools/fuzz.sh --list)" >&2
    exit 2
  }
done

build() {
  pgshift_install_deps || exit 2
  pgshift_apt_ensure clang-14 libclang-rt-14-dev || exit 2
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  CC=clang-14 CXX=clang++-14 nice -n 19 cmake -S "$ROOT" -B "$BUILD" -DPGSHIFT_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGSHIFT_BENCH=OFF "${launcher[@]}" >/dev/null || exit 2
  nice -n 19 cmake --build "$BUILD" -j"${PGSHIFT_FUZZ_JOBS:-1}" --target "${targets[@]}" || exit 2
}
((no_build)) || build
((build_only)) && exit 0

# Halt on the first report of either sanitizer; leaks are reported (libFuzzer's -detect_leaks).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

crashed=()
summary=()
for target in "${targets[@]}"; do
  binary="$BUILD/tests/$target"
  seeds="$CORPUS/$target"
  scratch="$BUILD/fuzz-corpus/$target"
  artifacts="$BUILD/fuzz-artifacts/$target"
  rm -rf "$scratch"
  mkdir -p "$scratch" "$artifacts"
  if [[ -d $seeds ]]; then cp -a "$seeds/." "$scratch/"; fi
  log="$BUILD/fuzz-$target.log"
  stamp="$BUILD/fuzz-$target.started"
  touch "$stamp"
  echo "== $target: ${seconds} s from $(find "$scratch" -type f | wc -l) corpus files (log $log)"
  set +e
  nice -n 19 "$binary" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${extra[@]}" "$scratch" >"$log" 2>&1
  status=$?
  set -e
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
  summary+=("$target: exit $status, ${execs:-?} exec/s, last: ${last:-none}")
  found=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) -newer "$stamp" 2>/dev/null || true)
  if ((status != 0)) || [[ -n $found ]]; then
    crashed+=("$target")
    echo "!! $target failed (exit $status); the report:"
    grep -E 'ERROR: |runtime error:|SUMMARY:|deadly signal' "$log" | head -5 || true
    for file in $found; do
      echo "   reproduce: $binary $file"
      echo "   or, in the g++ build, without libFuzzer: build/tests/${target}_smoke 0 $file"
    done
    continue
  fi
  if ((merge)); then
    mkdir -p "$seeds"
    nice -n 19 "$binary" -merge=1 "$seeds" "$scratch" >>"$log" 2>&1
    echo "   merged: $(find "$seeds" -type f | wc -l) files in $seeds"
  fi
done

echo
printf '%s\n' "${summary[@]}"
if ((${#crashed[@]})); then
  echo "fuzz.sh: crashes in ${crashed[*]} (artifacts in $BUILD/fuzz-artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: no crash in ${#targets[@]} target(s), ${seconds} s each"
