#!/usr/bin/python3
"""compare.py EXPECTED ACTUAL: field-by-field comparison of two report JSONs
(days and accounts); prints every difference, exits 1 when there is one."""
import json
import sys


def main():
    exp = json.load(open(sys.argv[1]))
    act = json.load(open(sys.argv[2]))
    diffs = 0
    for day in sorted(set(exp["days"]) | set(act["days"])):
        e, a = exp["days"].get(day, {}), act["days"].get(day, {})
        for key in sorted(set(e) | set(a)):
            if e.get(key, 0) != a.get(key, 0):
                print("%s %s: expected %s, got %s" % (day, key, e.get(key, 0), a.get(key, 0)))
                diffs += 1
    for day in sorted(set(exp["accounts"]) | set(act["accounts"])):
        e, a = exp["accounts"].get(day, {}), act["accounts"].get(day, {})
        for acct in sorted(set(e) | set(a)):
            if e.get(acct) != a.get(acct):
                diffs += 1
                if diffs < 40:
                    print("%s %s: expected %s, got %s" % (day, acct, e.get(acct), a.get(acct)))
    ndays = len(exp["days"])
    naccts = sum(len(v) for v in exp["accounts"].values())
    print("%d difference(s) over %d days and %d account-days" % (diffs, ndays, naccts))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
