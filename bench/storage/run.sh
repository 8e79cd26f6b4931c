#!/bin/bash
# Help-request intake on SQLite and on PostgreSQL, same run, same machine (issue 22's benchmark). The durable intake
# (every 202 after a committed transaction) served by the real endpoints in one process pinned to CPU0, the load
# generator (64 HTTP clients) pinned to CPU1; PostgreSQL is a throw-away cluster started here (fsync on,
# synchronous_commit on: durable like SQLite's synchronous=FULL), also on CPU0, and its CPU is counted with the server's.
# Then the store alone (no HTTP) on each engine. Never part of the tests; stops only what it started, by process id.
# Usage: bench/storage/run.sh   (env: SECONDS_PER_RUN=10, CLIENTS=64, RUNS=3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}; CLIENTS=${CLIENTS:-64}; RUNS=${RUNS:-3}
tck=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/ccgw-bench-storage-XXXX)
pg_pid=""
# The postmaster's own pid (runuser forks): SIGINT is PostgreSQL's fast shutdown, which also ends its children.
cleanup() { local pm; pm=$(head -1 "$work/pg/postmaster.pid" 2>/dev/null || true); [ -n "$pm" ] && kill -INT "$pm" 2>/dev/null
  [ -n "$pg_pid" ] && wait "$pg_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ticks_of() { local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
echo "building (Release)..." >&2
dotnet build -c Release "$repo/bench/Ccgw.Bench.HelpRequests" -v q -nologo >/dev/null
dll=$(ls "$repo"/bench/Ccgw.Bench.HelpRequests/bin/Release/net10.0/Ccgw.Bench.HelpRequests.dll)

[ "$(id -u)" = 0 ] && chown postgres "$work"
as_pg "$bin/initdb" -D "$work/pg" -U ccgw -A trust -E UTF8 --locale=C --no-instructions >/dev/null
pg_port=$(free_port)
as_pg taskset -c 0 "$bin/postgres" -D "$work/pg" -p "$pg_port" -k "$work" -c listen_addresses=127.0.0.1 \
  -c fsync=on -c synchronous_commit=on -c shared_buffers=64MB >"$work/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 100); do "$bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -U ccgw && break; sleep 0.2; done
postmaster=$(head -1 "$work/pg/postmaster.pid")
pg_ticks() { ticks_of "$postmaster" $(pgrep -P "$postmaster" | tr '\n' ' '); }
new_db() { local name="bench_$RANDOM$RANDOM"; "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U ccgw "$name"; echo "Host=127.0.0.1;Port=$pg_port;Username=ccgw;Database=$name;Maximum Pool Size=20"; }

served() { # engine -> "accepted_per_s cpu_us_per_request(server+postgres) p99_ms"
  local engine=$1 extra=(); [ "$engine" = postgresql ] && extra=(--engine postgresql --pg "$(new_db)")
  local fifo="$work/fifo-$RANDOM"; mkfifo "$fifo"
  taskset -c 0 dotnet "$dll" --serve "${extra[@]}" <"$fifo" >"$work/serve.out" 2>&1 &
  local server=$!; exec 3>"$fifo"
  for _ in $(seq 300); do grep -q '^http' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  local url; url=$(grep -m1 '^http' "$work/serve.out")
  # warm-up is inside the load generator's first 2 s; CPU is counted over the whole serve by both sides
  local s0; s0=$(ticks_of $server); local p0; p0=$(pg_ticks)
  taskset -c 1 dotnet "$dll" --url "$url" --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS" >"$work/load.out" 2>&1
  local s1; s1=$(ticks_of $server); local p1; p1=$(pg_ticks)
  exec 3>&-; wait $server || true; rm -f "$fifo"
  local n; n=$(grep -o 'served: [0-9]*' "$work/serve.out" | grep -o '[0-9]*')
  local rate p99; rate=$(grep -o 'accepted: [0-9]* ([0-9]*/s)' "$work/load.out" | grep -o '([0-9]*' | tr -d '(')
  p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$work/load.out")
  local pgt=0; [ "$engine" = postgresql ] && pgt=$((p1 - p0))
  echo "$rate $(( ( (s1 - s0) + pgt ) * 1000000 / tck / (n > 0 ? n : 1) )) $(( pgt * 1000000 / tck / (n > 0 ? n : 1) )) $p99"
}
store_only() { # engine -> "accepted_per_s requests_per_commit"
  local engine=$1 extra=(); [ "$engine" = postgresql ] && extra=(--engine postgresql --pg "$(new_db)")
  taskset -c 0 dotnet "$dll" --store "${extra[@]}" --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS" >"$work/store.out" 2>&1
  echo "$(grep -o '[0-9]*/s)' "$work/store.out" | tr -d '/s)') $(grep -o 'per commit [0-9.]*' "$work/store.out" | grep -o '[0-9.]*$')"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A col
for engine in sqlite postgresql; do
  rates=(); cpus=(); pgs=(); p99s=(); stores=(); per=()
  for r in $(seq "$RUNS"); do
    read -r rate cpu pgc p99 <<<"$(served $engine)"; rates+=("$rate"); cpus+=("$cpu"); pgs+=("$pgc"); p99s+=("$p99")
    read -r srate spc <<<"$(store_only $engine)"; stores+=("$srate"); per+=("$spc")
    echo "  $engine run $r: served $rate/s, ${cpu} us CPU/request (postgres ${pgc}), p99 ${p99} ms; store alone $srate/s, $spc per commit" >&2
  done
  col[$engine]="$(printf '%s\n' "${rates[@]}" | median) | $(printf '%s\n' "${cpus[@]}" | median) | $(printf '%s\n' "${pgs[@]}" | median) | $(printf '%s\n' "${p99s[@]}" | median) | $(printf '%s\n' "${stores[@]}" | median) | $(printf '%s\n' "${per[@]}" | median)"
done
echo
echo "help-request intake, median of $RUNS, ${SECONDS_PER_RUN} s each, $CLIENTS clients; server (+PostgreSQL) on CPU0, load on CPU1"
echo "| engine | accepted/s (HTTP) | CPU µs/request (server + db) | of which PostgreSQL | p99 ms | store alone /s | requests per commit |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| SQLite (WAL, synchronous=FULL) | ${col[sqlite]} |"
echo "| PostgreSQL $(basename "$(dirname "$bin")") (fsync on) | ${col[postgresql]} |"
