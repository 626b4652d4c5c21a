#!/usr/bin/python3
"""health_report_compare.py EXPECTED REPORT [--delays]: genlog's "health"
truth, summed over its days, against `mtastat report --json`'s "health"
(replies by direction, code and enhanced code; TLS sessions per direction),
the whole way through correlator, store and report.  --delays: every
delivered recipient has a delay (the report's delay count equals the days'
delivered).  Prints every difference, exits 1 when there is one."""
import json
import sys


def main():
    exp, rep = (json.load(open(f)) for f in sys.argv[1:3])
    want, got = {}, {}
    for day in exp["health"].values():
        for k, n in day["replies"].items():
            want[("reply",) + tuple(k.split())] = want.get(("reply",) + tuple(k.split()), 0) + n
        for k, n in day["tls"].items():
            want[("tls", k)] = want.get(("tls", k), 0) + n
    h = rep.get("health", {})
    for d, rows in h.get("replies", {}).items():
        for r in rows:
            key = ("reply", d, str(r["code"])) + ((r["enhanced"],) if r.get("enhanced") else ())
            got[key] = got.get(key, 0) + r["count"]
    names = {"in": "in_tls", "in_plain": "in_plain", "out": "out_tls", "out_plain": "out_plain"}
    for k, n in names.items():
        got[("tls", k)] = h.get("tls", {}).get(n, 0)
    if "--delays" in sys.argv[3:]:
        want[("delays",)] = sum(d.get("delivered", 0) for d in exp["days"].values())
        got[("delays",)] = h.get("delay_ms", {}).get("count", 0)
    diff = sorted(k for k in set(want) | set(got) if want.get(k, 0) != got.get(k, 0))
    for k in diff:
        print("%s: expected %d, got %d" % (" ".join(k), want.get(k, 0), got.get(k, 0)))
    print("%d report health difference(s) over %d counts" % (len(diff), len(want)))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
