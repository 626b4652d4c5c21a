#!/bin/sh
# `mtastat check` prints each raise and clear once, in the documented forms,
# and exits 1 when it raised something, 0 when not, 2 on error.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

M="$top_builddir/mtastat"
awk -f "$top_srcdir/tests/fixtures/relay-burst.awk" > "$MT_TMP/mail.log"
# every day of the fixture is alike, and the clears are wanted at once; the
# texts below are those of the k S' rule judged at once (docs/alarms.md)
printf 'localdomain example.test\ndaytypes all\nholddown 0\nprediction no\npersist 0\n' > "$MT_TMP/mtastat.conf"
check() { "$M" check --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/h.db" "$@"; }
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/h.db" "$MT_TMP/mail.log" > /dev/null

# 2026-11-17 09:30: 16 days of 20 relays after 10:00, then 445 at 09:00.
out=$(check); rc=$?
mt_expect "exit status with new alarms" 1 $rc
mt_expect "check output at 09:30" "SMTP_SENT_MSGS deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
SMTP_RELAY_MSGS deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
SMTP_SENT_MSGS_W deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
SMTP_RELAY_MSGS_W deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)
Account spammer@example.test relayed: 445 recipients (limit 100)" "$out"

# Nothing new: nothing printed, exit 0.
out=$(check); rc=$?
mt_expect "exit status without new alarms" 0 $rc
mt_expect "output of a repeated check" "" "$out"

# --all shows the current state of every indicator.
mt_expect "--all line of SMTP_RELAY_MSGS" \
	"SMTP_RELAY_MSGS      status:high direction:both today:445 last-day V:20 M:20.00 S:0.00 z:0.00 days:15 so-far V:445 M:0.00 S:0.00 z:0.00" \
	"$(check --all | grep '^SMTP_RELAY_MSGS ')"

# The next day: yesterday is judged as a whole, the relay alarm clears.
echo "Nov 18 00:00:05 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$MT_TMP/mail.log"
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/h.db" "$MT_TMP/mail.log" > /dev/null
out=$(check); rc=$?
mt_expect "exit status the next day" 1 $rc
mt_expect "check output the next day" "SMTP_RECVD_MSGS deviation beyond limit V:1 M:20.00 S:0.00
SMTP_SENT_MSGS deviation beyond limit V:445 M:20.00 S:0.00
SMTP_SENT_MSGS back to normal V:0 M:0.00 S:0.00 (today until 00:00)
SMTP_RELAY_MSGS deviation beyond limit V:445 M:20.00 S:0.00
SMTP_RELAY_MSGS back to normal V:0 M:0.00 S:0.00 (today until 00:00)
SMTP_RECVD_MSGS_W deviation beyond limit V:1 M:20.00 S:0.00
SMTP_SENT_MSGS_W deviation beyond limit V:445 M:20.00 S:0.00
SMTP_SENT_MSGS_W back to normal V:0 M:0.00 S:0.00 (today until 00:00)
SMTP_RELAY_MSGS_W deviation beyond limit V:445 M:20.00 S:0.00
SMTP_RELAY_MSGS_W back to normal V:0 M:0.00 S:0.00 (today until 00:00)
Account spammer@example.test back under its relay limit: 0 recipients (limit 100)" "$out"

mt_expect "--all line of SMTP_REJECTED" \
	"SMTP_REJECTED        status:normal direction:high today:1" \
	"$(check --all | grep '^SMTP_REJECTED ' | cut -d' ' -f1-11 | sed 's/ *$//; s/ last-day.*//')"

# JSON carries the same alarms (none now) and every indicator.
check --json > "$MT_TMP/check.json"; rc=$?
mt_expect "exit status of --json without new alarms" 0 $rc
mt_expect "indicators in --json" 13 "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["indicators"]))' "$MT_TMP/check.json")"
mt_expect "SMTP_RELAY_MSGS status in --json" high "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print([i["status"] for i in d["indicators"] if i["name"]=="SMTP_RELAY_MSGS"][0])' "$MT_TMP/check.json")"

# Errors: exit 2, and why on stderr: the file and the cause.
err=$("$M" check --db "$MT_TMP/missing.db" 2>&1 > /dev/null); rc=$?
mt_expect "exit status on a missing database" 2 $rc
echo "$err" | grep -qF "$MT_TMP/missing.db: No such file or directory" ||
	mt_fail "missing database without file and cause: $err"
[ -e "$MT_TMP/missing.db" ] && mt_fail "check created $MT_TMP/missing.db"
printf 'sigma lots\n' > "$MT_TMP/bad.conf"
err=$("$M" check --config "$MT_TMP/bad.conf" --db "$MT_TMP/h.db" 2>&1); rc=$?
mt_expect "exit status on a bad config" 2 $rc
echo "$err" | grep -q "bad.conf: line 1: sigma lots" || mt_fail "config error without file and line: $err"

# A database another writer holds locked (the sqlite3 CLI in BEGIN EXCLUSIVE):
# check cannot record its alarms and says so, naming the database; report,
# a WAL reader, is not blocked.
mkfifo "$MT_TMP/sql.fifo"
sqlite3 "$MT_TMP/h.db" < "$MT_TMP/sql.fifo" > "$MT_TMP/sqlite.log" 2>&1 &
MT_PIDS="$MT_PIDS $!"
exec 3> "$MT_TMP/sql.fifo"
echo "BEGIN EXCLUSIVE;" >&3
mt_wait_for "the sqlite3 CLI to hold the lock" sh -c "! sqlite3 '$MT_TMP/h.db' 'BEGIN IMMEDIATE; ROLLBACK;'"
err=$(check 2>&1 > /dev/null); rc=$?
mt_expect "exit status of check on a locked database" 2 $rc
echo "$err" | grep -qF "$MT_TMP/h.db: recording the alarm state: database is locked" ||
	mt_fail "locked database without file and cause: '$err'"
"$M" report --db "$MT_TMP/h.db" --day 2026-11-17 > /dev/null; rc=$?
mt_expect "exit status of report while the database is locked" 0 $rc
echo "COMMIT;" >&3
exec 3>&-
