#!/bin/sh
# End to end for IceWarp against counts known independently of the parser:
# bench/genlog --mta icewarp writes daily SMTP log files (split by size in
# the middle of sessions, sessions across midnight, thread ids reused and
# interleaved, AUTH LOGIN and PLAIN, a forging SASL account, antispam
# verdicts, 421 blocks, incomplete sessions) and, while writing, the true
# counts of docs/counting.md's IceWarp column; `mtastat import --mta
# icewarp` of its files given in any order + `report --json` must match
# them field by field: with hh:mm:ss lines, and with Merak's old RFC 822
# dates, a padded first column and a server id in the names.  The same
# files imported one run per file match too: sessions in flight persist in
# the history.  No password reaches the history or the
# output, with every debug token on.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

M="$top_builddir/mtastat"
CONF="$top_srcdir/bench/mtastat.conf"
for v in modern old; do
	D="$MT_TMP/logs-$v"
	mkdir -p "$D"
	extra=""
	[ $v = old ] && extra="--pad --server-id 2"
	"$top_builddir/genlog" --mta icewarp --out "$D" --format $v $extra --seed 17 --lines 80000 \
		--accounts 500 --start 2026-12-30 --days 3 --split-bytes 700000 \
		--expect "$MT_TMP/expect-$v.json" 2>/dev/null || mt_fail "genlog $v failed"
	n=$(ls "$D" | wc -l)
	[ "$n" -ge 6 ] || mt_fail "$v: only $n files (expected splits): $(ls "$D")"
	ls "$D" | grep -q -- '-01\.log$' || mt_fail "$v: no size split: $(ls "$D")"
	# newest first: import puts them in (date, split) order itself
	MTASTAT_DEBUG=all "$M" import --quiet --mta icewarp --config "$CONF" --db "$MT_TMP/$v.db" \
		$(ls -r "$D"/*.log) > "$MT_TMP/import-$v.txt" 2> "$MT_TMP/import-$v.err" \
		|| mt_fail "$v: import failed: $(tail -5 "$MT_TMP/import-$v.err")"
	grep -q "unparsed 0," "$MT_TMP/import-$v.txt" || mt_fail "$v: unparsed lines: $(cat "$MT_TMP/import-$v.txt")"
	"$M" report --json --db "$MT_TMP/$v.db" > "$MT_TMP/report-$v.json"
	out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect-$v.json" "$MT_TMP/report-$v.json") \
		|| mt_fail "$v: report differs from the true counts:
$out"
	mt_log "ok: $v: $(echo "$out" | tail -n 1)"
	# issue 14: the parser's replies and TLS sessions equal the truth, day by day
	"$top_builddir/health_tally" icewarp $(ls -r "$D"/*.log) > "$MT_TMP/health-$v.json" \
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
	# passwords are in the logs (base64), never in the history or anything printed
	grep -q 'cHctdXNlc' "$D"/*.log || mt_fail "$v: the generator wrote no AUTH password"
	for f in "$MT_TMP/$v.db" "$MT_TMP/import-$v.txt" "$MT_TMP/import-$v.err"; do
		grep -a -q -e 'Secret!' -e 'Wrong!' -e 'cHctdXNlc' "$f" && mt_fail "$v: a password in $f"
	done
	[ -s "$MT_TMP/import-$v.err" ] || mt_fail "$v: no debug output at all"
	"$M" report --db "$MT_TMP/$v.db" > "$MT_TMP/report-$v.txt"
	sed -n '/^Broken sessions by cause/,/^$/p' "$MT_TMP/report-$v.txt" | grep -q "   timeout$" ||
		mt_fail "$v: text report without sessions"
	grep -a -q -e 'Secret!' -e 'Wrong!' "$MT_TMP/report-$v.txt" && mt_fail "$v: a password in the report"
done
# both forms describe the same mail
cmp -s "$MT_TMP/expect-modern.json" "$MT_TMP/expect-old.json" || mt_fail "the truths of the two forms differ"
cmp -s "$MT_TMP/report-modern.json" "$MT_TMP/report-old.json" || mt_fail "the reports of the two forms differ"
# the diagnostics are there, and the forging account relays under its SASL name
for k in sessions_incomplete_quit sessions_incomplete_data sessions_incomplete_timeout \
	sessions_incomplete_error ipblock_r ipblock_i antispam_spam antispam_none; do
	grep -q "\"$k\": [1-9]" "$MT_TMP/report-modern.json" || mt_fail "no $k in the report"
done
# (users 7, 57, 107, ... authenticate and send with forged external senders)
forgers=$($PY -c 'import json,sys,re; a=json.load(open(sys.argv[1]))["accounts"]; print(len({n for d in a.values() for n in d if re.fullmatch(r"user\d*7@corp.example", n) and int(n[4:n.index("@")]) % 50 == 7}))' "$MT_TMP/report-modern.json")
[ "$forgers" -gt 0 ] || mt_fail "no forging account relays under its SASL name"

# one run per file, in (date, split) order: every cut (a size split in the
# middle of a session, midnight) is a new process; sessions in flight
# (their AUTH name, a delivery awaiting its answer) persist in the history
D="$MT_TMP/logs-modern"
runs=0
for f in $(cd "$D" && ls | awk -F'[.-]' '{ printf "%s %d %s\n", substr($1, length($1) - 7), ($2 == "log" ? 0 : $2), $0 }' | sort -k1,1n -k2,2n | cut -d" " -f3); do
	"$M" import --quiet --mta icewarp --config "$CONF" --db "$MT_TMP/two.db" "$D/$f" > /dev/null \
		|| mt_fail "import of $f alone failed"
	runs=$((runs + 1))
done
"$M" report --json --db "$MT_TMP/two.db" > "$MT_TMP/report-two.json"
out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect-modern.json" "$MT_TMP/report-two.json") \
	|| mt_fail "one run per file: report differs from the true counts:
$out"
mt_log "ok: $runs runs, one per file: $(echo "$out" | tail -n 1)"
# a second import of the same files counts nothing again
"$M" import --quiet --mta icewarp --config "$CONF" --db "$MT_TMP/two.db" "$D"/*.log > /dev/null \
	|| mt_fail "re-import failed"
"$M" report --json --db "$MT_TMP/two.db" > "$MT_TMP/report-again.json"
cmp -s "$MT_TMP/report-two.json" "$MT_TMP/report-again.json" || mt_fail "a re-import counted again"
exit 0
