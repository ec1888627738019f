#!/usr/bin/env bash
# Checks completion/hoinghictl.bash (TAP): sourced in a plain bash (no
# bash-completion package), its function completes verbs, subverbs, option
# values, and meeting IDs from a daemon (here a stand-in hoinghictl on
# $PATH that prints a fixed --json answer).
#
# usage: test-completion.sh COMPLETION_SCRIPT
set -uo pipefail

script=$1
echo "1..5"
n=0
failed=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hoinghi-completion-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/hoinghictl" <<'STUB'
#!/bin/sh
case "$*" in
  *meetings*) echo '{"count": 2, "meetings": [{"id": "giao-ban"}, {"id": "hop-huyen"}]}' ;;
  *) exit 1 ;;
esac
STUB
chmod +x "$tmp/hoinghictl"
PATH="$tmp:$PATH"

# shellcheck source=/dev/null
source "$script"

# check "COMMAND LINE" "EXPECTED": completes the last word of the line
check() {
  local got
  read -ra COMP_WORDS <<<"$1"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _hoinghictl
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
  n=$((n + 1))
  if [ "$got" = "$2" ]; then
    echo "ok $n - '$1' -> $2"
  else
    failed=1
    echo "not ok $n - '$1' -> '$got', expected '$2'"
  fi
}

check "hoinghictl me" "meeting meetings"
check "hoinghictl meeting s" "show start stop"
check "hoinghictl --json floor " "giao-ban hop-huyen"
check "hoinghictl layout giao-ban " "grid pip single"
check "hoinghictl links --state d" "degraded down"
exit $failed
