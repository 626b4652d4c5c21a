#!/bin/sh
# The queue sampler against a real Postfix: a private instance (its own
# config, queue and log under the test's directory) relays to a loopback
# sink that answers 451, so N messages sit in the deferred queue.  mtastatd
# samples it with postqueue -j; snmpget through a real snmpd gives the
# counts, sizes and age postqueue itself gives; queuelimit raises
# mtastatQueueAlarm once (snmptrapd receives it), holding the messages moves
# them to the hold queue without a second alarm, deleting them clears it
# once; the report's high-water mark is N.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

[ "$(id -u)" -eq 0 ] || { mt_log "SKIP: a private Postfix needs root (its master starts as root)"; exit 77; }
[ -x /usr/sbin/postfix ] || { mt_log "SKIP: no Postfix (scripts/deps.sh installs it)"; exit 77; }
# the Postfix daemons (user postfix) reach their queue and log below this directory
chmod 755 "$MT_TMP"

R=.1.3.6.1.4.1.8072.9999.9999.25
Q=$R.1.10
N=5
PF="$MT_TMP/pf"

mt_start_smtp --defer-all
mt_start_postfix "$PF" "$MT_SMTP_PORT"

for i in $(seq 1 $N); do
	printf 'Subject: queue test %s\n\nmessage %s\n' "$i" "$i" \
		| sendmail -C "$PF/etc" -f sender@private.test "rcpt$i@remote.example" \
		|| mt_fail "sendmail -C $PF/etc failed"
done
mt_wait_for "$N deliveries refused with 451 by the sink" \
	sh -c "[ \$(grep -c '^refused 451' '$MT_TMP/smtp.log') -ge $N ]"
# postqueue's own view is the truth the MIB must repeat
truth() {
	postqueue -c "$PF/etc" -j | $PY -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
q = sys.argv[1]
sel = [r for r in rs if q == "all" or r["queue_name"] == q]
print(len(sel), sum(r["message_size"] for r in sel), min([r["arrival_time"] for r in sel] or [0]))
' "$1"
}
mt_wait_for "$N messages in the deferred queue" sh -c "postqueue -c '$PF/etc' -j | grep -c '\"queue_name\": \"deferred\"' | grep -qx $N"
set -- $(truth deferred)
[ "$1" -eq $N ] || mt_fail "postqueue shows $1 deferred messages, not $N"
bytes=$2 oldest=$3
kb=$(( (bytes + 1023) / 1024 ))
mt_log "postqueue: $N deferred, $bytes bytes, oldest arrival $oldest"

cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $PF/maillog postfix
queue         postfix $PF/etc
queueinterval 1
queuelimit    $((N - 1))
holddown      0
CONF
mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
mt_wait_for "a sample of $N messages" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.5.0)\" = $N ]"

mt_expect "mtastatQueueSamplerStatus (ok)" 3 "$(get $Q.1.0)"
mt_expect "mtastatQueueSamplerError" '""' "$(get $Q.2.0)"
mt_expect "mtastatQueueDeferred" $N "$(get $Q.10.0)"
mt_expect "mtastatQueueDeferredKBytes" $kb "$(get $Q.11.0)"
mt_expect "mtastatQueueKBytes" $kb "$(get $Q.6.0)"
mt_expect "mtastatQueueActive" 0 "$(get $Q.8.0)"
mt_expect "mtastatQueueHold" 0 "$(get $Q.12.0)"
mt_expect "mtastatQueueIncoming" 0 "$(get $Q.14.0)"
mt_expect "mtastatQueueMaildrop" 0 "$(get $Q.16.0)"
mt_expect "mtastatQueueLimit" $((N - 1)) "$(get $Q.18.0)"
mt_expect "mtastatQueueSampleFailures" 0 "$(get $Q.22.0)"
# the age is the sample's time less the oldest arrival, both as Postfix and the MIB say
set -- $(get $Q.7.0 $Q.4.0)
mt_expect "mtastatQueueOldestAge = mtastatQueueSampleTimeUnix - oldest arrival" $(( $2 - oldest )) "$1"

