#!/bin/sh
# mtastatd follows a directory of IceWarp SMTP logs (logfile DIR icewarp)
# through a real snmpd: exact totals; a session open at midnight goes on in
# the next day's file while the daemon runs; a size split (-01) is picked
# up; while the daemon is stopped the current file grows, splits and a new
# day starts, and a session authenticated before the stop relays under its
# SASL name after it.  With every debug token on, no password (nor its
# base64) reaches the history or the daemon's output.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
D="$MT_TMP/smtp"
mkdir -p "$D"
b64() { printf '%b' "$1" | base64 -w0; }
PIA_USER=$(b64 'pia@example.test')
PIA_PASS=$(b64 'Pw-Sekrit-42')
ZED_PLAIN=$(b64 '\0zed@example.test\0Zz-Sekrit-77')
ZED_PLAIN2=$(b64 'zed\0zed@example.test\0Zz-Sekrit-78')

# received 2 (one inbound to a local user, pia's), delivered 1, relayed 1 (pia);
# zed authenticates and is in the middle of the data at the end of the day
cat > "$D/s20261103.log" <<LINES
198.51.100.7 [0A1C] 10:00:00 Connected
198.51.100.7 [0A1C] 10:00:00 >>> 220 mail.example.test ESMTP
198.51.100.7 [0A1C] 10:00:01 <<< MAIL FROM:<x@far.example>
198.51.100.7 [0A1C] 10:00:01 >>> 250 2.1.0 <x@far.example>... Sender ok
10.0.0.5       [0B00] 10:00:01 Connected
10.0.0.5       [0B00] 10:00:01 >>> 220 mail.example.test ESMTP
198.51.100.7 [0A1C] 10:00:02 <<< RCPT TO:<bob@example.test>
198.51.100.7 [0A1C] 10:00:02 >>> 250 2.1.5 <bob@example.test>... Recipient ok
10.0.0.5       [0B00] 10:00:02 <<< AUTH LOGIN
10.0.0.5       [0B00] 10:00:02 >>> 334 VXNlcm5hbWU6
10.0.0.5       [0B00] 10:00:02 <<< $PIA_USER
10.0.0.5       [0B00] 10:00:02 >>> 334 UGFzc3dvcmQ6
10.0.0.5       [0B00] 10:00:02 <<< $PIA_PASS
10.0.0.5       [0B00] 10:00:02 >>> 235 2.7.0 Authentication successful
198.51.100.7 [0A1C] 10:00:03 *** <x@far.example> <bob@example.test> 1 300 00:00:03 OK
198.51.100.7 [0A1C] 10:00:03 >>> 250 2.6.0 accepted
198.51.100.7 [0A1C] 10:00:03 Disconnected
10.0.0.5       [0B00] 10:00:04 *** <pia@example.test> <f@far.example> 1 200 00:00:03 OK
10.0.0.5       [0B00] 10:00:04 Disconnected
SYSTEM [0000] 12:00:00 Forwarded mails older than 20 days from 'a@example.test' to 'b@far.example'
10.0.0.6 [0A1C] 23:59:50 Connected
10.0.0.6 [0A1C] 23:59:50 >>> 220 mail.example.test ESMTP
10.0.0.6 [0A1C] 23:59:51 <<< AUTH PLAIN $ZED_PLAIN
10.0.0.6 [0A1C] 23:59:51 >>> 235 2.7.0 Authentication successful
10.0.0.6 [0A1C] 23:59:52 <<< MAIL FROM:<anything@forged.example>
10.0.0.6 [0A1C] 23:59:53 <<< DATA
10.0.0.6 [0A1C] 23:59:53 >>> 354 Enter mail
LINES
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $D icewarp
localdomain   example.test
CONF

# every debug token of mtastat's own; net-snmp's library tracing (-D all,
# -D netsnmp) is left out: with it mtastatd crashes at exit, with any log
# (a known problem of the agent, not of this reader)
DBG=config,correlate,detect,follow,import,ingest,mail,main,model,parse,report,snmp,stats,store,trap,watch
# mtastatd -n checks a glob of dated files by its directory
printf 'database %s\nlogfile %s/s*.log icewarp\n' "$MT_TMP/history.db" "$D" > "$MT_TMP/glob.conf"
"$top_builddir/mtastatd" -n -c "$MT_TMP/glob.conf" > "$MT_TMP/check.out" 2>&1 \
	|| mt_fail "mtastatd -n refused a glob: $(cat "$MT_TMP/check.out")"
grep -q "does not exist" "$MT_TMP/check.out" && mt_fail "mtastatd -n: $(cat "$MT_TMP/check.out")"
printf 'database %s\nlogfile %s/nowhere/s*.log icewarp\n' "$MT_TMP/history.db" "$D" > "$MT_TMP/glob2.conf"
"$top_builddir/mtastatd" -n -c "$MT_TMP/glob2.conf" > "$MT_TMP/check2.out" 2>&1
grep -q "logfile $D/nowhere: does not exist yet" "$MT_TMP/check2.out" \
	|| mt_fail "mtastatd -n on a missing directory: $(cat "$MT_TMP/check2.out")"

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf" -D $DBG
mt_wait_registered

v() { snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $1 ]"
}

