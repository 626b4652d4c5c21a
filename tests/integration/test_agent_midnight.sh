#!/bin/sh
# The account table across midnight: mtastatd reads an 8-day genlog log as
# a backlog, rolling its account rows over in memory at every day change
# (today's counts become yesterday's, the usual day of the new day is read
# by the writer thread).  After a restart the rows are loaded from the
# history instead: every column of every row must be the same.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
A=.1.3.6.1.4.1.8072.9999.9999.25.1.3.1   # mtastatAccountEntry
LOG="$MT_TMP/mail.log"
"$top_builddir/genlog" --seed 3 --lines 100000 --days 8 --accounts 150 --format rfc3339 \
	--expect "$MT_TMP/expect.json" > "$LOG" 2>/dev/null || mt_fail "genlog failed"
total=$(wc -l < "$LOG")
{ cat "$top_srcdir/bench/mtastat.conf"; cat <<CONF; } > "$MT_TMP/mtastat.conf"
database      $MT_TMP/history.db
logfile       $LOG postfix
mindays       3
commitlines   1000
CONF

mt_start_snmpd
table() { # table OUT: the account columns that change with the day
	for c in 2 3 4 5 8 9; do
		snmpwalk -v2c -c public -t 5 -r 0 -On -Oq "127.0.0.1:$MT_SNMP_PORT" "$A.$c"
	done | sort > "$1"
}
run() { # run OUT
	mt_start_mtastatd "$MT_TMP/mtastat.conf" -D model
	mt_wait_registered
	mt_wait_for "mtastatLinesRead = $total" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $total ]"
	table "$1"
	kill "$MT_MTASTATD_PID"
	wait "$MT_MTASTATD_PID" 2>/dev/null
}
run "$MT_TMP/rolled.txt"
rolled=$(grep -c "rolled over" "$MT_TMP/mtastatd.log")
[ "$rolled" -ge 4 ] || mt_fail "only $rolled day changes rolled over in memory"
run "$MT_TMP/loaded.txt"
rows=$(grep -c "^$A.2\." "$MT_TMP/loaded.txt")
[ "$rows" -ge 100 ] || mt_fail "only $rows account rows after the restart"
# the running daemon keeps rows of accounts quiet for the whole window; the
# restarted one loads those with relays in it: compare the rows both have
join "$MT_TMP/rolled.txt" "$MT_TMP/loaded.txt" > "$MT_TMP/both.txt"
[ "$(wc -l < "$MT_TMP/both.txt")" -eq "$(wc -l < "$MT_TMP/loaded.txt")" ] \
	|| mt_fail "rows after the restart that the running daemon did not have"
awk '$2 != $3 { print; bad = 1 } END { exit bad }' "$MT_TMP/both.txt" > "$MT_TMP/diff.txt" \
	|| mt_fail "rolled-over rows differ from the history's: $(head -5 "$MT_TMP/diff.txt")"
usual=$(awk -v a="$A.8." 'index($1, a) == 1 && $2 != "0.00" && $2 != 0' "$MT_TMP/both.txt" | wc -l)
yday=$(awk -v a="$A.5." 'index($1, a) == 1 && $2 != 0' "$MT_TMP/both.txt" | wc -l)
[ "$usual" -ge 50 ] && [ "$yday" -ge 50 ] || mt_fail "too few rows to tell: usual $usual, yesterday $yday"
mt_log "ok: $rolled day changes in memory; $rows rows ($yday with relays yesterday, $usual with a usual day) equal the history's"
