#!/bin/bash
# Voice load against the real daemon (Release): concurrent IVR calls with prompt/music-on-hold playback, and call
# set-ups per second. Daemon pinned to CPU0; load (sipp as the PBX behind the trunk, plus the RTP sink every call's SDP
# points at) pinned to CPU1. Never part of the tests.
#   Phase "concurrency": sipp calls DID 100 at RATE/s until CALLS calls are up; each caller presses 1 by SIP INFO (the
#     sales queue has no agent logged in, so it hears the queued prompt, announcements and music on hold) and stays
#     HOLD_SECONDS after the last call is up, then BYE. During a MEASURE_SECONDS window with all calls up: the share of
#     RTP packets that left within 5 ms of their schedule (the daemon's ccgw_media_send_lateness_seconds histogram,
#     scraped before/after; frames the scheduler had to skip count as late), cross-checked by the sink's own arrival
#     times (bench/Ccgw.Bench.RtpSink), daemon CPU % (/proc/PID/stat), RSS, threads, fds.
#   Phase "setup": SETUP_CALLS short calls at SETUP_RATE/s (answer, SHORT_MS of the welcome prompt, BYE); zero failed
#     calls required; achieved rate and daemon CPU microseconds per call.
# Usage: bench/voice/run.sh   (env: PHASES="concurrency setup" CALLS=200 RATE=50 HOLD_SECONDS=40 MEASURE_SECONDS=20
#        SETUP_CALLS=2000 SETUP_RATE=100 SHORT_MS=1500; SKIP_BUILD=1 reuses the last build; CALLS may be a list, e.g. CALLS="200 500 1000", one daemon each;
#        PACING="timer:1 timerfd:4 timerfd:4:-10" runs each concurrency step once per pacing variant, clock:sub-slots[:nice],
#        i.e. Voice:PacingClock, Voice:PacingSubSlots and Voice:PacingNice, one fresh daemon each, so before/after share
#        one run; unset: the configuration's own pacing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
PHASES=${PHASES:-"concurrency setup"}
CALLS=${CALLS:-200}; RATE=${RATE:-50}; HOLD_SECONDS=${HOLD_SECONDS:-40}; MEASURE_SECONDS=${MEASURE_SECONDS:-20}
SETUP_CALLS=${SETUP_CALLS:-2000}; SETUP_RATE=${SETUP_RATE:-100}; SHORT_MS=${SHORT_MS:-1500}
[ "$MEASURE_SECONDS" -lt "$HOLD_SECONDS" ] || { echo "MEASURE_SECONDS must be below HOLD_SECONDS" >&2; exit 2; }
work=$(mktemp -d /tmp/ccgw-bench-voice-XXXX)
sipp_pids=()
cleanup() {
  # Only what this script started, by process id: our sipp instances (their -bg PIDs) and our own jobs.
  [ ${#sipp_pids[@]} -eq 0 ] || kill "${sipp_pids[@]}" 2>/dev/null || true
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
tck=$(getconf CLK_TCK)
free_ports() {  # $1 distinct free ports (held together while chosen, so no two are the same)
  python3 -c 'import socket,sys;s=[socket.socket() for _ in range(int(sys.argv[1]))];[x.bind(("127.0.0.1",0)) for x in s];print(*[x.getsockname()[1] for x in s])' $1
}
cpu_ticks() { awk '{print $14+$15}' /proc/$1/stat; }
rss_mb() { awk '/VmRSS/ {printf "%d", $2/1024}' /proc/$1/status; }
scrape() { curl -sf "http://127.0.0.1:$http/metrics" > "$1"; }

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "building ccgw and the RTP sink (Release)..." >&2
  dotnet build -c Release "$repo/src/Ccgw.Daemon" -v q -nologo >/dev/null
  dotnet build -c Release "$repo/bench/Ccgw.Bench.RtpSink" -v q -nologo >/dev/null
fi
ccgw_dll=$(ls "$repo"/src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll)
sink_dll=$repo/bench/Ccgw.Bench.RtpSink/bin/Release/net10.0/Ccgw.Bench.RtpSink.dll

start_ccgw() {  # a fresh daemon and data directory: pid, http, sip; $1 optional pacing variant clock:sub-slots
  rm -rf "$work/config" "$work/data"; cp -r "$repo/config" "$work/config"
  read http sip xmpp mqtt sipp_port < <(free_ports 5)
  local pacing=()
  if [ -n "${1:-}" ]; then
    local clock slots nice; IFS=: read -r clock slots nice <<< "$1"
    pacing=(CCGW__Voice__PacingClock=$clock CCGW__Voice__PacingSubSlots=$slots CCGW__Voice__PacingNice=${nice:-0})
  fi
  env "${pacing[@]}" CCGW__Data__Directory="$work/data" CCGW__Listeners__Http__Port=$http CCGW__Listeners__SipUdp__Port=$sip \
    CCGW__Listeners__SipTcp__Port=$sip CCGW__Listeners__Xmpp__Port=$xmpp CCGW__Listeners__Mqtt__Port=$mqtt \
    CCGW__Listeners__Rtp__PortMin=21000 CCGW__Listeners__Rtp__PortMax=28999 CCGW__Trunks__0__KeepaliveSeconds=0 \
    Logging__LogLevel__Default=Warning CCGW__Logging__LogLevel__Default=Warning \
    taskset -c 0 dotnet "$ccgw_dll" --config "$work/config/ccgw.json" >"$work/ccgw.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$http/healthz" >/dev/null || { echo "daemon did not start:"; tail -20 "$work/ccgw.log"; exit 1; }
}
stop_ccgw() { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }

start_sink() {  # the RTP sink on CPU1; "start"/"stop" lines on fd 3 bound its measurement window
  rm -f "$work/sink.out"
  exec 3> >(taskset -c 1 dotnet "$sink_dll" --max-packets 6000000 > "$work/sink.out")
  for _ in $(seq 1 100); do [ -s "$work/sink.out" ] && break; sleep 0.1; done
  sink_port=$(head -1 "$work/sink.out")
}
stop_sink() { echo stop >&3; exec 3>&-; for _ in $(seq 1 100); do [ "$(wc -l < "$work/sink.out")" -ge 2 ] && break; sleep 0.2; done; }

sipp_run() {  # scenario stat-file extra-args...: sipp as the PBX on CPU1, in the background
  local sf=$1 stat=$2; shift 2
  taskset -c 1 sipp 127.0.0.1:$sip -sf "$here/$sf" -s 100 -i 127.0.0.1 -p $sipp_port -t u1 -key rtp_port $sink_port \
    -key digit 1 -recv_timeout 10000 -nostdin -bg -trace_stat -stf "$stat" -fd 1 -trace_err -error_file "$stat.err" "$@" \
    >"$stat.bg" 2>&1 || true   # -bg: the parent exits 99 after printing the background PID
  local bg; bg=$(grep -o 'PID=\[[0-9]*\]' "$stat.bg" | tr -dc 0-9)
  [ -z "$bg" ] || { sipp_pids+=("$bg"); echo "$bg" > "$stat.pid"; }
}
sipp_wait() {  # until the sipp writing $1 has exited (by its PID; a stat file's name only if sipp did not print one)
  if [ -s "$1.pid" ]; then while kill -0 "$(cat "$1.pid")" 2>/dev/null; do sleep 0.5; done
  else while pgrep -f "stf $1" >/dev/null; do sleep 0.5; done; fi
}
sipp_counts() { python3 - "$1" <<'PY'
import sys
rows=[l.strip().split(';') for l in open(sys.argv[1]) if l.strip()]
h,last=rows[0],rows[-1]
print(int(last[h.index('SuccessfulCall(C)')]), int(last[h.index('FailedCall(C)')]), int(last[h.index('CurrentCall')]))
PY
}
active_calls() { curl -sf "http://127.0.0.1:$http/metrics" | awk '$1=="ccgw_voice_active_calls" {print $2}'; }

concurrency() {  # $1 = calls, $2 optional pacing variant clock:sub-slots
  local n=$1 ramp=$(( ($1 + RATE - 1) / RATE )) stat="$work/held-$1-$RANDOM.csv"
  start_ccgw "${2:-}"; start_sink
  echo "== concurrency: $n calls at $RATE/s, all up for ${HOLD_SECONDS}s, measured over ${MEASURE_SECONDS}s"
  [ -z "${2:-}" ] || echo "pacing: $2 (Voice:PacingClock:PacingSubSlots[:PacingNice])"
  # Each call holds long enough that all are up together for HOLD_SECONDS (ramp + 3 s to the digit).
  sipp_run held_caller.xml "$stat" -r $RATE -m $n -l $n -d $(( (ramp + HOLD_SECONDS + 3) * 1000 ))
  local deadline=$(( $(date +%s) + ramp + 30 )) up=0
  while [ "$(date +%s)" -lt $deadline ]; do
    up=$(active_calls || echo 0); [ "${up%.*}" -ge "$n" ] && break; sleep 1
  done
  sleep 4   # the last callers' digit (3 s after answer): everyone is past the menu
  scrape "$work/m0"; local c0=$(cpu_ticks $pid) t0=$(date +%s.%N); echo start >&3
  sleep $MEASURE_SECONDS
  scrape "$work/m1"; local c1=$(cpu_ticks $pid) t1=$(date +%s.%N); stop_sink
  local rss=$(rss_mb $pid)
  read ok bad cur < <(sipp_counts "$stat")
  python3 - "$work/m0" "$work/m1" "$c0" "$c1" "$t0" "$t1" "$tck" "$rss" "$n" "$cur" "$bad" <<'PY'
import sys
def parse(f):
    d = {}
    for l in open(f):
        if l.startswith('#') or not l.strip(): continue
        k, v = l.rsplit(' ', 1); d[k] = float(v)
    return d
a, b = parse(sys.argv[1]), parse(sys.argv[2])
c0, c1, t0, t1, tck, rss, n, cur, bad = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), sys.argv[8], int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
D = lambda k: b.get(k, 0) - a.get(k, 0)
count = D('ccgw_media_send_lateness_seconds_count')
le = lambda x: D('ccgw_media_send_lateness_seconds_bucket{le="%s"}' % x)
skipped = D('ccgw_media_frames_skipped_total')
secs = t1 - t0
gen2 = D('dotnet_collection_count_total{generation="2"}')
within = le('0.005') / (count + skipped) * 100 if count else 0
print(f"calls up: {int(b.get('ccgw_voice_active_calls', 0))} of {n} (sipp: {cur} current, {bad} failed so far); RTP streams: {int(b.get('ccgw_media_streams', 0))}")
print(f"packets sent: {int(count)} = {count/secs:.0f}/s; within 5 ms: {within:.3f}% (1 ms: {le('0.001')/count*100 if count else 0:.2f}%, 20 ms: {le('0.02')/count*100 if count else 0:.2f}%); skipped frames: {int(skipped)}; scheduler overruns: {int(D('ccgw_media_scheduler_overruns_total'))}")
print("lateness histogram (share of packets, cumulative): " + ", ".join(f"<={x}s {le(x)/count*100:.2f}%" for x in ("0.0005", "0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1")) if count else "")
print(f"daemon CPU: {(c1-c0)/tck/secs*100:.1f}% of one core; RSS {rss} MB; threads {int(b.get('process_threads', 0))}; open fds {int(b.get('process_open_fds', 0))}; GC gen2 +{int(gen2)}")
PY
  tail -1 "$work/sink.out"
  sipp_wait "$stat"
  read ok bad cur < <(sipp_counts "$stat")
  echo "sipp: $ok successful, $bad failed calls"
  [ "$bad" = 0 ] || { echo "first errors:"; grep -m3 -iE "aborting|unexpected|timeout|failed" "$stat.err" 2>/dev/null || true; }
  grep -m5 -E "crit|fail|error|warn" "$work/ccgw.log" || true
  stop_ccgw
}

setup_rate() {
  local stat="$work/short-$RANDOM.csv"
  start_ccgw; start_sink
  echo "== set-up rate: $SETUP_CALLS calls at $SETUP_RATE/s, ${SHORT_MS} ms each"
  local c0=$(cpu_ticks $pid) t0=$(date +%s.%N)
  sipp_run short_call.xml "$stat" -r $SETUP_RATE -m $SETUP_CALLS -l $(( SETUP_RATE * 10 )) -d $SHORT_MS
  sipp_wait "$stat"
  local c1=$(cpu_ticks $pid) t1=$(date +%s.%N); stop_sink
  read ok bad cur < <(sipp_counts "$stat")
  python3 - "$ok" "$bad" "$c0" "$c1" "$t0" "$t1" "$tck" "$SHORT_MS" <<'PY'
import sys
ok, bad, c0, c1, t0, t1, tck, short = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
span = t1 - t0 - short / 1000   # the last call's hold is not set-up time
print(f"successful {ok}, failed {bad}; achieved {(ok + bad) / span:.0f} calls/s; daemon CPU per call {(c1 - c0) * 1_000_000 // tck // max(ok, 1)} us (set-up, {short} ms of prompt, tear-down)")
PY
  [ "$bad" = 0 ] || { echo "first errors:"; grep -m3 -iE "aborting|unexpected|timeout|failed" "$stat.err" 2>/dev/null || true; }
  grep -m5 -E "crit|fail|error|warn" "$work/ccgw.log" || true
  stop_ccgw
}

for phase in $PHASES; do
  case $phase in
    concurrency) for n in $CALLS; do
        if [ -n "${PACING:-}" ]; then for v in $PACING; do concurrency $n $v; done; else concurrency $n; fi
      done ;;
    setup) setup_rate ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
done
