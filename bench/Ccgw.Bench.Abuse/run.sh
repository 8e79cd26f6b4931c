#!/bin/bash
# The fault-and-abuse run (issue 16): this process (attacks and legitimate clients) on CPU1; it starts a fresh daemon
# per attack and pins it to CPU0 itself. Arguments go to the bench (see README.md), e.g. --seconds 5 --only help,rtp.
# SKIP_BUILD=1 reuses the last Release build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
export CCGW_CORPUS=${CCGW_CORPUS:-$repo/../shared/corpus}
if [ -z "${SKIP_BUILD:-}" ]; then
  echo "building ccgw and the bench (Release)..." >&2
  dotnet build -c Release "$repo/src/Ccgw.Daemon" -v q -nologo >/dev/null
  dotnet build -c Release "$here" -v q -nologo >/dev/null
fi
exec taskset -c 1 dotnet "$here/bin/Release/net10.0/Ccgw.Bench.Abuse.dll" "$@"
