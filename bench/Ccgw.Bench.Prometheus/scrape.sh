#!/usr/bin/env bash
# /metrics scrape cost of the real daemon with the demo configuration's families (config/), end to end over HTTP:
# daemon CPU (utime+stime from /proc) and managed bytes allocated (dotnet_gc_allocated_bytes_total) per scrape,
# over N scrapes on one keep-alive connection. Daemon pinned to CPU0, curl to CPU1 (docs/observability.md).
# Needs: dotnet build src/Ccgw.Daemon -c Release. Usage: bench/Ccgw.Bench.Prometheus/scrape.sh [scrapes]
set -euo pipefail
scrapes=${1:-2000}
repo=$(cd "$(dirname "$0")/../.." && pwd)
dll="$repo/src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll"
root=$(mktemp -d /tmp/ccgw-scrape-XXXXXX)
cp -r "$repo/config" "$root/config"
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
http=$(port); sip=$(port); xmpp=$(port); mqtt=$(port); rtp=$(( (RANDOM % 2000) * 2 + 40000 ))
export CCGW__Data__Directory="$root/data" CCGW__Listeners__Http__Port=$http CCGW__Listeners__SipUdp__Port=$sip \
  CCGW__Listeners__SipTcp__Port=$sip CCGW__Listeners__Xmpp__Port=$xmpp CCGW__Listeners__Mqtt__Port=$mqtt \
  CCGW__Listeners__Rtp__PortMin=$rtp CCGW__Listeners__Rtp__PortMax=$((rtp + 15)) DOTNET_CLI_TELEMETRY_OPTOUT=1
taskset -c 0 dotnet "$dll" --config "$root/config/ccgw.json" > "$root/out.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$root"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/readyz" > /dev/null && break; sleep 0.25; done
url="http://127.0.0.1:$http/metrics"
# Warm-up (JIT, tiering): as many scrapes again, not measured.
taskset -c 1 curl -sf -o /dev/null "$url?w=[1-$scrapes]"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
allocated() { curl -sf "$url" | awk '$1 == "dotnet_gc_allocated_bytes_total" {printf "%.0f\n", $2}'; }
bytes=$(curl -sf "$url" | wc -c)
a0=$(allocated); t0=$(ticks)
taskset -c 1 curl -sf -o /dev/null "$url?n=[1-$scrapes]"
t1=$(ticks); a1=$(allocated)
hz=$(getconf CLK_TCK)
awk -v t=$((t1 - t0)) -v hz="$hz" -v a=$((a1 - a0)) -v n="$scrapes" -v b="$bytes" -v f="$(curl -sf "$url" | grep -c '^# TYPE')" \
  'BEGIN { printf "%d scrapes of %d bytes (%d families): daemon CPU %.0f us/scrape, allocated %.0f B/scrape\n", n, b, f, t / hz * 1e6 / n, a / (n + 1) }'
