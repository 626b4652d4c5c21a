#!/bin/sh
# End to end for Exim against counts known independently of the parser:
# bench/genlog --mta exim writes four days across a new year (deferrals
# expiring after midnight, forged senders under one SASL account, both id
# forms, subjects imitating fields) and, while writing, the true counts of
# docs/counting.md's Exim column; `mtastat import` + `report --json` must
# match them field by field, as a main log and through syslog, with the
# default log_selector and +all.  One log is also imported in two runs split
# at midnight: messages in flight are carried over by the history.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

# mt_refused WHAT STATUS MESSAGE CMD...: CMD exits STATUS and its stderr holds MESSAGE.
mt_refused() {
	what=$1 status=$2 msg=$3; shift 3
	"$@" > "$MT_TMP/out" 2> "$MT_TMP/err"; rc=$?
	mt_expect "exit status of $what" "$status" "$rc"
	grep -qF -- "$msg" "$MT_TMP/err" || mt_fail "$what: no '$msg' on stderr: $(cat "$MT_TMP/err")"
}

M="$top_builddir/mtastat"
CONF="$top_srcdir/bench/mtastat.conf"
for fmt in mainlog syslog; do
	for sel in default all; do
		v=$fmt-$sel
		"$top_builddir/genlog" --mta exim --format $fmt --selector $sel --seed 11 --lines 120000 \
			--accounts 2000 --start 2026-12-30 --days 4 --expect "$MT_TMP/expect-$v.json" \
			> "$MT_TMP/mainlog-$v" 2>/dev/null || mt_fail "genlog $v failed"
		"$M" import --quiet --config "$CONF" --db "$MT_TMP/$v.db" "$MT_TMP/mainlog-$v" \
			> "$MT_TMP/import-$v.txt" || mt_fail "$v: import failed: $(cat "$MT_TMP/import-$v.txt")"
		grep -q "mainlog-$v: exim log (detected from 200 of its first 200 lines)" "$MT_TMP/import-$v.txt" \
			|| mt_fail "$v: the format was not detected and said: $(cat "$MT_TMP/import-$v.txt")"
		grep -q "unparsed 0," "$MT_TMP/import-$v.txt" || mt_fail "$v: unparsed lines: $(cat "$MT_TMP/import-$v.txt")"
		"$M" report --json --db "$MT_TMP/$v.db" > "$MT_TMP/report-$v.json"
		out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect-$v.json" "$MT_TMP/report-$v.json") \
			|| mt_fail "$v: report differs from the true counts:
$out"
		mt_log "ok: $v: $(echo "$out" | tail -n 1)"
		# issue 14: the parser's replies and TLS sessions equal the truth, day by day
		"$top_builddir/health_tally" exim "$MT_TMP/mainlog-$v" > "$MT_TMP/health-$v.json" \
			|| mt_fail "$v: health_tally failed"
		out=$($PY "$top_srcdir/tests/integration/health_compare.py" "$MT_TMP/expect-$v.json" \
			"$MT_TMP/health-$v.json") || mt_fail "$v: the parser's replies and TLS differ from the truth:
$out"
		mt_log "ok: $v: $out"
		# and the same through correlator, store and report (every delivery with a delay)
		out=$($PY "$top_srcdir/tests/integration/health_report_compare.py" "$MT_TMP/expect-$v.json" \
			"$MT_TMP/report-$v.json" --delays) || mt_fail "$v: the report's health differs from the truth:
$out"
		mt_log "ok: $v: $out"
	done
done
# the four logs describe the same mail
for v in mainlog-all syslog-default syslog-all; do
	cmp -s "$MT_TMP/expect-mainlog-default.json" "$MT_TMP/expect-$v.json" || mt_fail "truth of $v differs"
	cmp -s "$MT_TMP/report-mainlog-default.json" "$MT_TMP/report-$v.json" || mt_fail "report of $v differs"
done
# the log really crosses the year, expires messages after midnight, mixes both id forms
mt_expect "days in the report" "2026-12-30 2026-12-31 2027-01-01 2027-01-02" \
	"$($PY -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["days"])))' "$MT_TMP/report-mainlog-all.json")"
[ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"]["2027-01-01"]["expired"])' "$MT_TMP/expect-mainlog-all.json")" -gt 0 ] \
	|| mt_fail "no expiry on 2027-01-01"
grep -Eq ' [0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2} <= ' "$MT_TMP/mainlog-mainlog-default" || mt_fail "no 6-6-2 id"
grep -Eq ' [0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4} <= ' "$MT_TMP/mainlog-mainlog-default" || mt_fail "no 6-11-4 id"
grep -q 'T="invoice A=dovecot_plain:mallory' "$MT_TMP/mainlog-mainlog-all" || mt_fail "no hostile subject"
mt_expect "accounts named by the subject" "" \
	"$($PY -c 'import json,sys; print(" ".join(a for d in json.load(open(sys.argv[1]))["accounts"].values() for a in d if "mallory" in a))' "$MT_TMP/report-mainlog-all.json")"