# queuelimit N-1: raised once, with the queue's objects and the alarm text
mt_wait_for "mtastatQueueAlarm at snmptrapd" grep -q "$R.0.10\b" "$MT_TMP/traps.log"
line=$(grep "$R.0.10\b" "$MT_TMP/traps.log")
echo "$line" | grep -q "$Q.5.0 = Gauge32: $N" || mt_fail "no message count $N in: $line"
echo "$line" | grep -q "$Q.18.0 = Gauge32: $((N - 1))" || mt_fail "no limit $((N - 1)) in: $line"
echo "$line" | grep -q "\"Queue holds $N messages (limit $((N - 1)))\"" || mt_fail "no alarm text in: $line"
mt_expect "mtastatQueueAlarmState (raised)" 2 "$(get $Q.20.0)"
mt_expect "mtastatActiveAlarms counts it" 1 "$(get $R.1.1.23.0)"

# Held: the same messages in another queue, no second alarm.
postsuper -c "$PF/etc" -h ALL 2>> "$MT_TMP/postfix.log" || mt_fail "postsuper -h failed"
mt_wait_for "$N messages on hold" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.12.0)\" = $N ]"
mt_expect "mtastatQueueDeferred after postsuper -h" 0 "$(get $Q.10.0)"
mt_expect "mtastatQueueHoldKBytes" $kb "$(get $Q.13.0)"
mt_expect "mtastatQueueMessages" $N "$(get $Q.5.0)"
mt_expect "queue alarms sent" 1 "$(grep -c "$R.0.10\b" "$MT_TMP/traps.log")"

# Deleted: cleared once (holddown 0).
postsuper -c "$PF/etc" -d ALL 2>> "$MT_TMP/postfix.log" || mt_fail "postsuper -d failed"
mt_wait_for "mtastatQueueAlarmCleared at snmptrapd" grep -q "$R.0.11\b" "$MT_TMP/traps.log"
line=$(grep "$R.0.11\b" "$MT_TMP/traps.log")
echo "$line" | grep -q "$Q.5.0 = Gauge32: 0" || mt_fail "no message count 0 in: $line"
mt_expect "mtastatQueueMessages after postsuper -d" 0 "$(get $Q.5.0)"
mt_expect "mtastatQueueAlarmState (normal)" 1 "$(get $Q.20.0)"
mt_expect "mtastatActiveAlarms after the clear" 0 "$(get $R.1.1.23.0)"
samples=$(get $Q.21.0)
mt_wait_for "two more samples" sh -c "[ \$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.21.0) -ge $((samples + 2)) ]"
mt_expect "queue alarms sent" 1 "$(grep -c "$R.0.10\b" "$MT_TMP/traps.log")"
mt_expect "queue clears sent" 1 "$(grep -c "$R.0.11\b" "$MT_TMP/traps.log")"
mt_expect "alarm rows naming the queue" 2 "$(snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.4 | grep -c '"queue limit"')"

# The history's time series: the report's high-water mark is N, in both queues.
mt_wait_for "samples in the history" sh -c "'$top_builddir/mtastat' report --json --db '$MT_TMP/history.db' | grep -q '\"samples\"'"
hw=$("$top_builddir/mtastat" report --json --db "$MT_TMP/history.db" | $PY -c '
import json, sys
q = json.load(sys.stdin)["queue"]
print(q["high_water"]["messages"], q["high_water"]["bytes"], q["max"]["deferred"], q["max"]["hold"], q["max"]["active"])')
mt_expect "report --json queue: high-water messages, bytes, most deferred, held, active" "$N $bytes $N $N 0" "$hw"
"$top_builddir/mtastat" report --db "$MT_TMP/history.db" | grep -q "high-water mark   $N messages at .* ($bytes bytes)" \
	|| mt_fail "no high-water mark of $N in the text report"
mt_log "ok: report high-water mark $N messages, $bytes bytes"
exit 0
