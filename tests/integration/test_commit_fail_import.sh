#!/bin/sh
# `mtastat import` against a history locked by another writer (the sqlite3
# CLI in BEGIN IMMEDIATE) says "database locked" against the database, with
# sqlite's message, exits non-zero, blames no log file ("read error"), runs
# no ROLLBACK without a transaction and tries no further file; once the lock
# is gone the same import counts every line once.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
command -v sqlite3 >/dev/null || { mt_log "SKIP: no sqlite3 CLI (scripts/deps.sh installs it)"; exit 77; }

DB="$MT_TMP/history.db"
LOG="$MT_TMP/mail.log"
cp "$top_srcdir/tests/fixtures/definitions.log" "$LOG"
cp "$top_srcdir/tests/fixtures/sample-postfix.log" "$MT_TMP/other.log"
# a commit every 10 lines: the lock is met in the middle of the file, not at its end
cat > "$MT_TMP/mtastat.conf" <<CONF
localdomain   example.test
contentfilter 127.0.0.1:10024
commitlines   10
CONF
imp() { "$top_builddir/mtastat" import --db "$DB" --config "$MT_TMP/mtastat.conf" --year 2026 --quiet "$@"; }

# The history exists (schema in place) before anyone locks it.
printf 'Nov  1 00:00:00 mx postfix/smtpd[1]: connect from x[192.0.2.1]\n' > "$MT_TMP/first.log"
imp "$MT_TMP/first.log" > /dev/null 2>&1 || mt_fail "the first import failed"

mkfifo "$MT_TMP/lock.ctl"
sqlite3 "$DB" < "$MT_TMP/lock.ctl" > "$MT_TMP/lock.log" 2>&1 &
MT_PIDS="$MT_PIDS $!"
exec 3> "$MT_TMP/lock.ctl"
echo "BEGIN IMMEDIATE;" >&3
echo ".shell touch '$MT_TMP/locked'" >&3
mt_wait_for "the sqlite3 CLI to hold the lock" test -e "$MT_TMP/locked"

imp "$LOG" "$MT_TMP/other.log" > "$MT_TMP/import.out" 2> "$MT_TMP/import.log"
rc=$?
cat "$MT_TMP/import.log" >&2
[ $rc -ne 0 ] || mt_fail "import into a locked database exited 0"
mt_log "ok: exit status $rc"
mt_expect "'database locked' lines naming the database and sqlite's message" 1 \
	"$(grep -c "$DB: database locked (database is locked): $LOG is imported up to line 0" "$MT_TMP/import.log")"
mt_expect "'read error' lines" 0 "$(grep -c 'read error' "$MT_TMP/import.log")"
mt_expect "'cannot rollback' lines" 0 "$(grep -c 'cannot rollback' "$MT_TMP/import.log")"
mt_expect "'unterminated last line' lines" 0 "$(grep -c 'unterminated' "$MT_TMP/import.log")"
mt_expect "lines of the log in the history" 1 "$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'lines'")"

# Released: the same import counts everything, once.
echo "ROLLBACK;" >&3
exec 3>&-
imp "$LOG" > "$MT_TMP/import.out" 2> "$MT_TMP/import.log" || mt_fail "import after the lock: $(cat "$MT_TMP/import.log")"
mt_expect "lines in the history" 43 "$(sqlite3 "$DB" "SELECT value FROM totals WHERE key = 'lines'")"
mt_expect "relayed in the history" 5 "$(sqlite3 "$DB" "SELECT sum(relayed) FROM daily")"
mt_expect "received in the history" 4 "$(sqlite3 "$DB" "SELECT sum(received) FROM daily")"
mt_expect "file rows for mail.log" 1 "$(sqlite3 "$DB" "SELECT count(*) FROM files WHERE path = '$LOG'")"
