#!/bin/sh
# Notifications through a real snmpd to a real snmptrapd: a relay-limit breach
# is notified once with the account and its count, indicator anomalies and
# their clears once each (after the hold-down hour); an account far beyond
# its usual volume once; the tables agree; a restarted snmpd gets the
# subtree back within the AgentX ping interval.  Every raise and clear here
# is judged by the writer thread (issue 15) and applied by the loop.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

R=.1.3.6.1.4.1.8072.9999.9999.25
LOG="$MT_TMP/maillog"
awk -f "$top_srcdir/tests/fixtures/relay-burst.awk" > "$MT_TMP/all.txt"
spam=$(grep -n spammer "$MT_TMP/all.txt" | head -1 | cut -d: -f1)
head -n $((spam - 1)) "$MT_TMP/all.txt" > "$LOG"
touch -d "2026-11-17 12:00:00" "$LOG"
cat > "$MT_TMP/mtastat.conf" <<CONF
database    $MT_TMP/history.db
logfile     $LOG
localdomain example.test
# the alarms below are those of the k S' rule judged at once (docs/alarms.md)
prediction  no
persist     0
CONF

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf" -D model
mt_wait_registered
lines_read() { snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.1.4.0; }
mt_wait_for "the history to be read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = $((spam - 1)) ]"
traps() { grep -c "$R.0.$1\b" "$MT_TMP/traps.log"; }
mt_expect "relay traps before the burst" 0 "$(traps 3)"

# The burst: 445 recipients for spammer@example.test at 09:00, one line at 09:30.
t0=$(date +%s%N)
tail -n +"$spam" "$MT_TMP/all.txt" >> "$LOG"
mt_wait_for "mtastatRelayLimitExceeded at snmptrapd" grep -q "$R.0.3\b" "$MT_TMP/traps.log"
t1=$(date +%s%N)
mt_log "line to trap: $(( (t1 - t0) / 1000000 )) ms"
line=$(grep "$R.0.3\b" "$MT_TMP/traps.log")
echo "$line" | grep -q '"spammer@example.test"' || mt_fail "no account name in: $line"
echo "$line" | grep -q "$R.1.3.1.3.[0-9]* = Gauge32: 445" || mt_fail "no relayed count 445 in: $line"
echo "$line" | grep -q "$R.1.3.1.6.[0-9]* = Gauge32: 100" || mt_fail "no limit 100 in: $line"
mt_wait_for "four indicator anomaly traps" sh -c "[ \$(grep -c '$R.0.1\b' '$MT_TMP/traps.log') -ge 4 ]"

# More lines on the same day: nothing is notified again.
echo "Nov 17 09:40:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "the new line" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = $(wc -l < "$LOG") ]"
sleep 1.5  # one commit and evaluation tick after the line
mt_expect "relay-limit traps" 1 "$(traps 3)"
mt_expect "anomaly traps (SENT, RELAY and their weekday variants)" 4 "$(traps 1)"
mt_expect "back-to-normal traps so far" 0 "$(traps 2)"

# The account row agrees with the trap.
idx=$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.3.1.2 | grep '"spammer@example.test"' | sed 's/ =.*//; s/.*\.//')
[ -n "$idx" ] || mt_fail "spammer@example.test not in mtastatAccountTable"
mt_expect "mtastatAccountRelayedToday" 445 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.3.$idx)"
mt_expect "mtastatAccountRelayedMessagesToday" 1 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.4.$idx)"
mt_expect "mtastatAccountLimit" 100 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.6.$idx)"
mt_expect "mtastatAccountStatus" 2 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.7.$idx)"
mt_expect "mtastatIndicatorStatus of SMTP_RELAY_MSGS" 2 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.10.3)"
mt_expect "mtastatIndicatorToday of SMTP_RELAY_MSGS" 445 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.3.3)"
mt_expect "mtastatIndicatorMean of SMTP_RELAY_MSGS (hundredths)" 2000 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.5.3)"
# Monday 11-16 against the weekdays before it in the history (11-02..11-13)
mt_expect "mtastatIndicatorSampleDays of SMTP_RELAY_MSGS" 10 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.9.3)"
mt_expect "alarm rows" 5 "$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.10 | wc -l)"
snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.10 | grep -qx '"Account spammer@example.test relayed: 445 recipients (limit 100)"' \
	|| mt_fail "relay alarm text not in mtastatAlarmText"

