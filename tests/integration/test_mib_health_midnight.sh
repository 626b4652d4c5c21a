#!/bin/sh
# The health rows at midnight with no new line: mtastatd follows a log of
# Nov 3 live, its clock (libfaketime) starting at 23:59:50; once the wall
# clock passes midnight, today's reply counts start again at 0 and Nov 3's
# become yesterday's, without a line or a commit to trigger it.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
MT_SNMPD_EXCLUDE=,mta_sendmail

FAKETIME_LIB=$(dpkg-query -L libfaketime 2> /dev/null | grep '/libfaketime\.so\.1$' | head -n 1)
if [ -z "$FAKETIME_LIB" ] || [ ! -r "$FAKETIME_LIB" ]; then
	mt_log "SKIP: libfaketime is not installed (scripts/deps.sh installs it)"
	exit 77
fi
M=.1.3.6.1.4.1.8072.9999.9999.25.1
REPLY=$M.6.1
LOG="$MT_TMP/mail.log"
# RFC 3339 stamps: libfaketime shifts the file times stat() returns too, so a
# BSD line's year (taken from the file's time) would come out wrong.
sed 's/^Nov  3 \([0-9:]*\) /2026-11-03T\1+00:00 /' "$top_srcdir/tests/fixtures/health-postfix.log" > "$LOG"
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $LOG postfix
localdomain   example.test
logstalled    0
CONF

mt_start_snmpd
# only mtastatd lives in the faked time; under ASan its runtime must not insist on coming first
export LD_PRELOAD="$FAKETIME_LIB" FAKETIME="@2026-11-03 23:59:50"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
mt_start_mtastatd "$MT_TMP/mtastat.conf" -D model
unset LD_PRELOAD FAKETIME
mt_wait_registered
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
mt_wait_for "the log read" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $M.1.4.0)\" = 29 ]"
mt_wait_for "live on the wall clock" grep -q "caught up" "$MT_TMP/mtastatd.log"
today=$(get $REPLY.5.1.550.5007001)
if [ "$today" != 2 ]; then
	# the machine was too slow to read 29 lines in 10 s: midnight has passed already
	mt_log "SKIP: midnight passed before the first look (mtastatReplyToday $today)"
	exit 77
fi
mt_expect "mtastatReplyToday before midnight" 2 "$today"
mt_expect "mtastatReplyYesterday before midnight" 0 "$(get $REPLY.6.1.550.5007001)"
mt_expect "mtastatDelayCountToday before midnight" 2 "$(get $M.8.1.0)"
MT_WAIT=30 mt_wait_for "midnight: mtastatReplyToday 0" sh -c \
	"[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $REPLY.5.1.550.5007001)\" = 0 ]"
mt_expect "mtastatReplyYesterday after midnight" 2 "$(get $REPLY.6.1.550.5007001)"
mt_expect "mtastatDelayCountToday after midnight" 0 "$(get $M.8.1.0)"
mt_expect "mtastatPlainSharePercentToday after midnight" -1 "$(get $M.9.5.0)"
mt_expect "mtaGroupInboundErrorCount 5.7.1 (the history's, unchanged)" 2 \
	"$(get .1.3.6.1.2.1.28.5.1.1.1.1.5007001)"
mt_expect "mtastatLinesRead (no new line)" 29 "$(get $M.1.4.0)"
