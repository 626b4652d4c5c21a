#!/bin/sh
# Fault-injection soak run of mtastatd: RUN BY HAND, not by `make check`
# (it takes minutes and needs most of a CPU).  See tests/soak/README.md and
# docs/reliability.md.
#
#   tests/soak/soak.sh [--minutes 10] [--seed 1] [--rate 5000] [--days 6]
#                      [--accounts 2000] [--out DIR]
#
# It builds nothing: top_builddir (default: the source tree's build/) must
# hold mtastatd, mtastat and genlog (`make && make genlog` there).
#
# bench/genlog writes a seeded RFC 3339 Postfix log (rate x minutes lines over
# --days days) and its true counts.  A WRITER (soak.py writer) appends it,
# whole lines per write, to a live mail.log at --rate lines/s and rotates it
# at seeded moments in every way (rename+create with a writer that lingers on
# the renamed file, copytruncate, numbered siblings with compress and
# delaycompress, dated names).  Meanwhile this script, the CHAOS driver,
# follows a seeded schedule: kill -9 mtastatd and start it again (sometimes at
# once, sometimes after rotations), restart snmpd, hold the history locked
# with the sqlite3 CLI (BEGIN IMMEDIATE), and, as root, fill the small tmpfs
# the history lives on (disk full) for a few seconds.  A POLLER GETs
# mtastatLinesRead through snmpd twice a second all along (timeouts, latency;
# the published count may never go back nor pass the lines written).
#
# At the end mtastatd must catch up to exactly the lines written; after a
# clean stop, `mtastat report --json` of the history must equal genlog's truth
# in every field of every day and account (bench/compare.py): 0 lost, 0
# counted twice.  Prints a summary table; exit 0 only when everything held.
# The schedule (chaos.plan, rotate.plan) depends on the seed and the duration
# only.  Artifacts (plans, event logs, polls, the daemon's log, the summary)
# are kept in --out (default ${TMPDIR:-/tmp}/mtastat-soak-SEED).

MINUTES=10
SEED=1
RATE=5000
DAYS=6
ACCOUNTS=2000
OUT=
ATOMIC_GZIP=0
usage() {
	echo "usage: $0 [--minutes N] [--seed N] [--rate LINES_PER_S] [--days N] [--accounts N] [--out DIR] [--atomic-gzip]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	if [ "$1" = --atomic-gzip ]; then
		ATOMIC_GZIP=1
		shift
		continue
	fi
	[ $# -ge 2 ] || usage
	case $1 in
	--minutes) MINUTES=$2 ;;
	--seed) SEED=$2 ;;
	--rate) RATE=$2 ;;
	--days) DAYS=$2 ;;
	--accounts) ACCOUNTS=$2 ;;
	--out) OUT=$2 ;;
	*) usage ;;
	esac
	shift 2
done
for v in "$MINUTES" "$SEED" "$RATE" "$DAYS" "$ACCOUNTS"; do
	case $v in '' | *[!0-9]*) usage ;; esac
done

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
MT_WAIT=30
HELPER="$top_srcdir/tests/soak/soak.py"
for p in mtastatd mtastat genlog; do
	[ -x "$top_builddir/$p" ] || { echo "$0: no $top_builddir/$p (make && make genlog in $top_builddir)" >&2; exit 2; }
done
command -v sqlite3 >/dev/null || { echo "$0: the sqlite3 CLI is needed (lock windows)" >&2; exit 2; }
command -v gzip >/dev/null || { echo "$0: gzip is needed (rotations)" >&2; exit 2; }

