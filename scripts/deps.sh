#!/bin/sh
# Install what mtastat needs to build, test and demo, when it is missing.
# Debian 12 package names; runs apt-get update once, only if something is missing.
set -eu
PKGS="build-essential autoconf automake libtool pkgconf
libsnmp-dev snmpd snmp snmptrapd smitools
libsqlite3-dev sqlite3 libcurl4-openssl-dev zlib1g-dev check
python3 python3-aiosmtpd curl openssl clang libclang-rt-dev
pflogsumm prometheus-postfix-exporter postfix swaks
libfaketime python3-pysnmp4-mibs"
# python3-pysnmp4-mibs: MTA-MIB and NETWORK-SERVICES-MIB compiled from the
# RFCs' text, the only packaged form of them; test_mib_std.sh checks its OIDs
# against it (docs/standard-mibs.md).
# Not here: exim4-base (eximstats for bench/ingest.sh) and exim4-daemon-light
# conflict with postfix, which the tests and benchmarks use; bench/ingest.sh
# unpacks exim4-base with apt-get download instead of installing it, and
# tests/integration/test_exim_real.sh runs exim4-daemon-light unpacked the
# same way, under libfaketime (LD_PRELOAD, so a run crosses midnight).
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm only fetches the IETF MIB files; a node install from elsewhere will do.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update
	# postfix asks questions at install time; it is only a test peer here.
	echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi
# snmpd/postfix packages may start system services; we run private instances only.
"$(dirname "$0")/ietf-mibs.sh"