mt_expect "mtastatIndicatorDirection of SMTP_RECVD_MSGS (both)" 3 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.11.1)"
mt_expect "mtastatIndicatorDirection of SMTP_REJECTED (high)" 1 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.11.9)"

# The next day clears the relay alarm at once, the intraday anomalies once
# they have been normal for the hold-down hour.
echo "Nov 18 00:00:05 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "mtastatRelayLimitCleared" grep -q "$R.0.4\b" "$MT_TMP/traps.log"
sleep 1.5
mt_expect "back-to-normal traps within the hold-down" 0 "$(traps 2)"
echo "Nov 18 01:00:06 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "four back-to-normal traps" sh -c "[ \$(grep -c '$R.0.2\b' '$MT_TMP/traps.log') -ge 4 ]"
sleep 1.5
mt_expect "relay-cleared traps" 1 "$(traps 4)"
mt_expect "back-to-normal traps" 4 "$(traps 2)"

# alice (20 a day, none on the 17th) relays 60 at 02:00: under her limit, far
# beyond her usual 18.33 (sd 5.77) over the 12 weekdays she has: once.
awk 'BEGIN {
	printf "Nov 18 02:00:00 mx postfix/submission/smtpd[1]: 1200AAAAAA: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=alice@example.test\n"
	printf "Nov 18 02:00:00 mx postfix/qmgr[2]: 1200AAAAAA: from=<alice@example.test>, size=1000, nrcpt=60 (queue active)\n"
	for (i = 1; i <= 60; i++)
		printf "Nov 18 02:00:00 mx postfix/smtp[3]: 1200AAAAAA: to=<r%d@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n", i
	printf "Nov 18 02:00:00 mx postfix/qmgr[2]: 1200AAAAAA: removed\n"
}' >> "$LOG"
mt_wait_for "mtastatAccountUnusual at snmptrapd" grep -q "$R.0.8\b" "$MT_TMP/traps.log"
line=$(grep "$R.0.8\b" "$MT_TMP/traps.log")
echo "$line" | grep -q '"alice@example.test"' || mt_fail "no account name in: $line"
echo "$line" | grep -q "$R.1.3.1.3.[0-9]* = Gauge32: 60" || mt_fail "no relayed count 60 in: $line"
echo "$line" | grep -q "$R.1.3.1.4.[0-9]* = Gauge32: 1" || mt_fail "no message count 1 in: $line"
echo "$line" | grep -q "$R.1.3.1.8.[0-9]* = INTEGER: 1833" || mt_fail "no usual mean 18.33 in: $line"
echo "$line" | grep -q "$R.1.3.1.9.[0-9]* = INTEGER: 577" || mt_fail "no usual sd 5.77 in: $line"
echo "$line" | grep -q '"Account alice@example.test relayed 60 recipients today, usually 18.33 (+/-5.77)"' \
	|| mt_fail "no alarm text in: $line"
alice=$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.3.1.2 | grep '"alice@example.test"' | sed 's/ =.*//; s/.*\.//')
mt_expect "mtastatAccountStatus of alice (unusual)" 3 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.7.$alice)"
mt_expect "mtastatAccountUsualMean of alice" 1833 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.8.$alice)"
echo "Nov 18 02:30:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
sleep 1.5
mt_expect "account-unusual traps" 1 "$(traps 8)"
# the evaluations after the batches were the writer's, none failed
judged=$(grep -c "alarms judged by the writer" "$MT_TMP/mtastatd.log")
[ "$judged" -ge 4 ] || mt_fail "only $judged evaluation(s) by the writer"
mt_expect "failed evaluations" 0 "$(grep -c 'evaluation failed' "$MT_TMP/mtastatd.log")"
mt_log "ok: $judged evaluations by the writer thread"

# snmpd restarts: the subagent reconnects by its ping and registers again.
mt_stop_snmpd
mt_snmpd_run
t0=$(date +%s)
MT_WAIT=15 mt_wait_registered
back=$(( $(date +%s) - t0 ))
# the ping interval is 5 s; one more for the registration round trip
[ "$back" -le 7 ] || mt_fail "subtree back only after $back s (ping interval 5 s)"
mt_log "ok: subtree back $back s after snmpd came back"
mt_expect "mtastatAccountRelayedToday after the snmpd restart (new day)" 0 \
	"$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.3.$idx)"
