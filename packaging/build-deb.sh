#!/usr/bin/env bash
# Builds ccgw_<version>_<arch>.deb with dpkg-deb:
#   /usr/lib/ccgw/            the daemon (ccgw) and admin tool (ccgwctl), self-contained .NET publish
#   /usr/bin/ccgwctl          symlink
#   /etc/ccgw/ccgw.json       packaging/ccgw.json, the production template (a conffile: upgrades keep local edits):
#                             no accounts, no admin token, no anonymous login, loopback listeners, and Site domains
#                             left empty so that `ccgw check-config` refuses it (exit 78) until an admin configures it
#   /usr/share/ccgw/prompts/  the demo prompt set
#   /lib/systemd/system/ccgw.service
# postinst creates the 'ccgw' system user and enables/starts the unit only once check-config accepts the configuration. Usage: packaging/build-deb.sh [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/packaging/out}
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -1)
arch=$(dpkg --print-architecture)
case "$arch" in amd64) rid=linux-x64 ;; arm64) rid=linux-arm64 ;; *) echo "unsupported architecture $arch" >&2; exit 1 ;; esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/ccgw
mkdir -p "$pkg/DEBIAN" "$pkg/usr/lib/ccgw" "$pkg/usr/bin" "$pkg/etc/ccgw" "$pkg/usr/share/ccgw" \
         "$pkg/lib/systemd/system" "$pkg/usr/share/doc/ccgw"

for project in Ccgw.Daemon Ccgw.Cli; do
  dotnet publish "$root/src/$project" -c Release -r "$rid" --self-contained true \
    -p:PublishTrimmed=false -p:GenerateDocumentationFile=false -o "$pkg/usr/lib/ccgw" --nologo -v quiet
done
rm -f "$pkg"/usr/lib/ccgw/*.pdb
ln -s ../lib/ccgw/ccgwctl "$pkg/usr/bin/ccgwctl"

cp -r "$root/config/prompts" "$pkg/usr/share/ccgw/prompts"
rm -f "$pkg/usr/share/ccgw/prompts/make-prompts.sh"
cp "$root/config/customers.json" "$pkg/usr/share/ccgw/customers.json"
# The packaged configuration is the production template, never the demo one (config/ccgw.json: demo passwords,
# demo admin token, anonymous guests). The demo prompt set and customers stay available under /usr/share/ccgw.
cp "$root/packaging/ccgw.json" "$pkg/etc/ccgw/ccgw.json"
chmod 0640 "$pkg/etc/ccgw/ccgw.json"
cp "$root/systemd/ccgw.service" "$pkg/lib/systemd/system/ccgw.service"
cp "$root/README.md" "$root/CHANGELOG.md" "$pkg/usr/share/doc/ccgw/"

installed_size=$(du -sk "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_size/" \
    "$root/packaging/debian/control" > "$pkg/DEBIAN/control"
cp "$root/packaging/debian/conffiles" "$pkg/DEBIAN/conffiles"
install -m 0755 "$root/packaging/debian/postinst" "$pkg/DEBIAN/postinst"
install -m 0755 "$root/packaging/debian/prerm" "$pkg/DEBIAN/prerm"
install -m 0755 "$root/packaging/debian/postrm" "$pkg/DEBIAN/postrm"

mkdir -p "$out"
deb="$out/ccgw_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$pkg" "$deb" >/dev/null
echo "$deb"
