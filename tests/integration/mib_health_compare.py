#!/usr/bin/python3
"""
The mail-flow health of MTASTAT-MIB against `mtastat report --json`, for the
tests that start mtastatd (test_mib_health*.sh).

usage: mib_health_compare.py TMP MIB_OBJECTS_OID
TMP holds r_today.json and r_yest.json (report --json --day of today and
yesterday) and the walks w_reply, w_broken, w_delay, w_tls (snmpwalk -On
-Oqe of mtastatObjects.6 .. .9).  Every reply row, cause and scalar must
equal the report's; a row only one of the days has is 0 on the other.
With r_range.json (report --json over the whole history), w_err (a walk
of mtaGroupErrorTable) and w_appl (of applEntry) it also checks the MTA-MIB:
the error counts by group and RFC 2789 status code, and the accumulated
associations.  Exits 1 and prints each difference.
"""
import json, sys
tmp, M = sys.argv[1], sys.argv[2]
def walk(name):
    out = {}
    for line in open(f"{tmp}/{name}"):
        oid, _, v = line.rstrip("\n").partition(" ")
        out[oid] = v.strip('"')
    return out
def enh_code(e):
    c, s, d = (int(x) for x in e.split(".")) if e else (0, 0, 0)
    return (c * 1000 + s) * 1000 + d if e else 0
days = [json.load(open(f"{tmp}/r_{d}.json"))["health"] for d in ("today", "yest")]
bad = []
def same(what, want, got):
    if str(want) != str(got):
        bad.append(f"{what}: report {want}, MIB {got}")
# replies: index direction.code.enhanced
rows = {}
for i, h in enumerate(days):
    for d, dn in (("in", 1), ("out", 2)):
        for r in h["replies"][d]:
            key = f"{dn}.{r['code']}.{enh_code(r['enhanced'])}"
            rows.setdefault(key, [0, 0, None])[i] += r["count"]
            if rows[key][2] is None:
                rows[key][2] = r["example"]
w = walk("w_reply")
shown = {o[len(M) + 7:] for o in w if o.startswith(f"{M}.6.1.5.")}
same("reply rows", sorted(rows), sorted(shown))
for key, (t, y, ex) in rows.items():
    same(f"mtastatReplyToday.{key}", t, w.get(f"{M}.6.1.5.{key}"))
    same(f"mtastatReplyYesterday.{key}", y, w.get(f"{M}.6.1.6.{key}"))
    same(f"mtastatReplyExample.{key}", ex, w.get(f"{M}.6.1.7.{key}"))
# broken sessions by cause
w = walk("w_broken")
causes = {w[o]: o.rsplit(".", 1)[1] for o in w if o.startswith(f"{M}.7.1.2.")}
want = set(days[0]["broken_sessions"]) | set(days[1]["broken_sessions"])
same("causes", sorted(want), sorted(causes))
for c, idx in causes.items():
    same(f"mtastatBrokenToday {c}", days[0]["broken_sessions"].get(c, 0), w[f"{M}.7.1.3.{idx}"])
    same(f"mtastatBrokenYesterday {c}", days[1]["broken_sessions"].get(c, 0), w[f"{M}.7.1.4.{idx}"])
# today's delay and TLS
w = {**walk("w_delay"), **walk("w_tls")}
d, t = days[0]["delay_ms"], days[0]["tls"]
for col, key in ((1, "count"), (2, "p50"), (3, "p95"), (4, "p99"), (5, "max")):
    same(f"mtastatDelay {key}", d[key], w.get(f"{M}.8.{col}.0"))
for col, key in ((1, "in_tls"), (2, "in_plain"), (3, "out_tls"), (4, "out_plain")):
    same(f"mtastatTls {key}", t[key], w.get(f"{M}.9.{col}.0"))
share = t["plain_share_pct"]
same("mtastatPlainSharePercentToday", -1 if share is None else share, w.get(f"{M}.9.5.0"))
import os
if os.path.exists(f"{tmp}/r_range.json"):
    h = json.load(open(f"{tmp}/r_range.json"))["health"]
    def status(code, e):
        # RFC 2789: ((class * 1000) + subject) * 1000 + detail; none: the basic class
        try:
            c, sub, d = (int(x) for x in e.split("."))
            if c in (4, 5) and sub <= 999 and d <= 999:
                return (c * 1000 + sub) * 1000 + d
        except ValueError:
            pass
        return code // 100 * 1000000 if code // 100 in (4, 5) else 0
    want = {}
    for d, group, col in (("in", 1, 1), ("out", 2, 3)):
        for r in h["replies"][d]:
            st = status(r["code"], r["enhanced"])
            if st:
                key = f".1.3.6.1.2.1.28.5.1.{col}.1.{group}.{st}"
                want[key] = want.get(key, 0) + r["count"]
    got = {o: v for o, v in walk("w_err").items()}
    same("mtaGroupErrorTable rows", sorted(want), sorted(got))
    for k, v in want.items():
        same(k, v % 2**32, got.get(k))
    appl = walk("w_appl")
    t = h["tls"]
    same("applAccumulatedInboundAssociations", t["in_tls"] + t["in_plain"],
         appl.get(".1.3.6.1.2.1.27.1.1.10.1"))
    same("applAccumulatedOutboundAssociations", t["out_tls"] + t["out_plain"],
         appl.get(".1.3.6.1.2.1.27.1.1.11.1"))
print("\n".join(bad))
sys.exit(1 if bad else 0)
