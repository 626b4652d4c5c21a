#!/bin/sh
# E-mail alerts through a real SMTP server on loopback: one digest for a storm
# of alarms, no header injection from account names, nothing lost while the
# server is down or answers 4xx, STARTTLS with a self-signed certificate and
# AUTH.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

LOG="$MT_TMP/maillog"
awk -f "$top_srcdir/tests/fixtures/relay-burst.awk" \
	| sed 's/spammer@example.test/spam\rBcc: evil@example.org/g' > "$MT_TMP/all.txt"
spam=$(grep -n "Bcc: evil" "$MT_TMP/all.txt" | head -1 | cut -d: -f1)
head -n $((spam - 1)) "$MT_TMP/all.txt" > "$LOG"
touch -d "2026-11-17 12:00:00" "$LOG"
MT_SMTP_PORT=$(mt_free_port tcp)
conf() {
	cat <<CONF
database    $MT_TMP/history.db
logfile     $LOG
localdomain example.test
# the alarms below are those of the k S' rule judged at once (docs/alarms.md)
prediction  no
persist     0
mailserver  smtp://127.0.0.1:$MT_SMTP_PORT
mailfrom    mtastat@example.test
mailto      noc@example.test
maildigest  1
CONF
}
conf > "$MT_TMP/mtastat.conf"
mails() { ls "$MT_TMP/mail" 2>/dev/null | grep -c '\.eml$'; }

mt_start_smtp
mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the history" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT .1.3.6.1.4.1.8072.9999.9999.25.1.1.4.0)\" = $((spam - 1)) ]"
mt_expect "messages before the burst" 0 "$(mails)"

# The burst raises five alarms in one evaluation: one message.
tail -n +"$spam" "$MT_TMP/all.txt" >> "$LOG"
mt_wait_for "the digest" test -f "$MT_TMP/mail/000001.eml"
sleep 3
mt_expect "messages for five alarms" 1 "$(mails)"
M1="$MT_TMP/mail/000001.eml"
tr -d '\r' < "$M1" > "$MT_TMP/m1.txt"
grep -q '^Subject: \[mtastat\] 5 alarms on ' "$MT_TMP/m1.txt" || mt_fail "subject: $(grep '^Subject' "$MT_TMP/m1.txt")"
grep -qx 'Account spam?Bcc: evil@example.org relayed: 445 recipients (limit 100)' "$MT_TMP/m1.txt" \
	|| mt_fail "relay line missing: $(cat "$MT_TMP/m1.txt")"
grep -qx '  relayed recipients today: 445, daily limit 100' "$MT_TMP/m1.txt" || mt_fail "relay context missing"
grep -qx '  top external recipient domains today: far.example (445)' "$MT_TMP/m1.txt" \
	|| mt_fail "top domains missing: $(grep 'top external' "$MT_TMP/m1.txt")"
grep -qx 'SMTP_RELAY_MSGS deviation beyond limit V:445 M:0.00 S:0.00 (today until 09:30)' "$MT_TMP/m1.txt" \
	|| mt_fail "indicator line missing"
mt_log "ok: one digest with the alarm lines"
# the hostile name reached neither a header nor the envelope
sed '/^$/q' "$MT_TMP/m1.txt" | grep -qi '^bcc:' && mt_fail "a Bcc header was injected"
mt_expect "envelope recipients" "X-Envelope-To: noc@example.test" "$(grep '^X-Envelope-To' "$MT_TMP/m1.txt")"
grep -q '^Content-Type: text/plain; charset=UTF-8' "$MT_TMP/m1.txt" || mt_fail "no MIME type"
grep -q '^Message-ID: <' "$MT_TMP/m1.txt" || mt_fail "no Message-ID"
grep -q '^Date: ' "$MT_TMP/m1.txt" || mt_fail "no Date"
mt_log "ok: no injected header, one envelope recipient, MIME headers"

# The server goes down; the next day clears the alarms; nothing is lost.
kill "$MT_SMTP_PID"; wait "$MT_SMTP_PID" 2>/dev/null
echo "Nov 18 00:00:05 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "a delivery failure logged" grep -q "retrying in" "$MT_TMP/mtastatd.log"
mt_expect "queued while the server is down" 1 \
	"$(sqlite3 "$MT_TMP/history.db" 'SELECT count(*) FROM mail_queue')"
# back, but the first attempt gets a 451
mt_start_smtp --fail-first 1
MT_WAIT=60 mt_wait_for "the digest after the outage" test -f "$MT_TMP/mail/000002.eml"
grep -q "refused 451" "$MT_TMP/smtp.log" || mt_fail "the 451 was not exercised"
sleep 3
mt_expect "messages after the outage (delivered once)" 2 "$(mails)"
tr -d '\r' < "$MT_TMP/mail/000002.eml" | grep -qx 'Account spam?Bcc: evil@example.org back under its relay limit: 0 recipients (limit 100)' \
	|| mt_fail "the clear is not in the second digest"
mt_expect "queue after delivery" 0 "$(sqlite3 "$MT_TMP/history.db" 'SELECT count(*) FROM mail_queue')"

