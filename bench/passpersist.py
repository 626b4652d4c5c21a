#!/usr/bin/python3
"""A pass_persist handler serving an account table like mtastatAccountTable
(columns 2..7, rows 1..N) under the OID given as argv[1]; rows come from
argv[2] (one "name relayed" per line).  Used by bench/snmp.sh as the peer."""
import bisect
import sys


def main():
    base = sys.argv[1]
    rows = []
    with open(sys.argv[2]) as f:
        for i, line in enumerate(f, 1):
            name, relayed = line.split()
            rows.append((i, name, int(relayed)))
    oids = []  # sorted (tuple, type, value)
    for col in range(2, 8):
        for idx, name, relayed in rows:
            if col == 2:
                t, v = "string", name
            elif col == 3:
                t, v = "gauge", relayed
            elif col == 4:
                t, v = "gauge", 1
            elif col == 5:
                t, v = "gauge", 0
            elif col == 6:
                t, v = "gauge", 100
            else:
                t, v = "integer", 2 if relayed > 100 else 1
            oids.append(((1, col, idx), t, v))
    keys = [o[0] for o in oids]
    prefix = tuple(int(x) for x in base.strip(".").split("."))
    out = sys.stdout
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "PING":
            out.write("PONG\n")
        elif cmd in ("get", "getnext"):
            oid = tuple(int(x) for x in sys.stdin.readline().strip().strip(".").split(".") if x)
            rel = oid[len(prefix):] if oid[:len(prefix)] == prefix else None
            if rel is None:
                i = 0 if oid < prefix else len(keys)
            elif cmd == "get":
                i = bisect.bisect_left(keys, rel)
                if i >= len(keys) or keys[i] != rel:
                    i = None
            else:
                i = bisect.bisect_right(keys, rel)
            if i is None or i >= len(keys):
                out.write("NONE\n")
            else:
                k, t, v = oids[i]
                out.write("%s.%s\n%s\n%s\n" % (base, ".".join(map(str, k)), t, v))
        elif cmd == "set":
            sys.stdin.readline()
            sys.stdin.readline()
            out.write("not-writable\n")
        elif cmd == "":
            break
        out.flush()


if __name__ == "__main__":
    main()
