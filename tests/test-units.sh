#!/usr/bin/env bash
# Checks hoinghi's systemd units without systemd running (TAP):
#  - `systemd-analyze verify` finds nothing to say about the test copies of
#    the units (ExecStart= is the hoinghid just built: verify checks that the
#    program exists, and nothing is installed while tests run);
#  - `systemd-analyze security --offline=true` rates the units as installed:
#    hoinghid.service at most 2.0, and the endpoint's and the meeting
#    template's (hoinghi-meeting@.service) ratings are printed;
#  - sysusers.d and tmpfiles.d make the user and folders the units expect,
#    in a temporary root.
#
# usage: test-units.sh HUB_UNIT ENDPOINT_UNIT MEETING_UNIT TEST_HUB_UNIT TEST_ENDPOINT_UNIT
#                      TEST_MEETING_UNIT SYSUSERS TMPFILES
set -uo pipefail

max_hub_exposure=2.0

if [ $# -ne 8 ]; then
  echo "usage: $0 HUB_UNIT ENDPOINT_UNIT MEETING_UNIT TEST_HUB_UNIT TEST_ENDPOINT_UNIT TEST_MEETING_UNIT SYSUSERS TMPFILES" >&2
  exit 2
fi
if ! command -v systemd-analyze >/dev/null; then
  echo "1..0 # SKIP systemd-analyze not found (Debian: apt-get install systemd)"
  exit 0
fi

# absolute: systemd-sysusers and systemd-tmpfiles look a bare name up in
# their configuration folders
args=()
for f in "$@"; do args+=("$(readlink -f "$f")"); done
set -- "${args[@]}"
hub_unit=$1 endpoint_unit=$2 meeting_unit=$3
test_hub_unit=$4 test_endpoint_unit=$5 test_meeting_unit=$6 sysusers=$7 tmpfiles=$8

echo "1..8"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# diag TEXT: TAP diagnostics, one "# " line per line of TEXT
diag() { [ -n "$1" ] && printf '%s\n' "$1" | sed 's/^/# /'; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hoinghi-units-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# verify exits 0 even on unknown keys and bad values (it only warns, as
# systemd does when loading the unit), so any output at all is a failure.
# --man=no: the man page is not installed while the tests run.
# verify UNIT_FILE
verify() {
  local out rc
  out=$(systemd-analyze verify --man=no "$1" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && [ -z "$out" ]; then
    ok "systemd-analyze verify $(basename "$1")"
  else
    not_ok "systemd-analyze verify $(basename "$1") (exit status $rc)"
    diag "$out"
  fi
}
verify "$test_hub_unit"
verify "$test_endpoint_unit"
# a template is verified as an instance of it (systemd-analyze makes one);
# its Requires=hoinghid.service is found beside it, in the build folder
verify "$test_meeting_unit"

# exposure UNIT_FILE: the figure on the "Overall exposure level for X: 1.1 OK"
# line ("→" or "->" before it, depending on the locale)
exposure() {
  systemd-analyze security --offline=true --no-pager "$1" 2>"$tmp/security.err" |
    tee "$tmp/security.out" |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p'
}

score=$(exposure "$hub_unit")
if [ -z "$score" ]; then
  not_ok "hoinghid.service: no exposure level in systemd-analyze security's output"
  diag "$(cat "$tmp/security.out" "$tmp/security.err")"
elif awk -v s="$score" -v max="$max_hub_exposure" 'BEGIN { exit !(s + 0 <= max + 0) }'; then
  ok "hoinghid.service: exposure $score <= $max_hub_exposure"
else
  not_ok "hoinghid.service: exposure $score > $max_hub_exposure"
  diag "$(cat "$tmp/security.out")"
fi

score=$(exposure "$endpoint_unit")
if [ -n "$score" ]; then
  ok "hoinghid-endpoint.service: exposure $score (printed, not limited)"
else
  not_ok "hoinghid-endpoint.service: no exposure level in systemd-analyze security's output"
  diag "$(cat "$tmp/security.out" "$tmp/security.err")"
fi

score=$(exposure "$meeting_unit")
if [ -n "$score" ]; then
  ok "hoinghi-meeting@.service: exposure $score (printed, not limited)"
else
  not_ok "hoinghi-meeting@.service: no exposure level in systemd-analyze security's output"
  diag "$(cat "$tmp/security.out" "$tmp/security.err")"
fi

# The units run as hoinghi (User=) with $HOME from sysusers.d, which must
# be the state directory (the units keep caches and plugins out of $HOME)
mkdir -p "$tmp/root/etc"
if ! command -v systemd-sysusers >/dev/null; then
  skip "sysusers.d makes the user hoinghi" "systemd-sysusers not found"
elif out=$(systemd-sysusers --root="$tmp/root" "$sysusers" 2>&1) &&
  grep -q '^hoinghi:x:[0-9]*:[0-9]*:[^:]*:/var/lib/hoinghi:' "$tmp/root/etc/passwd" &&
  grep -q '^hoinghi:x:' "$tmp/root/etc/group"; then
  ok "sysusers.d makes the user hoinghi, home /var/lib/hoinghi"
else
  not_ok "sysusers.d makes the user hoinghi, home /var/lib/hoinghi"
  diag "$out"
  diag "$(cat "$tmp/root/etc/passwd" 2>/dev/null)"
fi

# tmpfiles.d gives /var/lib/hoinghi to hoinghi, which needs root to chown
if ! command -v systemd-tmpfiles >/dev/null; then
  skip "tmpfiles.d makes /var/lib/hoinghi" "systemd-tmpfiles not found"
elif [ "$(id -u)" -ne 0 ]; then
  skip "tmpfiles.d makes /var/lib/hoinghi" "needs root (chown)"
elif out=$(systemd-tmpfiles --root="$tmp/root" --create "$tmpfiles" 2>&1) &&
  uid=$(awk -F: '$1 == "hoinghi" { print $3 }' "$tmp/root/etc/passwd") &&
  [ "$(stat -c '%a %u' "$tmp/root/var/lib/hoinghi" 2>/dev/null)" = "750 $uid" ] &&
  [ -d "$tmp/root/etc/hoinghi/sites.conf.d" ]; then
  ok "tmpfiles.d makes /var/lib/hoinghi (0750, hoinghi's) and /etc/hoinghi/sites.conf.d"
else
  not_ok "tmpfiles.d makes /var/lib/hoinghi (0750, hoinghi's) and /etc/hoinghi/sites.conf.d"
  diag "$out"
  diag "$(ls -ldn "$tmp/root/var/lib/hoinghi" 2>&1)"
fi

exit $failed
