#!/bin/bash
# CPU per relayed RTP packet: ccgw's relay (the RtpLeg + RtpRelay a bridged call uses) against rtpengine in userspace
# mode (Debian's rtpengine-daemon, no kernel forwarding table), the same CALLS two-way PCMU streams (50 packets/s each
# way) from the same load generator. Server on CPU0, load on CPU1; median of RUNS. Never part of the tests; stops only
# what it started, by process id. Needs: apt-get install rtpengine-daemon.
# Usage: bench/rtp-vs-rtpengine/run.sh   (env: CALLS=500 SECONDS_PER_RUN=10 RUNS=3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
CALLS=${CALLS:-500}; SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}; RUNS=${RUNS:-3}
work=$(mktemp -d /tmp/ccgw-bench-relay-XXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v rtpengine >/dev/null || { echo "rtpengine is not installed (apt-get install rtpengine-daemon)" >&2; exit 2; }
free_port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
echo "building (Release)..." >&2
dotnet build -c Release "$repo/bench/Ccgw.Bench.RtpRelay" -v q -nologo >/dev/null
dll=$(ls "$repo"/bench/Ccgw.Bench.RtpRelay/bin/Release/net10.0/Ccgw.Bench.RtpRelay.dll)
peer_base=52000   # the load generator's sockets: 52000 .. 52000+2*CALLS-1

wait_ready() { for _ in $(seq 600); do grep -q '^ready' "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "never ready: $(tail -3 "$1")" >&2; return 1; }

run_ccgw() {
  local fifo="$work/fifo"; rm -f "$fifo"; mkfifo "$fifo"
  taskset -c 0 dotnet "$dll" serve "$CALLS" "$peer_base" <"$fifo" >"$work/targets" 2>&1 &
  server=$!; exec 3>"$fifo"; wait_ready "$work/targets"
  taskset -c 1 dotnet "$dll" load "$work/targets" "$peer_base" "$SECONDS_PER_RUN" "$server"
  exec 3>&-; wait "$server" || true; server=""
}
run_rtpengine() {
  local ng; ng=$(free_port)
  taskset -c 0 rtpengine --foreground --log-stderr --log-level=3 --table=-1 --interface=127.0.0.1 --listen-ng=127.0.0.1:$ng \
    --port-min=46000 --port-max=49999 --num-threads=1 --pidfile="$work/rtpengine.pid" >"$work/rtpengine.log" 2>&1 &
  server=$!; sleep 1
  taskset -c 1 dotnet "$dll" rtpengine "$CALLS" "$ng" "$peer_base" >"$work/targets"
  taskset -c 1 dotnet "$dll" load "$work/targets" "$peer_base" "$SECONDS_PER_RUN" "$server"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A us pct deliv
for name in ccgw rtpengine; do
  u=(); p=(); d=()
  for r in $(seq "$RUNS"); do
    line=$(run_$name | tail -1); echo "  $name run $r: $line" >&2
    u+=("$(sed -n 's/.*, \([0-9.]*\) µs per relayed packet.*/\1/p' <<<"$line")")
    p+=("$(sed -n 's/.*server CPU \([0-9.]*\)% of one core.*/\1/p' <<<"$line")")
    d+=("$(sed -n 's/.*short of offered, \([0-9.]*\)%).*/\1/p' <<<"$line")")
  done
  us[$name]=$(printf '%s\n' "${u[@]}" | median); pct[$name]=$(printf '%s\n' "${p[@]}" | median); deliv[$name]=$(printf '%s\n' "${d[@]}" | median)
done
echo
echo "RTP relay, $CALLS calls ($((CALLS * 100)) packets/s offered), median of $RUNS x ${SECONDS_PER_RUN} s; server on CPU0, load on CPU1"
echo "| relay | CPU µs per relayed packet | % of one core | delivered |"
echo "| --- | --- | --- | --- |"
echo "| rtpengine $(rtpengine --version 2>&1 | awk '/Version/ {print $2}') (userspace, 1 thread) | ${us[rtpengine]} | ${pct[rtpengine]} | ${deliv[rtpengine]}% |"
echo "| ccgw | ${us[ccgw]} | ${pct[ccgw]} | ${deliv[ccgw]}% |"
echo "ratio ccgw/rtpengine CPU per packet: $(python3 -c "print(f'{${us[ccgw]}/${us[rtpengine]}:.2f}x' if ${us[rtpengine]} else 'n/a')")"
