#!/bin/sh
# The harness itself: snmptrapd logs a trap sent through it, the SMTP server
# stores a message sent through it.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

mt_start_snmptrapd
snmptrap -v2c -c public "127.0.0.1:$MT_TRAP_PORT" '' .1.3.6.1.4.1.8072.9999.9999.25.0.99 \
	.1.3.6.1.4.1.8072.9999.9999.25.1.1.1.0 s "harness-$$"
mt_wait_for "trap in snmptrapd log" grep -q "harness-$$" "$MT_TMP/traps.log"
mt_expect "trap OID logged" 1 "$(grep -c 'snmpTrapOID.0\|1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.8072.9999.9999.25.0.99' "$MT_TMP/traps.log")"

mt_start_smtp
printf 'Subject: harness %s\r\n\r\nbody\r\n' "$$" > "$MT_TMP/msg.eml"
curl -sS --url "smtp://127.0.0.1:$MT_SMTP_PORT" --mail-from noc@example.org \
	--mail-rcpt admin@example.org --user test:secret --upload-file "$MT_TMP/msg.eml" \
	|| mt_fail "curl could not send"
mt_wait_for "message stored" test -f "$MT_TMP/mail/000001.eml"
mt_expect "envelope recipient" "X-Envelope-To: admin@example.org" \
	"$(grep '^X-Envelope-To' "$MT_TMP/mail/000001.eml" | tr -d '\r')"
grep -q "Subject: harness $$" "$MT_TMP/mail/000001.eml" || mt_fail "subject missing"
