#!/bin/sh
# What a NOC sees, with the README's own snmpd.conf and snmptrapd.conf lines
# (copied out of README.md, only the host, socket and community owner
# changed for a private loopback run): the relay-limit trap arrives; the
# account index is the one derived from the name, and the same after the
# history is rebuilt; the summary scalars and Unix-time companions; the
# indicator notifications carry the indicator row; a restart announces
# again what is still raised.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

R=.1.3.6.1.4.1.8072.9999.9999.25
# FNV-1a 32 of "spammer@example.test", top bit cleared (check_mib_tables.c)
SPAMMER_INDEX=1522247600

# readme_block MARKER: the fenced block after the README comment naming MARKER
readme_block() {
	awk -v m="<!-- $1:" 'index($0, m) == 1 { on = 1; next }
		on && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$top_srcdir/README.md"
}
readme_block snmpd.conf > "$MT_TMP/readme-snmpd.conf"
readme_block snmptrapd.conf > "$MT_TMP/readme-snmptrapd.conf"
grep -q '^trap2sink' "$MT_TMP/readme-snmpd.conf" || mt_fail "no trap2sink in the README's snmpd.conf block"
grep -q '^authCommunity' "$MT_TMP/readme-snmptrapd.conf" || mt_fail "no authCommunity in the README's snmptrapd.conf block"

# snmptrapd: the README's lines, plus where to write
mt_start_snmptrapd "$MT_TMP/readme-snmptrapd.conf"

# snmpd: the README's lines (socket, sink host and socket owner changed), plus
# the address and community of a private instance
MT_SNMP_PORT=$(mt_free_port udp)
MT_AGENTX="$MT_TMP/agentx.sock"
{
	echo "agentAddress udp:127.0.0.1:$MT_SNMP_PORT"
	echo "rocommunity public 127.0.0.1"
	sed -e "s|/var/agentx/master|$MT_AGENTX|" \
	    -e "s|nms.example.org|127.0.0.1:$MT_TRAP_PORT|" \
	    -e "s|^\(agentXPerms *[0-7]* *[0-7]*\) .*|\1|" "$MT_TMP/readme-snmpd.conf"
} > "$MT_TMP/snmpd.conf"
mt_snmpd_run
grep -qi "cannot create sink\|Error" "$MT_TMP/snmpd.log" && mt_fail "snmpd refused the README's lines: $(grep -i error "$MT_TMP/snmpd.log")"

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
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
traps() { grep -c "$R.0.$1\b" "$MT_TMP/traps.log"; }

mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the history to be read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = $((spam - 1)) ]"
# mtastatIndicatorJudged follows the status: false exactly while insufficientData
for i in 1 2 3 4 5 6 7 8 9 10; do
	st=$(get $R.1.2.1.10.$i); judged=$(get $R.1.2.1.12.$i)
	[ "$st" = 4 ] && want=2 || want=1
	mt_expect "mtastatIndicatorJudged.$i (status $st)" $want "$judged"
done
mt_expect "SMTP_RELAY_MSGS_W judged (weekdays: enough history)" 1 "$(get $R.1.2.1.12.6)"
mt_expect "mtastatAccountsOverLimit before the burst" 0 "$(get $R.1.1.19.0)"
mt_expect "mtastatActiveAlarms before the burst" 0 "$(get $R.1.1.23.0)"
start=$(get $R.1.1.17.0)
now=$(date +%s)
[ "$start" -le "$now" ] && [ "$start" -gt $((now - 600)) ] || mt_fail "mtastatStartTimeUnix $start, now $now"
mt_log "ok: mtastatStartTimeUnix = $start"

# The burst: 445 recipients for spammer@example.test at 09:00, one line at 09:30.
tail -n +"$spam" "$MT_TMP/all.txt" >> "$LOG"
mt_wait_for "mtastatRelayLimitExceeded through the README's trap2sink" grep -q "$R.0.3\b" "$MT_TMP/traps.log"
line=$(grep "$R.0.3\b" "$MT_TMP/traps.log")
echo "$line" | grep -q "$R.1.3.1.2.$SPAMMER_INDEX = STRING: \"spammer@example.test\"" ||
	mt_fail "the trap does not name the account by its name-derived index $SPAMMER_INDEX: $line"
