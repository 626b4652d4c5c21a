#!/bin/sh
# Lines out of reach are counted, never silent: mtastatLogGaps and
# mtastatLogLostBytes show a copy-and-truncate rotation with unread lines and
# no copy, and a read position whose file disappeared while mtastatd was
# stopped; both are logged with the path.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

R=.1.3.6.1.4.1.8072.9999.9999.25.1
LOG="$MT_TMP/mail.log"
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $LOG postfix
localdomain   corp.example
localdomain   mail.example
contentfilter 127.0.0.1:10024
CONF
get() { snmpget -v2c -c public -t 2 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
lines() { get $R.1.4.0; }

# 1. copytruncate with no copy while mtastatd is behind: a big backlog,
# stopped in the middle of it, truncated, one new line, resumed.
"$top_builddir/genlog" --seed 21 --lines 600000 --accounts 50 --days 2 --start 2026-11-02 \
	--format rfc3339 > "$LOG" 2>/dev/null || mt_fail "genlog failed"
size=$(stat -c %s "$LOG")
mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_expect "mtastatLogGaps.1 at start" 0 "$(get $R.5.1.6.1)"
mt_wait_for "a part of the backlog read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.4.0)\" -gt 0 ]"
kill -STOP "$MT_MTASTATD_PID"
: > "$LOG"
printf '2026-11-03T10:00:00+00:00 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 no; from=<a@b.example> to=<c@corp.example> proto=ESMTP helo=<x>\n' >> "$LOG"
kill -CONT "$MT_MTASTATD_PID"
mt_wait_for "the truncation in the log" grep -q "truncated (copytruncate) with [0-9]* bytes not read yet, and no copy" "$MT_TMP/mtastatd.log"
mt_wait_for "mtastatLogGaps.1 = 1" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.5.1.6.1)\" = 1 ]"
logged=$(sed -n 's/.*truncated (copytruncate) with \([0-9]*\) bytes not read yet.*/\1/p' "$MT_TMP/mtastatd.log" | head -n 1)
mt_expect "mtastatLogLostBytes.1 = the bytes logged as not read" "$logged" "$(get $R.5.1.7.1)"
[ "$logged" -gt 0 ] && [ "$logged" -lt "$size" ] || mt_fail "lost bytes $logged not within (0, $size)"
# everything this process read is committed (the new line included)
mt_wait_for "the new line committed" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.4.0)\" = \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.5.1.3.1)\" ] && grep -q 'c@corp.example' '$LOG'"
n=$(lines)
[ "$n" -lt 600001 ] || mt_fail "more lines read ($n) than were readable"
mt_log "ok: copytruncate without a copy: $logged of $size bytes counted as lost, $n lines read"

# 2. The file holding the read position is gone while mtastatd is stopped.
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"
rm -f "$LOG"
printf '2026-11-03T11:00:00+00:00 mx1 postfix/smtpd[2]: NOQUEUE: reject: RCPT from y[192.0.2.2]: 554 5.7.1 no; from=<d@b.example> to=<e@corp.example> proto=ESMTP helo=<y>\n' > "$LOG"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the lost position in the log" grep -q "is not among its rotated files" "$MT_TMP/mtastatd.log"
mt_wait_for "the new line read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.5.1.3.1)\" = 1 ]"
mt_expect "mtastatLogGaps.1 after the restart" 1 "$(get $R.5.1.6.1)"
mt_expect "mtastatLogLinesRead.1 after the restart" 1 "$(get $R.5.1.3.1)"
mt_wait_for "mtastatLinesRead = $((n + 1)) in the history" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.4.0)\" = $((n + 1)) ]"
mt_log "ok: the new file counted once: $((n + 1)) lines in the history"
