#!/bin/sh
# mtastatd drops root for -u USER, and SIGHUP re-reads the configuration:
# a log added to it is followed, and the log table shows both.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

R=.1.3.6.1.4.1.8072.9999.9999.25
chmod 755 "$MT_TMP"
mkdir -p "$MT_TMP/var"
cp "$top_srcdir/tests/fixtures/definitions.log" "$MT_TMP/var/a.log"
printf 'Nov  3 01:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n' > "$MT_TMP/var/b.log"
touch -d "2026-11-03 12:00:00" "$MT_TMP/var/a.log" "$MT_TMP/var/b.log"
cat > "$MT_TMP/mtastat.conf" <<CONF
database $MT_TMP/var/history.db
logfile  $MT_TMP/var/a.log
CONF
user_args=""
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody "$MT_TMP/var"
	user_args="-u nobody"
fi

mt_start_snmpd
chmod 777 "$MT_AGENTX" 2>/dev/null
mt_start_mtastatd "$MT_TMP/mtastat.conf" $user_args
mt_wait_registered
get() { snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$1"; }
mt_wait_for "a.log read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = 42 ]"
if [ -n "$user_args" ]; then
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$MT_MTASTATD_PID/status")
	mt_expect "mtastatd's uid with -u nobody" "$(id -u nobody)" "$uid"
else
	mt_log "not root: -u is not exercised"
fi
mt_expect "log rows before reload" 1 "$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.5.1.2 | wc -l)"

echo "logfile  $MT_TMP/var/b.log" >> "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "b.log read after SIGHUP" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = 43 ]"
mt_expect "log rows after reload" 2 "$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.5.1.2 | wc -l)"
mt_expect "mtastatLogPath.2" "\"$MT_TMP/var/b.log\"" "$(get $R.1.5.1.2.2)"
# per log: lines since the (re)start; a.log is not read again
mt_expect "mtastatLogLinesRead.1 after reload" 0 "$(get $R.1.5.1.3.1)"
mt_expect "mtastatLogLinesRead.2" 1 "$(get $R.1.5.1.3.2)"
mt_expect "mtastatLogStatus.2" 1 "$(get $R.1.5.1.5.2)"
mt_expect "mtastatRejectedTotal after reload" 3 "$(get $R.1.1.11.0)"
kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died on SIGHUP"
grep -q "re-opened" "$MT_TMP/mtastatd.log" && mt_fail "SIGHUP disturbed the AgentX session"
mt_log "ok: the AgentX session was left alone"

# A bad line in the new configuration is reported with its line; the rest applies.
echo "queuetable few" >> "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the error in the log" grep -q "mtastat.conf: line 4" "$MT_TMP/mtastatd.log"
kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died on a bad configuration at SIGHUP"

# Under -u, a configuration the user may not read at SIGHUP (root's own, 0600):
# the daemon keeps its configuration and the log says why (it used to exit).
if [ -n "$user_args" ]; then
	chmod 600 "$MT_TMP/mtastat.conf"
	kill -HUP "$MT_MTASTATD_PID"
	mt_wait_for "the refused file in the log" grep -q "mtastat.conf: Permission denied" "$MT_TMP/mtastatd.log"
	grep -q "cannot be read: the running configuration stays" "$MT_TMP/mtastatd.log" ||
		mt_fail "no 'running configuration stays' line"
	printf 'Nov  3 01:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n' >> "$MT_TMP/var/b.log"
	mt_wait_for "the new line read under the kept configuration" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = 44 ]"
	kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died on an unreadable configuration under -u"
	mt_log "ok: -u nobody, unreadable configuration at SIGHUP: still running and following"
fi
