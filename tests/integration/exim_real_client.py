#!/usr/bin/python3
"""The client side of test_exim_real.sh: drives a real Exim across midnight and
records the truth of what happened from the client's and the sinks' side only.

usage: exim_real_client.py EXIM_PORT EXIM_CMD OFFSET DAY SINKDIR MAILDIR TRUTH CUTOFF

EXIM_CMD runs Exim with the test's configuration (for queue runs and the
queue count); OFFSET is the libfaketime offset in seconds Exim runs under, so
Exim's clock is time.time() + OFFSET; DAY is the faked day before midnight
(YYYY-MM-DD).  SINKDIR holds the logs of the three SMTP sinks
(accept.log, defer.log, refuse.log: one "accepted"/"refused" line per
transaction, see smtp_sink.py) and the accepting sink's messages in accept/;
MAILDIR holds the local mailboxes Exim appends to.  CUTOFF is the seconds
after which Exim's retry rule for the deferring sink's domain (F,CUTOFF s,1s)
returns a waiting message: phase B forces a queue run after phase A's
messages are older than this and phase B's are not yet.

Phase A runs before midnight and phase B after it, on the faked clock; each
phase sends its messages, forces queue runs, waits until Exim has settled,
and snapshots the sinks.  Every counter is attributed to the day of the phase
in which the client or a sink saw it happen, and the truth is written to
TRUTH as {"days": {day: {counter: n}}, "accounts": {day: {account:
{"relayed": n, "relayed_messages": n}}}, "sent": [...]}.
"""
import datetime
import json
import os
import smtplib
import ssl
import subprocess
import sys
import time

# Seconds kept between a message's age and the cutoff at a queue run, either
# side: Exim's clock and ours differ by the time a process takes to start.
MARGIN = 3
# Phase A starts this long before midnight (test_exim_real.sh's LEAD):
# enough for its sends, deliveries and first queue run on a loaded two-core
# machine.
LEAD = 20
# Any single wait for Exim or a sink gives up after this many seconds.
WAIT = 30

# The SASL accounts of the test's Exim configuration (its plain_server
# authenticator) and their passwords.
ACCOUNTS = {"alice": "alice-pw", "bob": "bob-pw"}


def log(msg):
    print("exim_real_client: %s" % msg, file=sys.stderr, flush=True)


