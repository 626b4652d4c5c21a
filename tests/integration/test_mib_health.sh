#!/bin/sh
# Mail-flow health through a real snmpd: mtastatReplyTable, mtastatBrokenTable,
# the delay and TLS scalars of MTASTAT-MIB, and the MTA-MIB's
# mtaGroupErrorTable fed by the same reply counts.  Every row and scalar
# equals `mtastat report --json --day` of today and yesterday on the same
# history, and the hand counts of tests/fixtures/health-postfix.log
# (tests/unit/check_health.c) pin the numbers both could get wrong alike.
# Days move (today becomes yesterday, then history) and mtastatd restarts:
# the Counter32 error counts stay where they were.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
MT_SNMPD_EXCLUDE=,mta_sendmail   # docs/standard-mibs.md

M=.1.3.6.1.4.1.8072.9999.9999.25.1
REPLY=$M.6.1
BROKEN=$M.7.1
ERR=.1.3.6.1.2.1.28.5.1
LOG="$MT_TMP/mail.log"
# Nov 3: the first file and the delivery that ends the second's message (its Nov 4 line later).
{ cat "$top_srcdir/tests/fixtures/health-postfix.log"
  head -n 2 "$top_srcdir/tests/fixtures/health-postfix-2.log"; } > "$LOG"
touch -d "2026-11-03 12:00:00" "$LOG"   # BSD lines take their year from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $LOG postfix
localdomain   example.test
CONF

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
walk() { snmpwalk -v2c -c public -t 1 -r 1 -On -Oq "127.0.0.1:$MT_SNMP_PORT" "$@"; }
lines() { get $M.1.4.0; }
mt_wait_for "the fixture read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $M.1.4.0)\" = 31 ]"


# compare_report TODAY YESTERDAY: every reply row, cause and scalar of the MIB
# against report --json --day of the two days (a row only one day has is 0 on the other).
compare_report() {
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --top 100000 --day "$1" > "$MT_TMP/r_today.json"
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --top 100000 --day "$2" > "$MT_TMP/r_yest.json"
	snmpwalk -v2c -c public -t 1 -r 1 -On -Oqe "127.0.0.1:$MT_SNMP_PORT" $M.6 > "$MT_TMP/w_reply"
	snmpwalk -v2c -c public -t 1 -r 1 -On -Oqe "127.0.0.1:$MT_SNMP_PORT" $M.7 > "$MT_TMP/w_broken"
	snmpwalk -v2c -c public -t 1 -r 1 -On -Oqe "127.0.0.1:$MT_SNMP_PORT" $M.8 > "$MT_TMP/w_delay"
	snmpwalk -v2c -c public -t 1 -r 1 -On -Oqe "127.0.0.1:$MT_SNMP_PORT" $M.9 > "$MT_TMP/w_tls"
	$PY "$top_srcdir/tests/integration/mib_health_compare.py" "$MT_TMP" "$M" ||
		mt_fail "the MIB differs from report --json (above)"
	mt_log "ok: replies, causes, delay and TLS equal report --json for $1 and $2"
}

# Today is Nov 3, the fixture's day (the log's time, not the wall clock).
compare_report 2026-11-03 2026-11-02
mt_expect "mtastatDelayCountToday" 3 "$(get $M.8.1.0)"
mt_expect "mtastatDelayP50Today (3.5 s, within 3.125 %)" 3519 "$(get $M.8.2.0)"
mt_expect "mtastatDelayP95Today" 39935 "$(get $M.8.3.0)"
mt_expect "mtastatDelayP99Today" 39935 "$(get $M.8.4.0)"
mt_expect "mtastatDelayMaxToday (40 s, exact)" 40000 "$(get $M.8.5.0)"
mt_expect "mtastatTlsInboundToday" 2 "$(get $M.9.1.0)"
mt_expect "mtastatPlainInboundToday" 3 "$(get $M.9.2.0)"
mt_expect "mtastatTlsOutboundToday" 1 "$(get $M.9.3.0)"
mt_expect "mtastatPlainOutboundToday" 2 "$(get $M.9.4.0)"
mt_expect "mtastatPlainSharePercentToday (5 of 8)" 63 "$(get $M.9.5.0)"

# The reply table: index direction.code.enhanced (RFC 2789's encoding), in GETNEXT order.
mt_expect "mtastatReplyToday rows" "$REPLY.5.1.550.5001001 1
$REPLY.5.1.550.5007001 2
$REPLY.5.2.250.2000000 3
$REPLY.5.2.421.4007000 1
$REPLY.5.2.451.4007001 1" "$(walk $REPLY.5)"
mt_expect "mtastatReplyText" '"550 5.7.1"' "$(get $REPLY.4.1.550.5007001)"
mt_expect "mtastatReplyExample" '"Greylisted, try later"' "$(get $REPLY.7.2.451.4007001)"
mt_expect "mtastatReplyYesterday" 0 "$(get $REPLY.6.1.550.5007001)"

