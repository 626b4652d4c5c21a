#!/bin/sh
# Readers need no write access: report and check work for a user who may
# only read the history (file 0444, directory 0555), create nothing beside
# it, and read through the -shm of a writer that has it open.  Root ignores
# file modes, so as root the reader is nobody.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

M="$top_builddir/mtastat"
D="$MT_TMP/ro"
DB="$D/h.db"
mkdir "$D"
awk -f "$top_srcdir/tests/fixtures/relay-burst.awk" > "$MT_TMP/mail.log"
# the read-only path, not the alarm rules: judged as test_check.sh judges
printf 'localdomain example.test\ndaytypes all\nholddown 0\nprediction no\npersist 0\n' > "$MT_TMP/mtastat.conf"
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$DB" "$MT_TMP/mail.log" > /dev/null \
	|| mt_fail "import failed"
# what the writer sees, before the modes change
"$M" report --db "$DB" > "$MT_TMP/report.want" || mt_fail "report by the writer failed"
"$M" report --json --db "$DB" > "$MT_TMP/json.want" || mt_fail "report --json by the writer failed"

if [ "$(id -u)" -eq 0 ]; then
	if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
		as_reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	elif su nobody -s /bin/sh -c true 2>/dev/null; then
		as_reader() { su nobody -s /bin/sh -c 'exec "$0" "$@"' "$@"; }
	else
		mt_log "SKIP: running as root and cannot become nobody (setpriv, su)"
		exit 77
	fi
else
	as_reader() { "$@"; }
fi
chmod 0444 "$DB"
chmod 0555 "$D"
chmod 0755 "$MT_TMP"
chmod 0644 "$MT_TMP/mtastat.conf"
# the test means something only if the reader really cannot write there
as_reader sh -c ": > '$D/probe'" 2>/dev/null && mt_fail "the reader can write $D: nothing would be tested"
as_reader test -r "$M" || { mt_log "SKIP: the reader cannot run $M"; exit 77; }

# No process has the history open: read as immutable, nothing created.
as_reader "$M" report --db "$DB" > "$MT_TMP/report.got" 2> "$MT_TMP/err"; rc=$?
mt_expect "exit status of report by a reader" 0 "$rc"
mt_expect "stderr of report by a reader" "" "$(cat "$MT_TMP/err")"
cmp -s "$MT_TMP/report.want" "$MT_TMP/report.got" || mt_fail "the reader's report differs from the writer's"
as_reader "$M" report --json --db "$DB" > "$MT_TMP/json.got" 2> "$MT_TMP/err"; rc=$?
mt_expect "exit status of report --json by a reader" 0 "$rc"
cmp -s "$MT_TMP/json.want" "$MT_TMP/json.got" || mt_fail "the reader's JSON report differs from the writer's"

# check judges without recording: the same alarms on every run, exit 1.
alarms="SMTP_SENT_MSGS deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
SMTP_RELAY_MSGS deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
SMTP_SENT_MSGS_W deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
SMTP_RELAY_MSGS_W deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
Account spammer@example.test relayed: 445 recipients (limit 100)"
for run in 1 2; do
	out=$(as_reader "$M" check --config "$MT_TMP/mtastat.conf" --db "$DB" 2> "$MT_TMP/err"); rc=$?
	mt_expect "exit status of check by a reader, run $run" 1 "$rc"
	mt_expect "check by a reader, run $run" "$alarms" "$out"
	mt_expect "stderr of check by a reader, run $run" "" "$(cat "$MT_TMP/err")"
done
mt_expect "files beside the history after reading" "h.db" "$(ls "$D")"

# A writer has it open (the sqlite3 CLI): the reader goes through its -shm and
# sees what is still only in the WAL (a day that the main file does not hold).
day=$($PY -c 'import datetime; print((datetime.date(2026, 12, 1) - datetime.date(1970, 1, 1)).days)')
mkfifo "$MT_TMP/sql.fifo"
sqlite3 "$DB" < "$MT_TMP/sql.fifo" > "$MT_TMP/sqlite.log" 2>&1 &
MT_PIDS="$MT_PIDS $!"
exec 3> "$MT_TMP/sql.fifo"
echo "INSERT INTO daily(day, received) VALUES($day, 7);" >&3
mt_wait_for "the insert in the WAL" test -s "$DB-wal"
mt_wait_for "the -shm" test -e "$DB-shm"
got=$(as_reader "$M" report --json --day 2026-12-01 --db "$DB" 2> "$MT_TMP/err" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["days"]["2026-12-01"]["received"])')
mt_expect "a day still in the WAL, read by a reader" 7 "$got"
mt_expect "stderr of report through the -shm" "" "$(cat "$MT_TMP/err")"
exec 3>&-
mt_wait_for "the writer to close (and checkpoint)" sh -c "! test -e '$DB-wal'"
got=$(as_reader "$M" report --json --day 2026-12-01 --db "$DB" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["days"]["2026-12-01"]["received"])')
mt_expect "the same day after the checkpoint" 7 "$got"

# A history the reader may not read at all: exit status and why.
chmod 0400 "$DB"
if [ "$(id -u)" -eq 0 ]; then
	err=$(as_reader "$M" report --db "$DB" 2>&1 > /dev/null); rc=$?
	mt_expect "exit status of report on an unreadable history" 1 "$rc"
	echo "$err" | grep -qF "$DB: Permission denied" || mt_fail "unreadable history without file and cause: $err"
	err=$(as_reader "$M" check --db "$DB" 2>&1 > /dev/null); rc=$?
	mt_expect "exit status of check on an unreadable history" 2 "$rc"
	echo "$err" | grep -qF "$DB: Permission denied" || mt_fail "unreadable history without file and cause: $err"
fi
exit 0
