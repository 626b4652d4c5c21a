#!/bin/sh
# bench/snmp.sh [N...]: snmpbulkwalk of mtastatAccountTable with N accounts
# (default 10000 100000) through one private snmpd, against a pass_persist
# script serving the same rows and snmpd's own nsExtendConfigTable (N extend
# rows, a native table); varbinds/s and ratios.  Then snmpget latency while
# mtastatd catches up a big backlog.  Run by hand.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sizes=${*:-10000 100000}
top_srcdir=$top top_builddir=$top/build
. "$top/tests/integration/lib.sh"
mt_init
R=.1.3.6.1.4.1.8072.9999.9999.25
P=.1.3.6.1.4.1.8072.9999.9999.26   # the pass_persist peer's subtree

bulkwalk() { # bulkwalk OID -> "varbinds seconds"
	s=$(date +%s.%N)
	n=$(snmpbulkwalk -v2c -c public -On -Oq -Cr100 -t 20 -r 0 "127.0.0.1:$MT_SNMP_PORT" "$1" | wc -l)
	e=$(date +%s.%N)
	echo "$n $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')"
}
report() { # report NAME N VARBINDS SECONDS
	printf '%-22s %8s %10s %8s %12s %10s\n' "$1" "$2" "$3" "$4" \
		"$(awk -v v="$3" -v s="$4" 'BEGIN { printf "%.0f", (s > 0 ? v / s : 0) }')" \
		"$(awk -v v="$3" -v s="$4" 'BEGIN { printf "%.1f", (v > 0 ? s * 1e6 / v : 0) }')"
}

printf '%-22s %8s %10s %8s %12s %10s\n' table rows varbinds seconds varbinds/s "us/varbind"
for n in $sizes; do
	# a log where n accounts each relay once today
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) {
		q = sprintf("%010X", i + 1)
		printf "Nov 17 09:%02d:%02d mx postfix/submission/smtpd[1]: %s: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=acct%d@corp.example\n", i / 60 % 60, i % 60, q, i
		printf "Nov 17 09:%02d:%02d mx postfix/qmgr[2]: %s: from=<acct%d@corp.example>, size=100, nrcpt=1 (queue active)\n", i / 60 % 60, i % 60, q, i
		printf "Nov 17 09:%02d:%02d mx postfix/smtp[3]: %s: to=<r@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n", i / 60 % 60, i % 60, q
		printf "Nov 17 09:%02d:%02d mx postfix/qmgr[2]: %s: removed\n", i / 60 % 60, i % 60, q } }' > "$MT_TMP/maillog-$n"
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "acct%d@corp.example 1\n", i }' > "$MT_TMP/rows-$n"
	touch -d "2026-11-17 12:00:00" "$MT_TMP/maillog-$n"
	printf 'database %s/h-%s.db\nlogfile %s/maillog-%s\nlocaldomain corp.example\n' "$MT_TMP" "$n" "$MT_TMP" "$n" > "$MT_TMP/mtastat-$n.conf"
	# snmpd with the pass_persist peer and n extend rows (never run: config only)
	MT_SNMP_PORT=$(mt_free_port udp)
	MT_AGENTX="$MT_TMP/agentx.sock"
	{
		echo "agentAddress udp:127.0.0.1:$MT_SNMP_PORT"
		echo "master agentx"
		echo "agentXSocket $MT_AGENTX"
		echo "rocommunity public 127.0.0.1"
		echo "pass_persist $P /usr/bin/python3 $top/bench/passpersist.py $P $MT_TMP/rows-$n"
		# snmpd needs minutes to start with 100k extend lines: 10k rows at most
		awk -v n="$n" 'BEGIN { for (i = 0; i < (n < 10000 ? n : 10000); i++) printf "extend e%d /bin/true\n", i }'
	} > "$MT_TMP/snmpd.conf"
	MT_WAIT=120 mt_snmpd_run
	mt_start_mtastatd "$MT_TMP/mtastat-$n.conf"
	mt_wait_registered
	lines=$((n * 4))
	MT_WAIT=300 mt_wait_for "the accounts" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = $lines ]"
	set -- $(bulkwalk $R.1.3); report mtastatAccountTable "$n" "$1" "$2"
	set -- $(bulkwalk $P); report pass_persist "$n" "$1" "$2"
	set -- $(bulkwalk .1.3.6.1.4.1.8072.1.3.2.2); report nsExtendConfigTable "$n" "$1" "$2"
	kill "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" 2>/dev/null
	mt_stop_snmpd
done

# snmpget latency while a 10M-line backlog is caught up
big="$top/bench/out/maillog-10000000"
if [ -f "$big" ]; then
	printf '\nsnmpget of mtastatLinesRead.0 while catching up %s:\n' "$(basename "$big")"
	printf 'database %s/big.db\nlogfile %s\nlocaldomain corp.example\nlocaldomain mail.example\ncontentfilter 127.0.0.1:10024\n' "$MT_TMP" "$big" > "$MT_TMP/big.conf"
	{
		echo "agentAddress udp:127.0.0.1:$MT_SNMP_PORT"
		echo "master agentx"
		echo "agentXSocket $MT_AGENTX"
		echo "rocommunity public 127.0.0.1"
	} > "$MT_TMP/snmpd.conf"
	mt_snmpd_run
	catchup_start=$(date +%s)
	mt_start_mtastatd "$MT_TMP/big.conf"
	mt_wait_registered
	: > "$MT_TMP/lat.txt"
	total=$(wc -l < "$big")
	while :; do
		s=$(date +%s%N)
		v=$(snmpget -v2c -c public -On -Oqv -t 5 -r 0 "127.0.0.1:$MT_SNMP_PORT" $R.1.1.4.0)
		e=$(date +%s%N)
		echo $(( (e - s) / 1000 )) >> "$MT_TMP/lat.txt"
		[ "$v" = "$total" ] && break
		sleep 0.05
	done
	sort -n "$MT_TMP/lat.txt" > "$MT_TMP/lat.sorted"
	n=$(wc -l < "$MT_TMP/lat.sorted")
	med=$(sed -n "$(( n / 2 + 1 ))p" "$MT_TMP/lat.sorted")
	p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$MT_TMP/lat.sorted")
	max=$(tail -n 1 "$MT_TMP/lat.sorted")
	echo "  $n requests: median $((med / 1000)) ms, p99 $((p99 / 1000)) ms, max $((max / 1000)) ms"
	echo "  catch-up of $total lines took $(( $(date +%s) - catchup_start )) s"
else
	echo "(no $big: run bench/ingest.sh first for the catch-up latency)"
fi
