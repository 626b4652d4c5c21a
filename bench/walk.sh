#!/bin/sh
# bench/walk.sh [N...]: walking mtastatAccountTable (N accounts, served by
# mtastatd over AgentX) against a table snmpd serves in-process with no
# linear lookup: nsExtendOutLine, the N output lines of one `extend` (one
# column, indexed by the extend's name and the line number).  For each:
# a single-column GETBULK walk, and for the account table also snmptable
# (GETBULK with every column in each request, what NMS pollers do) and the
# whole-table walk column after column.  Per walk: wall time, varbinds, and
# the CPU time snmpd and mtastatd spent (from /proc/PID/stat), and the
# AgentX messages mtastatd read (recvmsg/read calls, strace -c).  Run by
# hand, never in CI; default N: 10000 100000.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$top top_builddir=${BUILD:-$top/build}
. "$top/tests/integration/lib.sh"
mt_init
R=.1.3.6.1.4.1.8072.9999.9999.25
A=$R.1.3.1                           # mtastatAccountEntry
X=.1.3.6.1.4.1.8072.1.3.2.4.1.2.3.98.105.103   # nsExtendOutLine."big"
REPS=${REPS:-50}
MIBOPT="-M +$top/mib:$top/mibs-ietf -m MTASTAT-MIB"
HZ=$(getconf CLK_TCK)

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
snmpd_pid() { cat "$MT_TMP/snmpd.pid"; }
run() { # run LABEL ROWS CMD...: one measured walk, then the same under strace -c
	label=$1 rows=$2
	shift 2
	a0=$(cpu "$(snmpd_pid)") m0=$(cpu "$MT_MTASTATD_PID")
	s=$(date +%s%N)
	v=$("$@" 2>/dev/null | grep -c .)
	e=$(date +%s%N)
	a1=$(cpu "$(snmpd_pid)") m1=$(cpu "$MT_MTASTATD_PID")
	# the messages mtastatd reads (strace slows it: a run of its own, small tables only)
	msgs=-
	if [ "$rows" -le 10000 ]; then
		strace -c -f -e trace=read,recvmsg,recvfrom -o "$MT_TMP/strace.txt" -p "$MT_MTASTATD_PID" 2>/dev/null &
		st=$!
		sleep 0.5
		"$@" > /dev/null 2>&1
		kill -INT $st; wait $st 2>/dev/null
		msgs=$(awk '$NF == "read" || $NF == "recvmsg" || $NF == "recvfrom" { n += $4 } END { print n + 0 }' "$MT_TMP/strace.txt")
	fi
	awk -v l="$label" -v r="$rows" -v v="$v" -v ns=$((e - s)) -v sa=$((a1 - a0)) -v sm=$((m1 - m0)) -v hz="$HZ" -v m="$msgs" 'BEGIN {
		s = ns / 1e9
		printf "%-36s %7d %8d %8.2f %7.1f %8.1f %8.1f %8s\n", l, r, v, s, (v ? s * 1e6 / v : 0),
		    (v ? sa / hz * 1e6 / v : 0), (v ? sm / hz * 1e6 / v : 0), m }'
}

printf '%-36s %7s %8s %8s %7s %8s %8s %8s\n' walk rows varbinds seconds "us/vb" "snmpd" "mtastatd" "agentx"
printf '%-36s %7s %8s %8s %7s %8s %8s %8s\n' "" "" "" "" "" "us/vb" "us/vb" "reads"
for n in ${*:-10000 100000}; do
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) {
		q = sprintf("%010X", i + 1)
		printf "Nov 17 09:%02d:%02d mx postfix/submission/smtpd[1]: %s: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=acct%d@corp.example\n", i / 60 % 60, i % 60, q, i
		printf "Nov 17 09:%02d:%02d mx postfix/qmgr[2]: %s: from=<acct%d@corp.example>, size=100, nrcpt=1 (queue active)\n", i / 60 % 60, i % 60, q, i
		printf "Nov 17 09:%02d:%02d mx postfix/smtp[3]: %s: to=<r@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n", i / 60 % 60, i % 60, q
		printf "Nov 17 09:%02d:%02d mx postfix/qmgr[2]: %s: removed\n", i / 60 % 60, i % 60, q } }' > "$MT_TMP/maillog-$n"
	touch -d "2026-11-17 12:00:00" "$MT_TMP/maillog-$n"
	# snmpd 5.9.3 exits at the first request for a 100,000-line extend: 10,000 at most
	x=$((n < ${EXTEND_MAX:-10000} ? n : ${EXTEND_MAX:-10000}))
	awk -v n="$x" 'BEGIN { for (i = 0; i < n; i++) printf "%d\n", i }' > "$MT_TMP/lines-$n"
	printf 'database %s/h-%s.db\nlogfile %s/maillog-%s\nlocaldomain corp.example\n' "$MT_TMP" "$n" "$MT_TMP" "$n" > "$MT_TMP/mtastat-$n.conf"
	MT_SNMP_PORT=$(mt_free_port udp)
	MT_AGENTX="$MT_TMP/agentx.sock"
	{
		echo "agentAddress udp:127.0.0.1:$MT_SNMP_PORT"
		echo "master agentx"
		echo "agentXSocket $MT_AGENTX"
		echo "rocommunity public 127.0.0.1"
		echo "extend big /bin/cat $MT_TMP/lines-$n"
	} > "$MT_TMP/snmpd.conf"
	MT_WAIT=120 mt_snmpd_run
	mt_start_mtastatd "$MT_TMP/mtastat-$n.conf"
	mt_wait_registered
	MT_WAIT=300 mt_wait_for "the accounts" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.1.4.0)\" = $((n * 4)) ]"
	snmpbulkwalk -v2c -c public -On -Oq -t 30 -r 0 "127.0.0.1:$MT_SNMP_PORT" "$X" > /dev/null  # the extend runs once
	q="-v2c -c public -On -Oq -t 30 -r 0"
	run "nsExtendOutLine (native), 1 column" "$x" snmpbulkwalk $q -Cr$REPS "127.0.0.1:$MT_SNMP_PORT" "$X"
	run "mtastatAccountName, 1 column" "$n" snmpbulkwalk $q -Cr$REPS "127.0.0.1:$MT_SNMP_PORT" "$A.2"
	# snmptable prints a row per line (-CH: no header): its varbinds are rows x 8 columns
	run "mtastatAccountTable, snmptable (rows)" "$n" env MIBS= snmptable $MIBOPT -v2c -c public -t 30 -r 0 -Cr $REPS -CH -Cf , "127.0.0.1:$MT_SNMP_PORT" MTASTAT-MIB::mtastatAccountTable
	run "mtastatAccountTable, column by column" "$n" snmpbulkwalk $q -Cr$REPS "127.0.0.1:$MT_SNMP_PORT" "$R.1.3"
	kill "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID" 2>/dev/null
	mt_stop_snmpd
done
echo "load: $(cat /proc/loadavg)"
