#!/bin/sh
# zabbix_trap_receiver.sh: an snmptrapd "traphandle" that appends each trap to
# the Zabbix server's SNMPTrapperFile in the format its SNMP trapper reads:
#
#   <yyyyMMdd.hhmmss> ZBXTRAP <source address>
#   <the trap: one "OID value" line per varbind>
#
# Zabbix gives the record to the host whose SNMP interface has <source
# address>, then to the first trap item whose snmptrap[regex] matches the
# text (the mtastat template matches the numeric notification OID), else to
# snmptrap.fallback.  Debian's zabbix packages ship no receiver (neither
# zabbix_trap_receiver.pl nor an SNMPTT setup): this is one, POSIX sh only.
#
# snmptrapd.conf (start snmptrapd with -On so OIDs are numeric):
#   authCommunity execute public
#   traphandle default /usr/share/mtastat/zabbix/zabbix_trap_receiver.sh /var/lib/zabbix/snmptraps/snmptraps.log
# zabbix_server.conf:
#   StartSNMPTrapper=1
#   SNMPTrapperFile=/var/lib/zabbix/snmptraps/snmptraps.log
# The file must be writable by the user snmptrapd runs as and readable by
# zabbix; rotate it with copytruncate (the trapper keeps its position).
set -u

trapfile=${1:-/tmp/zabbix_traps.tmp}

IFS= read -r host || exit 0      # the sender's name, or <UNKNOWN>
IFS= read -r transport || exit 0 # UDP: [192.0.2.1]:40123->[192.0.2.9]:162
# the sender's address: the first bracketed part of the transport line
addr=$(printf '%s\n' "$transport" | sed -n 's/^[^[]*\[\([^]]*\)\].*/\1/p')
[ -n "$addr" ] || addr=$host
record=$(printf '%s ZBXTRAP %s\nPDU INFO: host=%s transport=%s\nVARBINDS:' \
	"$(date +%Y%m%d.%H%M%S)" "$addr" "$host" "$transport")
while IFS= read -r line; do
	record="$record
$line"
done
# one write with O_APPEND: records of traps handled at once do not interleave
printf '%s\n' "$record" >> "$trapfile"
