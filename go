#!/usr/bin/env bash
# hoinghi's one entry point for developers and CI.
#
#   ./go run      set up, build, and run the hub daemon on ./sites.conf with
#                 four simulated rooms in a demo meeting (socket, state and
#                 logs under .run/); Ctrl-C stops it all
#   ./go test     set up, build, and run every test (meson test), then the
#                 unit, fixture and fuzz-corpus tests under valgrind (no
#                 definite leaks), everything again under ASan+UBSan, and
#                 each fuzz target for 30 s
#   ./go fuzz [S] build the libFuzzer targets (clang, build-fuzz/) and run
#                 each for S seconds (default 60)
#   ./go ctl ...  hoinghictl against the daemon that './go run' started
#   ./go build    set up and build only
#   ./go asan     build with ASan+UBSan in build-asan/ and run the tests there
#   ./go format   apply .clang-format to every C file
#   ./go bench    set up, build, and run the benchmarks in bench/ (a 20-room
#                 meeting, start-up and /metrics with 148 sites, for 147
#                 rooms the packet limit, ffmpeg's fan-out and one rtpbin
#                 per room, and last the province: the hub with 147
#                 simulated rooms, compared with all of them); figures to
#                 bench/results/*.json
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
  systemd clang-format python3 valgrind ffmpeg jq prometheus groff-base openssl
  clang libclang-rt-dev
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
  HN_TEST_SLOWDOWN=3 \
    run_tests build-asan --no-suite style --no-suite timed --no-suite no-asan "$@"
}

