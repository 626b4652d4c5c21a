#!/bin/sh
# Notifications raised while the master agent is unreachable are queued and
# sent, oldest first, once the subagent is registered again; the queue is
# bounded (trapqueue), the oldest are dropped and the drop is counted.
# (They used to be logged as "sent" and lost.)
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

R=.1.3.6.1.4.1.8072.9999.9999.25
LOG="$MT_TMP/maillog"
printf 'Nov 17 08:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n' > "$LOG"
touch -d "2026-11-17 12:00:00" "$LOG"
cat > "$MT_TMP/mtastat.conf" <<CONF
database    $MT_TMP/history.db
logfile     $LOG
localdomain example.test
relaylimit  1
trapqueue   5
CONF

relay() { # relay N: account uN@example.test relays to two external recipients
	q=$(printf '0B0B0B0B%02d' "$1")
	cat >> "$LOG" <<LINES
Nov 17 09:00:0$1 mx postfix/submission/smtpd[9]: $q: client=c[192.0.2.9], sasl_method=PLAIN, sasl_username=u$1@example.test
Nov 17 09:00:0$1 mx postfix/qmgr[2]: $q: from=<u$1@example.test>, size=100, nrcpt=2 (queue active)
Nov 17 09:00:0$1 mx postfix/smtp[3]: $q: to=<a@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov 17 09:00:0$1 mx postfix/smtp[3]: $q: to=<b@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov 17 09:00:0$1 mx postfix/qmgr[2]: $q: removed
LINES
}
queued() { grep -c "queued until the master agent is back" "$MT_TMP/mtastatd.log"; }

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered

# With the master up a breach is sent at once.
relay 1
mt_wait_for "the first relay trap" grep -q "u1@example.test" "$MT_TMP/traps.log"
mt_expect "queued while the master is up" 0 "$(queued)"

# The master goes away; eight more accounts breach their limit, one at a time.
mt_stop_snmpd
mt_wait_for "the lost master in mtastatd's log" grep -q "master agent unreachable" "$MT_TMP/mtastatd.log"
for n in 2 3 4 5 6 7 8 9; do
	relay $n
	mt_wait_for "u$n queued" sh -c "[ \$(grep -c 'queued until the master agent is back' '$MT_TMP/mtastatd.log') -ge $((n - 1)) ]"
done
grep -q "notification queue full (trapqueue 5): dropping the oldest" "$MT_TMP/mtastatd.log" ||
	mt_fail "no line about the full queue"
mt_expect "relay traps received while the master is down" 1 "$(grep -c "$R.0.3\b" "$MT_TMP/traps.log")"

# The master comes back: the newest five arrive, oldest first; three dropped.
mt_snmpd_run
mt_wait_registered
mt_wait_for "five queued traps" sh -c "[ \$(grep -c '$R.0.3\b' '$MT_TMP/traps.log') -eq 6 ]"
order=$(grep "$R.0.3\b" "$MT_TMP/traps.log" | sed -n 's/.*"\(u[0-9]\)@example.test".*/\1/p' | tr '\n' ' ')
mt_expect "accounts in the order received" "u1 u5 u6 u7 u8 u9 " "$order"
mt_wait_for "the flush line" grep -q "master agent back: 5 queued notification(s) sent, 3 dropped (trapqueue 5)" "$MT_TMP/mtastatd.log"
mt_log "ok: 5 queued notifications sent after the master came back, 3 counted as dropped"

# Back to normal: the next breach goes straight out.
relay 0
mt_wait_for "u0's trap" grep -q "u0@example.test" "$MT_TMP/traps.log"
mt_expect "queued lines after the master came back" 8 "$(queued)"
