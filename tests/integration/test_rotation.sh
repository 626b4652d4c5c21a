#!/bin/sh
# Rotation loses no line and counts none twice, against the real mtastatd and
# snmpd: rename+create while the writer keeps appending to the renamed file,
# copytruncate while the daemon lags (held with SIGSTOP), and while mtastatd
# is stopped: rotation then gzip, two rotations, copytruncate.  Every scenario
# writes the same generated log (bench/genlog, which also writes its true
# counts) across the files; the totals are checked exactly over SNMP, then a
# restart must read nothing again, and the history must equal the truth.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
N=40000
"$top_builddir/genlog" --seed 11 --lines $N --accounts 500 --format rfc3339 \
	--expect "$MT_TMP/expect.json" > "$MT_TMP/all.txt" 2>/dev/null || mt_fail "genlog failed"
mt_expect "generated lines" $N "$(wc -l < "$MT_TMP/all.txt" | tr -d ' ')"
RECEIVED=$($PY -c 'import json,sys; print(sum(d["received"] for d in json.load(open(sys.argv[1]))["days"].values()))' \
	"$MT_TMP/expect.json")
# a line counted as read and as nothing else, at the log's last time
MARK="$(tail -n 1 "$MT_TMP/all.txt" | cut -d' ' -f1) mx1 kernel: restart marker"

part() { sed -n "$1,$2p" "$MT_TMP/all.txt"; }
v() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
lines_are() { [ "$(v 4)" = "$1" ]; }
lines_at_least() { x=$(v 4) && [ "$x" -ge "$1" ] 2>/dev/null; }
logged() { grep -q "$1" "$MT_TMP/mtastatd.log"; }

# setup NAME: a fresh directory, history and configuration for one scenario
setup() {
	NAME=$1
	D="$MT_TMP/$NAME"
	LOG="$D/mail.log"
	mkdir -p "$D"
	cat > "$D/mtastat.conf" <<CONF
database      $D/history.db
logfile       $LOG postfix
localdomain   corp.example
localdomain   mail.example
contentfilter 127.0.0.1:10024
CONF
	: > "$MT_TMP/mtastatd.log"
}
start() { mt_start_mtastatd "$D/mtastat.conf"; mt_wait_registered; }
stop() { kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"; }

# check: every line once over SNMP; a restart reads nothing again (the marker
# line is the only new one); the history equals the generator's truth.
check() {
	mt_wait_for "$NAME: mtastatLinesRead = $N" lines_are $N
	mt_expect "$NAME: mtastatReceivedTotal" "$RECEIVED" "$(v 6)"
	if grep -E "lost|unaccounted" "$MT_TMP/mtastatd.log" >&2; then
		mt_fail "$NAME: a loss was reported"
	fi
	stop
	: > "$MT_TMP/mtastatd.log"
	start
	echo "$MARK" >> "$LOG"
	mt_wait_for "$NAME: the marker line after a restart" lines_at_least $((N + 1))
	stop
	mt_expect "$NAME: lines in the history after a restart" $((N + 1)) \
		"$(sqlite3 "$D/history.db" "SELECT value FROM totals WHERE key = 'lines'")"
	"$top_builddir/mtastat" report --json --db "$D/history.db" > "$D/report.json"
	out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect.json" "$D/report.json") \
		|| mt_fail "$NAME: the history differs from the true counts:
$out"
	mt_log "ok: $NAME: $(echo "$out" | tail -n 1)"
}

mt_start_snmpd

# 1. rename+create; the writer holds the renamed file and appends to it after
# the new one appeared (rsyslog until its HUP), then moves to the new file.
setup rename
part 1 15000 > "$LOG"
start
mt_wait_for "rename: the first part read" lines_are 15000
exec 3>>"$LOG"
mv "$LOG" "$LOG.1"
: > "$LOG"
mt_wait_for "rename: the daemon saw the rotation" logged "mail.log: rotated"
part 15001 25000 >&3
exec 3>&-
part 25001 $N >> "$LOG"
check

# 2. copytruncate while the daemon lags: lines appended while it is held are
# unread when the file is copied and truncated; they are in the copy.
setup copytruncate-lagging
part 1 15000 > "$LOG"
start
mt_wait_for "copytruncate-lagging: the first part read" lines_are 15000
kill -STOP "$MT_MTASTATD_PID"
part 15001 25000 >> "$LOG"
cp -p "$LOG" "$LOG.1"
: > "$LOG"
part 25001 $N >> "$LOG"
kill -CONT "$MT_MTASTATD_PID"
check

# 3. While stopped: mail.log -> mail.log.1 -> mail.log.1.gz (no delaycompress).
setup gzip-stopped
part 1 15000 > "$LOG"
start
mt_wait_for "gzip-stopped: the first part read" lines_are 15000
stop
part 15001 25000 >> "$LOG"
mv "$LOG" "$LOG.1"
part 25001 $N > "$LOG"
gzip "$LOG.1"
start
check

# 4. While stopped: two rotations; the middle file was never seen.
setup two-rotations-stopped
part 1 10000 > "$LOG"
start
mt_wait_for "two-rotations-stopped: the first part read" lines_are 10000
stop
part 10001 20000 >> "$LOG"
mv "$LOG" "$LOG.1"
part 20001 30000 > "$LOG"
mv "$LOG.1" "$LOG.2"
gzip "$LOG.2"
mv "$LOG" "$LOG.1"
part 30001 $N > "$LOG"
start
check

# 5. While stopped: copytruncate.
setup copytruncate-stopped
part 1 15000 > "$LOG"
start
mt_wait_for "copytruncate-stopped: the first part read" lines_are 15000
stop
part 15001 25000 >> "$LOG"
cp -p "$LOG" "$LOG.1"
: > "$LOG"
part 25001 $N >> "$LOG"
start
check