mt_log "ok: relay-limit trap with mtastatAccountName.$SPAMMER_INDEX"
# how many indicators the burst moves is the alarm rules' business (docs/alarms.md):
# SMTP_RELAY_MSGS is one of them
mt_wait_for "the SMTP_RELAY_MSGS anomaly trap" sh -c "grep '$R.0.1\b' '$MT_TMP/traps.log' | grep -q '\"SMTP_RELAY_MSGS\"'"
sleep 1.5 # one more commit and evaluation: the other anomalies of the burst
# each anomaly names its indicator row: name and status (high 2 / low 3) at the indicator's index
grep "$R.0.1\b" "$MT_TMP/traps.log" | while read -r t; do
	echo "$t" | grep -q "$R.1.2.1.2.[0-9]* = STRING: \"SMTP_" || mt_fail "no mtastatIndicatorName in: $t"
	echo "$t" | grep -q "$R.1.2.1.10.[0-9]* = INTEGER: [23]" || mt_fail "no mtastatIndicatorStatus in: $t"
done || exit 1
relay_ind=$(grep "$R.0.1\b" "$MT_TMP/traps.log" | sed -n "s/.*$R\.1\.2\.1\.2\.\([0-9]*\) = STRING: \"SMTP_RELAY_MSGS\".*/\1/p" | head -1)
mt_expect "the SMTP_RELAY_MSGS anomaly at its row's index" "$(get $R.1.2.1.2.3)" "\"SMTP_RELAY_MSGS\""
mt_expect "index of SMTP_RELAY_MSGS in its anomaly" 3 "$relay_ind"

# The summary scalars and the Unix-time companions agree with the tables.
mt_expect "mtastatAccountsOverLimit" 1 "$(get $R.1.1.19.0)"
mt_expect "mtastatAccountStatus.$SPAMMER_INDEX" 2 "$(get $R.1.3.1.7.$SPAMMER_INDEX)"
out=$(snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.2.1.10 | grep -c '^[23]$')
mt_expect "mtastatIndicatorsOutOfBand (rows high or low)" "$out" "$(get $R.1.1.21.0)"
mt_expect "mtastatActiveAlarms" $((out + 1)) "$(get $R.1.1.23.0)"
mt_expect "mtastatLastEventTimeUnix (Nov 17 09:30:00)" "$(date -u -d '2026-11-17 09:30:00' +%s)" "$(get $R.1.1.18.0)"
last=$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.10 | tail -1)
lastidx=$(echo "$last" | sed "s/^$R\.1\.4\.1\.10\.\([0-9]*\) .*/\1/")
mt_expect "mtastatLastAlarmText is the newest alarm row's text" "$(get $R.1.4.1.10.$lastidx)" "$(get $R.1.1.26.0)"
mt_expect "mtastatLastAlarmTimeUnix is the newest row's mtastatAlarmTimeUnix" "$(get $R.1.4.1.11.$lastidx)" "$(get $R.1.1.25.0)"

# A restart: what is still raised is announced again, once.
relay_before=$(traps 3); anomaly_before=$(traps 1)
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" 2>/dev/null
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the relay-limit trap announced again" sh -c "[ \$(grep -c '$R.0.3\b' '$MT_TMP/traps.log') -gt $relay_before ]"
mt_wait_for "the anomalies announced again" sh -c "[ \$(grep -c '$R.0.1\b' '$MT_TMP/traps.log') -ge $((anomaly_before * 2)) ]"
grep -q "still raised: announced again" "$MT_TMP/mtastatd.log" || mt_fail "no log line for the re-announcement"
sleep 2 # nothing more comes
mt_expect "relay-limit traps after one restart" $((relay_before + 1)) "$(traps 3)"
mt_expect "anomaly traps after one restart" $((anomaly_before * 2)) "$(traps 1)"

# A rebuilt history (the database deleted, the log read again): same index.
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" 2>/dev/null
rm -f "$MT_TMP/history.db" "$MT_TMP/history.db-wal" "$MT_TMP/history.db-shm"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the rebuilt history" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = $(wc -l < "$LOG") ]"
mt_wait_for "the spammer's row" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.3.1.2.$SPAMMER_INDEX | grep -q spammer"
mt_expect "mtastatAccountName.$SPAMMER_INDEX after a rebuild" '"spammer@example.test"' "$(get $R.1.3.1.2.$SPAMMER_INDEX)"
mt_expect "mtastatAccountRelayedToday.$SPAMMER_INDEX after a rebuild" 445 "$(get $R.1.3.1.3.$SPAMMER_INDEX)"
kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died"
