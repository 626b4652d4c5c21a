#!/usr/bin/python3
"""health_compare.py EXPECTED TALLY: genlog's "health" truth against
health_tally's (replies by direction and code, TLS sessions per direction),
day by day; prints every difference, exits 1 when there is one."""
import json
import sys


def flat(h):
    return {(d, k, n): v for d, x in h.items() for k in ("replies", "tls")
            for n, v in x[k].items() if v}


def main():
    exp, act = (flat(json.load(open(f))["health"]) for f in sys.argv[1:3])
    diff = sorted(k for k in set(exp) | set(act) if exp.get(k) != act.get(k))
    for k in diff[:40]:
        print("%s %s %s: expected %s, got %s" % (k + (exp.get(k), act.get(k))))
    print("%d health difference(s) over %d counts" % (len(diff), len(exp)))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
