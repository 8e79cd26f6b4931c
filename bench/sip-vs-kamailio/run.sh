#!/bin/bash
# ccgw vs Kamailio, side by side on this machine: OPTIONS/s and REGISTER-with-digest/s driven by sipp; REGISTER also
# against Kamailio writing its bindings through to SQLite ("kamailio-db", Debian's kamailio-sqlite-modules), which is
# the durability ccgw's registrar has.
# Server pinned to CPU0, sipp to CPU1; fixed rate steps of STEP_SECONDS each; CPU microseconds per request from
# /proc/PID/stat (utime+stime) before/after each step; highest rate with zero failed calls. Never part of the tests.
# Usage: bench/sip-vs-kamailio/run.sh   (env: STEP_SECONDS=10, OPTIONS_RATES="...", REGISTER_RATES="...",
#        SERVERS="ccgw kamailio kamailio-db", BASE_DLL=path/to/an/older/ccgw.dll, CCGW_DLL=skip the build, use this one)
# More servers (REGISTER only): "ccgw-pg" is ccgw on Storage:Engine postgresql against a throw-away PostgreSQL cluster
# (initdb under the work folder, fsync on, pinned to CPU0 with ccgw; its CPU is counted with ccgw's, as kamailio-db's
# SQLite is counted with Kamailio's), stopped by PID at the end; "ccgw-wb" is ccgw with Sip:Registrar:Persistence
# write-behind. With BASE_DLL set, "ccgw-before" and "ccgw-before-pg" run that build the same way, for a before/after
# in one run (e.g. BASE_DLL=/tmp/old/src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll SERVERS="ccgw-before ccgw ...").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
STEP_SECONDS=${STEP_SECONDS:-10}
OPTIONS_RATES=${OPTIONS_RATES-"1000 2000 4000"}
REGISTER_RATES=${REGISTER_RATES-"250 500 1000"}   # calls/s; one call = 4 REGISTERs (401, 200, refresh 200, remove 200)
work=$(mktemp -d /tmp/ccgw-bench-XXXX); trap '[ -n "${pg_pid:-}" ] && kill -INT "$pg_pid" 2>/dev/null; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cpu_ticks() {
  local t=0; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done
  # The PostgreSQL cluster of ccgw-pg: the postmaster with the children it reaped, and every live backend.
  if [ -n "${pg_pid:-}" ]; then
    t=$((t + $(awk '{print $14+$15+$16+$17}' /proc/$pg_pid/stat)))
    for p in $(pgrep -P $pg_pid); do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done
  fi
  echo $t
}

if [ -n "${CCGW_DLL:-}" ]; then ccgw_dll=$CCGW_DLL  # a daemon built already (e.g. while the machine is busy)
else
  echo "building ccgw (Release)..." >&2
  dotnet build -c Release "$repo/src/Ccgw.Daemon" -v q -nologo >/dev/null
  ccgw_dll=$(ls "$repo"/src/Ccgw.Daemon/bin/Release/net10.0/ccgw.dll)
fi

