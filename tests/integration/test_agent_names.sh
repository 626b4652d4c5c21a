#!/bin/sh
# Hostile account names through the daemon: a NUL inside a SASL name neither
# cuts it nor merges it with another account, in the account table, in the
# alarm records and in the relay-limit notifications; control bytes never
# reach a trap raw.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC

R=.1.3.6.1.4.1.8072.9999.9999.25
LOG="$MT_TMP/maillog"
: > "$LOG"
touch -d "2026-11-17 12:00:00" "$LOG"
cat > "$MT_TMP/mtastat.conf" <<CONF
database    $MT_TMP/history.db
logfile     $LOG
localdomain example.test
relaylimit  1
CONF

# relay QID NAME: two external recipients for SASL user NAME (printf %b escapes)
relay() {
	printf 'Nov 17 10:00:00 mx postfix/submission/smtpd[1]: %s: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=%b\n' "$1" "$2"
	printf 'Nov 17 10:00:00 mx postfix/qmgr[2]: %s: from=<a@example.test>, size=1000, nrcpt=2 (queue active)\n' "$1"
	printf 'Nov 17 10:00:01 mx postfix/smtp[3]: %s: to=<r@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n' "$1"
	printf 'Nov 17 10:00:01 mx postfix/smtp[3]: %s: to=<s@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n' "$1"
	printf 'Nov 17 10:00:01 mx postfix/qmgr[2]: %s: removed\n' "$1"
}

mt_start_snmptrapd
mt_start_snmpd "$MT_TRAP_PORT"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered

{
	relay 0100000001 'nul'
	relay 0100000002 'nul\0000byte'
	relay 0100000003 'ctl\0033[31m'
} >> "$LOG"
mt_wait_for "three relay traps" sh -c "[ \$(grep -c '$R.0.3\b' '$MT_TMP/traps.log') -eq 3 ]"
names=$(grep "$R.0.3\b" "$MT_TMP/traps.log" | sed -n "s/.*$R\.1\.3\.1\.2\.[0-9]* = STRING: \(\"[^\"]*\"\).*/\1/p" | sort | tr '\n' ' ')
mt_expect "account names in the relay traps" '"ctl\\x1b[31m" "nul" "nul\\x00byte" ' "$names"
grep -q "$(printf '\033')" "$MT_TMP/traps.log" && mt_fail "a raw ESC reached snmptrapd"

rows=$(snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.3.1.2 | sort | tr '\n' ' ')
mt_expect "mtastatAccountName column" '"ctl\\x1b[31m" "nul" "nul\\x00byte" ' "$rows"
for n in nul 'nul\\x00byte'; do
	idx=$(snmpwalk -v2c -c public -On "127.0.0.1:$MT_SNMP_PORT" $R.1.3.1.2 | grep -F "STRING: \"$n\"" | sed 's/ =.*//; s/.*\.//')
	[ -n "$idx" ] || mt_fail "no account row for $n"
	mt_expect "mtastatAccountRelayedToday of $n" 2 \
		"$(snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.3.1.3.$idx)"
done
texts=$(snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" $R.1.4.1.10 | grep -c "^\"Account .* relayed: 2 recipients (limit 1)\"")
mt_expect "relay alarm records" 3 "$texts"
