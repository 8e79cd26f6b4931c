#!/bin/sh
# QoS fan-out with mosquitto's own clients (issue 21): one mosquitto_pub -l sending as fast as it can to N
# mosquitto_sub processes, each counting the lines it received. Every server runs pinned to CPU0, the clients to CPU1;
# the server's CPU time (utime+stime from /proc/PID/stat) is read just before the publisher starts and after the last
# subscriber finished. Prints one line per server:
#   NAME QoS Q: D deliveries/s (R/E delivered in S s), server CPU C µs/delivery, lost L (P%)
# Stops only the processes it started, by process id.
#
# Usage: bench/Ccgw.Bench.MqttLoad/fanout.sh [--subscribers 100] [--messages 20000] [--qos 0] [--payload 180]
#          [--baseline DIR]   (a second ccgw build, e.g. a copy of bin/Release/net10.0 from before a change, run as "ccgw-before")
#          [--servers "mosquitto ccgw"]
# Needs: dotnet build bench/Ccgw.Bench.MqttLoad -c Release.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
subscribers=100 messages=20000 qos=0 payload=180 baseline= servers="mosquitto ccgw"
while [ $# -gt 0 ]; do
  case "$1" in
    --subscribers) subscribers=$2 ;;
    --messages) messages=$2 ;;
    --qos) qos=$2 ;;
    --payload) payload=$2 ;;
    --baseline) baseline=$2 ;;
    --servers) servers=$(echo "$2" | tr , " ") ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$baseline" ] && servers="$servers ccgw-before"
dll="$here/bin/Release/net10.0/Ccgw.Bench.MqttLoad.dll"
[ -f "$dll" ] || { echo "build first: dotnet build bench/Ccgw.Bench.MqttLoad -c Release" >&2; exit 2; }

dir=$(mktemp -d /tmp/ccgw-fanout-XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mosquitto_passwd -c -b "$dir/passwd" bench bench >/dev/null 2>&1
# mosquitto started as root drops to the mosquitto user, which must be able to read the password file.
chmod 0755 "$dir"
chmod 0644 "$dir/passwd"
x=$(head -c "$payload" /dev/zero | tr '\0' x)
i=0
while [ $i -lt "$messages" ]; do printf '%08d %s\n' $i "$x"; i=$((i + 1)); done > "$dir/lines"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_us() { awk '{ print ($14 + $15) * 10000 }' "/proc/$1/stat"; }
now_ns() { date +%s%N; }
wait_port() {
  n=0
  until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || { echo "server $2 exited" >&2; exit 1; }
    n=$((n + 1)); [ $n -lt 600 ] || { echo "server on port $1 did not start" >&2; exit 1; }; sleep 0.1
  done
}

echo "fan-out with mosquitto_pub/mosquitto_sub: 1 -> $subscribers subscribers, $messages messages of $((payload + 9)) B, QoS $qos; servers on CPU0, clients on CPU1; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for name in $servers; do
  port=$(free_port)
  case "$name" in
    mosquitto)
      printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\npersistence false\nmax_inflight_messages 20\nmax_queued_messages 1000\nset_tcp_nodelay true\n' \
        "$port" "$dir/passwd" > "$dir/mosquitto.conf"
      taskset -c 0 /usr/sbin/mosquitto -c "$dir/mosquitto.conf" >/dev/null 2>&1 & server=$! ;;
    ccgw) taskset -c 0 dotnet "$dll" serve "$port" >/dev/null 2>&1 & server=$! ;;
    ccgw-before) taskset -c 0 dotnet "$baseline/Ccgw.Bench.MqttLoad.dll" serve "$port" >/dev/null 2>&1 & server=$! ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  pids="$pids $server"
  wait_port "$port" "$server"
  subpids=""
  i=0
  while [ $i -lt "$subscribers" ]; do
    # -N -F x: one byte per message received, so the file size is the count; -C exits after every message came.
    taskset -c 1 mosquitto_sub -h 127.0.0.1 -p "$port" -u bench -P bench -i "fan-$name-$i" -t bench/fanout -q "$qos" -C "$messages" -W 600 -N -F x > "$dir/sub-$i" 2>/dev/null &
    subpids="$subpids $!"
    i=$((i + 1))
  done
  pids="$pids $subpids"
  sleep 2 # SUBACKs
  cpu0=$(cpu_us "$server"); t0=$(now_ns); t1=$t0
  taskset -c 1 mosquitto_pub -h 127.0.0.1 -p "$port" -u bench -P bench -i "fan-$name-pub" -t bench/fanout -q "$qos" -l < "$dir/lines"
  # Subscribers still waiting 10 s after the last delivery are missing messages: stop them and count what they got.
  last=-1 idle=0
  while :; do
    got=$(cat "$dir"/sub-* | wc -c)
    [ "$got" -ge $((messages * subscribers)) ] && break
    if [ "$got" = "$last" ]; then idle=$((idle + 1)); [ $idle -ge 100 ] && break; else idle=0; last=$got; t1=$(now_ns); fi
    sleep 0.1
  done
  [ "$got" -ge $((messages * subscribers)) ] && t1=$(now_ns)
  cpu1=$(cpu_us "$server")
  for p in $subpids; do kill "$p" 2>/dev/null || true; done
  kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  expected=$((messages * subscribers))
  awk -v n="$name" -v q="$qos" -v d="$got" -v e="$expected" -v t0="$t0" -v t1="$t1" -v c="$((cpu1 - cpu0))" 'BEGIN {
    s = (t1 - t0) / 1e9; if (s <= 0) s = 0.001
    printf "%-11s QoS %s: %10.0f deliveries/s (%d/%d delivered in %.2f s), server CPU %.2f µs/delivery, lost %d (%.1f%%)\n",
      n, q, d / s, d, e, s, c / (d > 0 ? d : 1), e - d, 100 * (e - d) / e }'
  rm -f "$dir"/sub-*
done
