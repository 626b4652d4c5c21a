#!/bin/sh
# The queue sampler's error paths, with a fake postqueue (and exim) whose
# behaviour the test switches: garbage on stdout, a non-zero exit with a
# message, a hang killed at queuetimeout with its whole process group.  Each
# shows in mtastatQueueSamplerStatus/Error through a real snmpd, is logged
# once per cause (not per sample), keeps the last good values, and SNMP
# keeps answering while the sampler hangs.  Exim: the admin-user hint, and
# no per-queue instances; IceWarp's folder through the real find.  A queue
# alarm still standing at a restart is announced again once, not on SIGHUP.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

R=.1.3.6.1.4.1.8072.9999.9999.25
Q=$R.1.10
F="$MT_TMP/fake"
mkdir -p "$F"
echo ok > "$F/mode"
cat > "$F/postqueue" <<EOF
#!/bin/sh
[ "\$1" = -j ] || { echo "postqueue: fatal: usage" >&2; exit 64; }
case \$(cat "$F/mode") in
ok)
	printf '%s\n' '{"queue_name": "deferred", "queue_id": "A1", "arrival_time": 1000, "message_size": 2048, "recipients": [{"address": "a@x", "delay_reason": "451 \\\\"}]}'
	echo '{"queue_name": "hold", "queue_id": "A2", "arrival_time": 2000, "message_size": 10}' ;;
garbage)
	echo 'Mail queue is empty' ;;
fail)
	printf 'postqueue: fatal: Queue report unavailable - mail system is down\nmore\n' >&2
	exit 69 ;;
showq)
	echo 'postqueue: fatal: Connect to the Postfix showq service: Permission denied' >&2
	exit 75 ;;
hang)
	echo \$\$ > "$F/hang.pid"
	sleep 300 &
	echo \$! > "$F/sleep.pid"
	wait ;;
esac
EOF
cat > "$F/exim" <<EOF
#!/bin/sh
[ "\$1" = -bpc ] || exit 2
case \$(cat "$F/mode") in
ok) echo 7 ;;
*) echo "exim: permission denied" >&2; exit 1 ;;
esac
EOF
chmod 755 "$F/postqueue" "$F/exim"
printf 'Nov 17 08:00:00 mx postfix/smtpd[1]: connect from x[192.0.2.1]\n' > "$MT_TMP/maillog"
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $MT_TMP/maillog
queue         postfix
queuecommand  $F/postqueue
queueinterval 1
queuetimeout  1
queuelimit    1
holddown      0
CONF

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
status_is() { [ "$(get $Q.1.0)" = "$1" ]; }
failures() { get $Q.22.0; }
logged() { grep -c "$1" "$MT_TMP/mtastatd.log"; }

mt_wait_for "a good sample" status_is 3
mt_expect "mtastatQueueMessages" 2 "$(get $Q.5.0)"
mt_expect "mtastatQueueDeferred" 1 "$(get $Q.10.0)"
mt_expect "mtastatQueueHold" 1 "$(get $Q.12.0)"
mt_expect "mtastatQueueKBytes (2058 bytes)" 3 "$(get $Q.6.0)"
set -- $(get $Q.7.0 $Q.4.0)
mt_expect "mtastatQueueOldestAge" $(( $2 - 1000 )) "$1"

# queuelimit 1: raised; a restart announces it again once, the samples after it do not.
alarms() { grep -c "$R.0.10\b" "$MT_TMP/traps.log"; }
mt_wait_for "mtastatQueueAlarm" grep -q "$R.0.10\b" "$MT_TMP/traps.log"
kill "$MT_MTASTATD_PID"
wait "$MT_MTASTATD_PID"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the standing alarm announced again" sh -c "[ \$(grep -c '$R.0.10\b' '$MT_TMP/traps.log') -ge 2 ]"
n=$(get $Q.21.0)
mt_wait_for "three more samples" sh -c "[ \$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.21.0) -ge $((n + 3)) ]"
mt_expect "queue alarms after a restart" 2 "$(alarms)"
mt_expect "mtastatQueueAlarmState after a restart" 2 "$(get $Q.20.0)"
grep "$R.0.10\b" "$MT_TMP/traps.log" | tail -1 | grep -q '"Queue holds 2 messages (limit 1)"' \
	|| mt_fail "the announced-again alarm lacks its text: $(tail -1 "$MT_TMP/traps.log")"

