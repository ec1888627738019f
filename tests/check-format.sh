#!/usr/bin/env bash
# Fails when a C file differs from what .clang-format makes of it; fix with ./go format.
set -euo pipefail
cd "$1"
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find daemon pipelines cli tests bench -name '*.[ch]' 2>/dev/null)
fi
clang-format --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted as .clang-format says"