# ./go fuzz: each libFuzzer target of tests/fuzz for SECONDS, one after
# the other (one core each), in build-fuzz/ (clang, ASan+UBSan; clang's
# warnings are not errors there: the gcc build has -Werror). What a run
# adds to a corpus stays in build-fuzz/corpus/TARGET for the next run; a
# crash is written to build-fuzz/artifacts/TARGET/ and fails the run.
fuzz() {
  local seconds=${1:-60} exe name work art log rc=0 args
  CC=clang build build-fuzz -Dwerror=false -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false
  for exe in build-fuzz/tests/fuzz/fuzz-*; do
    [ -f "$exe" ] && [ -x "$exe" ] || continue
    name=${exe##*/}
    work=build-fuzz/corpus/$name art=build-fuzz/artifacts/$name log=build-fuzz/$name.log
    mkdir -p "$work" "$art"
    # new inputs go to the first folder, the work corpus
    args=("$work" "tests/fuzz/corpus/$name")
    [ -d "tests/fuzz/reproducers/$name" ] && args+=("tests/fuzz/reproducers/$name")
    [ -f "tests/fuzz/$name.dict" ] && args=("-dict=tests/fuzz/$name.dict" "${args[@]}")
    # libFuzzer checks each input that allocates more than it frees for
    # leaks; LeakSanitizer's own check at exit is left out, since with the
    # fast unwinder it cannot see that a library constructor's allocation
    # is _dl_init's (tests/lsan.supp), and the slow one costs 7x the speed;
    # G_SLICE: a leaked GSlice chunk stays in its magazine, unseen by LSan
    if ! G_SLICE=always-malloc ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
      LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:leak_check_at_exit=0" \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/" "${args[@]}" >"$log" 2>&1; then
      rc=1
      echo "fuzz: $name failed; see $log and $art/" >&2
      # what CI shows of it: the seed (the same seed on the same corpus
      # replays the run: -seed=N), the report, and a small input itself
      grep -m1 "INFO: Seed:" "$log" >&2 || true
      grep -A25 -m1 -E "^(==[0-9]+==|ERROR|Bail out|SUMMARY|\*\*)" "$log" | head -40 >&2 || true
      for input in "$art"/*; do
        [ -f "$input" ] || continue
        echo "fuzz: $input ($(stat -c %s "$input") bytes), base64 of its first 2 KiB:" >&2
        head -c 2048 "$input" | base64 >&2
      done
    fi
    # "NAME: N runs (N/s), cov: N ft: N, corpus N/SIZE"
    awk -v name="$name" '
      / cov: / { for (i = 1; i < NF; i++) { if ($i == "cov:") cov = $(i + 1); if ($i == "ft:") ft = $(i + 1); if ($i == "corp:") corp = $(i + 1) } }
      /^stat::number_of_executed_units:/ { runs = $2 }
      /^stat::average_exec_per_sec:/ { rate = $2 }
      END { printf "%s: %s runs (%s/s), cov: %s ft: %s, corpus %s\n", name, runs, rate, cov, ft, corp }' "$log"
  done
  return $rc
}

# ./go run: the hub on the shipped sites.conf (plus a demo drop-in that
# keeps it on loopback and small), four simulated rooms, and a meeting
demo() {
  local run=$top/.run ctl=(build/cli/hoinghictl --socket "$top/.run/control.sock")
  local rooms=(huyen-tam-dao:0xd02020:440 tt-tam-dao:0x20a040:550 xa-dao-tru:0x2060e0:660 xa-yen-duong:0xe0c020:880)
  local i port fingerprint
  pids=()
  # the demo starts its own meeting: none resumed from the last run
  rm -rf "$run/sites.conf.d" "$run/rooms" "$run/state/running-meetings.json"
  mkdir -p "$run/sites.conf.d" "$run/rooms"
  cp sites.conf "$run/sites.conf"
  cat > "$run/sites.conf.d/50-demo.conf" <<'CONF'
# ./go run: the hub on loopback, free ports, and a program small enough for
# a hub and four simulated rooms to share one modest machine
[hub]
listen-address=127.0.0.1
control-port=0
media-port=0
program-size=640x360
program-framerate=25
program-video-bitrate=800

[defaults]
video-size=320x180
video-framerate=15
video-bitrate=300
CONF
  # wss as in production: a certificate for the hub, pinned by the rooms
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=hoinghi-demo-hub -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$run/hub.key" -out "$run/hub.crt" 2>/dev/null
  printf '[hub]\ntls-certificate=%s\ntls-key=%s\n' "$run/hub.crt" "$run/hub.key" \
    > "$run/sites.conf.d/60-tls.conf"
  # pids is global: the EXIT trap runs after the function's locals are gone
  cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  build/hoinghid --role hub --config "$run/sites.conf" --socket "$run/control.sock" \
    --state-dir "$run/state" "$@" 2>>"$run/hoinghid.log" &
  pids+=($!)
  for i in $(seq 100); do "${ctl[@]}" status >/dev/null 2>&1 && break; sleep 0.1; done
  port=$("${ctl[@]}" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["control-port"])') ||
    { echo "go: the hub did not start; see $run/hoinghid.log" >&2; exit 1; }
  fingerprint=$("${ctl[@]}" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["control-fingerprint"])')
  for r in "${rooms[@]}"; do
    IFS=: read -r id color tone <<<"$r"
    "${ctl[@]}" token "$id" > "$run/rooms/$id.token"
    build/hoinghid --role endpoint --config "$run/rooms/$id.conf" --site "$id" --hub "127.0.0.1:$port" \
      --hub-fingerprint "$fingerprint" --token-file "$run/rooms/$id.token" --source test --test-color "$color" --test-tone "$tone" \
      --sink none --socket "$run/rooms/$id.sock" --state-dir "$run/rooms/$id" \
      2>>"$run/rooms/$id.log" &
    pids+=($!)
  done
  for i in $(seq 101); do
    [ "$("${ctl[@]}" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["sites-online"])')" = 4 ] && break
    [ "$i" = 101 ] && { echo "go: the simulated rooms did not come online; see $run/rooms/*.log" >&2; exit 1; }
    sleep 0.1
  done
  "${ctl[@]}" meeting start demo --title "Giao ban (demo)" --layout grid --monitor 127.0.0.1:5600 \
    --sites huyen-tam-dao,tt-tam-dao,xa-dao-tru,xa-yen-duong
  "${ctl[@]}" floor demo xa-dao-tru
  for i in $(seq 50); do "${ctl[@]}" sdp demo > "$run/program.sdp" 2>/dev/null && break; sleep 0.1; done
  cat >&2 <<MSG

==> hoinghid (hub) runs on sites.conf (+ .run/sites.conf.d/50-demo.conf), with 4 simulated rooms
    and the meeting "demo". Log: .run/hoinghid.log; rooms' logs: .run/rooms/. In another terminal:
      ./go ctl meeting show demo        ./go ctl floor demo tt-tam-dao      ./go ctl layout demo pip
      ./go ctl sites --tier district    ./go ctl status
    Watch the program: ffplay -protocol_whitelist file,udp,rtp .run/program.sdp
    (./go ctl is build/cli/hoinghictl --socket .run/control.sock). Ctrl-C stops everything.
MSG
  wait "${pids[0]}"
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
    run_tests build --setup valgrind --suite unit --suite fixture --suite fuzz-corpus || rc=$?
    asan "$@" || rc=$?
    fuzz 30 || rc=$?
    exit $rc ;;
  asan)
    setup; asan "$@" ;;
  fuzz)
    setup; fuzz "${1:-60}" ;;
  run)
    setup; build build
    demo "$@" ;;
  ctl)
    [ -x build/cli/hoinghictl ] || { setup; build build; }
    exec build/cli/hoinghictl --socket "$top/.run/control.sock" "$@" ;;
  bench)
    setup; build build
    mkdir -p bench/results
    BUILD=build bench/meeting-load "${1:-20}"
    BUILD=build bench/startup
    build/bench/hoinghi-packet-limit --rooms 147 --seconds 10 --json bench/results/packet-limit-147.json
    bench/ffmpeg-fanout 147 20
    bench/naive-return 147 20
    BUILD=build bench/province ;;
  format)
    setup
    # new files too, before they are committed
    git ls-files --cached --others --exclude-standard '*.c' '*.h' | xargs clang-format -i ;;
  help|-h|--help)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' ;;
  *)
    echo "go: unknown command '$cmd'; see ./go help" >&2; exit 1 ;;
esac