# STARTTLS with a self-signed certificate and AUTH, by SIGHUP.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-keyout "$MT_TMP/key.pem" -out "$MT_TMP/cert.pem" > /dev/null 2>&1 || mt_fail "openssl"
kill "$MT_SMTP_PID"; wait "$MT_SMTP_PID" 2>/dev/null
mt_start_smtp --tls "$MT_TMP/cert.pem" "$MT_TMP/key.pem" --require-auth
printf 'secret\n' > "$MT_TMP/password"
chmod 644 "$MT_TMP/password"
{ conf; echo "mailstarttls yes"; echo "mailverify no"; echo "mailuser test"; echo "mailpasswordfile $MT_TMP/password"; } > "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the world-readable password file refused" grep -q "readable by others" "$MT_TMP/mtastatd.log"
chmod 600 "$MT_TMP/password"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the mailer restarted" sh -c "[ \$(grep -c 'e-mail alerts to' '$MT_TMP/mtastatd.log') -ge 2 ]"
sed -n "${spam},\$p" "$MT_TMP/all.txt" | sed 's/Nov 17/Nov 18/; s/spam\rBcc: evil@example.org/j\xc3\xbcrgen@ex\xc3\xa4mple.test/; s/110000FFFF/120000FFFF/' | grep -v "^Nov 18 09:30" >> "$LOG"
MT_WAIT=30 mt_wait_for "the digest over STARTTLS" test -f "$MT_TMP/mail/000003.eml"
grep -q "auth .* ok" "$MT_TMP/smtp.log" || mt_fail "no successful AUTH: $(cat "$MT_TMP/smtp.log")"
tr -d '\r' < "$MT_TMP/mail/000003.eml" | grep -q "$(printf 'Account j\303\274rgen@ex\303\244mple.test relayed: 445 recipients (limit 100)')" \
	|| mt_fail "no readable UTF-8 relay line in the TLS digest: $(cat "$MT_TMP/mail/000003.eml")"
mt_log "ok: STARTTLS + AUTH delivery"

# The daily report by hand, through the same server.
out=$("$top_builddir/mtastat" report --mail --config "$MT_TMP/mtastat.conf" --day 2026-11-17) \
	|| mt_fail "report --mail: $out"
mt_wait_for "the report" test -f "$MT_TMP/mail/000004.eml"
tr -d '\r' < "$MT_TMP/mail/000004.eml" > "$MT_TMP/m4.txt"
grep -q '^Subject: \[mtastat\] daily report 2026-11-17 on ' "$MT_TMP/m4.txt" || mt_fail "report subject"
grep -q '^Grand Totals' "$MT_TMP/m4.txt" || mt_fail "no totals in the report"
grep -q "^Broken sessions by cause" "$MT_TMP/m4.txt" && grep -q "^Delivery delay" "$MT_TMP/m4.txt" &&
	grep -q "^SMTP replies we gave (in)" "$MT_TMP/m4.txt" || mt_fail "no mail-flow health in the report"
grep -q '^  SMTP_RELAY_MSGS  *V:445 M:20.00 S:0.00' "$MT_TMP/m4.txt" || mt_fail "no indicator line: $(grep SMTP_RELAY "$MT_TMP/m4.txt")"
# the report lists the alarm records: the name in its escaped spelling, as in the MIB
grep -qF 'Account spam\x0dBcc: evil@example.org relayed: 445 recipients (limit 100)' "$MT_TMP/m4.txt" || mt_fail "no alarm in the report"
mt_log "ok: report --mail"

# A 5xx is final: the message is dropped, the server's reply logged.
kill "$MT_SMTP_PID"; wait "$MT_SMTP_PID" 2>/dev/null
mt_start_smtp --tls "$MT_TMP/cert.pem" "$MT_TMP/key.pem" --require-auth --reject-all
"$top_builddir/mtastat" report --mail --config "$MT_TMP/mtastat.conf" --day 2026-11-17 > "$MT_TMP/rm.out" 2>&1 \
	&& mt_fail "report --mail succeeded against a 554"
grep -q "554" "$MT_TMP/rm.out" || mt_fail "the 554 reply is not reported: $(cat "$MT_TMP/rm.out")"
echo "Nov 19 00:00:05 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "the dropped digest" grep -q 'dropped ".*".*554' "$MT_TMP/mtastatd.log"
mt_expect "queue after a 5xx" 0 "$(sqlite3 "$MT_TMP/history.db" 'SELECT count(*) FROM mail_queue')"
mt_log "ok: 5xx drops the message with the reply logged"

# Undeliverable for longer than mailmaxage: dropped with an error, not kept forever.
kill "$MT_SMTP_PID"; wait "$MT_SMTP_PID" 2>/dev/null
echo "mailmaxage 1" >> "$MT_TMP/mtastat.conf"
kill -HUP "$MT_MTASTATD_PID"
mt_wait_for "the reload" sh -c "[ \$(grep -c 'e-mail alerts to' '$MT_TMP/mtastatd.log') -ge 3 ]"
echo "Nov 20 00:00:05 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no" >> "$LOG"
mt_wait_for "the expired digest dropped" grep -q 'dropped ".*" after 2 attempt' "$MT_TMP/mtastatd.log"
mt_expect "queue after mailmaxage" 0 "$(sqlite3 "$MT_TMP/history.db" 'SELECT count(*) FROM mail_queue')"
mt_log "ok: a message older than mailmaxage is dropped and logged"
