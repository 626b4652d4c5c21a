#!/bin/sh
# Files and privileges: the pid file never follows a planted symlink, the
# history is private (0640 with its -wal and -shm, in databasegroup),
# `mtastatd -n` refuses what a start would refuse, and SIGHUP with a missing,
# unreadable or unusable configuration keeps the running one.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
umask 022

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
chmod 755 "$MT_TMP"
mkdir -p "$MT_TMP/var"
LOG="$MT_TMP/var/mail.log"
cp "$top_srcdir/tests/fixtures/definitions.log" "$LOG"
touch -d "2026-11-03 12:00:00" "$LOG"
root=0
[ "$(id -u)" -eq 0 ] && root=1
group_line=""
[ $root -eq 1 ] && group_line="databasegroup nogroup"
cat > "$MT_TMP/mtastat.conf" <<CONF
database $MT_TMP/var/history.db
logfile  $LOG
$group_line
CONF
lines() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.4.0"; }
wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $1 ]"
}

# --- mtastatd -n applies the checks of a start ---------------------------
out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/mtastat.conf" 2>&1) || mt_fail "-n on a good setup: $out"
mt_log "ok: -n on a good setup"
printf 'secret\n' > "$MT_TMP/pw"; chmod 644 "$MT_TMP/pw"
cat > "$MT_TMP/mail.conf" <<CONF
database $MT_TMP/var/history.db
mailserver smtp://127.0.0.1:1
mailfrom a@example.test
mailto b@example.test
mailuser u
mailpasswordfile $MT_TMP/pw
CONF
out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/mail.conf" 2>&1) && mt_fail "-n accepted a password file readable by all"
echo "$out" | grep -q "$MT_TMP/pw: readable by others" || mt_fail "-n did not name the password file: $out"
mt_log "ok: -n refuses a password file readable by others"
printf 'database %s/var/history.db\nlogfile %s/var/not-yet.log\n' "$MT_TMP" "$MT_TMP" > "$MT_TMP/later.conf"
out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/later.conf" 2>&1) || mt_fail "-n refused a log that is not there yet: $out"
echo "$out" | grep -q "not-yet.log: does not exist yet" || mt_fail "no warning for the missing log: $out"
mt_log "ok: a log not there yet is a warning"
# an unreadable log and an unwritable history directory
mkdir -p "$MT_TMP/locked"
printf 'x\n' > "$MT_TMP/var/secret.log"; chmod 600 "$MT_TMP/var/secret.log"
printf 'database %s/locked/h.db\nlogfile %s/var/secret.log\n' "$MT_TMP" "$MT_TMP" > "$MT_TMP/deny.conf"
if [ $root -eq 1 ]; then
	chmod 755 "$MT_TMP/locked"; chmod 644 "$MT_TMP/deny.conf"
	out=$("$top_builddir/mtastatd" -n -u nobody -c "$MT_TMP/deny.conf" 2>&1) && mt_fail "-n -u nobody accepted: $out"
else
	chmod 555 "$MT_TMP/locked"; chmod 000 "$MT_TMP/var/secret.log"
	out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/deny.conf" 2>&1) && mt_fail "-n accepted: $out"
fi
echo "$out" | grep -q "logfile $MT_TMP/var/secret.log: Permission denied" || mt_fail "unreadable log not named: $out"
echo "$out" | grep -q "database $MT_TMP/locked/h.db: directory $MT_TMP/locked: Permission denied" ||
	mt_fail "unwritable history not named: $out"
[ -e "$MT_TMP/locked/h.db" ] && mt_fail "-n created the history"
mt_log "ok: -n names an unreadable log and an unwritable history"
chmod 755 "$MT_TMP/locked"