# ccgw_with DLL [VAR=value ...]: the demo configuration in a fresh data folder, extra settings as environment.
ccgw_with() {
  local dll=$1; shift
  port=$(free_port); local http=$(free_port) data="$work/data-$RANDOM"; rm -rf "$work/config"; cp -r "$repo/config" "$work/config"
  env "$@" CCGW__Data__Directory="$data" CCGW__Listeners__Http__Port=$http CCGW__Listeners__SipUdp__Port=$port \
  CCGW__Listeners__SipTcp__Port=$port CCGW__Listeners__Xmpp__Port=$(free_port) CCGW__Listeners__Mqtt__Port=$(free_port) \
  CCGW__Trunks__0__KeepaliveSeconds=0 Logging__LogLevel__Default=Warning CCGW__Logging__LogLevel__Default=Warning \
  taskset -c 0 dotnet "$dll" --config "$work/config/ccgw.json" >"$work/ccgw.log" 2>&1 &
  pids=$!
  # Ready when /readyz says so (a loaded machine can take longer than a fixed sleep), at most 60 s.
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
}
start_ccgw() { ccgw_with "$ccgw_dll"; }
start_ccgw-wb() { ccgw_with "$ccgw_dll" CCGW__Sip__Registrar__Persistence=write-behind; }
start_ccgw-before() { ccgw_with "$BASE_DLL"; }
# A throw-away PostgreSQL 15 cluster (Debian's package) for one server's run; stop_server stops it by its PID.
start_postgres() {
  local bin=/usr/lib/postgresql/15/bin pgdir="$work/pg-$RANDOM"; pg_port=$(free_port)
  mkdir -p "$pgdir"; local as=""; [ "$(id -u)" = 0 ] && { chmod 755 "$work"; chown postgres "$pgdir"; as="runuser -u postgres --"; }
  $as $bin/initdb -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C --no-instructions >"$work/initdb.log" 2>&1
  taskset -c 0 $as $bin/postgres -D "$pgdir/data" -p $pg_port -k "$pgdir" -c listen_addresses=127.0.0.1 >"$work/pg.log" 2>&1 &
  for _ in $(seq 50); do $bin/pg_isready -h 127.0.0.1 -p $pg_port -q && break; sleep 0.2; done
  pg_pid=$(head -1 "$pgdir/data/postmaster.pid")
  $bin/createdb -h 127.0.0.1 -p $pg_port -U postgres ccgw
}
ccgw_on_postgres() {
  start_postgres
  ccgw_with "$1" CCGW__Storage__Engine=postgresql \
    "CCGW__Storage__ConnectionString=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=ccgw;Pooling=true"
}
start_ccgw-pg() { ccgw_on_postgres "$ccgw_dll"; }
start_ccgw-before-pg() { ccgw_on_postgres "$BASE_DLL"; }
start_kamailio() {
  port=$(free_port)
  taskset -c 0 /usr/sbin/kamailio -f "$here/kamailio.cfg" -DD -E -l udp:127.0.0.1:$port -P "$work/kam.pid" >"$work/kam.log" 2>&1 &
  sleep 3; pids=$(pgrep -P $! | tr '\n' ' ') ; pids="$! $pids"
}
# Kamailio with its bindings written through to SQLite (usrloc db_mode 1, db_sqlite, WAL): the durable registrar ccgw is.
start_kamailio-db() {
  port=$(free_port); local db="$work/kamailio-ul.sqlite"; rm -f "$db"
  /usr/bin/python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for f in ("standard-create.sql", "usrloc-create.sql"):
    c.executescript(open("/usr/share/kamailio/db_sqlite/" + f).read())
c.commit()
PY
  # One worker: Debian's db_sqlite (5.6) sets no busy timeout, so two workers writing the one file fail each other's
  # transactions with SQLITE_BUSY (most REGISTERs answered 500 at 500 calls/s); ccgw's registrar also writes one at a time.
  sed -e "s|@DB_URL@|sqlite://$db|" -e "s|@DB_PATH@|$db|" -e "s|^children=2|children=1|" "$here/kamailio.cfg" > "$work/kamailio-db.cfg"
  taskset -c 0 /usr/sbin/kamailio -f "$work/kamailio-db.cfg" -A WITH_DB -DD -E -l udp:127.0.0.1:$port -P "$work/kamdb.pid" >"$work/kamdb.log" 2>&1 &
  sleep 3; pids=$(pgrep -P $! | tr '\n' ' ') ; pids="$! $pids"
}
stop_server() {
  kill $pids 2>/dev/null || true; sleep 2
  for p in $pids; do for _ in $(seq 60); do kill -0 $p 2>/dev/null || break; sleep 0.5; done; done
  if [ -n "${pg_pid:-}" ]; then kill -INT $pg_pid 2>/dev/null || true; while kill -0 $pg_pid 2>/dev/null; do sleep 0.2; done; pg_pid=""; fi
}

