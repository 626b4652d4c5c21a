#!/bin/sh
# Every column of every table answers GET and GETNEXT in every state of the
# daemon, through a real snmpd, and the daemon survives it: an empty history,
# in the middle of a catch-up, a catch-up that ends exactly on a commit, after
# a day change and after SIGHUP.  (A GET of mtastatIndicatorName.1 on an empty
# history used to kill mtastatd with SIGSEGV.)
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

R=.1.3.6.1.4.1.8072.9999.9999.25.1
LOG="$MT_TMP/mail.log"
: > "$LOG"
touch -d "2026-11-04 23:59:00" "$LOG"   # BSD lines take their year from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $LOG postfix
localdomain   corp.example
localdomain   mail.example
contentfilter 127.0.0.1:10024
commitlines   20000
CONF

NAMES="SMTP_RECVD_MSGS SMTP_SENT_MSGS SMTP_RELAY_MSGS SMTP_RECVD_MSGS_W SMTP_SENT_MSGS_W SMTP_RELAY_MSGS_W SMTP_DEFERRED_MSGS SMTP_BOUNCED_RCPTS SMTP_REJECTED SMTP_AUTH_FAILED SMTP_DELAY_P95 SMTP_BROKEN_SESSIONS SMTP_TLS_PLAIN_SHARE"

snmp() { "$@" -v2c -c public -t 2 -r 1 -On "127.0.0.1:$MT_SNMP_PORT"; }
get() { snmpget -v2c -c public -t 2 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
alive() { kill -0 "$MT_MTASTATD_PID" 2>/dev/null || mt_fail "$1: mtastatd died"; }

# check_all STATE: walk the tables, then GET every cell the walk returned,
# fifty at a time; every row has every column; the daemon is still there.
check_all() {
	state=$1
	walk="$MT_TMP/walk.$state"
	snmpwalk -v2c -c public -t 2 -r 1 -On "127.0.0.1:$MT_SNMP_PORT" "$R" > "$walk" 2>&1 ||
		mt_fail "$state: walk failed: $(tail -n 3 "$walk")"
	alive "$state: walk"
	grep -q "No Such\|No more variables\|Timeout" "$walk" && mt_fail "$state: walk: $(grep -m1 "No Such\|Timeout" "$walk")"
	for t in 2 3 4 5; do
		rows=$(grep -c "^$R\.$t\.1\.2\." "$walk")
		# while catching up, accounts come in between the columns' walks, at
		# an index from their name (anywhere in the table): GET checks them below
		[ "$state" = catching-up ] && [ "$t" = 3 ] && continue
		for col in $(sed -n "s/^$R\.$t\.1\.\([0-9]*\)\..*/\1/p" "$walk" | sort -un); do
			n=$(grep -c "^$R\.$t\.1\.$col\." "$walk")
			[ "$n" -eq "$rows" ] || mt_fail "$state: table $t column $col has $n rows, the name column $rows"
		done
	done
	mt_expect "$state: indicator rows" 13 "$(grep -c "^$R\.2\.1\.2\." "$walk")"
	mt_expect "$state: indicator columns" 11 "$(sed -n "s/^$R\.2\.1\.\([0-9]*\)\.1 = .*/\1/p" "$walk" | wc -l)"
	awk '{print $1}' "$walk" > "$walk.oids"
	cells=$(wc -l < "$walk.oids")
	split -l 50 "$walk.oids" "$walk.part."
	for part in "$walk.part."*; do
		snmpget -v2c -c public -t 2 -r 1 -On "127.0.0.1:$MT_SNMP_PORT" $(cat "$part") > "$part.out" 2>&1 ||
			mt_fail "$state: GET failed: $(tail -n 3 "$part.out")"
		grep -q "No Such" "$part.out" && mt_fail "$state: GET: $(grep -m1 "No Such" "$part.out")"
	done
	got=$(cat "$walk.part."*.out | wc -l)
	mt_expect "$state: cells answered by GET" "$cells" "$got"
	rm -f "$walk.part."*
	alive "$state: GET"
	i=1
	for name in $NAMES; do
		mt_expect "$state: mtastatIndicatorName.$i" "\"$name\"" "$(get $R.2.1.2.$i)"
		st=$(get $R.2.1.10.$i)
		case "$st" in 1|2|3|4) ;; *) mt_fail "$state: mtastatIndicatorStatus.$i = '$st'" ;; esac
		i=$((i + 1))
	done
	mt_log "ok: $state: $cells cells walked and read back"
}

wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.1.4.0)\" = $1 ]"
}

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered

# 1. An empty history: the crash.
mt_expect "empty: mtastatIndicatorName.1" '"SMTP_RECVD_MSGS"' "$(get $R.2.1.2.1)"
alive "empty: GET mtastatIndicatorName.1"
mt_expect "empty: mtastatIndicatorStatus.1 (insufficient data)" 4 "$(get $R.2.1.10.1)"
check_all empty

# 2. A backlog of 600,000 lines, read while we walk.
"$top_builddir/genlog" --seed 11 --lines 600000 --accounts 50 --days 3 --start 2026-11-02 \
	--expect "$MT_TMP/big.json" > "$MT_TMP/big.log" 2>/dev/null || mt_fail "genlog failed"
cat "$MT_TMP/big.log" >> "$LOG"
before=$(get $R.1.4.0)
check_all catching-up
after=$(get $R.1.4.0)
[ "$before" -lt 600000 ] || mt_fail "the backlog was read before the walk began: not a catch-up"
mt_log "ok: walked while catching up ($before .. $after of 600000 lines read)"
wait_lines 600000

# 3. A backlog that ends exactly on a commit (40,000 lines, commits every
# 20,000): the indicators must still be judged once the catch-up is over.
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"
rm -f "$MT_TMP/history.db" "$MT_TMP/history.db-wal" "$MT_TMP/history.db-shm"
"$top_builddir/genlog" --seed 12 --lines 40000 --accounts 50 --days 3 --start 2026-11-02 \
	--expect "$MT_TMP/exact.json" > "$LOG" 2>/dev/null || mt_fail "genlog failed"
touch -d "2026-11-04 23:59:00" "$LOG"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
wait_lines 40000
today=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"]["2026-11-04"]["received"])' "$MT_TMP/exact.json")
mt_wait_for "mtastatIndicatorToday.1 = $today" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.2.1.3.1)\" = $today ]"
mt_expect "catch-up ended on a commit: SMTP_RECVD_MSGS today" "$today" "$(get $R.2.1.3.1)"
check_all caught-up
acct_rows=$(grep -c "^$R\.3\.1\.2\." "$MT_TMP/walk.caught-up")
[ "$acct_rows" -gt 0 ] || mt_fail "no account rows after the catch-up"
# column sums of the account table (3 relayed today, 5 relayed yesterday)
colsum() { awk -v p="^$R.3.1.$2." '$1 ~ p {s += $NF} END {print s + 0}' "$MT_TMP/walk.$1"; }
relayed_on() {
	$PY -c 'import json,sys; print(sum(a["relayed"] for a in json.load(open(sys.argv[1]))["accounts"].get(sys.argv[2], {}).values()))' "$MT_TMP/exact.json" "$1"
}
mt_expect "caught-up: relayed today over all accounts" "$(relayed_on 2026-11-04)" "$(colsum caught-up 3)"
mt_expect "caught-up: relayed yesterday over all accounts" "$(relayed_on 2026-11-03)" "$(colsum caught-up 5)"

# 4. A day change: accounts are reloaded for the new day.
printf 'Nov  5 00:00:01 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 no; from=<a@b.example> to=<c@corp.example> proto=ESMTP helo=<x>\n' >> "$LOG"
wait_lines 40001
mt_wait_for "SMTP_REJECTED today = 1 after the day change" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $R.2.1.3.9)\" = 1 ]"
check_all day-change
mt_expect "day-change: relayed today over all accounts" 0 "$(colsum day-change 3)"
mt_expect "day-change: relayed yesterday over all accounts" "$(relayed_on 2026-11-04)" "$(colsum day-change 5)"

# 5. After SIGHUP.
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the reload in the log" grep -q "SIGHUP" "$MT_TMP/mtastatd.log"
mt_wait_registered
check_all after-sighup
mt_expect "after SIGHUP: SMTP_REJECTED today" 1 "$(get $R.2.1.3.9)"