class Run:
    def __init__(self, port, exim, offset, day, sinkdir, maildir, cutoff):
        self.port, self.exim, self.offset, self.cutoff = port, exim.split(), offset, cutoff
        self.day = datetime.date.fromisoformat(day)
        self.sinkdir, self.maildir = sinkdir, maildir
        self.sent = []           # (phase, account, sender, rcpts accepted)
        self.days = {}
        self.accounts = {}
        self.sender_account = {}  # envelope sender -> account (relay senders)
        self.snap = {"accept": 0, "defer": 0, "refuse": 0, "mbox": 0}
        self.deferred_seen = set()  # messages the deferring sink refused once

    # ---- clocks -------------------------------------------------------
    def fake_now(self):
        return time.time() + self.offset

    def fake_day(self):
        return datetime.datetime.fromtimestamp(self.fake_now(), datetime.timezone.utc).date()

    def midnight(self):
        d = self.day + datetime.timedelta(days=1)
        return datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc).timestamp()

    def sleep_until_fake(self, t):
        left = t - self.fake_now()
        if left > 0:
            time.sleep(left)

    # ---- counters -----------------------------------------------------
    def add(self, day, key, n=1):
        self.days.setdefault(day.isoformat(), {}).setdefault(key, 0)
        self.days[day.isoformat()][key] += n

    def add_account(self, day, account, relayed):
        a = self.accounts.setdefault(day.isoformat(), {}).setdefault(
            account, {"relayed": 0, "relayed_messages": 0})
        a["relayed"] += relayed
        a["relayed_messages"] += 1

    # ---- the client ---------------------------------------------------
    def session(self, phase, day, account, messages, password=None):
        """One SMTP session: AUTH as ACCOUNT when given, then MESSAGES
        [(sender, [rcpts])]; the server's answers are the truth."""
        s = smtplib.SMTP("127.0.0.1", self.port, timeout=WAIT)
        s.ehlo("client.test")
        # authenticated sessions use STARTTLS (the certificate is the test's own)
        tls = account is not None
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.starttls(context=ctx)
            s.ehlo("client.test")
        if account is not None:
            try:
                s.login(account, password or ACCOUNTS[account])
            except smtplib.SMTPAuthenticationError as e:
                if e.smtp_code != 535:
                    raise
                self.add(day, "auth_failed")
                s.quit()
                return
        for sender, rcpts in messages:
            body = "Subject: %s %s\r\nFrom: %s\r\n\r\nmtastat real Exim test\r\n" % (
                phase, sender, sender)
            try:
                refused = s.sendmail(sender, rcpts, body)
            except smtplib.SMTPRecipientsRefused as e:
                refused = e.recipients
                s.rset()
                ok = []
            else:
                ok = [r for r in rcpts if r not in refused]
            for r, (code, _) in refused.items():
                if code < 500:
                    raise SystemExit("unexpected %d for %s" % (code, r))
                self.add(day, "rejected")
            if ok:
                self.add(day, "received")
                if tls:
                    self.add(day, "received_tls")
                self.sent.append({"phase": phase, "account": account, "sender": sender, "rcpts": ok})
                if account is not None:
                    self.sender_account[sender] = account
        s.quit()

    def phase_messages(self, phase, day):
        p = phase.lower()
        # alice relays under her own address and two forged senders
        self.session(phase, day, "alice", [
            ("alice@local.example", ["r1%s@accept.example" % p, "r2%s@accept.example" % p]),
            ("alice@local.example", ["r3%s@accept.example" % p]),
            ("ceo@forged.example", ["r4%s@accept.example" % p]),
            ("billing%s@other.example" % p, ["r5%s@accept.example" % p, "r6%s@accept.example" % p]),
            ("alice@local.example", ["bob@local.example", "r7%s@accept.example" % p]),
            ("alice@local.example", ["x%s@refuse.example" % p]),
            ("ceo@forged.example", ["y%s@refuse.example" % p, "z%s@refuse.example" % p]),
            ("ceo@forged.example", ["d1%s@defer.example" % p, "d2%s@defer.example" % p]),
        ])
        self.session(phase, day, "bob", [
            ("bob@local.example", ["r8%s@accept.example" % p]),
            ("bob@partner.example", ["d3%s@defer.example" % p]),
        ])
        self.session(phase, day, "alice", [], password="wrong")
        self.session(phase, day, None, [
            ("friend@outside.example", ["alice@local.example", "bob@local.example",
                                        "nobody%s@local.example" % p, "x%s@accept.example" % p]),
            ("spam@outside.example", ["ghost%s@local.example" % p]),
        ])

    # ---- Exim ---------------------------------------------------------
    def queue_count(self):
        out = subprocess.run(self.exim + ["-bpc"], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def queue_run(self):
        # -qff: every message, frozen ones too, whatever its retry time, so
        # each run makes one attempt per waiting message (no "retry time not
        # reached" lines) and the deferring sink sees every one.
        # (Exim says on stderr that a -C configuration costs it its privilege)
        subprocess.run(self.exim + ["-qff"], check=True, stderr=subprocess.DEVNULL)

    def wait_settled(self, queued):
        """Until Exim holds QUEUED messages and no delivery is running, then
        until the sink logs stopped growing for half a second."""
        end = time.time() + WAIT
        while self.queue_count() != queued:
            if time.time() > end:
                bp = subprocess.run(self.exim + ["-bp"], capture_output=True, text=True).stdout
                raise SystemExit("Exim's queue did not settle at %d messages:\n%s" % (queued, bp))
            time.sleep(0.2)
        last, same = None, 0
        while same < 3:
            cur = tuple(len(self.sink_lines(k)) for k in ("accept", "defer", "refuse")) + (
                self.mbox_count(),)
            same = same + 1 if cur == last else 0
            last = cur
            time.sleep(0.2)

    # ---- sinks --------------------------------------------------------
    def sink_lines(self, kind):
        path = os.path.join(self.sinkdir, kind + ".log")
        with open(path) as f:
            return [l.split() for l in f if l.startswith(("accepted ", "refused "))]

    def mbox_count(self):
        n = 0
        for name in os.listdir(self.maildir):
            with open(os.path.join(self.maildir, name), "rb") as f:
                n += sum(1 for l in f if l.startswith(b"From "))
        return n

    @staticmethod
    def fields(words):
        kv = dict(w.split("=", 1) for w in words if "=" in w)
        sender = kv["from"][1:-1]
        return sender, [r for r in kv.get("to", "").split(",") if r]

    def snapshot(self, day):
        """Counters for everything the sinks and mailboxes saw since the last
        snapshot, on DAY."""
        acc = self.sink_lines("accept")[self.snap["accept"]:]
        for words in acc:
            sender, rcpts = self.fields(words)
            self.add(day, "delivered", len(rcpts))
            self.add(day, "relayed", len(rcpts))
            if sender == "<>":
                expired = self.notice_of_expiry(words[1])
                self.add(day, "notifications")
                if expired:
                    self.add(day, "expired")
            else:
                self.add_account(day, self.sender_account[sender], len(rcpts))
        dfr = self.sink_lines("defer")[self.snap["defer"]:]
        for words in dfr:
            # one line per refused recipient: the message is the one the
            # client sent to it (every recipient there is unique)
            sender, rcpts = self.fields(words)
            for rcpt in rcpts:
                msg = self.message_of(sender, rcpt)
                if msg not in self.deferred_seen:
                    self.deferred_seen.add(msg)
                    self.add(day, "deferred")
                self.add(day, "deferrals")
        ref = self.sink_lines("refuse")[self.snap["refuse"]:]
        for words in ref:
            sender, rcpts = self.fields(words)
            self.add(day, "bounced", len(rcpts))
        mbox = self.mbox_count()
        local = mbox - self.snap["mbox"]
        self.add(day, "delivered", local)
        self.snap = {"accept": self.snap["accept"] + len(acc), "defer": self.snap["defer"] + len(dfr),
                     "refuse": self.snap["refuse"] + len(ref), "mbox": mbox}

    def message_of(self, sender, rcpt):
        for i, m in enumerate(self.sent):
            if m["sender"] == sender and rcpt in m["rcpts"]:
                return i
        raise SystemExit("the deferring sink saw %s -> %s, which the client never sent" % (sender, rcpt))

    def notice_of_expiry(self, path):
        """A notice the accepting sink received: is it for a message that
        waited too long (its failed recipients are at the deferring sink's
        domain) rather than one the refusing sink refused?"""
        with open(path, "rb") as f:
            text = f.read()
        return b"@defer.example" in text

    def local_notices(self, day, before):
        """Notices to local senders land in the mailboxes: count them."""
        n = 0
        for name in os.listdir(self.maildir):
            with open(os.path.join(self.maildir, name), "rb") as f:
                n += sum(1 for l in f if l.startswith(b"From MAILER-DAEMON"))
        self.add(day, "notifications", n - before)
        return n

    # ---- the run ------------------------------------------------------
    def run(self):
        day_a, day_b = self.day, self.day + datetime.timedelta(days=1)
        mid = self.midnight()
        # Exim and this client start a few seconds after the shell set the clock
        if self.fake_day() != day_a or mid - self.fake_now() < LEAD - MARGIN - 2:
            raise SystemExit("Exim's clock is not %d s before midnight of %s" % (LEAD, day_a))
        log("phase A on %s, %.1f s before midnight" % (day_a, mid - self.fake_now()))
        notices = 0
        self.phase_messages("A", day_a)
        t_a = self.fake_now()  # every message of phase A is on Exim's queue
        # alice's and bob's messages at the deferring sink wait on the queue
        self.wait_settled(2)
        self.queue_run()
        self.wait_settled(2)
        self.snapshot(day_a)
        notices = self.local_notices(day_a, notices)
        if self.fake_day() != day_a:
            raise SystemExit("phase A ran past midnight: the machine is too slow for LEAD")
        self.sleep_until_fake(mid + 0.5)
        log("phase B on %s" % day_b)
        t_b0 = self.fake_now()  # no message of phase B is older than this
        self.phase_messages("B", day_b)
        t_b = self.fake_now()
        self.wait_settled(4)
        # phase A's waiting messages are now older than the retry rule allows:
        # this run defers every waiting message once more and returns A's
        self.sleep_until_fake(t_a + self.cutoff + MARGIN)
        if self.fake_now() > t_b0 + self.cutoff - MARGIN:
            raise SystemExit("phase B's messages would expire too: the machine is too slow")
        self.queue_run()
        self.wait_settled(2)
        # then phase B's
        self.sleep_until_fake(t_b + self.cutoff + MARGIN)
        self.queue_run()
        self.wait_settled(0)
        self.snapshot(day_b)
        self.local_notices(day_b, notices)
        if self.fake_day() != day_b:
            raise SystemExit("phase B ran past the next midnight")
        return {"days": self.days, "accounts": self.accounts, "sent": self.sent}


def main():
    port, exim, offset, day, sinkdir, maildir, truth, cutoff = sys.argv[1:9]
    run = Run(int(port), exim, float(offset), day, sinkdir, maildir, float(cutoff))
    result = run.run()
    with open(truth, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
