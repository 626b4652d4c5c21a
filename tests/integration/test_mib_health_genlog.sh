#!/bin/sh
# Mail-flow health at volume: mtastatd reads a 6-day genlog log (every reply,
# session-end and TLS shape genlog writes) as a backlog in many batches,
# crossing midnight five times; then its reply, broken-session, delay and TLS
# rows of the last two days, the MTA-MIB's error counts and accumulated
# associations of the whole history equal `mtastat report --json` on the
# same history.  After a restart (the days before yesterday now come from
# one query at start) they still do.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
MT_SNMPD_EXCLUDE=,mta_sendmail   # docs/standard-mibs.md

M=.1.3.6.1.4.1.8072.9999.9999.25.1
LOG="$MT_TMP/mail.log"
"$top_builddir/genlog" --seed 5 --lines 60000 --days 6 --start 2026-11-02 --format rfc3339 \
	> "$LOG" 2>/dev/null || mt_fail "genlog failed"
total=$(wc -l < "$LOG")
{ cat "$top_srcdir/bench/mtastat.conf"; cat <<CONF; } > "$MT_TMP/mtastat.conf"
database      $MT_TMP/history.db
logfile       $LOG postfix
commitlines   1000
CONF

walk() { snmpwalk -v2c -c public -t 5 -r 0 -On -Oqe "127.0.0.1:$MT_SNMP_PORT" "$@"; }
compare() { # WHAT
	last=$($PY -c 'import json,sys; print(max(json.load(sys.stdin)["days"]))' < "$MT_TMP/r_range.json")
	before=$($PY -c 'import datetime,sys; print(datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=1))' "$last")
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --top 100000 --day "$last" > "$MT_TMP/r_today.json"
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --top 100000 --day "$before" > "$MT_TMP/r_yest.json"
	walk $M.6 > "$MT_TMP/w_reply"
	walk $M.7 > "$MT_TMP/w_broken"
	walk $M.8 > "$MT_TMP/w_delay"
	walk $M.9 > "$MT_TMP/w_tls"
	walk .1.3.6.1.2.1.28.5 > "$MT_TMP/w_err"
	walk .1.3.6.1.2.1.27.1.1 > "$MT_TMP/w_appl"
	$PY "$top_srcdir/tests/integration/mib_health_compare.py" "$MT_TMP" "$M" ||
		mt_fail "$1: the MIB differs from report --json (above)"
	mt_log "ok: $1: $(grep -c "^$M.6.1.5." "$MT_TMP/w_reply") reply rows, $(grep -c "^$M.7.1.2." "$MT_TMP/w_broken") causes ($last, $before), $(wc -l < "$MT_TMP/w_err") error rows of the history equal report --json"
}
run() { # WHAT
	mt_start_mtastatd "$MT_TMP/mtastat.conf"
	mt_wait_registered
	mt_wait_for "mtastatLinesRead = $total" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $M.1.4.0)\" = $total ]"
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --top 100000 \
		--from 2026-11-01 --to 2026-11-30 > "$MT_TMP/r_range.json"
	compare "$1"
}

mt_start_snmpd
run "read as a backlog"
[ "$(grep -c "^$M.6.1.5." "$MT_TMP/w_reply")" -ge 10 ] || mt_fail "too few reply rows to tell"
[ "$(wc -l < "$MT_TMP/w_err")" -ge 5 ] || mt_fail "too few error rows to tell"
cp "$MT_TMP/w_err" "$MT_TMP/w_err.1"
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"; rc=$?
mt_expect "mtastatd exit status on SIGTERM" 0 "$rc"
run "after a restart"
cmp -s "$MT_TMP/w_err.1" "$MT_TMP/w_err" || mt_fail "mtaGroupErrorTable changed across the restart"
mt_log "ok: mtaGroupErrorTable the same across the restart"
