#!/bin/sh
# Fetch the IETF base MIB modules that MTASTAT-MIB imports.  Debian keeps them
# out of main; the npm package "net-snmp" ships them in lib/mibs/.  They land
# in mibs-ietf/ (git-ignored) as NAME.txt, which both smilint (SMIPATH) and the
# net-snmp tools (-M) find by module name.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$top/mibs-ietf}
[ -f "$dest/SNMPv2-SMI.txt" ] && [ -f "$dest/SNMPv2-TC.txt" ] && [ -f "$dest/SNMPv2-CONF.txt" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "ietf-mibs: npm not found: apt-get install npm" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent net-snmp >/dev/null)
tar -xzf "$tmp"/net-snmp-*.tgz -C "$tmp"
mkdir -p "$dest"
for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB; do
  cp "$tmp/package/lib/mibs/$m.mib" "$dest/$m.txt"
done
echo "ietf-mibs: installed SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, SNMPv2-MIB in $dest"
