"""A loopback SMTP server for tests: each message lands as a file in a directory.

usage: smtp_sink.py HOST PORT MAILDIR PIDFILE
Accepts AUTH PLAIN/LOGIN for user "test" with password "secret" (AUTH is
allowed without TLS because the socket is loopback-only).
"""
import os
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
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
    return AuthResult(success=ok)


def main():
    host, port, maildir, pidfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    controller = Controller(Sink(maildir), hostname=host, port=port,
                            authenticator=authenticator, auth_require_tls=False)
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
