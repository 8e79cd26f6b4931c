#!/bin/bash
# Issue 21's table in one run: each row's ccgw figure beside its anchor (Kamailio, mosquitto, Prosody, rtpengine)
# measured the same way in the same run, by the row's own bench script (server pinned to CPU0, load to CPU1, CPU from
# /proc). Cheap rows are the median of RUNS runs; the voice rows and start-up run once (minutes each). The raw output
# of every script is kept in OUT_DIR. Never part of the tests. Usage: bench/table.sh   (env: RUNS=3,
# ROWS="sip mqtt xmpp ivr setup relay startup", OUT_DIR=/tmp/ccgw-table-<time>)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
RUNS=${RUNS:-3}
ROWS=${ROWS:-"sip mqtt xmpp ivr setup relay startup"}
OUT_DIR=${OUT_DIR:-/tmp/ccgw-table-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$OUT_DIR"
median() { sort -g | awk 'NF {a[++n]=$1} END {if (n) print a[int((n+1)/2)]; else print "n/a"}'; }
ratio() { python3 - "$1" "$2" <<'PY'
import re, sys
num = lambda s: float(m.group()) if (m := re.match(r'[0-9.]+', s)) else None
a, b = num(sys.argv[1]), num(sys.argv[2])
print(f'{a / b:.2f}x' if a is not None and b else 'n/a')
PY
}
table=()
row() { table+=("| $1 | $2 | $3 | $4 |"); echo "row: $1 | $2 | $3 | $4" >&2; }

echo "building Release..." >&2
dotnet build -c Release "$repo/src/Ccgw.Daemon" -v q -nologo >/dev/null || exit 1

sip_rows() {
  local servers="ccgw kamailio kamailio-db"
  grep -q '^start_ccgw-pg()' "$repo/bench/sip-vs-kamailio/run.sh" && servers="$servers ccgw-pg"
  for r in $(seq "$RUNS"); do
    SERVERS="$servers" OPTIONS_RATES=2000 REGISTER_RATES=250 STEP_SECONDS=10 \
      "$repo/bench/sip-vs-kamailio/run.sh" >"$OUT_DIR/sip-$r.txt" 2>&1
  done
  pick() { # server kind -> median µs/request over the runs, and the failed calls (sipp's count) if any
    local us failed
    us=$(cat "$OUT_DIR"/sip-*.txt | awk -v s="$1" -v k="$2" '$1==s && $2==k {print $(NF-1)}' | median)
    failed=$(cat "$OUT_DIR"/sip-*.txt | awk -v s="$1" -v k="$2" '$1==s && $2==k {f=$6; sub("failed=","",f); t+=f} END {print t+0}')
    [ "$failed" -gt 0 ] && echo "$us ($failed failed calls)" || echo "$us"
  }
  local co ko; co=$(pick ccgw options); ko=$(pick kamailio options)
  row "SIP OPTIONS at 2,000/s (sipp)" "Kamailio: $ko µs" "$co µs" "$(ratio "$co" "$ko")"
  local cr kr kd pg=""; cr=$(pick ccgw register); kr=$(pick kamailio register); kd=$(pick kamailio-db register)
  [[ $servers == *ccgw-pg* ]] && pg="; on PostgreSQL $(pick ccgw-pg register) µs"
  row "REGISTER with digest at 1,000/s (sipp)" "Kamailio (bindings in memory): $kr µs; written through to SQLite: $kd µs" "$cr µs (durable, SQLite)$pg" "$(ratio "$cr" "$kr") (vs write-through $(ratio "$cr" "$kd"))"
}

mqtt_rows() {
  local dll="$repo/bench/Ccgw.Bench.MqttLoad/bin/Release/net10.0/Ccgw.Bench.MqttLoad.dll"
  dotnet build -c Release "$repo/bench/Ccgw.Bench.MqttLoad" -v q -nologo >/dev/null
  for r in $(seq "$RUNS"); do
    dotnet "$dll" --subscribers 100 --messages 5000 --latency no >"$OUT_DIR/mqtt100-$r.txt" 2>&1
    dotnet "$dll" --subscribers 10 --messages 20000 --latency no >"$OUT_DIR/mqtt10-$r.txt" 2>&1
  done
  fig() { # file-glob server qos -> "us rate lost" medians
    local us rate lost
    us=$(cat $1 | sed -n "s/^$2 *QoS $3: .*server CPU \([0-9.]*\) µs\/delivery.*/\1/p" | median)
    rate=$(cat $1 | sed -n "s/^$2 *QoS $3: *\([0-9,]*\) deliveries.*/\1/p" | tr -d , | median)
    lost=$(cat $1 | sed -n "s/^$2 *QoS $3: .*(\([0-9,]*\)\/\([0-9,]*\) delivered.*/\1 \2/p" | tr -d , | awk '{print $2-$1}' | sort -g | tail -1)
    echo "$us $rate ${lost:-n/a}"
  }
  read -r mu mr ml <<<"$(fig "$OUT_DIR/mqtt100-*.txt" mosquitto 0)"; read -r cu cr cl <<<"$(fig "$OUT_DIR/mqtt100-*.txt" ccgw 0)"
  row "MQTT QoS 0, 1 publisher to 100 subscribers (load tool)" "mosquitto: $mu µs, $mr deliveries/s, $ml lost" "$cu µs, $cr/s, $cl lost" "$(ratio "$cu" "$mu")"
  read -r mu mr ml <<<"$(fig "$OUT_DIR/mqtt10-*.txt" mosquitto 1)"; read -r cu cr cl <<<"$(fig "$OUT_DIR/mqtt10-*.txt" ccgw 1)"
  row "MQTT QoS 1, 1 publisher to 10 subscribers (load tool)" "mosquitto: $mu µs, $mr/s, $ml lost" "$cu µs, $cr/s, $cl lost" "$(ratio "$cu" "$mu")"
  if [ -x "$repo/bench/mqtt-clients/run.sh" ]; then   # mosquitto's own clients, when the script is there
    for r in $(seq "$RUNS"); do "$repo/bench/mqtt-clients/run.sh" >"$OUT_DIR/mqttclients-$r.txt" 2>&1; done
    row "MQTT QoS 0, 1 to 100 (mosquitto_pub/mosquitto_sub)" "$(tail -qn2 "$OUT_DIR"/mqttclients-*.txt | sed -n 's/^anchor: //p' | tail -1)" "$(tail -qn2 "$OUT_DIR"/mqttclients-*.txt | sed -n 's/^ccgw: //p' | tail -1)" "see $OUT_DIR"
  fi
}

xmpp_rows() {
  for r in $(seq "$RUNS"); do PAIRS=50 IDLE=1000 BENCH_SECONDS=10 "$repo/bench/Ccgw.Bench.Xmpp/run.sh" >"$OUT_DIR/xmpp-$r.txt" 2>&1; done
  local cu pu
  cu=$(cat "$OUT_DIR"/xmpp-*.txt | sed -n 's/^CPU us\/message *ccgw \([0-9.]*\) .*/\1/p' | median)
  pu=$(cat "$OUT_DIR"/xmpp-*.txt | sed -n 's/^CPU us\/message .* prosody \([0-9.]*\) .*/\1/p' | median)
  row "XMPP relay, 50 pairs" "Prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null): $pu µs" "$cu µs" "$(ratio "$cu" "$pu")"
}

ivr_rows() {
  CALLS="500 1000" PHASES=concurrency HOLD_SECONDS=40 MEASURE_SECONDS=20 SKIP_BUILD= "$repo/bench/voice/run.sh" >"$OUT_DIR/ivr.txt" 2>&1
  awk '/^== concurrency/ {n=$3} /within 5 ms/ {sub(".*within 5 ms: ",""); w[n]=$1} /daemon CPU:/ {c[n]=$3; r[n]=$7} /^sipp:/ {f[n]=$4}
       END {for (k in w) print k, w[k], c[k], r[k], f[k]}' "$OUT_DIR/ivr.txt" | sort -n | while read -r n w c r f; do
    echo "| $n IVR calls in queue (sipp, music on hold) | — | $c of one core, $f failed calls, $w within 5 ms, RSS $r MB | goal 99% |"
  done > "$OUT_DIR/ivr.rows"
  while read -r line; do table+=("$line"); done < "$OUT_DIR/ivr.rows"
}

setup_rows() {
  PHASES=setup SETUP_CALLS=2000 SETUP_RATE=100 SKIP_BUILD=1 "$repo/bench/voice/run.sh" >"$OUT_DIR/setup.txt" 2>&1
  local us; us=$(sed -n 's/.*daemon CPU per call \([0-9]*\) us.*/\1/p' "$OUT_DIR/setup.txt")
  row "call set-up, sipp INVITE to BYE through the IVR (100/s)" "—" "$us µs CPU per call ($(sed -n 's/^successful \([0-9]*\), failed \([0-9]*\).*/\2/p' "$OUT_DIR/setup.txt") failed)" "—"
}

relay_rows() {
  RUNS=$RUNS CALLS=500 "$repo/bench/rtp-vs-rtpengine/run.sh" >"$OUT_DIR/relay.txt" 2>&1
  local c e; c=$(awk -F'|' '$2 ~ /^ ccgw/ {gsub(/ /,"",$3); print $3}' "$OUT_DIR/relay.txt"); e=$(awk -F'|' '$2 ~ /rtpengine/ {gsub(/ /,"",$3); print $3}' "$OUT_DIR/relay.txt")
  row "RTP relay, 500 calls (50 packets/s each way)" "rtpengine (userspace): $e µs per packet" "$c µs per packet" "$(ratio "$c" "$e")"
}

startup_rows() {
  dotnet build -c Release "$repo/bench/Ccgw.Bench.Startup" -v q -nologo >/dev/null
  local dll="$repo/bench/Ccgw.Bench.Startup/bin/Release/net10.0/Ccgw.Bench.Startup.dll"
  taskset -c 0 dotnet "$dll" 3 30 >"$OUT_DIR/startup-demo.txt" 2>&1
  local ready rss; ready=$(sed -n 's/^median of .*READY \([0-9]*\) ms.*/\1/p' "$OUT_DIR/startup-demo.txt"); rss=$(sed -n 's/.*idle RSS \([0-9.]*\) MB.*/\1/p' "$OUT_DIR/startup-demo.txt" | tail -1)
  row "idle RSS and start to READY, demo config" "—" "$rss MB; READY in $ready ms" "goal < 80 MB, < 1.5 s"
  if [ -n "${STARTUP_AGENTS_CMD:-}" ]; then eval "$STARTUP_AGENTS_CMD" >"$OUT_DIR/startup-agents.txt" 2>&1; fi
}

for r in $ROWS; do echo "== $r" >&2; "${r}_rows"; done
{
  echo "Measured $(date -u +%Y-%m-%d\ %H:%M) UTC at commit $(git -C "$repo" rev-parse --short HEAD) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU µs per operation, median of $RUNS where marked."
  echo
  echo "| work | anchor | ccgw | ratio ccgw/anchor |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${table[@]}"
} | tee "$OUT_DIR/table.md"
echo "raw output: $OUT_DIR" >&2