step() { # scenario rate calls-per-step -> "reqs_ok failed cpu_us"
  local sf=$1 rate=$2 n=$(( $2 * STEP_SECONDS )); local stat="$work/stat-$RANDOM.csv"
  local before=$(cpu_ticks $pids)
  timeout $((STEP_SECONDS + 40)) taskset -c 1 sipp 127.0.0.1:$port -sf "$repo/tests/Ccgw.Sip.Tests/Scenarios/$sf" -m $n -r $rate -l $((rate*2)) \
    -i 127.0.0.1 -p $(free_port) -t u1 -timeout $((STEP_SECONDS + 30))s -recv_timeout 5000 -trace_stat -stf "$stat" -nostdin -bg >/dev/null 2>&1 || true
  while pgrep -f "stf $stat" >/dev/null; do sleep 0.5; done
  local after=$(cpu_ticks $pids)
  python3 - "$stat" "$before" "$after" "$tck" <<'PY'
import sys
rows=[l.strip().split(';') for l in open(sys.argv[1]) if l.strip()]
h,last=rows[0],rows[-1]
ok=int(last[h.index('SuccessfulCall(C)')]); bad=int(last[h.index('FailedCall(C)')])
print(ok, bad, (int(sys.argv[3])-int(sys.argv[2]))*1_000_000//int(sys.argv[4]))
PY
}

declare -A best cpu
for server in ${SERVERS:-ccgw kamailio kamailio-db}; do
  start_$server
  kinds="options register"; case $server in kamailio|ccgw|ccgw-before) ;; *) kinds=register ;; esac  # OPTIONS never touches bindings
  for kind in $kinds; do
    sf=$kind.xml; per=1; rates=$OPTIONS_RATES
    [ $kind = register ] && { per=4; rates=$REGISTER_RATES; }
    for rate in $rates; do
      read ok bad us < <(step $sf $rate)
      reqs=$((ok * per)); usper=$(( reqs > 0 ? us / reqs : 0 ))
      printf '%-11s %-8s %6d calls/s  ok=%-6d failed=%-5d requests=%-7d cpu=%8d us  %5d us/request\n' $server $kind $rate $ok $bad $reqs $us $usper
      if [ "$bad" = 0 ] && [ "$ok" -gt 0 ]; then best[$server-$kind]=$((rate * per)); cpu[$server-$kind]=$usper; fi
    done
  done
  stop_server
done
echo
for kind in options register; do
  c=${best[ccgw-$kind]:-0}; k=${best[kamailio-$kind]:-0}; cu=${cpu[ccgw-$kind]:-0}; ku=${cpu[kamailio-$kind]:-0}
  printf '%-8s max rate, zero failures (requests/s): ccgw %6d  kamailio %6d  ratio %s | CPU us/request: ccgw %d kamailio %d ratio %s\n' \
    $kind $c $k $(python3 -c "print(f'{$c/$k:.2f}' if $k else 'n/a')") $cu $ku $(python3 -c "print(f'{$ku/$cu:.2f}' if $cu else 'n/a')")
done
c=${best[ccgw-register]:-0}; k=${best[kamailio-db-register]:-0}; cu=${cpu[ccgw-register]:-0}; ku=${cpu[kamailio-db-register]:-0}
printf 'register, both durable (Kamailio usrloc written through to SQLite): ccgw %6d  kamailio-db %6d  ratio %s | CPU us/request: ccgw %d kamailio-db %d ratio %s\n' \
  $c $k $(python3 -c "print(f'{$c/$k:.2f}' if $k else 'n/a')") $cu $ku $(python3 -c "print(f'{$ku/$cu:.2f}' if $cu else 'n/a')")
for variant in ccgw-pg ccgw-wb ccgw-before ccgw-before-pg; do
  [ -n "${best[$variant-register]:-}" ] || continue
  printf 'register, %-14s (requests/s): %6d | CPU us/request: %d (ccgw %d, kamailio %d, kamailio-db %d)\n' $variant \
    ${best[$variant-register]} ${cpu[$variant-register]} ${cpu[ccgw-register]:-0} ${cpu[kamailio-register]:-0} ${cpu[kamailio-db-register]:-0}
done
echo "(CPU ratio is kamailio/ccgw: above 1 means ccgw spends less CPU per request)"
