#!/bin/bash
# Call-backs end to end against the real daemon (Release): accepted help requests per second with the durability
# guarantee on, then dial-outs per second through the trunk. Daemon pinned to CPU0; load (HTTP client, sipp as the
# customers behind the trunk) to CPU1. CPU microseconds per unit from /proc/PID/stat. Never part of the tests.
#   Phase 1: bench/Ccgw.Bench.HelpRequests --url loads POST /api/help-requests for ACCEPT_SECONDS (agents offline, so
#            nothing is dialled meanwhile).
#   Phase 2: AGENTS agents go ready; every queue is customer-first with one attempt, and the customers' sipp answers
#            486 Busy, so each call-back is one INVITE (durable "dialling" mark, INVITE, 486, ACK, outcome recorded).
#            Dial-outs per second = INVITEs sipp received over DIAL_SECONDS.
#   Phase 3 (OVERLAP_SECONDS > 0): phase 1's intake load again while the agents keep dialling: accepted/s and
#            dial-outs/s together, and the latency of a supervisor's write (PATCH of a call-back's priority, a write
#            through the same repository as the scheduler's) every 0.5 s meanwhile: writer fairness under intake load.
# Usage: bench/callbacks/run.sh   (env: ACCEPT_SECONDS=10 CLIENTS=64 DIAL_WARMUP=10 DIAL_SECONDS=20 AGENTS=20
#        OVERLAP_SECONDS=10; TRACE=file.nettrace
#        records a dotnet-trace CPU sample of the daemon during phase 2; read it with `dotnet-trace report FILE topN`;
#        PERF=file.data runs the daemon with DOTNET_PerfMapEnabled=1 (and W^X off, so that perf finds JIT'd code in
#        the map) and records `perf record -F 999 -g` of it during
#        phase 2; read it with `perf report -i FILE --no-children --sort symbol`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
ACCEPT_SECONDS=${ACCEPT_SECONDS:-10}; CLIENTS=${CLIENTS:-64}; DIAL_SECONDS=${DIAL_SECONDS:-20}; AGENTS=${AGENTS:-20}
DIAL_WARMUP=${DIAL_WARMUP:-10}; OVERLAP_SECONDS=${OVERLAP_SECONDS:-10}
work=$(mktemp -d /tmp/ccgw-bench-cb-XXXX); trap 'kill $(jobs -p) 2>/dev/null || true; pkill -f "stf $work/customers.csv" || true; rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' /proc/$1/stat; }
token="demo-admin-token-change-me"

echo "building ccgw and the load generator (Release)..." >&2
dotnet build -c Release "$repo/src/Ccgw.Daemon" -v q -nologo >/dev/null
dotnet build -c Release "$repo/bench/Ccgw.Bench.HelpRequests" -v q -nologo >/dev/null
ccgw_dll=$(ls "$repo"/src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll)

# The customers: a sipp UAS answering every INVITE with 486, its statistics written every second.
customer_port=$(free_port)
taskset -c 1 sipp -sf "$repo/tests/Ccgw.Interop.Tests/Scenarios/callback_customer_busy.xml" -i 127.0.0.1 -p $customer_port \
  -m 100000000 -nostdin -bg -trace_stat -stf "$work/customers.csv" -fd 1 >/dev/null 2>&1 || true  # -bg: the parent exits 99
invites() { python3 - "$work/customers.csv" <<'PY'
import sys
rows=[l.strip().split(';') for l in open(sys.argv[1]) if l.strip()]
print(int(rows[-1][rows[0].index('IncomingCall(C)')]) if len(rows) > 1 else 0)
PY
}

# The daemon, with AGENTS extra agents able to take call-backs of both queues.
http=$(free_port); sip=$(free_port); cp -r "$repo/config" "$work/config"
agent_env=()
for i in $(seq 2 $((AGENTS - 1))); do
  agent_env+=("CCGW__Agents__${i}__Id=agent$i" "CCGW__Agents__${i}__Name=Agent $i" "CCGW__Agents__${i}__Password=demo-agent$i"
              "CCGW__Agents__${i}__Skills__sales=5" "CCGW__Agents__${i}__Skills__billing=5"
              "CCGW__Agents__${i}__Capacity__Voice=1" "CCGW__Agents__${i}__Capacity__Callback=1")
done
env CCGW__Data__Directory="$work/data" CCGW__Http__RateLimits__Submissions__PermitLimit=1000000 CCGW__Http__RateLimits__Lookups__PermitLimit=1000000 CCGW__Listeners__Http__Port=$http CCGW__Listeners__SipUdp__Port=$sip \
  CCGW__Listeners__SipTcp__Port=$sip CCGW__Listeners__Xmpp__Port=$(free_port) CCGW__Listeners__Mqtt__Port=$(free_port) \
  CCGW__Trunks__0__KeepaliveSeconds=0 CCGW__Trunks__0__Outbound__Port=$customer_port \
  CCGW__Queues__0__Callbacks__Mode=customerFirst CCGW__Queues__0__Callbacks__MaxAttempts=1 \
  CCGW__Queues__1__Callbacks__Mode=customerFirst CCGW__Queues__1__Callbacks__MaxAttempts=1 \
  Logging__LogLevel__Default=Warning CCGW__Logging__LogLevel__Default=Warning "${agent_env[@]}" \
  DOTNET_PerfMapEnabled=$([ -n "${PERF:-}" ] && echo 1 || echo 0) DOTNET_EnableWriteXorExecute=$([ -n "${PERF:-}" ] && echo 0 || echo 1) \
  taskset -c 0 dotnet "$ccgw_dll" --config "$work/config/ccgw.json" >"$work/ccgw.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.5; done

