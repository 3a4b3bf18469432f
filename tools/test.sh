#!/usr/bin/env bash
# tools/test.sh — the README's test command: install what is missing, build, run every test.
# Integration tests start their own throwaway clusters (tools/test-clusters.sh, a CTest fixture).
# Exits with ctest's status.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$ROOT/tools/lib/deps.sh"

pgshift_install_deps
pgshift_build

cd "$ROOT/build"
status=0
ctest --output-on-failure -j2 --timeout 900 || status=$?
exit "$status"