: "${OUT:=${TMPDIR:-/tmp}/mtastat-soak-$SEED}"
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/*.events "$OUT"/*.plan "$OUT"/poll.out "$OUT"/summary.txt "$OUT"/facts \
	"$OUT"/defects.txt "$OUT"/compare.txt "$OUT"/mtastatd.log "$OUT"/history.db

mt_init
trap soak_cleanup EXIT
SECONDS_RUN=$((MINUTES * 60))
N=$((SECONDS_RUN * RATE))
LOGDIR="$MT_TMP/log"
LOG="$LOGDIR/mail.log"
DBDIR="$MT_TMP/db"
DB="$DBDIR/history.db"
CONF="$MT_TMP/mtastat.conf"
STATE="$MT_TMP/state"
PROGRESS="$MT_TMP/progress"
EVENTS="$OUT/chaos.events"
DAEMON_UP=0
WRITER_PID= POLLER_PID= LOCK_PID= TMPFS=0
mkdir -p "$LOGDIR" "$DBDIR"
: > "$EVENTS"
: > "$OUT/defects.txt"

fact() { echo "$1=$2" >> "$OUT/facts"; }
# set_state WORD: what the poller tags its GETs with (up, mtastatd-down, ...)
set_state() { echo "$1" > "$STATE.tmp" && mv "$STATE.tmp" "$STATE"; }
offset() { $PY "$HELPER" now --t0 "$T0"; }
event() { echo "$(offset) $*" >> "$EVENTS"; }
mark() { echo "=== soak t=$(offset): $*" >> "$MT_TMP/mtastatd.log"; }
# a defect: what happened, with the daemon's last log lines
defect() {
	{
		echo "---- t=$(offset) seed=$SEED: $*"
		tail -n 30 "$MT_TMP/mtastatd.log"
	} >> "$OUT/defects.txt"
	mt_log "DEFECT: $*"
}
# drop a reaped process from lib.sh's cleanup list: pids are reused (pid_max
# may be 32768) and the cleanup must never signal a stranger
forget() {
	l=
	for p in $MT_PIDS; do
		[ "$p" = "$1" ] || l="$l $p"
	done
	MT_PIDS=$l
}
snmp_value() {
	snmpget -v2c -c public -t 1 -r 0 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" \
		".1.3.6.1.4.1.8072.9999.9999.25.1.1.$1.0" 2>/dev/null
}

soak_cleanup() {
	rc=$?
	[ -n "$POLLER_PID" ] && touch "$MT_TMP/poll.stop"
	for p in $WRITER_PID $LOCK_PID; do
		kill "$p" 2>/dev/null
	done
	if [ "$DAEMON_UP" = 1 ]; then
		kill -9 "$MT_MTASTATD_PID" 2>/dev/null
		wait "$MT_MTASTATD_PID" 2>/dev/null
		forget "$MT_MTASTATD_PID"
	fi
	[ -n "$POLLER_PID" ] && wait "$POLLER_PID" 2>/dev/null
	cp "$MT_TMP/mtastatd.log" "$OUT/mtastatd.log" 2>/dev/null
	if [ $rc -ne 0 ] && [ -f "$DB" ]; then
		cp "$DB" "$OUT/history.db" 2>/dev/null
	fi
	if [ $TMPFS = 1 ]; then
		umount "$DBDIR" 2>/dev/null || umount -l "$DBDIR"
	fi
	(exit $rc)
	mt_cleanup
}

# start_daemon: mt_start_mtastatd, except that a daemon that exits or does
# not connect is a defect recorded and retried, not the end of the run.
start_daemon() {
	tries=0
	while :; do
		rm -f "$MT_TMP/mtastatd.pid"
		"$top_builddir/mtastatd" -f -c "$CONF" -x "$MT_AGENTX" -p "$MT_TMP/mtastatd.pid" \
			2>> "$MT_TMP/mtastatd.log" &
		MT_MTASTATD_PID=$!
		MT_PIDS="$MT_PIDS $MT_MTASTATD_PID"
		i=0
		while ! mt_pid_alive "$MT_TMP/mtastatd.pid"; do
			if ! kill -0 "$MT_MTASTATD_PID" 2>/dev/null; then
				wait "$MT_MTASTATD_PID"
				src=$?
				forget "$MT_MTASTATD_PID"
				event crash "at start, exit status $src"
				defect "mtastatd exited at start with status $src"
				break
			fi
			i=$((i + 1))
			if [ $i -ge $((MT_WAIT * 10)) ]; then
				event crash "did not connect within $MT_WAIT s"
				defect "mtastatd did not write its pid file (connect) within $MT_WAIT s"
				kill -9 "$MT_MTASTATD_PID"
				wait "$MT_MTASTATD_PID" 2>/dev/null
				forget "$MT_MTASTATD_PID"
				break
			fi
			sleep 0.1
		done
		if mt_pid_alive "$MT_TMP/mtastatd.pid"; then
			DAEMON_UP=1
			return 0
		fi
		tries=$((tries + 1))
		[ $tries -lt 5 ] || mt_fail "mtastatd does not start (see $OUT/defects.txt)"
		sleep 1
	done
}

# check_daemon: an mtastatd that died by itself is a defect; start it again.
check_daemon() {
	[ "$DAEMON_UP" = 1 ] || return 0
	kill -0 "$MT_MTASTATD_PID" 2>/dev/null && return 0
	wait "$MT_MTASTATD_PID"
	src=$?
	forget "$MT_MTASTATD_PID"
	DAEMON_UP=0
	event crash "exit status $src"
	defect "mtastatd died by itself, exit status $src"
	mark "restart after an unexpected exit"
	start_daemon
}

# pace_until OFFSET: sleep until T0 + OFFSET, watching the daemon each second.
pace_until() {
	while ! $PY "$HELPER" waituntil --max 1 "$T0" "$1"; do
		check_daemon
	done
	check_daemon
}

failures() { snmp_value 15 || echo "?"; }

# kill9 TAG: kill -9 mtastatd and reap it
kill9() {
	mark "kill -9 ($1)"
	kill -9 "$MT_MTASTATD_PID"
	wait "$MT_MTASTATD_PID" 2>/dev/null
	forget "$MT_MTASTATD_PID"
	DAEMON_UP=0
}

act_kill() { # DOWN_SECONDS START_OFFSET
	check_daemon
	set_state mtastatd-down
	kill9 "down for $1 s"
	event kill "down $1"
	pace_until "$(echo "$2 $1" | awk '{ print $1 + $2 }')"
	mark "start"
	start_daemon
	set_state up
	event restart
}

# kill_inside WHAT: kill -9 and start again at once, inside a lock or
# disk-full window (the daemon holds a failed batch; it starts on a history
# it cannot write)
kill_inside() {
	check_daemon
	set_state "$1+restart"
	kill9 "inside the $1 window"
	event kill "inside $1"
	mark "start (inside the $1 window)"
	start_daemon
	event restart
	set_state "$1"
}

act_snmpd() { # DOWN_SECONDS START_OFFSET
	set_state snmpd-down
	mt_stop_snmpd
	forget "$MT_SNMPD_PID"
	event snmpd "down $1"
	pace_until "$(echo "$2 $1" | awk '{ print $1 + $2 }')"
	mt_snmpd_run
	set_state up
}

act_lock() { # SECONDS START_OFFSET [kill]
	rm -f "$MT_TMP/locked"
	f0=$(failures) f1=?
	sqlite3 -bail "$DB" > "$MT_TMP/lock.out" 2>&1 <<SQL &
.timeout 10000
BEGIN IMMEDIATE;
.shell touch '$MT_TMP/locked'
.shell sleep $1
COMMIT;
SQL
	LOCK_PID=$!
	MT_PIDS="$MT_PIDS $LOCK_PID"
	while [ ! -e "$MT_TMP/locked" ] && kill -0 "$LOCK_PID" 2>/dev/null; do
		sleep 0.05
	done
	if [ -e "$MT_TMP/locked" ]; then
		set_state locked
		if [ $# -ge 3 ]; then
			pace_until "$(echo "$2 $1" | awk '{ print $1 + $2 / 2 }')"
			kill_inside locked
		fi
		f1=$(failures)
	fi
	while kill -0 "$LOCK_PID" 2>/dev/null; do
		check_daemon
		sleep 0.2
	done
	wait "$LOCK_PID"
	lrc=$?
	forget "$LOCK_PID"
	LOCK_PID=
	set_state up
	if [ -e "$MT_TMP/locked" ]; then
		event lock "held $1 s${3:+ (kill -9 inside)}, WriteFailures $f0 -> $f1 (held) -> $(failures) (released)"
	else
		event lock-failed "sqlite3 status $lrc: $(tr '\n' ' ' < "$MT_TMP/lock.out")"
	fi
}

act_diskfull() { # SECONDS START_OFFSET [kill]
	if [ $TMPFS = 0 ]; then
		event diskfull-skipped "not root: no tmpfs"
		return
	fi
	f0=$(failures)
	set_state diskfull
	dd if=/dev/zero of="$DBDIR/fill" bs=64k 2>/dev/null
	free=$(df -k "$DBDIR" | awk 'NR == 2 { print $4 }')
	if [ $# -ge 3 ]; then
		pace_until "$(echo "$2 $1" | awk '{ print $1 + $2 / 2 }')"
		kill_inside diskfull
	fi
	pace_until "$(echo "$2 $1" | awk '{ print $1 + $2 }')"
	f1=$(failures)
	rm -f "$DBDIR/fill"
	set_state up
	event diskfull "held $1 s${3:+ (kill -9 inside)} ($free KiB left), WriteFailures $f0 -> $f1"
}

# ------------------------------------------------------------------ set-up

if [ "$(id -u)" = 0 ]; then
	# small, but the history of the run (~15 MB for 3M lines) and its WAL fit
	mount -t tmpfs -o size=64m,mode=0755 mtastat-soak "$DBDIR" || exit 99
	TMPFS=1
else
	mt_log "not root: no tmpfs for the history, the disk-full windows are skipped"
fi
cat > "$CONF" <<CONF
database      $DB
logfile       $LOG postfix
localdomain   corp.example
localdomain   mail.example
contentfilter 127.0.0.1:10024
CONF

mt_log "seed $SEED: $N lines over $DAYS days at $RATE lines/s ($MINUTES min); artifacts in $OUT"
"$top_builddir/genlog" --seed "$SEED" --lines "$N" --days "$DAYS" --accounts "$ACCOUNTS" \
	--format rfc3339 --expect "$OUT/expect.json" > "$MT_TMP/source.log" 2>/dev/null \
	|| mt_fail "genlog failed"
$PY "$HELPER" plan --seed "$SEED" --seconds "$SECONDS_RUN" --out "$OUT" || exit 99
: > "$LOG"
set_state up

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
T0=$($PY "$HELPER" now)
mark "start"
start_daemon
mt_wait_registered

GZ_OPT=
if [ $ATOMIC_GZIP = 1 ]; then
	mkdir -p "$MT_TMP/gztmp"
	GZ_OPT="--gzip-tmpdir $MT_TMP/gztmp"
fi
# shellcheck disable=SC2086
$PY "$HELPER" writer --src "$MT_TMP/source.log" --log "$LOG" --rate "$RATE" --lines "$N" \
	--t0 "$T0" --plan "$OUT/rotate.plan" --progress "$PROGRESS" \
	--events "$OUT/writer.events" $GZ_OPT &
WRITER_PID=$!
MT_PIDS="$MT_PIDS $WRITER_PID"
$PY "$HELPER" poll --target "127.0.0.1:$MT_SNMP_PORT" --state "$STATE" --progress "$PROGRESS" \
	--stop "$MT_TMP/poll.stop" --out "$OUT/poll.out" --t0 "$T0" &
POLLER_PID=$!
MT_PIDS="$MT_PIDS $POLLER_PID"

# ------------------------------------------------------------------ chaos

while read -r at what dur; do
	pace_until "$at"
	case $what in
	kill) act_kill "$dur" "$at" ;;
	snmpd) act_snmpd "$dur" "$at" ;;
	lock) act_lock "$dur" "$at" ;;
	lock+kill) act_lock "$dur" "$at" kill ;;
	diskfull) act_diskfull "$dur" "$at" ;;
	diskfull+kill) act_diskfull "$dur" "$at" kill ;;
	esac
done < "$OUT/chaos.plan"

# ------------------------------------------------------------------ the end

while kill -0 "$WRITER_PID" 2>/dev/null; do
	check_daemon
	sleep 0.5
done
wait "$WRITER_PID" || mt_fail "the writer failed"
forget "$WRITER_PID"
WRITER_PID=
event writer-done "$N lines"
check_daemon
[ "$DAEMON_UP" = 1 ] || start_daemon

# Catch up: mtastatLinesRead (committed lines) must reach N exactly.  A
# daemon backing off after a failed commit retries within 30 s: give up
# after 120 s without progress below N, or 20 s without change above N.
last=-1 still=0 read=0
while :; do
	check_daemon
	read=$(snmp_value 4) || read=-1
	case $read in '' | *[!0-9]*) read=-1 ;; esac
	[ "$read" -eq "$N" ] && break
	if [ "$read" -ne "$last" ]; then
		last=$read still=0
	else
		still=$((still + 1))
	fi
	if [ "$read" -gt "$N" ] && [ $still -ge 40 ]; then
		defect "mtastatLinesRead $read > $N lines written: lines read twice, or junk read as lines"
		break
	fi
	if [ $still -ge 240 ]; then
		defect "mtastatLinesRead stuck at $last of $N lines for 120 s after the writer ended"
		break
	fi
	sleep 0.5
done
CATCHUP=$(offset)
event caught-up "mtastatLinesRead $read"
touch "$MT_TMP/poll.stop"
wait "$POLLER_PID"
forget "$POLLER_PID"
POLLER_PID=
mark "stop (TERM)"
kill -TERM "$MT_MTASTATD_PID"
wait "$MT_MTASTATD_PID"
src=$?
forget "$MT_MTASTATD_PID"
DAEMON_UP=0
[ $src -eq 0 ] || defect "mtastatd exited with status $src on TERM"

# the writer and rotator themselves lost nothing: the files hold N lines
inlogs=0
for f in "$LOGDIR"/*; do
	case $f in
	*.gz) n=$(gzip -dc "$f" | wc -l) ;;
	*) n=$(wc -l < "$f") ;;
	esac
	inlogs=$((inlogs + n))
done
[ "$inlogs" -eq "$N" ] || mt_fail "the log files hold $inlogs lines, not $N: the writer is broken"

dblines=$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'lines'")
[ "$dblines" = "$N" ] || defect "the history holds $dblines lines, $N were written"
unparsed=$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'unparsed'")
[ "${unparsed:-0}" = 0 ] || defect "$unparsed unparsed lines in the history: genlog's lines all parse, so junk was read as lines"
"$top_builddir/mtastat" report --json --db "$DB" > "$OUT/report.json" || defect "mtastat report failed"
$PY "$top_srcdir/bench/compare.py" "$OUT/expect.json" "$OUT/report.json" > "$OUT/compare.txt"
crc=$?
[ $crc -eq 0 ] || defect "the history differs from genlog's truth: $(tail -n 1 "$OUT/compare.txt")"
grep -E "lost|unaccounted|skipped|shorter than" "$MT_TMP/mtastatd.log" > "$OUT/loss-lines.txt"
nloss=$(wc -l < "$OUT/loss-lines.txt")
[ "$nloss" -eq 0 ] || defect "the daemon logged $nloss loss line(s): $(head -n 3 "$OUT/loss-lines.txt")"

{
	fact seed "$SEED"
	fact seconds "$SECONDS_RUN"
	fact rate "$RATE"
	fact lines "$N"
	fact read "$read"
	fact history_lines "$dblines"
	fact unparsed "${unparsed:-0}"
	fact atomic_gzip "$ATOMIC_GZIP"
	fact catchup "$CATCHUP"
	fact tmpfs "$TMPFS"
	fact loss_lines "$nloss"
	fact diffs "$(tail -n 1 "$OUT/compare.txt")"
	fact traps_failed "$(grep -c '\.25\.0\.6\b' "$MT_TMP/traps.log")"
	fact traps_resumed "$(grep -c '\.25\.0\.7\b' "$MT_TMP/traps.log")"
	fact defects "$(grep -c '^---- ' "$OUT/defects.txt")"
}
cp "$MT_TMP/mtastatd.log" "$OUT/mtastatd.log"
$PY "$HELPER" summary --dir "$OUT"
src=$?
[ -s "$OUT/defects.txt" ] && { mt_log "defects: $OUT/defects.txt"; cat "$OUT/defects.txt" >&2; exit 1; }
[ $src -eq 0 ] && [ $crc -eq 0 ] || exit 1
mt_log "ok: seed $SEED, $N lines: 0 lost, 0 counted twice"
exit 0
