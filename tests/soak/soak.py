#!/usr/bin/python3
"""soak.py: the helper of tests/soak/soak.sh (Debian's python3, standard
library only).  Subcommands:

  plan     --seed S --seconds D --out DIR
           the seeded schedule: DIR/chaos.plan (OFFSET ACTION SECONDS, read by
           soak.sh) and DIR/rotate.plan (OFFSET KIND LINGER, read by writer)
  writer   --src FILE --log PATH --rate R --t0 T0 --plan FILE --progress FILE
           --events FILE
           appends FILE's lines to PATH at R lines/s from T0 on, whole lines
           per write, and rotates PATH as the plan says (rename+create with a
           writer that lingers on the renamed file, copytruncate, numbered
           siblings with delaycompress or compress, dated siblings)
  poll     --target HOST:PORT --state FILE --progress FILE --stop FILE --out FILE
           snmpget of mtastatLinesRead and mtastatHistoryWriteFailures every
           POLL_INTERVAL s until FILE --stop exists; one line per GET
  waituntil T0 OFFSET    sleep until the wall clock is T0 + OFFSET
  now                    print the wall clock (seconds, float)
  summary  --dir DIR ... the summary table (see soak.sh)
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

POLL_INTERVAL = 0.5     # s between two GETs of the poller: ~2 snmpget/s is cheap
GET_TIMEOUT = "1"       # snmpget -t: one try of one second, like an NMS poller
TICK = 0.05             # s between two appends of the writer (20 writes/s)
KEEP = 30               # rotated generations kept per naming scheme (never
                        # reached in a 10-minute run: a deleted file with
                        # unread lines would be a real, not a daemon's, loss)
MIN_ROTATION_GAP = 8.0  # s between two rotations: more than the longest linger
ROOT = ".1.3.6.1.4.1.8072.9999.9999.25.1.1"
OID_LINES = ROOT + ".4.0"
OID_FAILURES = ROOT + ".15.0"

# rotation kinds (what logrotate and syslog daemons do):
#   rename       mail.log -> mail.log.1, new mail.log; the writer keeps appending
#                to the renamed file for LINGER s (rsyslog until its HUP);
#                delaycompress: the previous .1 (now .2) is gzipped
#   rename-gz    the same, then mail.log.1 is gzipped once the writer moved
#                (compress without delaycompress, postrotate HUP before gzip)
#   copytruncate cp mail.log mail.log.1, truncate mail.log (writer paused in
#                between: the gap is inherent); delaycompress as rename
#   copytruncate-gz  the same, the copy gzipped at once
#   dated        mail.log -> mail.log-YYYYMMDD-EPOCH (dateext), new mail.log,
#                lingering writer; the previous dated file gzipped (delaycompress)
KINDS = ["rename", "rename-gz", "copytruncate", "copytruncate-gz", "dated"]
ACTIONS = [("kill", 40), ("snmpd", 15), ("lock", 15), ("diskfull", 15),
           ("lock+kill", 7), ("diskfull+kill", 8)]


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for name, w in weighted:
        x -= w
        if x <= 0:
            return name
    return weighted[-1][0]


# ---------------------------------------------------------------- plan

def cmd_plan(a):
    """Chaos events never overlap one another (each starts after the previous
    one ended); rotations are independent of them, and some are placed inside
    long kill windows (rotation while the daemon is down, once or twice)."""
    rng = random.Random(a.seed)
    end = a.seconds - 5.0
    chaos = []
    forced = []
    t = rng.uniform(4, 10)
    while t < end:
        act = pick(rng, ACTIONS)
        if act == "kill":
            if rng.random() < 0.5:
                dur = rng.uniform(0.2, 3)         # back after a few seconds
            else:
                dur = rng.uniform(8, 20)          # down for a while ...
                n = rng.choice([1, 1, 2])         # ... with one or two rotations
                for i in range(n):
                    forced.append(t + 1 + i * (dur - 2) / n + rng.uniform(0, 0.5))
        elif act == "snmpd":
            dur = rng.uniform(0, 5)
        elif act.endswith("+kill"):
            dur = rng.uniform(6, 12)              # kill -9 and restart half-way
        else:
            dur = rng.uniform(2, 8)
        if t + dur > end:
            break
        chaos.append((t, act, dur))
        t += dur + rng.uniform(4, 15)
    rot = []
    t = rng.uniform(6, 20)
    while t < end:
        rot.append(t)
        t += rng.uniform(10, 30)
    # forced ones win; drop the random ones too close to another rotation
    times = sorted(forced)
    for r in rot:
        if all(abs(r - f) >= MIN_ROTATION_GAP for f in times):
            times.append(r)
            times.sort()
    kept = []
    for r in times:
        if not kept or r - kept[-1] >= MIN_ROTATION_GAP / 2:
            kept.append(r)
    with open(os.path.join(a.out, "chaos.plan"), "w") as f:
        for t, act, dur in chaos:
            f.write("%.2f %s %.2f\n" % (t, act, dur))
    with open(os.path.join(a.out, "rotate.plan"), "w") as f:
        for t in kept:
            kind = rng.choice(KINDS)
            linger = rng.uniform(0.5, 4) if kind in ("rename", "rename-gz", "dated") else 0
            f.write("%.2f %s %.2f\n" % (t, kind, linger))
    return 0


# ---------------------------------------------------------------- writer

class Writer:
    def __init__(self, a):
        self.a = a
        self.log = a.log
        self.dir = os.path.dirname(a.log) or "."
        self.base = os.path.basename(a.log)
        self.src = open(a.src, "rb")
        self.written = 0
        self.fd = self.open_log()
        self.events = open(a.events, "a")
        self.pending_gz = []      # (when, path): gzip once the writer moved
        self.linger_until = None  # the writer still appends to the renamed file
        self.t0 = a.t0

    def open_log(self):
        return os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def event(self, what):
        self.events.write("%.2f rotate %s line %d\n" % (time.time() - self.t0, what, self.written))
        self.events.flush()

    def progress(self, n):
        tmp = self.a.progress + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % n)
        os.replace(tmp, self.a.progress)

    def write_upto(self, target):
        if target <= self.written:
            return
        lines = []
        for _ in range(target - self.written):
            line = self.src.readline()
            if not line:
                break
            if not line.endswith(b"\n"):
                line += b"\n"
            lines.append(line)
        if not lines:
            return
        # the progress file may run ahead of the file, never behind it
        self.progress(self.written + len(lines))
        buf = b"".join(lines)
        while buf:
            n = os.write(self.fd, buf)
            buf = buf[n:]
        self.written += len(lines)

    def path(self, suffix):
        return os.path.join(self.dir, self.base + suffix)

    def shift_numbered(self):
        """mail.log.N[.gz] -> mail.log.N+1[.gz], oldest first; delaycompress
        gzips the former .1 (now .2) when the writer is no longer on it."""
        for i in range(KEEP, 0, -1):
            for gz in (".gz", ""):
                src = self.path(".%d%s" % (i, gz))
                if os.path.exists(src):
                    if i == KEEP:
                        os.unlink(src)
                    else:
                        os.rename(src, self.path(".%d%s" % (i + 1, gz)))
        if os.path.exists(self.path(".2")):
            self.gzip(self.path(".2"))

    def gzip(self, path):
        if self.a.gzip_tmpdir is None:
            # like logrotate: gzip writes PATH.gz under its final name (a
            # reader may see it empty or half written), then removes PATH
            subprocess.run(["gzip", "-6", "-f", path], check=True)
            return
        # --atomic-gzip: compressed elsewhere, renamed into place whole
        tmp = os.path.join(self.a.gzip_tmpdir, os.path.basename(path) + ".gz")
        with open(tmp, "wb") as out:
            subprocess.run(["gzip", "-6", "-c", path], stdout=out, check=True)
        shutil.copystat(path, tmp)
        os.rename(tmp, path + ".gz")
        os.unlink(path)

    def dated_name(self):
        now = time.time()
        name = time.strftime("-%Y%m%d", time.localtime(now)) + "-%d" % int(now)
        while os.path.exists(self.path(name)) or os.path.exists(self.path(name + ".gz")):
            now += 1
            name = time.strftime("-%Y%m%d", time.localtime(now)) + "-%d" % int(now)
        return name

    def rotate(self, kind, linger):
        if kind in ("rename", "rename-gz"):
            self.shift_numbered()
            os.rename(self.log, self.path(".1"))
            os.close(os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            self.linger_until = time.time() + linger
            if kind == "rename-gz":
                self.pending_gz.append(self.path(".1"))
            self.event("%s to %s.1, writer lingers %.1f s" % (kind, self.base, linger))
        elif kind in ("copytruncate", "copytruncate-gz"):
            self.shift_numbered()
            # the writer is paused (this process) from the copy to the
            # truncation: a line written in between would be in neither file
            shutil.copyfile(self.log, self.path(".1"))
            shutil.copystat(self.log, self.path(".1"))
            os.truncate(self.log, 0)
            self.event("%s to %s.1" % (kind, self.base))
            if kind == "copytruncate-gz":
                self.gzip(self.path(".1"))
        elif kind == "dated":
            for name in sorted(os.listdir(self.dir)):
                if name.startswith(self.base + "-") and not name.endswith(".gz"):
                    self.gzip(os.path.join(self.dir, name))
            suffix = self.dated_name()
            os.rename(self.log, self.path(suffix))
            os.close(os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            self.linger_until = time.time() + linger
            self.event("dated to %s%s, writer lingers %.1f s" % (self.base, suffix, linger))

    def end_linger(self):
        os.close(self.fd)
        self.fd = self.open_log()
        self.linger_until = None
        self.event("writer reopened %s" % self.base)
        for p in self.pending_gz:
            self.gzip(p)
        self.pending_gz = []

    def run(self):
        plan = []
        with open(self.a.plan) as f:
            for line in f:
                t, kind, linger = line.split()
                plan.append((float(t), kind, float(linger)))
        total = self.a.lines
        rate = self.a.rate
        self.progress(0)
        while True:
            now = time.time()
            el = now - self.t0
            if self.linger_until is not None and now >= self.linger_until:
                self.end_linger()
            if plan and el >= plan[0][0] and self.linger_until is None:
                _, kind, linger = plan.pop(0)
                self.rotate(kind, linger)
            self.write_upto(min(total, int(rate * el)))
            if self.written >= total and self.linger_until is None and not plan:
                break
            if self.written >= total and plan and self.linger_until is None:
                plan = []  # no rotation after the last line
                continue
            time.sleep(TICK)
        os.close(self.fd)
        self.events.write("%.2f writer done %d lines\n" % (time.time() - self.t0, self.written))
        self.events.close()
        return 0


def cmd_writer(a):
    return Writer(a).run()


# ---------------------------------------------------------------- poll

def read_first(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def cmd_poll(a):
    """One line per poll: OFFSET STATE RESULT MS LINES FAILURES WRITTEN, where
    RESULT is ok, timeout, nosuch (snmpd answered, no subagent) or error."""
    out = open(a.out, "a")
    t0 = a.t0
    while not os.path.exists(a.stop):
        state = read_first(a.state, "up") or "up"
        t = time.time()
        p = subprocess.run(["snmpget", "-v2c", "-c", "public", "-t", GET_TIMEOUT, "-r", "0",
                            "-On", "-Oqv", a.target, OID_LINES, OID_FAILURES],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ms = (time.time() - t) * 1000
        written = read_first(a.progress, "0") or "0"
        state2 = read_first(a.state, "up") or "up"
        if state2 != state:
            state = state + "/" + state2
        vals = p.stdout.split()
        if p.returncode == 0 and len(vals) == 2 and vals[0].isdigit():
            res, lines, fails = "ok", vals[0], vals[1]
        elif "Timeout" in p.stderr:
            res, lines, fails = "timeout", "-", "-"
        elif "No Such" in p.stdout or "No Such" in p.stderr:
            res, lines, fails = "nosuch", "-", "-"
        else:
            res, lines, fails = "error", "-", "-"
        out.write("%.2f %s %s %.1f %s %s %s\n" % (t - t0, state, res, ms, lines, fails, written))
        out.flush()
        rest = POLL_INTERVAL - (time.time() - t)
        if rest > 0:
            time.sleep(rest)
    return 0


# ---------------------------------------------------------------- summary

def pct(values, q):
    if not values:
        return 0.0
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(q / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def read_facts(path):
    facts = {}
    for line in open(path):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            facts[k] = v
    return facts


def cmd_summary(a):
    d = a.dir
    f = read_facts(os.path.join(d, "facts"))
    chaos = [l.split(None, 2) for l in open(os.path.join(d, "chaos.events")) if l.strip()]
    rot = [l.split() for l in open(os.path.join(d, "writer.events")) if " rotate " in l]
    rot = [(float(r[0]), r[2]) for r in rot if r[2] in KINDS]
    polls = [l.split() for l in open(os.path.join(d, "poll.out")) if l.strip()]
    count = {}
    for e in chaos:
        count[e[1]] = count.get(e[1], 0) + 1
    kinds = {}
    for _, k in rot:
        kinds[k] = kinds.get(k, 0) + 1
    # rotations between a kill and the restart
    down, t_kill = 0, None
    for e in chaos:
        if e[1] == "kill":
            t_kill = float(e[0])
        elif e[1] == "restart" and t_kill is not None:
            down += sum(1 for t, _ in rot if t_kill <= t <= float(e[0]))
            t_kill = None
    held = [float(e[2].split()[1]) for e in chaos if e[1] == "lock"]
    failed_locks = count.get("lock-failed", 0)
    full = [e for e in chaos if e[1] == "diskfull"]
    full_biting = 0
    for e in full:
        m = re.search(r"WriteFailures (\S+) -> (\S+)", e[2])
        if m and m.group(1).isdigit() and m.group(2).isdigit() and int(m.group(2)) > int(m.group(1)):
            full_biting += 1
    locks_biting = 0
    for e in chaos:
        if e[1] == "lock":
            m = re.search(r"WriteFailures (\S+) -> (\S+) \(held\) -> (\S+)", e[2])
            if m and m.group(1).isdigit() and m.group(3).isdigit() and int(m.group(3)) > int(m.group(1)):
                locks_biting += 1
    answered = [float(p[3]) for p in polls if p[2] == "ok"]
    live = [p for p in polls if "snmpd-down" not in p[1]]
    timeouts = [p for p in live if p[2] == "timeout"]
    timeouts_down = sum(1 for p in polls if "snmpd-down" in p[1] and p[2] == "timeout")
    nosuch = sum(1 for p in polls if p[2] == "nosuch")
    errors = sum(1 for p in polls if p[2] == "error")
    by_state = {}
    for p in polls:
        if p[2] == "ok":
            by_state.setdefault(p[1].split("/")[0], []).append(float(p[3]))
    # published totals are committed totals: never back, never ahead of the writer
    back = ahead = 0
    last = -1
    notes = []
    for p in polls:
        if p[2] != "ok":
            continue
        v, w = int(p[4]), int(p[6])
        if v < last:
            back += 1
            if back <= 5:
                notes.append("t=%s mtastatLinesRead went back from %d to %d" % (p[0], last, v))
        if v > w:
            ahead += 1
            if ahead <= 5:
                notes.append("t=%s mtastatLinesRead %d > %d lines written" % (p[0], v, w))
        last = max(last, v)
    for p in timeouts[:5]:
        notes.append("t=%s snmpget timed out (state %s)" % (p[0], p[1]))
    # mtastatHistoryWriteFailures counts since the agent started: add up
    # the highest value seen in each life of the daemon
    total_failures, cur = 0, 0
    for p in polls:
        if p[2] == "ok" and p[5].isdigit():
            v = int(p[5])
            if v < cur:
                total_failures += cur
            cur = v
    total_failures += cur
    kills_inside = sum(1 for e in chaos if e[1] == "kill" and e[2].startswith("inside"))
    rows = [
        ("seed", f.get("seed")),
        ("gzip", "atomic (--atomic-gzip)" if f.get("atomic_gzip") == "1" else "in place, like logrotate"),
        ("duration of the writer (s)", f.get("seconds")),
        ("catch-up done at (s)", f.get("catchup")),
        ("lines written", f.get("lines")),
        ("mtastatLinesRead at the end", f.get("read")),
        ("lines in the history", f.get("history_lines")),
        ("unparsed lines in the history (genlog's all parse)", f.get("unparsed")),
        ("mtastatd kill -9", count.get("kill", 0)),
        ("  inside a lock or disk-full window", kills_inside),
        ("  rotations while it was down", down),
        ("mtastatd unexpected exits", count.get("crash", 0)),
        ("rotations", len(rot)),
    ]
    for k in KINDS:
        rows.append(("  " + k, kinds.get(k, 0)))
    rows += [
        ("snmpd restarts", count.get("snmpd", 0)),
        ("lock windows (sqlite3 BEGIN IMMEDIATE)", "%d, %.0f s held, %d with failed commits%s" % (
            len(held), sum(held), locks_biting,
            ", %d not acquired" % failed_locks if failed_locks else "")),
        ("disk-full windows (tmpfs)", "%d, %d with failed commits" % (len(full), full_biting)
         if f.get("tmpfs") == "1" else "skipped (not root)"),
        ("failed commits (WriteFailures, summed)", total_failures),
        ("traps historyWriteFailed / Resumed", "%s / %s" % (f.get("traps_failed"), f.get("traps_resumed"))),
        ("snmpget polls", len(polls)),
        ("  answered", len(answered)),
        ("  timeouts, snmpd up", len(timeouts)),
        ("  timeouts, snmpd down (expected)", timeouts_down),
        ("  noSuchObject (subagent not registered)", nosuch),
        ("  other errors", errors),
        ("  latency p50 / p99 / max (ms)", "%.0f / %.0f / %.0f" % (
            pct(answered, 50), pct(answered, 99), max(answered) if answered else 0)),
    ]
    for st in sorted(by_state):
        if st != "up":
            v = by_state[st]
            rows.append(("    while %s: p99 / max (n)" % st,
                         "%.0f / %.0f (%d)" % (pct(v, 99), max(v), len(v))))
    rows += [
        ("LinesRead going back / ahead of the writer", "%d / %d" % (back, ahead)),
        ("loss lines in the daemon's log", f.get("loss_lines")),
        ("compare.py", f.get("diffs")),
        ("defects", f.get("defects")),
    ]
    w = max(len(r[0]) for r in rows)
    out = ["%-*s  %s" % (w, k, v) for k, v in rows]
    out += ["note: " + n for n in notes]
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(d, "summary.txt"), "w") as fh:
        fh.write(text)
    return 1 if back + ahead + len(timeouts) else 0


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("writer")
    for o in ("--src", "--log", "--plan", "--progress", "--events"):
        p.add_argument(o, required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--lines", type=int, required=True)
    p.add_argument("--t0", type=float, required=True)
    p.add_argument("--gzip-tmpdir", default=None)
    p = sub.add_parser("poll")
    for o in ("--target", "--state", "--progress", "--stop", "--out"):
        p.add_argument(o, required=True)
    p.add_argument("--t0", type=float, required=True)
    p = sub.add_parser("waituntil")
    p.add_argument("--max", type=float, default=None)
    p.add_argument("t0", type=float)
    p.add_argument("offset", type=float)
    p = sub.add_parser("now")
    p.add_argument("--t0", type=float, default=None)
    p = sub.add_parser("summary")
    p.add_argument("--dir", required=True)
    a = ap.parse_args()
    if a.cmd == "plan":
        return cmd_plan(a)
    if a.cmd == "writer":
        return cmd_writer(a)
    if a.cmd == "poll":
        return cmd_poll(a)
    if a.cmd == "waituntil":
        # exit 1 when --max seconds went by before the moment came
        rest = a.t0 + a.offset - time.time()
        if a.max is not None and rest > a.max:
            time.sleep(a.max)
            return 1
        if rest > 0:
            time.sleep(rest)
        return 0
    if a.cmd == "now":
        if a.t0 is not None:
            print("%.2f" % (time.time() - a.t0))
        else:
            print("%.3f" % time.time())
        return 0
    if a.cmd == "summary":
        return cmd_summary(a)
    return 2


if __name__ == "__main__":
    sys.exit(main())
