#!/usr/bin/env bash
# hoinghi's one entry point for developers and CI.
#
#   ./go run      set up, build, and run the hub daemon on ./sites.conf
#                 (socket, state and log under .run/); Ctrl-C stops it
#   ./go test     set up, build, and run every test (meson test), then the
#                 unit and fixture tests under valgrind (no definite leaks)
#                 and everything again under ASan+UBSan
#   ./go ctl ...  hoinghictl against the daemon that './go run' started
#   ./go build    set up and build only
#   ./go asan     build with ASan+UBSan in build-asan/ and run the tests there
#   ./go format   apply .clang-format to every C file
#
# Set-up installs the Debian packages the project needs (apt-get, as root
# or through sudo) and is quick when they are already there.
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD

packages=(
  meson ninja-build pkg-config gcc libc6-dev
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libsystemd-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  systemd clang-format python3 valgrind ffmpeg
)

say() { printf '==> %s\n' "$*" >&2; }

setup() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "go: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [meson options...]
build() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir"
    meson setup "$dir" -Dwerror=true "$@" >/dev/null
  fi
  say "building $dir"
  ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

# The plain closing line: "tests: N passed, N failed"
summary() {
  python3 - "$1" <<'PY'
import json, sys
ok = fail = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else: fail += 1
print(f"tests: {ok} passed, {fail} failed" + (f", {skip} skipped" if skip else ""))
PY
}

run_tests() {
  local dir=$1; shift
  local rc=0 log=testlog
  [ "${1:-}" = --setup ] && log=testlog-$2
  meson test -C "$dir" --print-errorlogs --num-processes "$(nproc)" "$@" || rc=$?
  summary "$dir/meson-logs/$log.json" || true
  return $rc
}

# The suite again with AddressSanitizer (leaks included) and UBSan
asan() {
  build build-asan -Db_sanitize=address,undefined -Db_lundef=false
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:fast_unwind_on_malloc=0" \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_tests build-asan --no-suite style "$@"
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  build)
    setup; build build ;;
  test)
    setup; build build
    rc=0
    run_tests build "$@" || rc=$?
    run_tests build --setup valgrind --suite unit --suite fixture || rc=$?
    asan "$@" || rc=$?
    exit $rc ;;
  asan)
    setup; asan "$@" ;;
  run)
    setup; build build
    mkdir -p .run
    cat >&2 <<MSG
==> hoinghid (hub) starts on sites.conf; socket .run/control.sock, state .run/state, log .run/hoinghid.log
    In another terminal:  ./go ctl status    ./go ctl sites --tier district    ./go ctl site xa-dao-tru
    (that is: build/cli/hoinghictl --socket .run/control.sock VERB). Ctrl-C stops the daemon.
MSG
    exec build/hoinghid --role hub --config "$top/sites.conf" --socket "$top/.run/control.sock" \
      --state-dir "$top/.run/state" "$@" 2> >(tee -a .run/hoinghid.log >&2) ;;
  ctl)
    [ -x build/cli/hoinghictl ] || { setup; build build; }
    exec build/cli/hoinghictl --socket "$top/.run/control.sock" "$@" ;;
  format)
    setup
    git ls-files '*.c' '*.h' | xargs clang-format -i ;;
  help|-h|--help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *)
    echo "go: unknown command '$cmd'; see ./go help" >&2; exit 1 ;;
esac
