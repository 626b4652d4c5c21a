#!/bin/sh
# Bad input to the commands: a file that is not a mail log, a missing file,
# malformed or contradicting options, an empty history.  Every refusal exits
# with the documented status and says why on stderr.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

M="$top_builddir/mtastat"
DB="$MT_TMP/h.db"

# mt_refused WHAT STATUS MESSAGE CMD...: CMD exits STATUS and its stderr holds MESSAGE.
mt_refused() {
	what=$1 status=$2 msg=$3; shift 3
	"$@" > "$MT_TMP/out" 2> "$MT_TMP/err"; rc=$?
	mt_expect "exit status of $what" "$status" "$rc"
	grep -qF -- "$msg" "$MT_TMP/err" || mt_fail "$what: no '$msg' on stderr: $(cat "$MT_TMP/err")"
}

# A binary is not a mail log: an error naming it, not exit 0 with every line unparsed.
mt_refused "import of /bin/ls" 1 "/bin/ls: none of its" "$M" import --quiet --db "$DB" /bin/ls

# Nothing readable: no database is created.
mt_refused "import of a missing file" 1 "$MT_TMP/missing.log: No such file or directory" \
	"$M" import --quiet --db "$MT_TMP/new.db" "$MT_TMP/missing.log"
[ -e "$MT_TMP/new.db" ] && mt_fail "an import of a missing file created $MT_TMP/new.db"
mt_refused "import of a directory" 1 "$MT_TMP: not a regular file" \
	"$M" import --quiet --db "$MT_TMP/new.db" "$MT_TMP"
[ -e "$MT_TMP/new.db" ] && mt_fail "an import of a directory created $MT_TMP/new.db"
mt_refused "import without a log" 2 "no log file given" "$M" import --db "$MT_TMP/new.db"

# Numbers and dates of every subcommand are whole and in range.
for y in abc 2026x "" 1969 10000 99999999999999999999; do
	mt_refused "import --year '$y'" 2 "--year $y: expected a number from 1970 to 9999" \
		"$M" import --year "$y" --db "$MT_TMP/new.db" /bin/ls
done
[ -e "$MT_TMP/new.db" ] && mt_fail "a refused import created $MT_TMP/new.db"
for n in abc 0 -3 12x " 5" 1000001; do
	mt_refused "report --top '$n'" 2 "--top $n: expected a number from 1 to 1000000" \
		"$M" report --db "$DB" --top "$n"
done
for d in bogus 2026-02-30 2026-1-1 "2026-01-01 "; do
	mt_refused "report --day '$d'" 2 "--day $d: expected YYYY-MM-DD" "$M" report --db "$DB" --day "$d"
	mt_refused "report -D '$d'" 2 "--day $d: expected YYYY-MM-DD" "$M" report --db "$DB" -D "$d"
	mt_refused "report --from '$d'" 2 "--from $d: expected YYYY-MM-DD" "$M" report --db "$DB" --from "$d"
	mt_refused "report --to '$d'" 2 "--to $d: expected YYYY-MM-DD" "$M" report --db "$DB" --to "$d"
done
mt_refused "report --from after --to" 2 "--from 2026-11-05 is after --to 2026-11-01" \
	"$M" report --db "$DB" --from 2026-11-05 --to 2026-11-01
mt_refused "report --day with --from" 2 "--day excludes --from and --to" \
	"$M" report --db "$DB" --day 2026-11-05 --from 2026-11-01
mt_refused "report --mail with --json" 2 "--mail takes no --from, --to, --json or --top" \
	"$M" report --mail --json --db "$DB"
mt_refused "report with an operand" 2 "unexpected argument 'extra'" "$M" report --db "$DB" extra
mt_refused "check with an operand" 2 "unexpected argument 'extra'" "$M" check --db "$DB" extra
mt_refused "an unknown debug subsystem" 2 "MTASTAT_DEBUG=bogus: expected subsystems among" \
	env MTASTAT_DEBUG=bogus "$M" report --db "$DB"
mt_refused "mtastatd -D parse,bogus" 2 "-D parse,bogus: expected subsystems among" \
	"$top_builddir/mtastatd" -n -D parse,bogus -c /dev/null

# An empty history is said to be one, in text and in JSON (range null).
: > "$MT_TMP/empty.log"
"$M" import --quiet --db "$MT_TMP/empty.db" "$MT_TMP/empty.log" > /dev/null \
	|| mt_fail "import of an empty log failed"
mt_expect "report of an empty history" "mtastat report: the history is empty" \
	"$("$M" report --db "$MT_TMP/empty.db")"
"$M" report --json --db "$MT_TMP/empty.db" > "$MT_TMP/empty.json" || mt_fail "report --json failed"
mt_expect "JSON report of an empty history" "{'range': {'from': None, 'to': None}, 'days': {}, 'accounts': {}, 'queue': None}" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("health"); print(d)' "$MT_TMP/empty.json")"
mt_expect "JSON health of an empty history" "0 0 None 0 [] []" \
	"$($PY -c 'import json,sys; h=json.load(open(sys.argv[1]))["health"]; print(h["broken_total"], h["delay_ms"]["count"], h["tls"]["plain_share_pct"], h["tls"]["in_plain"], h["replies"]["in"], h["replies"]["out"])' "$MT_TMP/empty.json")"

# A range outside a history that is not empty says what the history holds.
"$M" import --quiet --year 2026 --db "$DB" "$top_srcdir/tests/fixtures/sample-postfix.log" > /dev/null \
	|| mt_fail "import of the sample log failed"
mt_expect "report of a day not in the history" "mtastat report: 2027-01-01 is not in the history
(it holds 2026-11-01 .. 2026-11-17)" "$("$M" report --db "$DB" --day 2027-01-01)"
mt_expect "report from a day after the history" "mtastat report: no day from 2027-01-01 on in the history
(it holds 2026-11-01 .. 2026-11-17)" "$("$M" report --db "$DB" --from 2027-01-01)"
mt_expect "first line of a report of the whole history" "mtastat report 2026-11-01 .. 2026-11-17" \
	"$("$M" report --db "$DB" | head -n 1)"
mt_expect "JSON range of the whole history" "{'from': '2026-11-01', 'to': '2026-11-17'}" \
	"$("$M" report --json --db "$DB" | $PY -c 'import json,sys; print(json.load(sys.stdin)["range"])')"
mt_expect "JSON range of a day not in it" "{'from': None, 'to': None}" \
	"$("$M" report --json --day 2027-01-01 --db "$DB" | $PY -c 'import json,sys; print(json.load(sys.stdin)["range"])')"
exit 0
