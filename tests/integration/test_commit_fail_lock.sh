#!/bin/sh
# Another writer holds the history locked (the sqlite3 CLI in BEGIN IMMEDIATE)
# while mtastatd has lines to commit: SNMP keeps answering within its normal
# time, the totals stay at what is committed, the failure is logged and
# notified once (not per retry), and when the lock is released the totals are
# exactly the lines written, none lost or doubled.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
command -v sqlite3 >/dev/null || { mt_log "SKIP: no sqlite3 CLI (scripts/deps.sh installs it)"; exit 77; }

R=.1.3.6.1.4.1.8072.9999.9999.25
S=$R.1.1
LOG="$MT_TMP/mail.log"
DB="$MT_TMP/history.db"
cp "$top_srcdir/tests/fixtures/definitions.log" "$LOG"
touch -d "2026-11-03 12:00:00" "$LOG"   # BSD lines take their year from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $DB
logfile       $LOG postfix
localdomain   example.test
contentfilter 127.0.0.1:10024
CONF

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered

# One try, one second: a GET during the outage must answer in its normal time.
v() { snmpget -v2c -c public -t 1 -r 0 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $1 ]"
}
traps() { grep -c "$R.0.$1\b" "$MT_TMP/traps.log"; }
log_count() { grep -c "$1" "$MT_TMP/mtastatd.log"; }

msg() { # msg QID HH:MM:SS: one relayed message with two external recipients
	cat <<LINES
Nov  3 $2 mx postfix/submission/smtpd[9]: $1: client=c[192.0.2.9], sasl_method=PLAIN, sasl_username=zed
Nov  3 $2 mx postfix/qmgr[2]: $1: from=<zed@example.test>, size=100, nrcpt=2 (queue active)
Nov  3 $2 mx postfix/smtp[3]: $1: to=<a@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov  3 $2 mx postfix/smtp[3]: $1: to=<b@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov  3 $2 mx postfix/qmgr[2]: $1: removed
LINES
}

wait_lines 42
mt_expect "mtastatRelayedTotal before the lock" 5 "$(v 8)"
mt_expect "mtastatHistoryState before the lock (ok)" 1 "$(v 14)"
mt_expect "mtastatHistoryWriteFailures before the lock" 0 "$(v 15)"

# Another writer takes the lock and keeps it until told to let go.
mkfifo "$MT_TMP/lock.ctl"
sqlite3 "$DB" < "$MT_TMP/lock.ctl" > "$MT_TMP/lock.log" 2>&1 &
MT_PIDS="$MT_PIDS $!"
exec 3> "$MT_TMP/lock.ctl"
echo "BEGIN IMMEDIATE;" >&3
echo ".shell touch '$MT_TMP/locked'" >&3
mt_wait_for "the sqlite3 CLI to hold the lock" test -e "$MT_TMP/locked"

msg 0A0A0A0A01 01:00:00 >> "$LOG"
msg 0A0A0A0A02 01:00:01 >> "$LOG"
mt_wait_for "the failure in the log" grep -q "history not written: database locked" "$MT_TMP/mtastatd.log"
mt_wait_for "mtastatHistoryWriteFailed at snmptrapd" grep -q "$R.0.6\b" "$MT_TMP/traps.log"
line=$(grep "$R.0.6\b" "$MT_TMP/traps.log")
echo "$line" | grep -q "$S.14.0 = INTEGER: 2" || mt_fail "no mtastatHistoryState failing(2) in: $line"
echo "$line" | grep -q "$S.16.0 = STRING: \"database locked (database is locked)\"" \
	|| mt_fail "no cause in: $line"

# More lines while locked: they wait, unread or uncommitted, and the loop keeps
# retrying (with backoff) while answering every GET within its one second.
msg 0A0A0A0A03 01:00:02 >> "$LOG"
mt_wait_for "three failed commits" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.15.0)\" -ge 3 ]"
i=0
while [ $i -lt 5 ]; do
	t0=$(date +%s%N)
	got=$(v 4) || mt_fail "mtastatLinesRead did not answer within 1 s during the lock"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -lt 1000 ] || mt_fail "snmpget took $ms ms during the lock"
	mt_expect "mtastatLinesRead during the lock (committed only, ${ms} ms)" 42 "$got"
	i=$((i + 1))
done
mt_expect "mtastatRelayedTotal during the lock" 5 "$(v 8)"
mt_expect "mtastatReceivedTotal during the lock" 4 "$(v 6)"
mt_expect "mtastatHistoryState during the lock (failing)" 2 "$(v 14)"
mt_expect "mtastatHistoryError during the lock" '"database locked (database is locked)"' "$(v 16)"
mt_expect "rows committed meanwhile" 42 "$(sqlite3 -cmd '.timeout 2000' "$DB" "SELECT value FROM totals WHERE key = 'lines'")"

# The lock goes: everything read and waiting is committed once.
echo "COMMIT;" >&3
exec 3>&-
wait_lines 57
mt_wait_for "mtastatHistoryWriteResumed at snmptrapd" grep -q "$R.0.7\b" "$MT_TMP/traps.log"
line=$(grep "$R.0.7\b" "$MT_TMP/traps.log")
echo "$line" | grep -q "$S.14.0 = INTEGER: 1" || mt_fail "no mtastatHistoryState ok(1) in: $line"
mt_expect "mtastatRelayedTotal after the lock" 11 "$(v 8)"
mt_expect "mtastatReceivedTotal after the lock" 7 "$(v 6)"
mt_expect "mtastatDeliveredTotal after the lock" 14 "$(v 7)"
mt_expect "mtastatHistoryState after the lock (ok)" 1 "$(v 14)"
mt_expect "lines in the history" 57 "$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'lines'")"
mt_expect "relayed in the history" 11 "$(sqlite3 "$DB" "SELECT sum(relayed) FROM daily")"
mt_expect "zed's relays in the history" 6 "$(sqlite3 "$DB" "SELECT sum(relayed) FROM account_daily d JOIN accounts a ON a.id = d.account_id WHERE a.name = 'zed'")"

# Once per state change, not once per retry.
mt_expect "'history not written' log lines" 1 "$(log_count 'history not written')"
mt_expect "'history written again' log lines" 1 "$(log_count 'history written again after [0-9]* s, [0-9]* failed attempt')"
mt_expect "store error lines" 0 "$(log_count 'error \[store\]')"
mt_expect "mtastatHistoryWriteFailed traps" 1 "$(traps 6)"
mt_expect "mtastatHistoryWriteResumed traps" 1 "$(traps 7)"
failures=$(v 15)
[ "$failures" -ge 3 ] && [ "$failures" -le 12 ] || mt_fail "mtastatHistoryWriteFailures $failures: not backing off"
mt_log "ok: $failures failed commits during the lock"

# The outage is in the alarm records once the history is back.
mt_expect "outage alarm records" "6 7" "$(sqlite3 "$DB" "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM alarm_log WHERE kind IN (6, 7) ORDER BY id)")"
mt_walk $R.1.4.1.3 | grep -q "= INTEGER: historyWriteFailed(6)" || mt_fail "no historyWriteFailed row in mtastatAlarmTable"

# A new line after the outage is read and committed as usual.
msg 0A0A0A0A04 01:00:03 >> "$LOG"
wait_lines 62
mt_expect "mtastatRelayedTotal at the end" 13 "$(v 8)"
