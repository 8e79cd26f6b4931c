#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET SDK:
#   1. installs the real peers the interop tests drive (idempotent: only what is missing),
#   2. builds the solution and runs every test project,
#   3. checks the packaging (the .deb builds and holds binary, config and unit),
#   4. prints one closing line: "tests: N passed, N failed, N skipped".
# The hostile-input corpus is read from ../shared/corpus (or $CCGW_CORPUS); tests that need it skip visibly without it.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

peers=(postgresql python3-aiosmtpd sip-tester sipsak sipvicious baresip dnsmasq-base mosquitto mosquitto-clients python3-paho-mqtt python3-slixmpp prosody chromium prometheus systemd xz-utils curl procps)
missing=()
# Node.js and npm bundle the pages' browser code at build time; only asked of Debian when not installed otherwise.
command -v npm >/dev/null 2>&1 || peers+=(nodejs npm)
for p in "${peers[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test.sh: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The mosquitto package starts a broker on 1883 where an init system runs; tests use their own ports.

corpus=${CCGW_CORPUS:-$root/../shared/corpus}
if [ -d "$corpus" ]; then echo "test.sh: hostile-input corpus: $corpus"
else echo "test.sh: NOTE: corpus not found at $corpus; RFC 4475 / PROTOS / scansion cases will be SKIPPED"; fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet build ContactCenterGateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly || { echo "test.sh: build failed"; echo "tests: 0 passed, 1 failed"; exit 1; }
# Tests marked Category=Quarantined are known to be unreliable and are listed here rather than hidden.
echo "test.sh: NOTE: excluded quarantined tests (see their comments): $(grep -rl 'Category", "Quarantined' tests --include=*.cs | xargs -r -n1 basename | tr '\n' ' ')"
dotnet test ContactCenterGateway.sln -c Release --no-build --nologo --filter "Category!=Quarantined" 2>&1 | tee "$log"
test_rc=${PIPESTATUS[0]}
[ "$test_rc" -eq 0 ] || status=1

# README acceptance: the README's run command, exactly as written, brings the daemon up on the demo config;
# /healthz answers 200; SIGTERM stops it with exit 0. (Demo ports: nothing else on this machine may hold them.)
checks_passed=0; checks_failed=0
run_cmd=$(awk '/^```sh$/ { getline; print; exit }' README.md)
readme_log=$(mktemp)
echo "test.sh: README run command: $run_cmd"
setsid bash -c "exec $run_cmd" > "$readme_log" 2>&1 &
readme_pid=$!
healthy=0
for _ in $(seq 1 180); do
  if curl -fsS -o /dev/null http://127.0.0.1:8080/healthz 2>/dev/null; then healthy=1; break; fi
  kill -0 "$readme_pid" 2>/dev/null || break
  sleep 1
done
daemon_pid=$(pgrep -f -n "ccgw(.dll)? --config config/ccgw.json" || true)
if [ "$healthy" -eq 1 ] && [ -n "$daemon_pid" ]; then
  kill -TERM "$daemon_pid"
  for _ in $(seq 1 20); do kill -0 "$readme_pid" 2>/dev/null || break; sleep 1; done
  if wait "$readme_pid"; then echo "test.sh: README run command: /healthz 200, stopped cleanly"; checks_passed=$((checks_passed+1))
  else echo "test.sh: FAIL: README run command did not exit 0 after SIGTERM"; cat "$readme_log"; checks_failed=$((checks_failed+1)); fi
else
  echo "test.sh: FAIL: README run command did not serve /healthz"; cat "$readme_log"; checks_failed=$((checks_failed+1))
  kill -KILL -- -"$readme_pid" 2>/dev/null || true
fi
rm -f "$readme_log"

# Packaging acceptance: the .deb builds and lists binary, configuration and unit.
deb_out=$(mktemp -d)
if deb=$(packaging/build-deb.sh "$deb_out" 2>&1 | tail -1) && [ -f "$deb" ]; then
  listing=$(dpkg-deb -c "$deb")
  for want in ./usr/lib/ccgw/ccgw ./usr/lib/ccgw/ccgw.dll ./etc/ccgw/ccgw.json ./lib/systemd/system/ccgw.service ./usr/bin/ccgwctl; do
    if grep -q " $want\( \|$\)" <<<"$listing"; then checks_passed=$((checks_passed+1))
    else echo "test.sh: FAIL: $deb does not contain $want"; checks_failed=$((checks_failed+1)); fi
  done
  if dpkg-deb -I "$deb" conffiles 2>/dev/null | grep -qx /etc/ccgw/ccgw.json; then checks_passed=$((checks_passed+1))
  else echo "test.sh: FAIL: /etc/ccgw/ccgw.json is not a conffile"; checks_failed=$((checks_failed+1)); fi
  # Issue 16 acceptance: a clean install opens no listener until configured. The packaged daemon, run on the packaged
  # configuration, must refuse it (exit 78 naming Site:SipDomain) before binding anything; once the admin sets the
  # domains the same file is a valid loopback-only configuration with no demo account, token or anonymous login.
  deb_root=$(mktemp -d)
  dpkg-deb -x "$deb" "$deb_root"
  pkg_conf=$deb_root/etc/ccgw/ccgw.json
  pkg_out=$(CCGW__Data__Directory="$deb_root/data" timeout 60 "$deb_root/usr/lib/ccgw/ccgw" --config "$pkg_conf" 2>&1); pkg_rc=$?
  if [ "$pkg_rc" -eq 78 ] && grep -q "Site:SipDomain: not set" <<<"$pkg_out" && [ ! -e "$deb_root/data" ]; then checks_passed=$((checks_passed+1))
  else echo "test.sh: FAIL: the packaged daemon on the packaged config exited $pkg_rc, not 78 naming Site:SipDomain:"; echo "$pkg_out"; checks_failed=$((checks_failed+1)); fi
  if CCGW__Site__SipDomain=example.com CCGW__Site__XmppDomain=example.com "$deb_root/usr/lib/ccgw/ccgw" check-config --config "$pkg_conf" >/dev/null 2>&1 \
     && ! grep -qi -e demo -e '"Password' -e '"Token"' "$pkg_conf" && grep -q '"AllowAnonymous": false' "$pkg_conf" \
     && ! grep -o '"Address": *"[^"]*"' "$pkg_conf" | grep -qv '"127.0.0.1"'; then checks_passed=$((checks_passed+1))
  else echo "test.sh: FAIL: the packaged config, once its domains are set, is not a valid loopback-only config without demo accounts"; checks_failed=$((checks_failed+1)); fi
  rm -rf "$deb_root"
  echo "test.sh: packaging: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
else
  echo "test.sh: FAIL: packaging/build-deb.sh failed: $deb"; checks_failed=$((checks_failed+1))
fi
rm -rf "$deb_out"
[ "$checks_failed" -eq 0 ] || status=1

sum() { awk -v key="$1" '/^(Passed|Failed)!/ { if (match($0, key ": *[0-9]+")) { s = substr($0, RSTART, RLENGTH); sub(/.*: */, "", s); n += s } } END { print n + 0 }' "$log"; }
passed=$(( $(sum Passed) + checks_passed ))
failed=$(( $(sum Failed) + checks_failed ))
skipped=$(sum Skipped)
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped:-0} skipped"
exit $status
