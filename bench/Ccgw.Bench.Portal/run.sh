#!/bin/bash
# The customer portal against the real daemon (Release): sign-ins per second (XMPP account, each a PBKDF2 check) and
# /me render latency with SESSIONS concurrent signed-in customers. Daemon pinned to CPU0, load to CPU1; daemon CPU per
# sign-in and per page from /proc/PID/stat (the load generator reads it at each phase's ends). Never part of the tests. Usage: bench/Ccgw.Bench.Portal/run.sh (env: SESSIONS=200 SECONDS_=20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
SESSIONS=${SESSIONS:-200}; SECONDS_=${SECONDS_:-20}
work=$(mktemp -d /tmp/ccgw-bench-portal-XXXX); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

echo "building ccgw and the load generator (Release)..." >&2
dotnet build -c Release "$repo/src/Ccgw.Daemon" -v q -nologo >/dev/null
dotnet build -c Release "$here" -v q -nologo >/dev/null
ccgw_dll="$repo/src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll"

http=$(free_port); sip=$(free_port); cp -r "$repo/config" "$work/config"
env CCGW__Data__Directory="$work/data" CCGW__Listeners__Http__Port=$http CCGW__Listeners__SipUdp__Port=$sip \
  CCGW__Listeners__SipTcp__Port=$sip CCGW__Listeners__Xmpp__Port=$(free_port) CCGW__Listeners__Mqtt__Port=$(free_port) \
  CCGW__Trunks__0__KeepaliveSeconds=0 CCGW__Portal__SignInsPerAddressPerMinute=10000 \
  CCGW__Logging__LogLevel__Default=Warning \
  taskset -c 0 dotnet "$ccgw_dll" --config "$work/config/ccgw.json" >"$work/ccgw.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.5; done

taskset -c 1 dotnet "$here/bin/Release/net10.0/Ccgw.Bench.Portal.dll" --url "http://127.0.0.1:$http" --pid $pid \
  --sessions "$SESSIONS" --seconds "$SECONDS_"
