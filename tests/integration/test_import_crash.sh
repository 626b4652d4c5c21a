#!/bin/sh
# `mtastat import` killed with SIGKILL in the middle, then run again, gives the
# same report as one clean run; importing again and importing the gzip of the
# same file change nothing.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

# 8000 copies of the definitions fixture with fresh queue ids: ~340k lines.
awk -v copies=8000 '
	{ line[NR] = $0 }
	END {
		split("1A2B3C4D5E 4XyZ5v1QKdz9sBq 5F6E7D8C9B AAAA111111 BBBB222222 CCCC333333 DDDD444444 EEEE555555 FFFF666666", q, " ")
		for (i = 1; i <= copies; i++)
			for (n = 1; n <= NR; n++) {
				l = line[n]
				for (k = 1; k <= 9; k++)
					gsub(q[k], sprintf("%X%06X", k, i), l)
				print l
			}
	}' "$top_srcdir/tests/fixtures/definitions.log" > "$MT_TMP/big.log"
lines=$(wc -l < "$MT_TMP/big.log")
cat > "$MT_TMP/mtastat.conf" <<CONF
localdomain   example.test
contentfilter 127.0.0.1:10024
commitlines   5000
CONF
M="$top_builddir/mtastat"

"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/clean.db" "$MT_TMP/big.log" > /dev/null \
	|| mt_fail "clean import failed"
"$M" report --json --db "$MT_TMP/clean.db" > "$MT_TMP/clean.json"
mt_expect "received in the clean run" $((8000 * 4)) \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["days"]["2026-11-02"]["received"])' "$MT_TMP/clean.json")"

# Kill it once at least one batch is committed and before it finishes.
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/crash.db" "$MT_TMP/big.log" > /dev/null &
pid=$!
committed() {
	[ -f "$MT_TMP/crash.db" ] && [ "$("$M" report --json --db "$MT_TMP/crash.db" 2>/dev/null | grep -c received)" -gt 0 ]
}
mt_wait_for "a first commit" committed
kill -9 $pid 2>/dev/null
wait $pid
partial=$("$M" report --json --db "$MT_TMP/crash.db" | $PY -c 'import json,sys; print(sum(d["received"] for d in json.load(sys.stdin)["days"].values()))')
[ "$partial" -lt $((8000 * 4)) ] || mt_log "note: the import finished before the kill; the re-import check still runs"
mt_log "killed with $partial messages received committed"

"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/crash.db" "$MT_TMP/big.log" > /dev/null \
	|| mt_fail "re-import after the kill failed"
"$M" report --json --db "$MT_TMP/crash.db" > "$MT_TMP/crash.json"
cmp -s "$MT_TMP/clean.json" "$MT_TMP/crash.json" || mt_fail "report differs after kill -9 + re-import: $(diff "$MT_TMP/clean.json" "$MT_TMP/crash.json" | head -5)"
mt_log "ok: kill -9 + re-import = clean run ($lines lines)"

# The same lines in 8 files, one run: a file's last batch is written while
# the next file is read, so a kill can land between two files' batches.
split -l $(( (lines + 7) / 8 )) -d "$MT_TMP/big.log" "$MT_TMP/part."
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/parts.db" "$MT_TMP"/part.* > /dev/null &
pid=$!
parts_committed() {
	[ -f "$MT_TMP/parts.db" ] && [ "$(sqlite3 "$MT_TMP/parts.db" "SELECT count(*) FROM files" 2>/dev/null)" -ge 2 ]
}
mt_wait_for "a second file's commit" parts_committed
kill -9 $pid 2>/dev/null
wait $pid
mt_log "killed in file $(sqlite3 "$MT_TMP/parts.db" "SELECT count(*) FROM files") of 8"
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/parts.db" "$MT_TMP"/part.* > /dev/null \
	|| mt_fail "re-import of the parts after the kill failed"
"$M" report --json --db "$MT_TMP/parts.db" > "$MT_TMP/parts.json"
cmp -s "$MT_TMP/clean.json" "$MT_TMP/parts.json" || mt_fail "8 files, kill -9 + re-import differ from the one file: $(diff "$MT_TMP/clean.json" "$MT_TMP/parts.json" | head -5)"
mt_log "ok: the same lines in 8 files, killed and imported again = the clean run"

gzip -c "$MT_TMP/big.log" > "$MT_TMP/big.log.1.gz"
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/crash.db" "$MT_TMP/big.log" "$MT_TMP/big.log.1.gz" > /dev/null \
	|| mt_fail "second import failed"
"$M" report --json --db "$MT_TMP/crash.db" > "$MT_TMP/again.json"
cmp -s "$MT_TMP/clean.json" "$MT_TMP/again.json" || mt_fail "importing again or the .gz changed the report"
mt_log "ok: importing the same file and its .gz again changes nothing"

# The gzip alone in a fresh history gives the same report.
"$M" import --quiet --year 2026 --config "$MT_TMP/mtastat.conf" --db "$MT_TMP/gz.db" "$MT_TMP/big.log.1.gz" > /dev/null
"$M" report --json --db "$MT_TMP/gz.db" > "$MT_TMP/gz.json"
cmp -s "$MT_TMP/clean.json" "$MT_TMP/gz.json" || mt_fail "the .gz import differs from the plain one"
mt_log "ok: .gz import = plain import"
