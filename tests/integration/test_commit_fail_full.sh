#!/bin/sh
# The history on a full disk (a 2 MiB tmpfs, so root only; skipped otherwise):
# mtastatd's commits fail, SNMP answers, the totals stay at what is committed,
# the failure is logged and notified once; when space is freed every line is
# committed exactly once.  Then `mtastat import` on the full disk says
# "database full" against the database, exits non-zero, and counts everything
# once when run again with space.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
command -v sqlite3 >/dev/null || { mt_log "SKIP: no sqlite3 CLI (scripts/deps.sh installs it)"; exit 77; }
[ "$(id -u)" = 0 ] || { mt_log "SKIP: mounting a 2 MiB tmpfs for a full disk needs root"; exit 77; }
DISK="$MT_TMP/disk"
mkdir "$DISK"
mount -t tmpfs -o size=2m tmpfs "$DISK" 2>/dev/null || { mt_log "SKIP: cannot mount a tmpfs here"; exit 77; }
# the daemons keep files open on it: stop them before it goes
full_cleanup() {
	rc=$?
	for pid in $MT_PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $MT_PIDS; do wait "$pid" 2>/dev/null; done
	umount "$DISK" 2>/dev/null || umount -l "$DISK"
	(exit $rc)
	mt_cleanup
}
trap full_cleanup EXIT

R=.1.3.6.1.4.1.8072.9999.9999.25
S=$R.1.1
LOG="$MT_TMP/mail.log"
DB="$DISK/history.db"
cp "$top_srcdir/tests/fixtures/definitions.log" "$LOG"
touch -d "2026-11-03 12:00:00" "$LOG"
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $DB
logfile       $LOG postfix
localdomain   example.test
contentfilter 127.0.0.1:10024
CONF

# gen N DAY: N relayed messages of distinct accounts to distinct domains (5
# lines each: 1 received, 2 delivered and relayed), rows enough to need space.
gen() {
	awk -v n="$1" -v day="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			q = sprintf("%X", 4026531840 + day * 65536 + i)
			t = sprintf("Nov %2d 02:%02d:%02d mx postfix", day, int(i / 60) % 60, i % 60)
			print t "/submission/smtpd[9]: " q ": client=c[192.0.2.9], sasl_method=PLAIN, sasl_username=user" i
			print t "/qmgr[2]: " q ": from=<user" i "@example.test>, size=100, nrcpt=2 (queue active)"
			for (r = 0; r < 2; r++)
				print t "/smtp[3]: " q ": to=<r" r "x" i "@far" i ".example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)"
			print t "/qmgr[2]: " q ": removed"
		}
	}'
}
fill() { dd if=/dev/zero of="$DISK/fill" bs=4k 2>/dev/null; sync; }
v() { snmpget -v2c -c public -t 1 -r 0 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
wait_lines() {
	mt_wait_for "mtastatLinesRead = $1" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $1 ]"
}
traps() { grep -c "$R.0.$1\b" "$MT_TMP/traps.log"; }
log_count() { grep -c "$1" "$MT_TMP/mtastatd.log"; }
N=300

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
wait_lines 42

fill
gen $N 3 >> "$LOG"
mt_wait_for "the failure in the log" grep -q "history not written: database full" "$MT_TMP/mtastatd.log"
mt_wait_for "mtastatHistoryWriteFailed at snmptrapd" grep -q "$R.0.6\b" "$MT_TMP/traps.log"
grep "$R.0.6\b" "$MT_TMP/traps.log" | grep -q "$S.16.0 = STRING: \"database full (database or disk is full)\"" \
	|| mt_fail "no cause in: $(grep "$R.0.6\b" "$MT_TMP/traps.log")"
mt_wait_for "three failed commits" sh -c "[ \"\$(snmpget -v2c -c public -t 1 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.15.0)\" -ge 3 ]"
t0=$(date +%s%N)
got=$(v 4) || mt_fail "mtastatLinesRead did not answer within 1 s on the full disk"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
mt_expect "mtastatLinesRead on the full disk (committed only, ${ms} ms)" 42 "$got"
mt_expect "mtastatRelayedTotal on the full disk" 5 "$(v 8)"
mt_expect "mtastatHistoryState on the full disk (failing)" 2 "$(v 14)"

# Space again: the batch kept in memory, and the lines not read meanwhile, once.
rm -f "$DISK/fill"
wait_lines $((42 + 5 * N))
mt_wait_for "mtastatHistoryWriteResumed at snmptrapd" grep -q "$R.0.7\b" "$MT_TMP/traps.log"
mt_expect "mtastatReceivedTotal after the full disk" $((4 + N)) "$(v 6)"
mt_expect "mtastatDeliveredTotal after the full disk" $((8 + 2 * N)) "$(v 7)"
mt_expect "mtastatRelayedTotal after the full disk" $((5 + 2 * N)) "$(v 8)"
mt_expect "mtastatHistoryState after the full disk (ok)" 1 "$(v 14)"
mt_expect "lines in the history" $((42 + 5 * N)) "$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'lines'")"
mt_expect "relayed in the history" $((5 + 2 * N)) "$(sqlite3 "$DB" "SELECT sum(relayed) FROM daily")"
mt_expect "accounts relaying on Nov 3" $N "$(sqlite3 "$DB" "SELECT count(*) FROM account_daily d JOIN accounts a ON a.id = d.account_id WHERE a.name LIKE 'user%' AND d.relayed = 2")"
mt_expect "'history not written' log lines" 1 "$(log_count 'history not written')"
mt_expect "'history written again' log lines" 1 "$(log_count 'history written again')"
mt_expect "'cannot rollback' log lines" 0 "$(log_count 'cannot rollback')"
mt_expect "store error lines" 0 "$(log_count 'error \[store\]')"
mt_expect "mtastatHistoryWriteFailed traps" 1 "$(traps 6)"
mt_expect "mtastatHistoryWriteResumed traps" 1 "$(traps 7)"

# mtastat import on a full disk (room left for SQLite's shared memory, not
# for the batch): one error against the database, a non-zero exit.
kill -TERM "$MT_MTASTATD_PID"
wait "$MT_MTASTATD_PID"
gen $N 4 > "$MT_TMP/day4.log"
fill
truncate -s -64K "$DISK/fill"
"$top_builddir/mtastat" import --db "$DB" --year 2026 --quiet "$MT_TMP/day4.log" \
	> "$MT_TMP/import.out" 2> "$MT_TMP/import.log"
rc=$?
cat "$MT_TMP/import.log" >&2
[ $rc -ne 0 ] || mt_fail "import on a full disk exited 0"
mt_expect "'database full' lines naming the database and sqlite's message" 1 \
	"$(grep -c "$DB: database full (database or disk is full): $MT_TMP/day4.log is imported up to line 0" "$MT_TMP/import.log")"
mt_expect "'read error' lines" 0 "$(grep -c 'read error' "$MT_TMP/import.log")"
mt_expect "'cannot rollback' lines" 0 "$(grep -c 'cannot rollback' "$MT_TMP/import.log")"
rm -f "$DISK/fill"
"$top_builddir/mtastat" import --db "$DB" --year 2026 --quiet "$MT_TMP/day4.log" \
	> "$MT_TMP/import.out" 2> "$MT_TMP/import.log" || mt_fail "import with space: $(cat "$MT_TMP/import.log")"
mt_expect "lines in the history after the import" $((42 + 10 * N)) "$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'lines'")"
mt_expect "relayed in the history after the import" $((5 + 4 * N)) "$(sqlite3 "$DB" "SELECT sum(relayed) FROM daily")"