# two runs split at midnight: in-flight messages (deferred, waiting for
# their notices) persist in the history between them
L="$MT_TMP/mainlog-mainlog-all"
n=$(grep -n -m1 '^2026-12-31 ' "$L" | cut -d: -f1)
head -n $((n - 1)) "$L" > "$MT_TMP/day1.log"
tail -n +"$n" "$L" > "$MT_TMP/rest.log"
"$M" import --quiet --mta exim --config "$CONF" --db "$MT_TMP/split.db" "$MT_TMP/day1.log" > /dev/null \
	|| mt_fail "import of the first day failed"
inflight=$(sqlite3 "$MT_TMP/split.db" "SELECT count(*) FROM queue WHERE length(qid) = 23")
[ "$inflight" -gt 0 ] || mt_fail "no 6-11-4 message in flight at midnight in the history"
"$M" import --quiet --mta exim --config "$CONF" --db "$MT_TMP/split.db" "$MT_TMP/rest.log" > /dev/null \
	|| mt_fail "import of the rest failed"
"$M" report --json --db "$MT_TMP/split.db" > "$MT_TMP/report-split.json"
out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect-mainlog-all.json" "$MT_TMP/report-split.json") \
	|| mt_fail "split at midnight: report differs from the true counts:
$out"
mt_log "ok: split at midnight ($inflight long ids in flight): $(echo "$out" | tail -n 1)"
out=$($PY "$top_srcdir/tests/integration/health_report_compare.py" "$MT_TMP/expect-mainlog-all.json" \
	"$MT_TMP/report-split.json" --delays) || mt_fail "split at midnight: the report's health differs:
$out"
mt_log "ok: split at midnight: $out"
# without QT= (default selector), the delays of messages in flight at midnight
# come from the receipts the history kept
L="$MT_TMP/mainlog-mainlog-default"
n=$(grep -n -m1 '^2026-12-31 ' "$L" | cut -d: -f1)
head -n $((n - 1)) "$L" > "$MT_TMP/day1d.log"
tail -n +"$n" "$L" > "$MT_TMP/restd.log"
for part in day1d restd; do
	"$M" import --quiet --mta exim --config "$CONF" --db "$MT_TMP/splitd.db" "$MT_TMP/$part.log" > /dev/null \
		|| mt_fail "import of $part failed"
done
"$M" report --json --db "$MT_TMP/splitd.db" > "$MT_TMP/report-splitd.json"
out=$($PY "$top_srcdir/tests/integration/health_report_compare.py" "$MT_TMP/expect-mainlog-default.json" \
	"$MT_TMP/report-splitd.json" --delays) || mt_fail "split at midnight, no QT=: the report's health differs:
$out"
mt_log "ok: split at midnight, no QT=: $out"

# --mta: a Postfix log read as Exim (or IceWarp) is refused by name
mt_refused "a Postfix log read as Exim" 1 "none of its 1729 line(s) matches the exim format" \
	"$M" import --quiet --mta exim --db "$MT_TMP/wrong.db" "$top_srcdir/tests/fixtures/sample-postfix.log"
mt_refused "a Postfix log read as IceWarp" 1 "none of its 1729 line(s) matches the icewarp format" \
	"$M" import --quiet --mta icewarp --db "$MT_TMP/wrong-iw.db" "$top_srcdir/tests/fixtures/sample-postfix.log"
mt_refused "--mta sendmail" 2 "--mta sendmail: unknown MTA (known: postfix, exim, icewarp)" \
	"$M" import --quiet --mta sendmail --db "$MT_TMP/new.db" "$L"
[ -e "$MT_TMP/new.db" ] && mt_fail "a refused --mta created $MT_TMP/new.db"
# detection picks each file's own format in one run
"$M" import --quiet --year 2026 --config "$CONF" --db "$MT_TMP/both.db" \
	"$top_srcdir/tests/fixtures/sample-postfix.log" "$MT_TMP/day1.log" > "$MT_TMP/both.txt" \
	|| mt_fail "import of a Postfix and an Exim log failed: $(cat "$MT_TMP/both.txt")"
grep -q "sample-postfix.log: postfix log (detected" "$MT_TMP/both.txt" || mt_fail "postfix not detected: $(cat "$MT_TMP/both.txt")"
grep -q "day1.log: exim log (detected" "$MT_TMP/both.txt" || mt_fail "exim not detected: $(cat "$MT_TMP/both.txt")"
grep -q "unparsed 0," "$MT_TMP/both.txt" || mt_fail "unparsed lines: $(cat "$MT_TMP/both.txt")"