wait_lines 27
mt_expect mtastatLinesUnparsed 0 "$(v 5)"
mt_expect mtastatReceivedTotal 2 "$(v 6)"
mt_expect mtastatDeliveredTotal 1 "$(v 7)"
mt_expect mtastatRelayedTotal 1 "$(v 8)"
mt_expect mtastatBytesReceivedTotal 500 "$(v 12)"

# midnight while running: zed's session ends in the next day's file
cat > "$D/s20261104.log" <<LINES
10.0.0.6 [0A1C] 00:00:01 *** <anything@forged.example> <g@far.example> <h@far.example> 2 1000 00:00:10 OK
10.0.0.6 [0A1C] 00:00:01 >>> 250 2.6.0 accepted
10.0.0.6 [0A1C] 00:00:02 Disconnected
203.0.113.9 [0C00] 00:01:00 Connected
203.0.113.9 [0C00] 00:01:00 >>> 421 4.7.0 Session refused, exceeding RSET command count
203.0.113.9 [0C00] 00:01:00 Disconnected
LINES
wait_lines 33
mt_expect "mtastatReceivedTotal after midnight" 3 "$(v 6)"
mt_expect "mtastatRelayedTotal after midnight" 3 "$(v 8)"

# a size split while running; zed authenticates again in it and stays in flight
cat > "$D/s20261104-01.log" <<LINES
10.0.0.8 [0A1C] 09:00:00 Connected
10.0.0.8 [0A1C] 09:00:00 >>> 220 mail.example.test ESMTP
10.0.0.8 [0A1C] 09:00:01 <<< AUTH PLAIN
10.0.0.8 [0A1C] 09:00:01 >>> 334
10.0.0.8 [0A1C] 09:00:01 <<< $ZED_PLAIN2
10.0.0.8 [0A1C] 09:00:01 >>> 235 2.7.0 Authentication successful
LINES
wait_lines 39

# stopped: the split grows (zed's message), and a new day starts
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" || mt_fail "mtastatd exited with $?"
cat >> "$D/s20261104-01.log" <<LINES
10.0.0.8 [0A1C] 09:00:05 *** <zed@example.test> <k@far.example> 1 50 00:00:04 OK
10.0.0.8 [0A1C] 09:00:05 Disconnected
LINES
cat > "$D/s20261105.log" <<LINES
198.51.100.7 [0A1D] 08:00:00 Connected
198.51.100.7 [0A1D] 08:00:00 >>> 220 mail.example.test ESMTP
198.51.100.7 [0A1D] 08:00:01 <<< QUIT
198.51.100.7 [0A1D] 08:00:01 *** 0 0 00:00:01 INCOMPLETE-SESSION
198.51.100.7 [0A1D] 08:00:01 Disconnected
LINES
mt_start_mtastatd "$MT_TMP/mtastat.conf" -D $DBG
mt_wait_registered
wait_lines 46
mt_expect "mtastatReceivedTotal after the restart" 4 "$(v 6)"
mt_expect "mtastatRelayedTotal after the restart" 4 "$(v 8)"
mt_expect mtastatLinesUnparsed 0 "$(v 5)"

"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json > "$MT_TMP/report.json"
acct() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounts"].get(sys.argv[2], {}).get(sys.argv[3]))' "$MT_TMP/report.json" "$@"; }
day() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"].get(sys.argv[2], {}).get(sys.argv[3], 0))' "$MT_TMP/report.json" "$@"; }
mt_expect "pia's relays on 2026-11-03 (AUTH LOGIN)" "{'relayed': 1, 'relayed_messages': 1}" "$(acct 2026-11-03 pia@example.test)"
mt_expect "zed's relays on 2026-11-04 (AUTH PLAIN, across midnight, a split and a restart)" \
	"{'relayed': 3, 'relayed_messages': 2}" "$(acct 2026-11-04 zed@example.test)"
mt_expect "no account for forged senders" "None" "$(acct 2026-11-04 anything@forged.example)"
mt_expect "ipblock_r on 2026-11-04" 1 "$(day 2026-11-04 ipblock_r)"
mt_expect "sessions_incomplete_quit on 2026-11-05" 1 "$(day 2026-11-05 sessions_incomplete_quit)"
mt_expect "received on 2026-11-05" 0 "$(day 2026-11-05 received)"

# every file has its own position; none is read twice after another restart
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" || mt_fail "mtastatd exited with $?"
mt_expect "positions kept" 4 "$(sqlite3 "$MT_TMP/history.db" "SELECT count(DISTINCT path) FROM files")"
mt_start_mtastatd "$MT_TMP/mtastat.conf" -D $DBG
mt_wait_registered
sleep 1
mt_expect "mtastatReceivedTotal after a second restart" 4 "$(v 6)"

# the passwords and their base64 are in the logs, and nowhere else
grep -q "$PIA_PASS" "$D/s20261103.log" || mt_fail "the test log has no password"
grep -q "debug \[parse\]" "$MT_TMP/mtastatd.log" || grep -q "debug \[follow\]" "$MT_TMP/mtastatd.log" \
	|| grep -q "debug" "$MT_TMP/mtastatd.log" || mt_fail "no debug output from mtastatd -D $DBG"
for f in "$MT_TMP"/history.db* "$MT_TMP/mtastatd.log" "$MT_TMP/report.json"; do
	grep -a -q -e 'Sekrit' -e "$PIA_PASS" -e "$ZED_PLAIN" -e "$ZED_PLAIN2" -e 'UHctU2Vrcml0' "$f" \
		&& mt_fail "a password in $f"
done
exit 0
