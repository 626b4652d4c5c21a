#!/bin/sh
# MTASTAT-MIB passes smilint -l 6 silently and loads into the net-snmp tools.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

[ -f "$MIBS_IETF/SNMPv2-SMI.txt" ] || mt_fail "$MIBS_IETF lacks SNMPv2-SMI: run scripts/ietf-mibs.sh"
out=$(SMIPATH="$MIBS_IETF:/usr/share/snmp/mibs" "${SMILINT:-smilint}" -l 6 "$top_srcdir/mib/MTASTAT-MIB.txt" 2>&1)
[ -z "$out" ] || mt_fail "smilint -l 6 reports:
$out"
mt_log "ok: smilint -l 6 silent"

oid=$(snmptranslate -M "$MT_MIBDIRS" -m MTASTAT-MIB -On MTASTAT-MIB::mtastatVersion.0 2>&1)
mt_expect "numeric OID of mtastatVersion.0" ".1.3.6.1.4.1.8072.9999.9999.25.1.1.1.0" "$oid"
oid=$(snmptranslate -M "$MT_MIBDIRS" -m MTASTAT-MIB -On MTASTAT-MIB::mtastatRelayLimitExceeded 2>&1)
mt_expect "numeric OID of mtastatRelayLimitExceeded" ".1.3.6.1.4.1.8072.9999.9999.25.0.3" "$oid"
hint=$(snmptranslate -M "$MT_MIBDIRS" -m MTASTAT-MIB -Td MTASTAT-MIB::mtastatIndicatorMean 2>&1 | grep -c 'DISPLAY-HINT.*"d-2"')
mt_expect "mtastatIndicatorMean carries DISPLAY-HINT d-2" 1 "$hint"
for pair in mtastatIndicatorDirection:.1.3.6.1.4.1.8072.9999.9999.25.1.2.1.11 \
    mtastatAccountUsualMean:.1.3.6.1.4.1.8072.9999.9999.25.1.3.1.8 \
    mtastatAccountUsualStdDev:.1.3.6.1.4.1.8072.9999.9999.25.1.3.1.9 \
    mtastatAccountUnusual:.1.3.6.1.4.1.8072.9999.9999.25.0.8 \
    mtastatAccountUsual:.1.3.6.1.4.1.8072.9999.9999.25.0.9 \
    mtastatQueueSamplerStatus:.1.3.6.1.4.1.8072.9999.9999.25.1.10.1 \
    mtastatQueueDeferred:.1.3.6.1.4.1.8072.9999.9999.25.1.10.10 \
    mtastatQueueSampleFailures:.1.3.6.1.4.1.8072.9999.9999.25.1.10.22 \
    mtastatQueueAlarm:.1.3.6.1.4.1.8072.9999.9999.25.0.10 \
    mtastatQueueAlarmCleared:.1.3.6.1.4.1.8072.9999.9999.25.0.11; do
	oid=$(snmptranslate -M "$MT_MIBDIRS" -m MTASTAT-MIB -On "MTASTAT-MIB::${pair%%:*}" 2>&1)
	mt_expect "numeric OID of ${pair%%:*}" "${pair#*:}" "$oid"
done
# Mail-flow health (issue 14): the reply and broken-session tables, delay and TLS scalars.
for pair in mtastatReplyToday:.1.3.6.1.4.1.8072.9999.9999.25.1.6.1.5 \
    mtastatReplyExample:.1.3.6.1.4.1.8072.9999.9999.25.1.6.1.7 \
    mtastatBrokenCause:.1.3.6.1.4.1.8072.9999.9999.25.1.7.1.2 \
    mtastatDelayP95Today:.1.3.6.1.4.1.8072.9999.9999.25.1.8.3 \
    mtastatPlainSharePercentToday:.1.3.6.1.4.1.8072.9999.9999.25.1.9.5; do
	oid=$(snmptranslate -M "$MT_MIBDIRS" -m MTASTAT-MIB -On "MTASTAT-MIB::${pair%%:*}" 2>&1)
	mt_expect "numeric OID of ${pair%%:*}" "${pair#*:}" "$oid"
done
idx=$(snmptranslate -M "$MT_MIBDIRS" -m MTASTAT-MIB -On MTASTAT-MIB::mtastatReplyToday.out.550.5001001 2>&1)
mt_expect "mtastatReplyToday for out 550 5.1.1" ".1.3.6.1.4.1.8072.9999.9999.25.1.6.1.5.2.550.5001001" "$idx"
