#!/bin/sh
# demo.sh [--keep]: install what is missing, build, start a private snmpd as
# AgentX master on loopback, start mtastatd on the sample Postfix log, show
# the MTASTAT-MIB walk and the report, then stop everything (unless --keep).
set -u
top=$(cd "$(dirname "$0")" && pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1
"$top/scripts/deps.sh" || exit 1
"$top/scripts/build.sh" "$top/build" || exit 1

top_srcdir=$top top_builddir=$top/build
. "$top/tests/integration/lib.sh"
mt_init
if [ $keep -eq 1 ]; then
	# Leave the daemons and their directory for the user; say how to stop them.
	trap - EXIT
fi

# The sample: 17 days of an account relaying 20 messages a day, then another
# one relaying 445 at 09:00 (tests/fixtures/relay-burst.awk wrote it).
sample="$top/tests/fixtures/sample-postfix.log"
cp "$sample" "$MT_TMP/mail.log"
touch -d "2026-11-17 12:00:00" "$MT_TMP/mail.log"   # BSD syslog: the year comes from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
# demo configuration: see mtastat.conf(5)
database      $MT_TMP/mtastat.db
logfile       $MT_TMP/mail.log postfix
localdomain   example.test
localdomain   corp.test
contentfilter 127.0.0.1:10024
CONF

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
lines=$(wc -l < "$MT_TMP/mail.log")
mt_wait_for "mtastatd to read the sample" sh -c \
	"[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT .1.3.6.1.4.1.8072.9999.9999.25.1.1.4.0)\" = $lines ]"

echo "== snmpwalk -v2c -c public 127.0.0.1:$MT_SNMP_PORT MTASTAT-MIB::mtastatMIB"
snmpwalk -v2c -c public -M "$MT_MIBDIRS" -m MTASTAT-MIB "127.0.0.1:$MT_SNMP_PORT" MTASTAT-MIB::mtastatMIB
echo
echo "== numeric:"
snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.4.1.8072.9999.9999.25

echo
echo "== mtastat report --db $MT_TMP/mtastat.db"
"$top/build/mtastat" report --db "$MT_TMP/mtastat.db"
echo
echo "== mtastat check --all --db $MT_TMP/mtastat.db"
"$top/build/mtastat" check --all --config "$MT_TMP/mtastat.conf"

if [ $keep -eq 1 ]; then
	cat <<MSG

Left running (work directory $MT_TMP):
  snmpd    pid $(cat "$MT_TMP/snmpd.pid")  udp:127.0.0.1:$MT_SNMP_PORT, AgentX $MT_AGENTX
  mtastatd pid $(cat "$MT_TMP/mtastatd.pid")  log $MT_TMP/mtastatd.log
Query:
  MIBS= snmpwalk -v2c -c public -M $MT_MIBDIRS -m MTASTAT-MIB 127.0.0.1:$MT_SNMP_PORT MTASTAT-MIB::mtastatMIB
Stop:
  kill $(cat "$MT_TMP/mtastatd.pid") $(cat "$MT_TMP/snmpd.pid"); rm -rf $MT_TMP
MSG
fi