echo "== phase 1: accepted help requests (durable), $CLIENTS clients, ${ACCEPT_SECONDS}s"
before=$(cpu_ticks $pid)
taskset -c 1 dotnet "$repo"/bench/Ccgw.Bench.HelpRequests/bin/Release/net10.0/Ccgw.Bench.HelpRequests.dll \
  --url "http://127.0.0.1:$http" --seconds $ACCEPT_SECONDS --clients $CLIENTS | tee "$work/accept.txt"
after=$(cpu_ticks $pid)
accepted=$(sed -n 's/^accepted: \([0-9]*\).*/\1/p' "$work/accept.txt")
echo "daemon CPU per accepted request: $(( (after - before) * 1000000 / tck / (accepted > 0 ? accepted : 1) )) us"

echo "== phase 2: dial-outs through the trunk, $AGENTS agents ready, ${DIAL_SECONDS}s after ${DIAL_WARMUP}s of warm-up"
ids="alice bob $(for i in $(seq 2 $((AGENTS - 1))); do echo agent$i; done)"
for a in $ids; do
  curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"state":"ready"}' \
    "http://127.0.0.1:$http/api/admin/agents/$a/state" >/dev/null
done
# Measured after a warm-up: the first seconds of dialling are mostly the JIT tiering up the dial path's code, a cost a
# daemon pays once, not per dial-out.
sleep $DIAL_WARMUP
start_invites=$(invites); before=$(cpu_ticks $pid); t0=$(date +%s.%N)
if [ -n "${PERF:-}" ]; then
  perf record -F 999 -g -p $pid -o "$PERF" -- sleep $DIAL_SECONDS >/dev/null 2>&1
elif [ -n "${TRACE:-}" ]; then
  ~/.dotnet/tools/dotnet-trace collect -p $pid --profile dotnet-sampled-thread-time --duration 00:00:00:$(printf %02d $DIAL_SECONDS) -o "$TRACE" >/dev/null 2>&1
else
  sleep $DIAL_SECONDS
fi
end_invites=$(invites); after=$(cpu_ticks $pid); t1=$(date +%s.%N)
dialled=$((end_invites - start_invites))
python3 - "$dialled" "$t0" "$t1" "$(( (after - before) * 1000000 / tck ))" <<'PY'
import sys
n, t0, t1, us = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"dial-outs: {n} in {t1-t0:.1f}s = {n/(t1-t0):.0f}/s; daemon CPU per dial-out: {us//max(n,1)} us")
PY

if [ "$OVERLAP_SECONDS" -gt 0 ]; then
  echo "== phase 3: intake load (as phase 1) while dialling, ${OVERLAP_SECONDS}s; a supervisor write every 0.5 s"
  later=$(date -u -d '+1 day' +%Y-%m-%dT%H:00Z)
  fid=$(curl -sf -X POST -H 'Content-Type: application/json' -d "{\"number\":\"+15550000001\",\"topic\":\"sales\",\"preferredTime\":\"$later\"}" \
    "http://127.0.0.1:$http/api/help-requests" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])')
  start_invites=$(invites); t0=$(date +%s.%N)
  taskset -c 1 dotnet "$repo"/bench/Ccgw.Bench.HelpRequests/bin/Release/net10.0/Ccgw.Bench.HelpRequests.dll \
    --url "http://127.0.0.1:$http" --seconds $OVERLAP_SECONDS --clients $CLIENTS > "$work/overlap.txt" &
  load=$!
  : > "$work/writes.txt"
  while kill -0 $load 2>/dev/null; do
    sleep 0.5
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d '{"priority":0}' "http://127.0.0.1:$http/api/admin/callbacks/$fid" >> "$work/writes.txt" || true
  done
  wait $load || true
  end_invites=$(invites); t1=$(date +%s.%N)
  grep '^accepted' "$work/overlap.txt" || cat "$work/overlap.txt"
  python3 - "$((end_invites - start_invites))" "$t0" "$t1" "$work/writes.txt" <<'PY'
import sys
n, t0, t1 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rows = [l.split() for l in open(sys.argv[4]) if l.strip()]
ok = sorted(float(t) * 1000 for c, t in rows if c == '200'); bad = [c for c, t in rows if c != '200']
print(f"dial-outs during intake load: {n} in {t1-t0:.1f}s = {n/(t1-t0):.0f}/s")
if ok:
    print(f"supervisor writes: {len(ok)} ok, {len(bad)} failed {bad[:5]}; latency p50 {ok[len(ok)//2]:.0f} ms, "
          f"p90 {ok[int(len(ok)*0.9)]:.0f} ms, max {ok[-1]:.0f} ms")
else:
    print(f"supervisor writes: none succeeded ({bad[:5]})")
PY
fi
grep -E "crit|fail|error" "$work/ccgw.log" | head -5 || true
