#!/bin/bash
# ccgw's built-in XMPP server side by side with Debian's Prosody, same machine, same load tool (Program.cs):
#   1. messages per second relayed between PAIRS sender->receiver pairs (window of 50 in flight per pair)
#   2. resident memory for IDLE idle authenticated connections
# Server pinned to CPU0, load to CPU1. Plain TCP + SCRAM-SHA-1 on both (TLS off for both, so the comparison is the
# servers' XML/routing work, not the TLS library). Usage: bench/Ccgw.Bench.Xmpp/run.sh  (PAIRS, BENCH_SECONDS, IDLE env)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/ccgw-xmpp-bench.XXXXXX)
chmod 755 "$WORK" # Prosody runs as its own user and must reach its config
PAIRS=${PAIRS:-20}
DURATION=${BENCH_SECONDS:-10}
IDLE=${IDLE:-10000}
CCGW_PORT=${CCGW_PORT:-35222}
PROSODY_PORT=${PROSODY_PORT:-35322}
ulimit -n 65536 2>/dev/null || ulimit -n 20000
trap 'kill $CCGW_PID $PROSODY_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
CCGW_PID=""; PROSODY_PID=""

dotnet build -c Release "$ROOT/src/Ccgw.Daemon" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/bench/Ccgw.Bench.Xmpp" -v q -nologo >/dev/null
LOAD="dotnet $ROOT/bench/Ccgw.Bench.Xmpp/bin/Release/net10.0/Ccgw.Bench.Xmpp.dll"

wait_port() { i=0; while ! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && { echo "port $1 never opened" >&2; exit 1; }; sleep 0.2; done; }

ticks() { local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
run_load() { # name port pid: the rate line gains the server's CPU per relayed message (warm-up included in the CPU,
             # so the figure errs high by about 2/(2+DURATION) for both servers alike)
  local c0; c0=$(ticks "$3")
  local line; line=$(taskset -c 1 $LOAD rate 127.0.0.1 "$2" localhost "$PAIRS" "$DURATION" alice demo-alice bob demo-bob)
  local c1; c1=$(ticks "$3")
  local n; n=$(sed -n 's/.* messages=\([0-9]*\) .*/\1/p' <<<"$line")
  echo "$1 $line cpu_us_per_message=$(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / (n > 0 ? n : 1) ))"
  taskset -c 1 $LOAD idle 127.0.0.1 "$2" localhost "$IDLE" alice demo-alice "$3" | sed "s/^/$1 /"
}

# --- ccgw (Release), demo config, TLS not required for the comparison ---
cp -r "$ROOT/config" "$WORK/ccgw"
CCGW__Data__Directory="$WORK/ccgw/data" CCGW__Listeners__Xmpp__Port=$CCGW_PORT CCGW__Listeners__Http__Port=38080 \
CCGW__Listeners__SipUdp__Port=35060 CCGW__Listeners__SipTcp__Port=35060 CCGW__Listeners__Mqtt__Port=31883 \
CCGW__Listeners__Rtp__PortMin=41000 CCGW__Listeners__Rtp__PortMax=41099 CCGW__Xmpp__RequireTls=false \
CCGW__Logging__LogLevel__Default=Warning \
  taskset -c 0 "$ROOT/src/Ccgw.Daemon/bin/Release/net10.0/ccgw" --config "$WORK/ccgw/ccgw.json" >"$WORK/ccgw.log" 2>&1 &
CCGW_PID=$!
wait_port $CCGW_PORT
run_load ccgw $CCGW_PORT $CCGW_PID | tee "$WORK/ccgw.txt"
kill $CCGW_PID; wait $CCGW_PID 2>/dev/null || true; CCGW_PID=""

# --- Prosody, its own config in a temp dir ---
mkdir -p "$WORK/prosody/data"
cat >"$WORK/prosody/prosody.cfg.lua" <<LUA
pidfile = "$WORK/prosody/prosody.pid"
data_path = "$WORK/prosody/data"
daemonize = false
max_fds = 20000
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "version"; "smacks"; }
modules_disabled = { "s2s"; "offline"; }
c2s_ports = { $PROSODY_PORT }
s2s_ports = {}
component_ports = {}
http_ports = {}
https_ports = {}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
log = { warn = "$WORK/prosody/prosody.log" }
VirtualHost "localhost"
LUA
chown -R prosody:prosody "$WORK/prosody"
prosodyctl --config "$WORK/prosody/prosody.cfg.lua" register alice localhost demo-alice >/dev/null 2>&1
prosodyctl --config "$WORK/prosody/prosody.cfg.lua" register bob localhost demo-bob >/dev/null 2>&1
# setpriv, not runuser: runuser's PAM session puts the soft file limit back to 1024 whatever max_fds says ("Too many
# open files" at about a thousand connections); setpriv keeps this shell's raised limit.
taskset -c 0 setpriv --reuid=prosody --regid=prosody --init-groups -- prosody --config "$WORK/prosody/prosody.cfg.lua" >"$WORK/prosody.out" 2>&1 &
sleep 1
PROSODY_PID=$(cat "$WORK/prosody/prosody.pid" 2>/dev/null || pgrep -n -u prosody lua)
wait_port $PROSODY_PORT
run_load prosody $PROSODY_PORT $PROSODY_PID | tee "$WORK/prosody.txt"
kill $PROSODY_PID; sleep 1; PROSODY_PID=""

awk '
  /^ccgw rate/    { for (i=1;i<=NF;i++) { if ($i ~ /^per_second=/) { split($i,a,"="); cr=a[2] } if ($i ~ /^cpu_us_per_message=/) { split($i,a,"="); cu=a[2] } } }
  /^prosody rate/ { for (i=1;i<=NF;i++) { if ($i ~ /^per_second=/) { split($i,a,"="); pr=a[2] } if ($i ~ /^cpu_us_per_message=/) { split($i,a,"="); pu=a[2] } } }
  /^ccgw idle/    { for (i=1;i<=NF;i++) { if ($i ~ /^rss_after_mb=/) { split($i,a,"="); cm=a[2] } if ($i ~ /^connections=/) { split($i,a,"="); cc=a[2] } } }
  /^prosody idle/ { for (i=1;i<=NF;i++) { if ($i ~ /^rss_after_mb=/) { split($i,a,"="); pm=a[2] } if ($i ~ /^connections=/) { split($i,a,"="); pc=a[2] } } }
  END {
    printf "messages/s   ccgw %s  prosody %s  ratio %.2f (goal >= 2)\n", cr, pr, (pr > 0 ? cr / pr : 0)
    printf "CPU us/message  ccgw %s  prosody %s  ratio ccgw/prosody %.2f\n", cu, pu, (pu > 0 ? cu / pu : 0)
    printf "idle memory  ccgw %s MB for %s  prosody %s MB for %s  ratio %.2f (goal: ccgw < 1024 MB)\n", cm, cc, pm, pc, (pm > 0 ? cm / pm : 0)
  }' "$WORK/ccgw.txt" "$WORK/prosody.txt"
