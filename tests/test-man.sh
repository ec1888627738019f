#!/usr/bin/env bash
# Checks the man pages (TAP): groff formats each without a single warning
# (-ww: all of them), as `man --warnings` would show them. Skips when groff
# is not installed (Debian: apt-get install groff-base).
#
# usage: test-man.sh PAGE...
set -uo pipefail

if ! command -v groff >/dev/null; then
  echo "1..0 # SKIP groff not found (Debian: apt-get install groff-base)"
  exit 0
fi

echo "1..$#"
n=0
failed=0
for page in "$@"; do
  n=$((n + 1))
  # preconv: the pages hold Vietnamese names in UTF-8, as man feeds them
  out=$(preconv "$page" 2>&1 | groff -man -ww -z -Tutf8 2>&1)
  if [ $? -eq 0 ] && [ -z "$out" ]; then
    echo "ok $n - $(basename "$page"): no groff warnings"
  else
    failed=1
    echo "not ok $n - $(basename "$page"): groff warnings"
    printf '%s\n' "$out" | sed 's/^/# /'
  fi
done
exit $failed
