#!/bin/sh
# mtastatd killed with SIGKILL while its writer thread is inside a commit
# (the reader already reading the next batch), again and again while it
# catches up a generated log: once it has read everything, the history holds
# exactly genlog's true counts, nothing lost and nothing counted twice.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
LOG="$MT_TMP/mail.log"
"$top_builddir/genlog" --seed 5 --lines 400000 --accounts 2000 --format rfc3339 \
	--expect "$MT_TMP/expect.json" > "$LOG" 2>/dev/null || mt_fail "genlog failed"
total=$(wc -l < "$LOG")
{ cat "$top_srcdir/bench/mtastat.conf"; cat <<CONF; } > "$MT_TMP/mtastat.conf"
database      $MT_TMP/history.db
logfile       $LOG postfix
CONF

mt_start_snmpd

# The writer logs (-D store) "writing a batch" before its transaction and
# "... written" after it: a kill while the last of these says "writing" lands
# inside a commit.
last_batch() { grep -E 'a batch of [0-9]+ line' "$MT_TMP/mtastatd.log" | tail -n 1; }
mid=0 tries=0
while [ $mid -lt 3 ] && [ $tries -lt 30 ]; do
	tries=$((tries + 1))
	: > "$MT_TMP/mtastatd.log"
	mt_start_mtastatd "$MT_TMP/mtastat.conf" -D store
	n=0
	while [ $n -lt 2000 ]; do
		case $(last_batch) in *"writing a batch"*) break ;; esac
		n=$((n + 1))
	done
	kill -9 "$MT_MTASTATD_PID" 2>/dev/null
	wait "$MT_MTASTATD_PID" 2>/dev/null
	case $(last_batch) in
	*"writing a batch"*) mid=$((mid + 1)); mt_log "kill $tries: inside a commit ($(last_batch | sed 's/.*writing //'))" ;;
	*) mt_log "kill $tries: between commits" ;;
	esac
done
[ $mid -ge 3 ] || mt_fail "only $mid of $tries kills landed inside a commit"

: > "$MT_TMP/mtastatd.log"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "mtastatLinesRead = $total" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $total ]"
kill "$MT_MTASTATD_PID"
wait "$MT_MTASTATD_PID" 2>/dev/null
"$top_builddir/mtastat" report --json --db "$MT_TMP/history.db" > "$MT_TMP/report.json"
out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect.json" "$MT_TMP/report.json") \
	|| mt_fail "after $tries kills ($mid inside a commit) the history differs from the true counts:
$out"
mt_log "ok: $tries kill(s), $mid inside a commit: $(echo "$out" | tail -n 1)"
