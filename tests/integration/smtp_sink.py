"""A loopback SMTP server for tests: each message lands as a file in a directory.

usage: smtp_sink.py HOST PORT MAILDIR PIDFILE [--fail-first N] [--defer-all]
       [--defer-rcpt] [--reject-all] [--tls CERT KEY] [--require-auth]
Accepts AUTH PLAIN/LOGIN for user "test" with password "secret".  With
--fail-first N the first N transactions get "451 try again" at DATA, with
--defer-all every one does, with --defer-rcpt every recipient gets "451" at
RCPT (logged "refused 451 from=<..> to=rcpt" each: an MTA's retry then
concerns that address alone, not the host), with --reject-all every
transaction gets "554" at DATA; with
--tls, STARTTLS is offered and required.  Every accepted message is logged as
"accepted PATH from=<..> to=a,b" and every refusal as
"refused CODE from=<..> to=a,b": the recipients of a transaction are what a
test counts as the sink's truth.
"""
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, maildir, fail_first, reject_all=False, defer_all=False,
                 defer_rcpt=False):
        self.reject_all = reject_all
        self.defer_all = defer_all
        self.defer_rcpt = defer_rcpt
        self.maildir = maildir
        # a restarted server goes on numbering after the messages already there
        self.count = len([n for n in os.listdir(maildir) if n.endswith(".eml")])
        self.fail_left = fail_first

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.defer_rcpt:
            print("refused 451 from=<%s> to=%s" % (envelope.mail_from, address), flush=True)
            return "451 4.2.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpts = ",".join(envelope.rcpt_tos)
        if self.reject_all:
            print("refused 554 from=<%s> to=%s" % (envelope.mail_from, rcpts), flush=True)
            return "554 5.7.1 no mail from you"
        if self.defer_all or self.fail_left > 0:
            self.fail_left -= 1
            print("refused 451 from=<%s> to=%s" % (envelope.mail_from, rcpts), flush=True)
            return "451 4.3.0 try again later"
        self.count += 1
        path = os.path.join(self.maildir, "%06d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            for rcpt in envelope.rcpt_tos:
                f.write(b"X-Envelope-To: " + rcpt.encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        print("accepted %s from=<%s> to=%s" % (path, envelope.mail_from,
                                              ",".join(envelope.rcpt_tos)), flush=True)
        return "250 OK queued as %06d" % self.count


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"test"
          and auth_data.password == b"secret")
    print("auth %s %s" % (mechanism, "ok" if ok else "failed"), flush=True)
    return AuthResult(success=ok)


def main():
    host, port, maildir, pidfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    args = sys.argv[5:]
    fail_first, tls, require_auth, reject_all, defer_all = 0, None, False, False, False
    defer_rcpt = False
    while args:
        if args[0] == "--fail-first":
            fail_first = int(args[1])
            args = args[2:]
        elif args[0] == "--tls":
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(args[1], args[2])
            args = args[3:]
        elif args[0] == "--defer-all":
            defer_all = True
            args = args[1:]
        elif args[0] == "--defer-rcpt":
            defer_rcpt = True
            args = args[1:]
        elif args[0] == "--reject-all":
            reject_all = True
            args = args[1:]
        elif args[0] == "--require-auth":
            require_auth = True
            args = args[1:]
        else:
            raise SystemExit("unknown option %s" % args[0])
    kw = dict(hostname=host, port=port, authenticator=authenticator,
              auth_require_tls=tls is not None, auth_required=require_auth)
    if tls is not None:
        kw.update(tls_context=tls, require_starttls=True)
    controller = Controller(Sink(maildir, fail_first, reject_all, defer_all, defer_rcpt), **kw)
    controller.start()
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    print("listening on %s:%d" % (host, port), flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main()
