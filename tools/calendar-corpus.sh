#!/bin/bash
# Regenerates tests/data/calendar-corpus.txt from systemd-analyze: for every
# "[ZONE @BASE] EXPRESSION" line of the corpus it records what
#   TZ=ZONE systemd-analyze calendar --iterations=5 --base-time=@BASE EXPRESSION
# prints: the normalised form ("= ..."), the elapses ("> ...", "> never"), or
# "! refused" when systemd rejects the expression. To add a case, append a
# "[...]" line (the other lines may be left out) and run this script; check
# the diff before committing it.
#
# Usage: tools/calendar-corpus.sh [CORPUS]   (rewrites CORPUS in place)

set -euo pipefail

corpus=${1:-"$(dirname "$0")/../tests/data/calendar-corpus.txt"}
iterations=5

command -v systemd-analyze >/dev/null || {
  echo "calendar-corpus: systemd-analyze not found" >&2
  exit 1
}
version=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

record() {
  local zone=$1 base=$2 expression=$3 out err

  err=$(mktemp)
  if ! out=$(TZ=$zone LC_ALL=C systemd-analyze calendar --iterations=$iterations \
      --base-time="@$base" -- "$expression" 2>"$err"); then
    if grep -q '^Failed to parse calendar specification' "$err"; then
      echo "! refused"
      rm -f "$err"
      return
    fi
    # systemd gave up on a later iteration and printed nothing: such a
    # case cannot be recorded, drop it from the corpus
    echo "calendar-corpus: [$zone @$base] $expression: $(cat "$err")" >&2
    rm -f "$err"
    return 1
  fi
  rm -f "$err"
  sed -n -e 's/^ *Normalized form: /= /p' \
    -e 's/^ *Next elapse: /> /p' \
    -e 's/^ *Iter\. #[0-9]*: /> /p' <<<"$out"
}

{
  echo "# Next elapses of systemd calendar expressions, written by tools/calendar-corpus.sh"
  echo "# from systemd $version:"
  echo "#   TZ=ZONE systemd-analyze calendar --iterations=$iterations --base-time=@BASE 'EXPRESSION'"
  echo "#"
  echo "# [ZONE @BASE] EXPRESSION"
  echo "# = normalised form, or \"! refused\" when systemd rejects the expression"
  echo "# > each elapse in ZONE as printed (\"> never\" if there is none)"
  echo "#"
  echo "# systemd $version"
  grep -E '^\[' "$corpus" | while IFS= read -r line; do
    if [[ ! $line =~ ^\[([^\ ]+)\ @([0-9]+)\]\ (.*)$ ]]; then
      echo "calendar-corpus: cannot read: $line" >&2
      exit 1
    fi
    echo
    echo "$line"
    record "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
  done
} >"$tmp"

mv "$tmp" "$corpus"
trap - EXIT
echo "calendar-corpus: wrote $(grep -c '^\[' "$corpus") cases to $corpus"
