#!/usr/bin/env bash
# Fails if any tracked C/C++/CUDA file differs from .clang-format (generated tables turn it off
# themselves with "// clang-format off").
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
# The tracked files in a checkout; the project's source folders in an unpacked archive.
source_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files '*.c' '*.h' '*.cpp' '*.hpp' '*.cu' '*.cuh'
  else
    find include src capi tests examples bench bindings -type f \
      \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' -o -name '*.cu' -o -name '*.cuh' \) 2>/dev/null
  fi
}
while IFS= read -r f; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "clang-format: $f differs (run: clang-format -i $f)"
    bad=1
  fi
done < <(source_files)
exit $bad
