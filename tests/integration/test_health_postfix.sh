#!/bin/sh
# Mail-flow health of a real Postfix (issue 14): a private instance with an
# smtpd on this host's first non-loopback address (sessions from the
# loopback are not counted for TLS, docs/counting.md) relays to a sink on
# the same address, which requires STARTTLS.  A Python client opens sessions
# whose fate it knows: two messages (one with two recipients, one after
# STARTTLS), EHLO and QUIT, a recipient refused by reject_non_fqdn_recipient
# then QUIT, and a drop after RCPT.  `mtastat
# import` of Postfix's own log, then `report --json`'s health must equal that
# truth: the shapes are the ones this Postfix really writes.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

[ "$(id -u)" -eq 0 ] || { mt_log "SKIP: a private Postfix needs root (its master starts as root)"; exit 77; }
[ -x /usr/sbin/postfix ] || { mt_log "SKIP: no Postfix (scripts/deps.sh installs it)"; exit 77; }
IP=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$IP" ] || { mt_log "SKIP: no IPv4 address besides the loopback"; exit 77; }
chmod 755 "$MT_TMP"   # the Postfix daemons reach their queue and log below it
PF="$MT_TMP/pf"
SINK_PORT=$(mt_free_port tcp)
SMTPD_PORT=$(mt_free_port tcp)

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-keyout "$MT_TMP/key.pem" -out "$MT_TMP/cert.pem" > /dev/null 2>&1 || mt_fail "openssl req failed"
mkdir -p "$MT_TMP/mail"
$PY "$top_srcdir/tests/integration/smtp_sink.py" "$IP" "$SINK_PORT" "$MT_TMP/mail" \
	"$MT_TMP/smtp.pid" --tls "$MT_TMP/cert.pem" "$MT_TMP/key.pem" >> "$MT_TMP/smtp.log" 2>&1 &
MT_PIDS="$MT_PIDS $!"
mt_wait_for "SMTP sink listening" grep -q "listening" "$MT_TMP/smtp.log"

mt_start_postfix "$PF" "$SINK_PORT"
# every delivery opens its own connection: the sessions the truth counts
postconf -c "$PF/etc" -e "relayhost = [$IP]:$SINK_PORT" \
	"smtpd_recipient_restrictions = reject_non_fqdn_recipient, permit_mynetworks, reject_unauth_destination" \
	"smtp_connection_cache_on_demand = no" "mynetworks = 127.0.0.0/8 $IP/32" \
	"smtp_tls_security_level = may" "smtp_tls_loglevel = 1" "smtpd_tls_security_level = may" \
	"smtpd_tls_cert_file = $MT_TMP/cert.pem" "smtpd_tls_key_file = $MT_TMP/key.pem" \
	|| mt_fail "postconf failed"
printf '%s:%s inet n - n - - smtpd\ntlsmgr unix - - n 1000? 1 tlsmgr\n' "$IP" "$SMTPD_PORT" \
	>> "$PF/etc/master.cf"
postfix -c "$PF/etc" reload > "$MT_TMP/postfix.log" 2>&1 || mt_fail "postfix reload failed"
mt_wait_for "smtpd listening on $IP:$SMTPD_PORT" $PY -c '
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' "$IP" "$SMTPD_PORT"

$PY - "$IP" "$SMTPD_PORT" <<'PYEOF' || mt_fail "the SMTP client failed"
import smtplib, socket, ssl, sys
host, port = sys.argv[1], int(sys.argv[2])
def session():
    s = smtplib.SMTP(host, port, timeout=20)
    s.ehlo("client.test")
    return s
s = session()                                   # a message to two recipients
s.sendmail("a@client.test", ["r1@remote.test", "r2@remote.test"], "Subject: 1\n\none\n")
s.quit()
s = session()                                   # a message to one, after STARTTLS
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx)
s.ehlo("client.test")
s.sendmail("a@client.test", ["r3@remote.test"], "Subject: 2\n\ntwo\n")
s.quit()
s = session()                                   # no MAIL
s.quit()
s = session()                                   # its only recipient refused
s.mail("a@client.test")
code, _ = s.rcpt("nodomain")
assert code == 504, code
s.quit()
s = session()                                   # dropped after RCPT
s.mail("a@client.test")
s.rcpt("r4@remote.test")
s.sock.shutdown(socket.SHUT_RDWR)
s.sock.close()
PYEOF
mt_wait_for "2 messages at the sink" sh -c "[ \$(grep -c '^accepted' '$MT_TMP/smtp.log') -ge 2 ]"
mt_wait_for "3 deliveries logged" sh -c "[ \$(grep -c 'status=sent' '$PF/maillog') -ge 3 ]"
mt_wait_for "the dropped session's end logged" grep -q "lost connection after RCPT" "$PF/maillog"
mt_wait_for "6 disconnects logged" sh -c "[ \$(grep -c 'smtpd.*disconnect from' '$PF/maillog') -ge 6 ]"

"$top_builddir/mtastat" import --quiet --db "$MT_TMP/h.db" "$PF/maillog" > "$MT_TMP/import.txt" \
	|| mt_fail "import failed"
"$top_builddir/mtastat" report --json --db "$MT_TMP/h.db" > "$MT_TMP/report.json" || mt_fail "report failed"
# 6 client sessions, one with TLS (the wait's probe, which connected and
# closed, is a session lost after CONNECT); 2 sessions to the sink (3
# recipients, no connection cache), both with TLS ("TLS connection
# established to"); the 504 5.5.2 we gave; the sink's 250 x3; 3 delays
out=$($PY - "$MT_TMP/report.json" <<'PYEOF'
import json, sys
h = json.load(open(sys.argv[1]))["health"]
want = {"broken_total": 4,
        "broken_sessions": {"lost_after_connect": 1, "lost_after_rcpt": 1, "no_mail": 1, "no_rcpt": 1},
        "tls": {"in_tls": 1, "in_plain": 5, "out_tls": 2, "out_plain": 0, "plain_share_pct": 63},
        "in": [[504, "5.5.2", 1]], "out250": 3, "delays": 3}
got = {"broken_total": h["broken_total"], "broken_sessions": h["broken_sessions"], "tls": h["tls"],
       "in": [[r["code"], r["enhanced"], r["count"]] for r in h["replies"]["in"]],
       "out250": sum(r["count"] for r in h["replies"]["out"] if r["code"] == 250),
       "delays": h["delay_ms"]["count"]}
bad = [k for k in want if want[k] != got[k]]
for k in bad:
    print("%s: expected %s, got %s" % (k, want[k], got[k]))
print("%d difference(s)" % len(bad))
sys.exit(1 if bad else 0)
PYEOF
) || mt_fail "health of the real Postfix log differs:
$out
$(grep -E 'disconnect|lost|reject|status=' "$PF/maillog" | tail -20)"
mt_log "ok: $out"
mt_expect "the example of 504 5.5.2" "<nodomain>: Recipient address rejected: need fully-qualified address" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["health"]["replies"]["in"][0]["example"])' "$MT_TMP/report.json")"
sh "$top_srcdir/tests/integration/postfix_private.sh" stop "$PF"
exit 0
