#!/bin/sh
# Account names as a stranger writes them (sasl_username=): valid UTF-8
# comes out as it is, a NUL inside is kept (escaped), not a cut, and control
# characters and bytes that are not UTF-8 are escaped, in text and in JSON.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

M="$top_builddir/mtastat"
DB="$MT_TMP/h.db"

# relay QID NAME: one message of SASL user NAME (printf %b escapes) relayed outside.
relay() {
	printf 'Nov  1 10:00:00 mx postfix/submission/smtpd[1]: %s: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=%b\n' "$1" "$2"
	printf 'Nov  1 10:00:00 mx postfix/qmgr[2]: %s: from=<a@example.test>, size=1000, nrcpt=1 (queue active)\n' "$1"
	printf 'Nov  1 10:00:01 mx postfix/smtp[3]: %s: to=<r@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n' "$1"
	printf 'Nov  1 10:00:01 mx postfix/qmgr[2]: %s: removed\n' "$1"
}
{
	relay 0100000001 'nul\0000byte'       # NUL inside
	relay 0100000002 'j\0303\0274rgen'    # jürgen, UTF-8
	relay 0100000003 'ctl\0033[31m'       # ESC: a terminal escape
	relay 0100000004 'bad\0377'           # not UTF-8
	relay 0100000005 'dom\0134user'       # a backslash
	relay 0100000006 'c1\0302\0233x'      # U+009B, a C1 control in UTF-8
	relay 0100000007 'nul'                # a prefix of the first: a name of its own
} > "$MT_TMP/mail.log"
# A message still in the queue when an import ends keeps its account in the
# store's queue table until the next import delivers it.
relay 0100000008 'queued\0000name' | head -n 2 >> "$MT_TMP/mail.log"
"$M" import --quiet --year 2026 --db "$DB" "$MT_TMP/mail.log" > /dev/null || mt_fail "import failed"
relay 0100000008 'queued\0000name' | tail -n 2 >> "$MT_TMP/mail.log"
"$M" import --quiet --year 2026 --db "$DB" "$MT_TMP/mail.log" > /dev/null || mt_fail "second import failed"

# The text report's account column, exactly.
"$M" report --db "$DB" > "$MT_TMP/report.txt" || mt_fail "report failed"
sed -n '/^Per-account relays/,$p' "$MT_TMP/report.txt" | tail -n +4 | sed 's/^ *1 *1   //' > "$MT_TMP/names.txt"
printf '%s\n' 'bad\xff' 'c1\xc2\x9bx' 'ctl\x1b[31m' 'dom\\user' 'jürgen' 'nul' 'nul\x00byte' \
	'queued\x00name' > "$MT_TMP/expected.txt"
cmp -s "$MT_TMP/names.txt" "$MT_TMP/expected.txt" ||
	mt_fail "text report names: expected '$(cat "$MT_TMP/expected.txt")', got '$(cat "$MT_TMP/names.txt")'"
mt_log "ok: text report names = $(cat "$MT_TMP/names.txt" | tr '\n' ' ')"

# JSON: the exact names as code points (a byte that is not UTF-8 as the text \xff).
"$M" report --json --db "$DB" > "$MT_TMP/report.json" || mt_fail "report --json failed"
mt_expect "JSON account names" \
	"['bad\\\\xff', 'c1\\x9bx', 'ctl\\x1b[31m', 'dom\\\\user', 'jürgen', 'nul', 'nul\\x00byte', 'queued\\x00name']" \
	"$($PY -c 'import json,sys; print(sorted(json.load(open(sys.argv[1], encoding="utf-8"))["accounts"]["2026-11-01"]))' "$MT_TMP/report.json")"
# and how they are written: UTF-8 raw, controls as \u escapes, no bytes as \u00XX
for want in '"jürgen"' '"nul\u0000byte"' '"ctl\u001b[31m"' '"c1\u009bx"' '"bad\\xff"' '"dom\\user"'; do
	grep -qF -- "$want" "$MT_TMP/report.json" || mt_fail "no $want in the JSON report: $(cat "$MT_TMP/report.json")"
done
mt_log "ok: JSON spelling of the names"
exit 0
