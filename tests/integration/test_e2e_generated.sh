#!/bin/sh
# End to end against counts known independently of the parser: bench/genlog
# writes a realistic 15-day Postfix log and, while writing it, the true counts
# by the definitions; `mtastat import` + `report --json` must match them
# field by field, in BSD and RFC 3339 syslog formats.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

for fmt in bsd rfc3339; do
	"$top_builddir/genlog" --seed 7 --lines 150000 --accounts 2000 --discard 300 --format $fmt \
		--expect "$MT_TMP/expect-$fmt.json" > "$MT_TMP/maillog-$fmt" 2>/dev/null || mt_fail "genlog failed"
	"$top_builddir/mtastat" import --quiet --year 2026 --config "$top_srcdir/bench/mtastat.conf" \
		--db "$MT_TMP/$fmt.db" "$MT_TMP/maillog-$fmt" > "$MT_TMP/import-$fmt.txt" || mt_fail "import failed"
	"$top_builddir/mtastat" report --json --db "$MT_TMP/$fmt.db" > "$MT_TMP/report-$fmt.json"
	out=$($PY "$top_srcdir/bench/compare.py" "$MT_TMP/expect-$fmt.json" "$MT_TMP/report-$fmt.json") \
		|| mt_fail "$fmt: report differs from the true counts:
$out"
	mt_log "ok: $fmt: $(echo "$out" | tail -n 1)"
	grep -q "unparsed 0," "$MT_TMP/import-$fmt.txt" || mt_fail "$fmt: unparsed lines: $(cat "$MT_TMP/import-$fmt.txt")"
done
# the two formats describe the same traffic
cmp -s "$MT_TMP/report-bsd.json" "$MT_TMP/report-rfc3339.json" || mt_fail "BSD and RFC 3339 reports differ"
mt_log "ok: BSD and RFC 3339 logs give the same report"