# Broken sessions today equal report --json's sessions_incomplete_* of the day.
report() {
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --from 2026-11-01 --to 2026-11-30 --json
}
broken_expected() { # DAY: "cause count" lines from report --json
	report | $PY -c '
import json, sys
days = json.load(sys.stdin)["days"]
day = sys.argv[1]
causes = set()
for d in days.values():
    causes |= {k[len("sessions_incomplete_"):] for k in d if k.startswith("sessions_incomplete_")}
for c in sorted(causes):
    print(c, days.get(day, {}).get("sessions_incomplete_" + c, 0))
' "$1"
}
broken_shown() { # COLUMN: "cause count" lines from the MIB, by cause
	walk $BROKEN.2 | while read -r oid cause; do
		printf '%s %s\n' "$(echo "$cause" | tr -d '"')" "$(get "$BROKEN.$1.${oid##*.}")"
	done | sort
}
mt_expect "mtastatBrokenToday = report --json (Nov 3)" "$(broken_expected 2026-11-03)" \
	"$(broken_shown 3)"
mt_expect "broken causes on Nov 3" 8 "$(broken_shown 3 | awk '$2 > 0' | wc -l)"

# mtaGroupErrorTable: the error replies (4xx/5xx) since the history began,
# inbound group 1, outbound group 2; 250 2.0.0 is no error.
errors_expected="$ERR.1.1.1.5001001 1
$ERR.1.1.1.5007001 2
$ERR.3.1.2.4007000 1
$ERR.3.1.2.4007001 1"
mt_expect "mtaGroupErrorTable" "$errors_expected" "$(walk $ERR | sed 's/ Counter32:/ /' | sed 's/  */ /')"

# Accumulated associations (RFC 2788/2789): the SMTP sessions whose TLS outcome
# the log shows, since the history began: 2 + 3 client sessions, 1 + 2 of ours.
APPL=.1.3.6.1.2.1.27.1.1
GRP=.1.3.6.1.2.1.28.2.1
assoc_check() {
	sums=$("$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --from 2026-11-01 --to 2026-11-30 |
		$PY -c 'import json,sys; t=json.load(sys.stdin)["health"]["tls"]; print(t["in_tls"]+t["in_plain"], t["out_tls"]+t["out_plain"])')
	mt_expect "$1: sessions in and out in report --json" "5 3" "$sums"
	mt_expect "$1: applAccumulatedInboundAssociations" 5 "$(get $APPL.10.1)"
	mt_expect "$1: applAccumulatedOutboundAssociations" 3 "$(get $APPL.11.1)"
	mt_expect "$1: mtaGroupAccumulatedInboundAssociations (inbound)" 5 "$(get $GRP.15.1.1)"
	mt_expect "$1: mtaGroupAccumulatedOutboundAssociations (outbound)" 3 "$(get $GRP.16.1.2)"
}
assoc_check "Nov 3"

# Nov 4: today's rows start again, Nov 3's counts move to yesterday.
tail -n 1 "$top_srcdir/tests/fixtures/health-postfix-2.log" >> "$LOG"
mt_wait_for "the Nov 4 line read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $M.1.4.0)\" = 32 ]"
mt_wait_for "mtastatReplyToday 0 on Nov 4" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $REPLY.5.1.550.5007001)\" = 0 ]"
mt_expect "mtastatReplyYesterday on Nov 4" 2 "$(get $REPLY.6.1.550.5007001)"
mt_expect "mtastatBrokenToday = report --json (Nov 4)" "$(broken_expected 2026-11-04)" \
	"$(broken_shown 3)"
mt_expect "mtastatBrokenYesterday = report --json (Nov 3)" "$(broken_expected 2026-11-03)" \
	"$(broken_shown 4)"
compare_report 2026-11-04 2026-11-03
mt_expect "mtastatDelayCountToday on Nov 4" 0 "$(get $M.8.1.0)"
mt_expect "mtastatPlainSharePercentToday without a session" -1 "$(get $M.9.5.0)"
mt_expect "mtaGroupErrorTable on Nov 4" "$errors_expected" "$(walk $ERR | sed 's/ Counter32:/ /' | sed 's/  */ /')"

# Nov 5, after a restart: Nov 3 is history now (loaded once, not per commit);
# the error counts are where they were, plus Nov 5's reply.
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"; rc=$?
mt_expect "mtastatd exit status on SIGTERM (no leak under ASan)" 0 "$rc"
echo "Nov  5 08:00:00 mx postfix/smtpd[42]: NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 550 5.1.1 <v@example.test>: Recipient address rejected: User unknown; from=<s@x.org> to=<v@example.test> proto=ESMTP helo=<x>" >> "$LOG"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the Nov 5 line read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $ERR.1.1.1.5001001)\" = 2 ]"
mt_expect "mtaGroupErrorTable on Nov 5" "$ERR.1.1.1.5001001 2
$ERR.1.1.1.5007001 2
$ERR.3.1.2.4007000 1
$ERR.3.1.2.4007001 1" "$(walk $ERR | sed 's/ Counter32:/ /' | sed 's/  */ /')"
compare_report 2026-11-05 2026-11-04
assoc_check "Nov 5, Nov 3 in the history"
mt_expect "mtastatReplyTable on Nov 5: only today's code" "$REPLY.5.1.550.5001001 1" "$(walk $REPLY.5)"

# SIGHUP reopens the history (maybe another file): the rows are loaded from it again, the same here.
walk $ERR > "$MT_TMP/err.before"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the reload logged" grep -q "SIGHUP: reloading" "$MT_TMP/mtastatd.log"
mt_wait_for "the history reopened" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $ERR.1.1.1.5001001)\" = 2 ]"
walk $ERR > "$MT_TMP/err.after"
cmp -s "$MT_TMP/err.before" "$MT_TMP/err.after" || mt_fail "mtaGroupErrorTable changed across SIGHUP"
compare_report 2026-11-05 2026-11-04
mt_log "ok: the same rows after SIGHUP"
