#!/bin/sh
# mtastatd follows an Exim main log, an Exim log through syslog and a Postfix
# log at once (each with its own `logfile PATH FORMAT`) and publishes exact
# totals through a real snmpd; a message deferred before midnight and a
# restart is delivered after both and still counts for its account; Exim's
# own rotation (exicyclog: rename, then a new mainlog) loses nothing.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
MAIN="$MT_TMP/mainlog"
SYS="$MT_TMP/syslog"
PF="$MT_TMP/maillog"
# by hand: received 3 (zed's, root's, x's), one notice, delivered 4 (a, b,
# bob, the notice to x), relayed 3, deferred 1, bounced 1, rejected 1
cat > "$MAIN" <<'LINES'
2026-11-03 00:10:00 1vXa01-0000Aa-0A <= alice@example.test H=(c) [192.0.2.9] P=esmtpsa A=dovecot_plain:zed S=100 T="A=x:mallory S=5"
2026-11-03 00:10:01 1vXa01-0000Aa-0A => a@far.example R=dnslookup T=remote_smtp H=mx.far.example [203.0.113.5] C="250 ok"
2026-11-03 00:10:01 1vXa01-0000Aa-0A -> b@far.example R=dnslookup T=remote_smtp H=mx.far.example [203.0.113.5] C="250 ok"
2026-11-03 00:10:02 1vXa01-0000Aa-0A => bob <bob@example.test> R=local_user T=mail_spool
2026-11-03 00:10:02 1vXa01-0000Aa-0A Completed
2026-11-03 23:11:00.120 +0000 [812] 1vXa02-00000000Bb1-0B0B <= root@example.test U=root P=local S=200
2026-11-03 23:11:01.000 +0000 [812] 1vXa02-00000000Bb1-0B0B == c@far.example R=dnslookup T=remote_smtp defer (-44) H=mx.far.example [203.0.113.5]: SMTP error from remote mail server after RCPT TO:<c@far.example>: 451 later
2026-11-03 23:12:00 H=(x) [198.51.100.1] F=<s@spam.example> rejected RCPT <bob@example.test>: blocked
2026-11-03 23:12:30 dovecot_login authenticator failed for (x) [198.51.100.1]: 535 Incorrect authentication data
2026-11-03 23:13:00 1vXa03-0000Cc-0C <= x@far.example H=mx.far.example [203.0.113.5] P=esmtp S=400
2026-11-03 23:13:01 1vXa03-0000Cc-0C ** nobody@example.test: Unrouteable address
2026-11-03 23:13:01 1vXa04-0000Dd-0D <= <> R=1vXa03-0000Cc-0C U=Debian-exim P=local S=500
2026-11-03 23:13:02 1vXa04-0000Dd-0D => x@far.example R=dnslookup T=remote_smtp H=mx.far.example [203.0.113.5] C="250 ok"
2026-11-03 23:13:02 1vXa04-0000Dd-0D Completed
2026-11-03 23:13:02 1vXa03-0000Cc-0C Completed
2026-11-03 23:14:00 Start queue run: pid=77
2026-11-03 23:14:01 1vXa03-0000Cc-0C ACL text the admin wrote
LINES
# through syslog (syslog_timestamp): one message, two external recipients
cat > "$SYS" <<'LINES'
Nov  3 23:20:00 mx exim[9]: 2026-11-03 23:20:00 1vXa05-0000Ee-0E <= yann@example.test H=(c) [192.0.2.9] P=esmtpsa A=plain_server:yann S=1000
Nov  3 23:20:01 mx exim[9]: 2026-11-03 23:20:01 1vXa05-0000Ee-0E => d@far.example R=dnslookup T=remote_smtp H=mx.far.example [203.0.113.5] C="250 ok"
Nov  3 23:20:01 mx exim[9]: 2026-11-03 23:20:01 1vXa05-0000Ee-0E -> e@far.example R=dnslookup T=remote_smtp H=mx.far.example [203.0.113.5] C="250 ok"
Nov  3 23:20:02 mx exim[9]: 2026-11-03 23:20:02 1vXa05-0000Ee-0E Completed
LINES
cat > "$PF" <<'LINES'
Nov  3 23:30:00 mx postfix/submission/smtpd[9]: 0A0A0A0A01: client=c[192.0.2.9], sasl_method=PLAIN, sasl_username=pia
Nov  3 23:30:00 mx postfix/qmgr[2]: 0A0A0A0A01: from=<pia@example.test>, size=10, nrcpt=1 (queue active)
Nov  3 23:30:01 mx postfix/smtp[3]: 0A0A0A0A01: to=<f@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov  3 23:30:01 mx postfix/qmgr[2]: 0A0A0A0A01: removed
LINES
touch -d "2026-11-03 23:59:00" "$SYS" "$PF"   # BSD stamps take their year from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $MAIN exim
logfile       $SYS exim
logfile       $PF postfix
localdomain   example.test
CONF

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered

v() { snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $1 ]"
}

wait_lines 25
mt_expect mtastatLinesUnparsed 0 "$(v 5)"
mt_expect mtastatReceivedTotal 5 "$(v 6)"
mt_expect mtastatDeliveredTotal 7 "$(v 7)"
mt_expect mtastatRelayedTotal 6 "$(v 8)"
mt_expect mtastatDeferredTotal 1 "$(v 9)"
mt_expect mtastatBouncedTotal 1 "$(v 10)"
mt_expect mtastatRejectedTotal 1 "$(v 11)"
mt_expect mtastatBytesReceivedTotal 1710 "$(v 12)"
mt_expect mtastatBytesDeliveredTotal 2810 "$(v 13)"

# A restart with root's message in flight, then midnight: the delivery on the
# next day joins the account and size kept in the history.
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"
mt_expect "6-11-4 message in flight in the history" 1 \
	"$(sqlite3 "$MT_TMP/history.db" "SELECT count(*) FROM queue WHERE qid = '1vXa02-00000000Bb1-0B0B'")"
cat >> "$MAIN" <<'LINES'
2026-11-04 00:05:00 1vXa02-00000000Bb1-0B0B == c@far.example R=dnslookup T=remote_smtp defer (-44) H=mx.far.example [203.0.113.5]: 451 later
LINES
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
wait_lines 26
mt_expect "mtastatDeferredTotal after a second deferral" 1 "$(v 9)"

# exicyclog: mainlog -> mainlog.1, then Exim opens a new mainlog
mv "$MAIN" "$MAIN.1"
cat > "$MAIN" <<'LINES'
2026-11-04 00:35:00 1vXa02-00000000Bb1-0B0B => c@far.example R=dnslookup T=remote_smtp H=mx.far.example [203.0.113.5] C="250 ok"
2026-11-04 00:35:00 1vXa02-00000000Bb1-0B0B Completed
LINES
wait_lines 28
mt_expect "mtastatRelayedTotal after midnight" 7 "$(v 8)"
mt_expect "mtastatBytesDeliveredTotal after midnight" 3010 "$(v 13)"

"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json > "$MT_TMP/report.json"
acct() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounts"].get(sys.argv[2], {}).get(sys.argv[3]))' "$MT_TMP/report.json" "$@"; }
mt_expect "zed's relays on 2026-11-03 (SASL set id, not the sender or the subject)" "{'relayed': 2, 'relayed_messages': 1}" "$(acct 2026-11-03 zed)"
mt_expect "yann's relays on 2026-11-03 (through syslog)" "{'relayed': 2, 'relayed_messages': 1}" "$(acct 2026-11-03 yann)"
mt_expect "pia's relays on 2026-11-03 (the Postfix log)" "{'relayed': 1, 'relayed_messages': 1}" "$(acct 2026-11-03 pia)"
mt_expect "root's relays on 2026-11-04 (across a restart and midnight)" "{'relayed': 1, 'relayed_messages': 1}" "$(acct 2026-11-04 root@example.test)"
mt_expect "deferrals on 2026-11-04" 1 \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"]["2026-11-04"]["deferrals"])' "$MT_TMP/report.json")"
mt_expect "notifications on 2026-11-03" 1 \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"]["2026-11-03"]["notifications"])' "$MT_TMP/report.json")"
mt_expect "auth failures on 2026-11-03" 1 \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"]["2026-11-03"]["auth_failed"])' "$MT_TMP/report.json")"
