#!/bin/sh
# End to end against counts known independently of the parser: bench/genlog
# writes a realistic 15-day Postfix log and, while writing it, the true counts
# by the definitions; `mtastat import` + `report --json` must match them
# field by field, in BSD and RFC 3339 syslog formats; and (issue 14) the
# parser's replies and TLS outcomes, and the report's totals of them, the
# generator's "health" truth.
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
	# issue 14: the parser's replies and TLS outcomes equal the truth day by day,
	# and the history's totals of them (report --json's "health") too
	"$top_builddir/health_tally" postfix "$MT_TMP/maillog-$fmt" > "$MT_TMP/health-$fmt.json" \
		|| mt_fail "$fmt: health_tally failed"
	out=$($PY "$top_srcdir/tests/integration/health_compare.py" "$MT_TMP/expect-$fmt.json" \
		"$MT_TMP/health-$fmt.json") || mt_fail "$fmt: the parser's replies and TLS differ from the truth:
$out"
	mt_log "ok: $fmt: $out"
	"$top_builddir/mtastat" report --json --top 1000 --db "$MT_TMP/$fmt.db" > "$MT_TMP/health-report-$fmt.json"
	out=$($PY - "$MT_TMP/expect-$fmt.json" "$MT_TMP/health-report-$fmt.json" <<'PYEOF'
import json, sys
exp = json.load(open(sys.argv[1]))["health"]
h = json.load(open(sys.argv[2]))["health"]
want, tls = {}, {"in": 0, "in_plain": 0, "out": 0}
for day in exp.values():
    for k, n in day["replies"].items():
        want[k] = want.get(k, 0) + n
    for k in tls:
        tls[k] += day["tls"][k]
got = {}
for d in ("in", "out"):
    for r in h["replies"][d]:
        got["%s %d%s" % (d, r["code"], " " + r["enhanced"] if r["enhanced"] else "")] = r["count"]
diffs = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
for k in sorted(diffs):
    print("reply %s: expected %s, got %s" % (k, want.get(k), got.get(k)))
for k, g in (("in", "in_tls"), ("in_plain", "in_plain"), ("out", "out_tls")):
    if tls[k] != h["tls"][g]:
        print("tls %s: expected %s, got %s" % (g, tls[k], h["tls"][g]))
        diffs.append(g)
print("%d difference(s) in %d reply keys and the TLS totals" % (len(diffs), len(want)))
sys.exit(1 if diffs else 0)
PYEOF
) || mt_fail "$fmt: report --json's health differs from the truth:
$out"
	mt_log "ok: $fmt: $out"
done
# the two formats describe the same traffic
cmp -s "$MT_TMP/report-bsd.json" "$MT_TMP/report-rfc3339.json" || mt_fail "BSD and RFC 3339 reports differ"
mt_log "ok: BSD and RFC 3339 logs give the same report"
