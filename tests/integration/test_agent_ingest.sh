#!/bin/sh
# mtastatd follows a Postfix log and publishes its totals through a real snmpd;
# appended lines, rename+create and copytruncate rotation and a restart lose
# and repeat nothing.  Expected numbers are the hand counts of
# tests/fixtures/definitions.log (see tests/unit/check_ingest.c).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
LOG="$MT_TMP/mail.log"
cp "$top_srcdir/tests/fixtures/definitions.log" "$LOG"
touch -d "2026-11-03 12:00:00" "$LOG"   # BSD lines take their year from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $LOG postfix
localdomain   example.test
contentfilter 127.0.0.1:10024
CONF

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered

# value OID: the number snmpget prints for a Counter64 scalar
v() { snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $1 ]"
}

wait_lines 42
mt_expect mtastatLinesUnparsed 1 "$(v 5)"
mt_expect mtastatReceivedTotal 4 "$(v 6)"
mt_expect mtastatDeliveredTotal 8 "$(v 7)"
mt_expect mtastatRelayedTotal 5 "$(v 8)"
mt_expect mtastatDeferredTotal 1 "$(v 9)"
mt_expect mtastatBouncedTotal 1 "$(v 10)"
mt_expect mtastatRejectedTotal 2 "$(v 11)"
mt_expect mtastatBytesReceivedTotal 5200 "$(v 12)"
mt_expect mtastatBytesDeliveredTotal 9500 "$(v 13)"
mt_expect mtastatLastEventTime "2026-11-3,0:10:1.0,+0:0" "$(mt_get MTASTAT-MIB::mtastatLastEventTime.0)"

msg() { # msg QID HH:MM:SS: one relayed message with two external recipients
	cat <<LINES
Nov  3 $2 mx postfix/submission/smtpd[9]: $1: client=c[192.0.2.9], sasl_method=PLAIN, sasl_username=zed
Nov  3 $2 mx postfix/qmgr[2]: $1: from=<zed@example.test>, size=100, nrcpt=2 (queue active)
Nov  3 $2 mx postfix/smtp[3]: $1: to=<a@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov  3 $2 mx postfix/smtp[3]: $1: to=<b@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov  3 $2 mx postfix/qmgr[2]: $1: removed
LINES
}

# Appending lines changes the values.
msg 0A0A0A0A01 01:00:00 >> "$LOG"
wait_lines 47
mt_expect "mtastatRelayedTotal after append" 7 "$(v 8)"
mt_expect "mtastatReceivedTotal after append" 5 "$(v 6)"

# rename+create: a line written to the old file after the rename still counts.
mv "$LOG" "$LOG.1"
msg 0A0A0A0A02 02:00:00 >> "$LOG.1"
msg 0A0A0A0A03 02:00:01 > "$LOG"
wait_lines 57
mt_expect "mtastatRelayedTotal after rename+create" 11 "$(v 8)"

# copytruncate: copy, truncate, then the writer goes on.
cp "$LOG" "$LOG.2"
: > "$LOG"
msg 0A0A0A0A04 03:00:00 >> "$LOG"
wait_lines 62
mt_expect "mtastatRelayedTotal after copytruncate" 13 "$(v 8)"
mt_expect "mtastatReceivedTotal after copytruncate" 8 "$(v 6)"

# A restart reads nothing twice: totals come back from the history.
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_expect "mtastatLinesRead after restart" 62 "$(v 4)"
mt_expect "mtastatRelayedTotal after restart" 13 "$(v 8)"
msg 0A0A0A0A05 04:00:00 >> "$LOG"
wait_lines 67
mt_expect "mtastatRelayedTotal after restart and append" 15 "$(v 8)"

# The CLI reads the same history.
"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json > "$MT_TMP/report.json"
mt_expect "zed's relays on 2026-11-03 in report --json" 10 \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounts"]["2026-11-03"]["zed"]["relayed"])' "$MT_TMP/report.json")"
