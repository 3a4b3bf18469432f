#!/usr/bin/env bash
# tools/check-layers.sh [source-root] — fails when a file includes a header of a higher layer.
#
# The layers, lowest first (each one its own CMake target, see CMakeLists.txt):
#   0 core       engine/core, engine/model
#   1 connectors connectors/<name>: core and its own directory only, never another connector
#   2 verify     verify/
#   3 engine     the rest of engine/ (plan, pipeline, state, migrate, compare, assess, ...)
#   4 tools      tools/
# A file may include headers of its own layer and of lower ones. Every project #include in
# engine/, connectors/, verify/ and tools/ is checked, quoted or bracketed, relative ones resolved
# against the including file. tests/ and bench/ may include anything and are not checked; the
# layered code may not include them. Run by ctest (test "layers"); exits 1 listing each violation.
set -euo pipefail

ROOT="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)"
cd "$ROOT"

# Sets `rank` and `name` to the layer of a path relative to the root.
layer_of() {
  case "$1" in
    engine/core/* | engine/model/*) rank=0 name=core ;;
    connectors/*/*)
      local rest="${1#connectors/}"
      rank=1 name="connectors/${rest%%/*}"
      ;;
    verify/*) rank=2 name=verify ;;
    engine/*) rank=3 name=engine ;;
    tools/*) rank=4 name=tools ;;
    *) rank=9 name="outside(${1%%/*})" ;;
  esac
}

checked=0
violations=0
while IFS= read -r match; do
  file="${match%%:*}"
  rest="${match#*:}"
  line_number="${rest%%:*}"
  line="${rest#*:}"
  [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<]([^\"\>]+)[\"\>] ]] || continue
  target="${BASH_REMATCH[1]}"
  # Resolve a path relative to the including file when it names a file there.
  dir="${file%/*}"
  if [[ -e "$dir/$target" ]]; then
    target="$(realpath -m --relative-to="$ROOT" "$dir/$target")"
  elif [[ ! "$target" =~ ^(engine|connectors|verify|tools|tests|bench)/ ]]; then
    continue  # a system or library header
  fi
  checked=$((checked + 1))
  layer_of "$file"
  from_rank=$rank from_name=$name
  layer_of "$target"
  to_rank=$rank to_name=$name
  if ((to_rank > from_rank)) ||
    { ((to_rank == 1 && from_rank == 1)) && [[ "$to_name" != "$from_name" ]]; }; then
    echo "$file:$line_number: $from_name includes $target, of layer $to_name"
    violations=$((violations + 1))
  fi
done < <(find engine connectors verify tools -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' \
  -o -name '*.ipp' \) -print0 | sort -z | xargs -0 grep -HnE '^[[:space:]]*#[[:space:]]*include')

if ((checked == 0)); then
  echo "check-layers: no project #include found under $ROOT: wrong source root?"
  exit 1
fi
if ((violations > 0)); then
  echo "check-layers: $violations upward include(s) among $checked checked. A layer includes only"
  echo "its own and lower layers' headers: core <- connectors <- verify <- engine <- tools, and one"
  echo "connector never another."
  exit 1
fi
echo "check-layers: $checked project includes checked, none upward"
