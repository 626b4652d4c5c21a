#!/bin/sh
# Notifications through a real snmpd to a real snmptrapd: a relay-limit breach
# is notified once with the account and its count, indicator anomalies and
# their clears once each; the tables agree; a restarted snmpd gets the
# subtree back within the AgentX ping interval.
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
CONF

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
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
mt_expect "mtastatIndicatorSampleDays of SMTP_RELAY_MSGS" 15 "$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.2.1.9.3)"
mt_expect "alarm rows" 5 "$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.10 | wc -l)"
snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.10 | grep -qx '"Account spammer@example.test relayed: 445 messages (limit 100)"' \
	|| mt_fail "relay alarm text not in mtastatAlarmText"

# The next day clears the relay alarm and the intraday anomalies, once.
echo "Nov 18 00:00:05 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "mtastatRelayLimitCleared" grep -q "$R.0.4\b" "$MT_TMP/traps.log"
mt_wait_for "four back-to-normal traps" sh -c "[ \$(grep -c '$R.0.2\b' '$MT_TMP/traps.log') -ge 4 ]"
sleep 1.5
mt_expect "relay-cleared traps" 1 "$(traps 4)"
mt_expect "back-to-normal traps" 4 "$(traps 2)"

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
