#!/bin/sh
# bench/catchup.sh [LOG]: mtastatd catching up LOG (default
# bench/out/maillog-10000000, made by bench/ingest.sh) from an empty history
# through a private snmpd, while GETs of mtastatLinesRead.0 are timed two
# ways: from one UDP socket every 20 ms (bench/snmpping.py: the agent's
# latency) and by an snmpget process every 100 ms (what earlier runs
# measured, ~13 ms of process start included).  Prints both latencies, the
# catch-up time, the loop's longest turn and its turns over 20 ms (mtastatd
# -D watch), with /proc/loadavg.  Run by hand, never in CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$top top_builddir=${BUILD:-$top/build}
. "$top/tests/integration/lib.sh"
mt_init
R=.1.3.6.1.4.1.8072.9999.9999.25
big=${1:-$top/bench/out/maillog-10000000}
[ -f "$big" ] || { echo "no $big: run bench/ingest.sh first"; exit 1; }
total=$(wc -l < "$big")
{ cat "$top/bench/mtastat.conf"; printf 'database %s/big.db\nlogfile %s\n' "$MT_TMP" "$big"; } > "$MT_TMP/big.conf"
mt_start_snmpd
echo "load before: $(cat /proc/loadavg)"
start=$(date +%s%N)
mt_start_mtastatd "$MT_TMP/big.conf" -D watch,model
mt_wait_registered
/usr/bin/python3 "$top/bench/snmpping.py" "127.0.0.1:$MT_SNMP_PORT" "$R.1.1.4.0" 20 "$MT_TMP/stop" "$MT_TMP/udp.txt" &
ping=$!
: > "$MT_TMP/lat.txt"
while :; do
	s=$(date +%s%N)
	v=$(snmpget -v2c -c public -On -Oqv -t 5 -r 0 "127.0.0.1:$MT_SNMP_PORT" $R.1.1.4.0)
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 )) >> "$MT_TMP/lat.txt"
	[ "$v" = "$total" ] && break
	sleep 0.1
done
end=$(date +%s%N)
echo "load after:  $(cat /proc/loadavg)"
touch "$MT_TMP/stop"
wait $ping
kill "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" 2>/dev/null
stats() { # stats FILE LABEL
	grep -v timeout "$1" | sort -n > "$1.sorted"
	n=$(wc -l < "$1.sorted")
	awk -v n="$n" -v label="$2" -v to="$(grep -c timeout "$1")" '
		{ v[NR] = $1 }
		END { printf "%s: %d requests, median %.1f ms, p99 %.1f ms, max %.1f ms, %d timeout(s)\n",
		    label, n, v[int(n / 2) + 1] / 1000, v[int((n * 99 + 99) / 100)] / 1000, v[n] / 1000, to }' "$1.sorted"
}
echo "catch-up of $total lines: $(( (end - start) / 1000000 )) ms"
stats "$MT_TMP/udp.txt" "GET from one socket every 20 ms"
stats "$MT_TMP/lat.txt" "snmpget process every 100 ms"
grep "longest loop turn" "$MT_TMP/mtastatd.log" | sed 's/.*\] //'
echo "turns over 20 ms, by kind:"
sed -n 's/.*long loop turn: \([0-9]*\) us, cpu \([0-9]*\) us (\(.*\))/\3|\1|\2/p' "$MT_TMP/mtastatd.log" | \
	awk -F'|' '{ n[$1]++; if ($2 > m[$1]) m[$1] = $2; if ($3 > c[$1]) c[$1] = $3 }
	    END { for (k in n) printf "  %s: %d, longest %.1f ms, the most CPU in one %.1f ms\n", k, n[k], m[k] / 1000, c[k] / 1000 }'
echo "parts of long turns over 10 ms:"
sed -n 's/.*long loop turn part: \([0-9]*\) us (\(.*\))/\2|\1/p' "$MT_TMP/mtastatd.log" | \
	awk -F'|' '{ n[$1]++; if ($2 > m[$1]) m[$1] = $2 } END { for (k in n) printf "  %s: %d, longest %.1f ms\n", k, n[k], m[k] / 1000 }'
sed -n 's/.*account rows: \([0-9]*\) put in the table, \([0-9]*\) waiting/\1 \2/p' "$MT_TMP/mtastatd.log" | \
	awk '{ n++; in_ += $1; if ($2 > w) w = $2 } END { printf "account rows put in on later turns: %d turn(s), %d rows, at most %d waiting after one\n", n, in_, w }'
echo "day changes:"
grep -E "accounts for day" "$MT_TMP/mtastatd.log" | sed 's/.*\] /  /' | head -20