# Garbage: failed, the error says so, logged once however many samples fail.
echo garbage > "$F/mode"
mt_wait_for "a failed sample" status_is 4
n=$(failures)
mt_wait_for "three more failed samples" sh -c "[ \$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.22.0) -ge $((n + 3)) ]"
get $Q.2.0 | grep -q '^"output not understood: ' || mt_fail "error: $(get $Q.2.0)"
mt_expect "log lines for the garbage" 1 "$(logged 'sample failed: output not understood')"
mt_expect "mtastatQueueMessages kept from the last good sample" 2 "$(get $Q.5.0)"

# A refusal: exit status and the first line of stderr, logged once more.
echo fail > "$F/mode"
mt_wait_for "the refusal in mtastatQueueSamplerError" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.2.0 | grep -q 'exit 69'"
mt_expect "mtastatQueueSamplerError" '"exit 69: postqueue: fatal: Queue report unavailable - mail system is down"' "$(get $Q.2.0)"
n=$(failures)
mt_wait_for "two more failed samples" sh -c "[ \$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.22.0) -ge $((n + 2)) ]"
mt_expect "log lines for the refusal" 1 "$(logged 'sample failed: exit 69')"
# postqueue without its set-group-id (systemd's NoNewPrivileges): the remedy is logged
echo showq > "$F/mode"
mt_wait_for "showq refused" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.2.0 | grep -q 'exit 75'"
mt_expect "the postdrop hint logged" 1 "$(logged 'SupplementaryGroups=adm postdrop')"

# A hang: killed after queuetimeout with its child; SNMP answers meanwhile.
echo hang > "$F/mode"
mt_wait_for "the hanging sampler" test -s "$F/sleep.pid"
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10; do get $Q.5.0 > /dev/null || mt_fail "snmpget failed during the hang"; done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
mt_log "10 snmpget while the sampler hangs: $ms ms (load $(cut -d' ' -f1-3 /proc/loadavg))"
[ $ms -lt 3000 ] || mt_fail "10 snmpget took $ms ms while the sampler hung"
mt_wait_for "a timed-out sample" status_is 5
mt_expect "mtastatQueueSamplerError" '"no answer within 1 s (queuetimeout): killed"' "$(get $Q.2.0)"
hang=$(cat "$F/hang.pid") slp=$(cat "$F/sleep.pid")
mt_wait_for "the fake postqueue gone" sh -c "! kill -0 $hang 2>/dev/null"
mt_wait_for "its child gone too" sh -c "! kill -0 $slp 2>/dev/null"
mt_expect "log lines for the timeout" 1 "$(logged 'sample timed out')"

# Back to good.
echo ok > "$F/mode"
mt_wait_for "a good sample again" status_is 3
mt_expect "mtastatQueueSamplerError after recovery" '""' "$(get $Q.2.0)"
mt_expect "recovery logged" 1 "$(logged 'sampling works again')"

# Exim through SIGHUP: a count only; refused without the admin rights, with the hint.
sed -i "s|^queue .*|queue exim|; s|^queuecommand .*|queuecommand $F/exim|" "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "seven messages counted by exim -bpc" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.5.0)\" = 7 ]"
mt_expect "queue alarms after SIGHUP (the alarm still stands, not announced again)" 2 "$(alarms)"
get $Q.10.0 | grep -q "No Such Instance" || mt_fail "mtastatQueueDeferred for Exim: $(get $Q.10.0)"
get $Q.6.0 | grep -q "No Such Instance" || mt_fail "mtastatQueueKBytes for Exim: $(get $Q.6.0)"
echo fail > "$F/mode"
mt_wait_for "Exim's refusal" status_is 4
mt_expect "mtastatQueueSamplerError" '"exit 1: exim: permission denied"' "$(get $Q.2.0)"
mt_expect "the admin-user hint logged" 1 "$(logged 'needs an Exim admin user')"
# a walk passes over the instances that do not exist
mt_expect "objects in a walk of mtastatQueue under Exim" 11 "$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $Q | wc -l)"

# IceWarp's queue folder through the real find(1): files in it and one level down.
mkdir -p "$F/q/retry"
printf '%01000d' 0 > "$F/q/a.dat"
printf 'xy' > "$F/q/retry/b.dat"
touch -d @1700000000 "$F/q/a.dat"
sed -i "s|^queue .*|queue icewarp $F/q|; /^queuecommand /d" "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "two files counted in the IceWarp folder" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $Q.5.0)\" = 2 ]"
mt_expect "mtastatQueueSamplerStatus (icewarp)" 3 "$(get $Q.1.0)"
mt_expect "mtastatQueueKBytes (1002 bytes)" 1 "$(get $Q.6.0)"
set -- $(get $Q.7.0 $Q.4.0)
mt_expect "mtastatQueueOldestAge (icewarp)" $(( $2 - 1700000000 )) "$1"
exit 0