# --- the pid file ----------------------------------------------------------
printf 'precious\n' > "$MT_TMP/victim"
printf 'precious too\n' > "$MT_TMP/victim2"
PID="$MT_TMP/run.pid"
ln -s "$MT_TMP/victim" "$PID"           # a symlink where the pid file goes
ln -s "$MT_TMP/victim2" "$PID.tmp"      # and where a temporary one would go
mt_start_snmpd
"$top_builddir/mtastatd" -f -c "$MT_TMP/mtastat.conf" -x "$MT_AGENTX" -p "$PID" 2>> "$MT_TMP/mtastatd.log" &
MT_MTASTATD_PID=$!
MT_PIDS="$MT_PIDS $MT_MTASTATD_PID"
mt_wait_for "a regular pid file" test -f "$PID" -a ! -L "$PID"
mt_expect "victim behind the pid file's symlink" precious "$(cat "$MT_TMP/victim")"
mt_expect "victim behind the temporary name's symlink" "precious too" "$(cat "$MT_TMP/victim2")"
mt_wait_for "the pid in the pid file" sh -c "[ \"\$(cat $PID)\" = $MT_MTASTATD_PID ]"
mt_log "ok: the pid file replaced the planted symlink; no victim written"
mt_wait_registered
wait_lines 42
# a second daemon on the same pid file refuses to start
if out=$("$top_builddir/mtastatd" -f -c "$MT_TMP/mtastat.conf" -x "$MT_AGENTX" -p "$PID" 2>&1); then
	mt_fail "a second mtastatd started on a live pid file"
fi
echo "$out" | grep -q "$PID: another mtastatd is running" || mt_fail "second start: $out"
mt_log "ok: a second daemon refuses a live pid file"

# --- the history is private ---------------------------------------------------
for f in history.db history.db-wal history.db-shm; do
	mt_expect "mode of $f (umask 022)" 640 "$(stat -c %a "$MT_TMP/var/$f")"
done
if [ $root -eq 1 ]; then
	mt_expect "group of history.db (databasegroup nogroup)" nogroup "$(stat -c %G "$MT_TMP/var/history.db")"
	grep -q "running as root" "$MT_TMP/mtastatd.log" || mt_fail "no warning for root without -u"
	mt_log "ok: warned about running as root without -u"
else
	mt_log "not root: databasegroup and the root warning are not exercised"
fi

# --- SIGHUP keeps the running configuration when the new one is unusable ----
mv "$MT_TMP/mtastat.conf" "$MT_TMP/mtastat.conf.away"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the missing file in the log" grep -q "mtastat.conf: No such file or directory" "$MT_TMP/mtastatd.log"
grep -q "cannot be read: the running configuration stays" "$MT_TMP/mtastatd.log" || mt_fail "no 'stays' line"
kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died on SIGHUP with a missing configuration"
printf 'Nov  3 01:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n' >> "$LOG"
wait_lines 43
mt_log "ok: missing configuration at SIGHUP: still following the log"

mv "$MT_TMP/mtastat.conf.away" "$MT_TMP/mtastat.conf"
chmod 000 "$MT_TMP/mtastat.conf"
if [ $root -eq 1 ]; then
	# root reads any file: an unreadable one needs another reader
	mt_log "root: unreadable configuration checked by the unusable-database case below"
else
	kill -HUP "$MT_MTASTATD_PID"
	mt_wait_for "the denied file in the log" grep -q "mtastat.conf: Permission denied" "$MT_TMP/mtastatd.log"
	kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died on SIGHUP with an unreadable configuration"
	printf 'Nov  3 01:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n' >> "$LOG"
	wait_lines 44
	mt_log "ok: unreadable configuration at SIGHUP: still following the log"
fi
chmod 644 "$MT_TMP/mtastat.conf"
n=$(lines)

# a configuration whose history cannot be opened: back to the previous one
printf 'database /proc/mtastat-no/h.db\nlogfile %s\n' "$LOG" > "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the fallback in the log" grep -q "back to the previous configuration" "$MT_TMP/mtastatd.log"
kill -0 "$MT_MTASTATD_PID" || mt_fail "mtastatd died on SIGHUP with an unusable history"
printf 'Nov  3 01:00:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n' >> "$LOG"
wait_lines $((n + 1))
mt_expect "mtastatRejectedTotal in the previous history" $((n + 1 - 42 + 2)) \
	"$(snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.11.0")"
mt_log "ok: unusable configuration at SIGHUP: the previous one is back"
