#!/bin/sh
# Mail-flow health end to end (issue 14): a Postfix log with a line of every
# shape the parser knows (tests/fixtures/health-postfix.log), imported with
# `mtastat import` in two runs (a message received in the first is
# delivered in the second, without delay=: its delay comes from the receipt
# time the history kept), then `report --json`'s "health" must equal the
# truth counted by hand below, for the whole history and for one day; the
# text report carries the same sections (test_mail.sh: and --mail's body).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

M="$top_builddir/mtastat"
F="$top_srcdir/tests/fixtures"
DB="$MT_TMP/h.db"
"$M" import --quiet --year 2026 --db "$DB" "$F/health-postfix.log" > /dev/null || mt_fail "import 1 failed"
"$M" import --quiet --year 2026 --db "$DB" "$F/health-postfix-2.log" > /dev/null || mt_fail "import 2 failed"

# Nov 3: 8 broken sessions (pregreet: its DNSBL and HANGUP lines are the same
# [addr]:port; dnsbl; lost after CONNECT; timeout after END-OF-MESSAGE; too many
# errors; an anvil rate limit; QUIT without MAIL; QUIT without an accepted
# RCPT), Nov 4: lost after RCPT.  Clients: 2 with STARTTLS, 3 without; servers:
# 1 TLS session (mx.r, two recipients), mx.q and mx.far without a TLS line.
# Replies in: 550 5.7.1 (postscreen, a milter's reject), 550 5.1.1 (smtpd);
# out: 250 2.0.0 x3, 421 4.7.0 (an MX tried first), 451 4.7.1.  Delays:
# 3.5 s, 3.5 s (delay=), 40 s (receipt 10:09:00, delivery 10:09:40).
cat > "$MT_TMP/truth.json" <<'JSON'
{"all": {"broken_total": 9,
  "broken_sessions": {"dnsbl": 1, "lost_after_connect": 1, "lost_after_rcpt": 1, "no_mail": 1,
    "no_rcpt": 1, "pregreet": 1, "rate_limit": 1, "timeout_after_eom": 1, "too_many_errors": 1},
  "tls": {"in_tls": 2, "in_plain": 3, "out_tls": 1, "out_plain": 2, "plain_share_pct": 63},
  "delay_ms": {"count": 3, "p50": 3519, "p95": 39935, "p99": 39935, "max": 40000, "mean": 15666},
  "replies": {"in": [[550, "5.7.1", 2], [550, "5.1.1", 1]],
    "out": [[250, "2.0.0", 3], [421, "4.7.0", 1], [451, "4.7.1", 1]]}},
 "nov4": {"broken_total": 1, "broken_sessions": {"lost_after_rcpt": 1},
  "tls": {"in_tls": 0, "in_plain": 0, "out_tls": 0, "out_plain": 0, "plain_share_pct": null},
  "delay_ms": {"count": 0, "p50": 0, "p95": 0, "p99": 0, "max": 0, "mean": 0},
  "replies": {"in": [], "out": []}}}
JSON
"$M" report --json --db "$DB" > "$MT_TMP/all.json" || mt_fail "report --json failed"
"$M" report --json --db "$DB" --from 2026-11-04 --to 2026-11-04 > "$MT_TMP/nov4.json" \
	|| mt_fail "report --json of a day failed"
out=$($PY - "$MT_TMP/truth.json" "$MT_TMP/all.json" "$MT_TMP/nov4.json" <<'PYEOF'
import json, sys
truth = json.load(open(sys.argv[1]))
diffs = 0
for name, path in (("all", sys.argv[2]), ("nov4", sys.argv[3])):
    h = json.load(open(path))["health"]
    t = truth[name]
    for key in ("broken_total", "broken_sessions", "tls", "delay_ms"):
        if h[key] != t[key]:
            print("%s %s: expected %s, got %s" % (name, key, t[key], h[key]))
            diffs += 1
    for d in ("in", "out"):
        got = [[r["code"], r["enhanced"], r["count"]] for r in h["replies"][d]]
        if got != t["replies"][d]:
            print("%s replies %s: expected %s, got %s" % (name, d, t["replies"][d], got))
            diffs += 1
print("%d difference(s)" % diffs)
sys.exit(1 if diffs else 0)
PYEOF
) || mt_fail "health differs from the truth:
$out"
mt_log "ok: $out"
# Stopped between a postscreen session's PREGREET and its DNSBL and HANGUP
# lines: the next run remembers the session (kept with the read positions)
# and counts it once, as the single run does.
head -n 1 "$F/health-postfix.log" > "$MT_TMP/part1.log"
tail -n +2 "$F/health-postfix.log" > "$MT_TMP/part2.log"
for f in part1.log part2.log; do
	"$M" import --quiet --year 2026 --db "$MT_TMP/split.db" "$MT_TMP/$f" > /dev/null || mt_fail "import $f failed"
done
"$M" import --quiet --year 2026 --db "$MT_TMP/split.db" "$F/health-postfix-2.log" > /dev/null \
	|| mt_fail "import 2 (split) failed"
"$M" report --json --db "$MT_TMP/split.db" > "$MT_TMP/split.json" || mt_fail "report --json (split) failed"
mt_expect "health after a stop inside a postscreen session" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["health"])' "$MT_TMP/all.json")" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["health"])' "$MT_TMP/split.json")"

mt_expect "example of 451 4.7.1" "Greylisted, try later" \
	"$($PY -c 'import json,sys; print([r["example"] for r in json.load(open(sys.argv[1]))["health"]["replies"]["out"] if r["code"] == 451][0])' "$MT_TMP/all.json")"

# A hostile recipient in a reject's text (an escape sequence, UTF-8, a CR)
# reaches the example as printable ASCII only: every other byte is '?'.
printf 'Nov  5 10:00:00 mx postfix/smtpd[42]: NOQUEUE: reject: RCPT from h[192.0.2.9]: 550 5.1.1 <\033[31m\303\251\r@x>: Recipient address rejected; from=<a@b> to=<c@d> proto=ESMTP helo=<h>\n' \
	> "$MT_TMP/hostile.log"
"$M" import --quiet --year 2026 --db "$MT_TMP/hostile.db" "$MT_TMP/hostile.log" > /dev/null || mt_fail "import of the hostile line failed"
mt_expect "a hostile example, sanitised" "<?[31m???@x>: Recipient address rejected" \
	"$("$M" report --json --db "$MT_TMP/hostile.db" | $PY -c 'import json,sys; print(json.load(sys.stdin)["health"]["replies"]["in"][0]["example"])')"
"$M" report --db "$MT_TMP/hostile.db" | grep -q "$(printf '\033')" && mt_fail "an escape byte reached the text report"

"$M" report --db "$DB" > "$MT_TMP/report.txt" || mt_fail "report failed"
for section in "SMTP replies we gave (in)" "SMTP replies servers gave us (out)" \
	"Broken sessions by cause" "TLS" "Delivery delay"; do
	grep -q "^$section" "$MT_TMP/report.txt" || mt_fail "text report without \"$section\""
done
mt_expect "delay line" "  p50 3.5s  p95 39.9s  p99 39.9s  max 40.0s  mean 15.6s" \
	"$(grep '^  p50 ' "$MT_TMP/report.txt")"
mt_expect "TLS out line" "  out              3 sessions, 1 with TLS, 2 without (67%)" \
	"$(grep '^  out ' "$MT_TMP/report.txt")"
mt_expect "broken sessions, all" "          9   all" "$(grep '   all$' "$MT_TMP/report.txt")"
exit 0
