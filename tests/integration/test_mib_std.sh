#!/bin/sh
# The MTA-MIB (RFC 2789) and the applTable of the NETWORK-SERVICES-MIB
# (RFC 2788) through a real snmpd: a walk equals `mtastat report --json` on
# the same history, applOperStatus follows the log's freshness, and a restart
# keeps every Counter32 where it was (the counts come from the history).
#
# No Debian or npm package carries these two modules' text (Debian strips
# IETF MIB text; net-snmp's npm package ships only SNMPv2 and IF-MIB), so the
# OIDs below are written from the RFCs.  Debian's python3-pysnmp4-mibs
# carries both modules compiled from that text: when it is installed, every
# OID used here is checked against it by name.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
export TZ=UTC
# Debian's snmpd has a sendmail module of its own on mib-2.28 (docs/standard-mibs.md).
MT_SNMPD_EXCLUDE=,mta_sendmail

APPL=.1.3.6.1.2.1.27.1.1         # applEntry
MTA=.1.3.6.1.2.1.28.1.1          # mtaEntry
GRP=.1.3.6.1.2.1.28.2.1          # mtaGroupEntry
SMTP_PROTO=.1.3.6.1.2.1.27.4.25  # applTCPProtoID.25

PYSNMP_MIBS=/usr/lib/python3/dist-packages/pysnmp_mibs
if [ -f "$PYSNMP_MIBS/MTA-MIB.py" ] && [ -f "$PYSNMP_MIBS/NETWORK-SERVICES-MIB.py" ]; then
	$PY - "$PYSNMP_MIBS" <<'PYEOF' || mt_fail "OIDs differ from python3-pysnmp4-mibs"
import re, sys
oids = {}
for m in ("MTA-MIB", "NETWORK-SERVICES-MIB"):
    for line in open(f"{sys.argv[1]}/{m}.py"):
        g = re.match(r'(\w+) = \w+\(\(([\d, ]+)\)', line)
        if g:
            oids[g.group(1)] = "." + ".".join(x.strip() for x in g.group(2).split(","))
want = {
    "applEntry": ".1.3.6.1.2.1.27.1.1", "applName": ".1.3.6.1.2.1.27.1.1.2",
    "applVersion": ".1.3.6.1.2.1.27.1.1.4", "applUptime": ".1.3.6.1.2.1.27.1.1.5",
    "applOperStatus": ".1.3.6.1.2.1.27.1.1.6", "applLastChange": ".1.3.6.1.2.1.27.1.1.7",
    "applDescription": ".1.3.6.1.2.1.27.1.1.16", "applTCPProtoID": ".1.3.6.1.2.1.27.4",
    "mtaEntry": ".1.3.6.1.2.1.28.1.1", "mtaReceivedMessages": ".1.3.6.1.2.1.28.1.1.1",
    "mtaTransmittedMessages": ".1.3.6.1.2.1.28.1.1.3", "mtaReceivedVolume": ".1.3.6.1.2.1.28.1.1.4",
    "mtaTransmittedVolume": ".1.3.6.1.2.1.28.1.1.6",
    "mtaTransmittedRecipients": ".1.3.6.1.2.1.28.1.1.9",
    "mtaGroupEntry": ".1.3.6.1.2.1.28.2.1", "mtaGroupReceivedMessages": ".1.3.6.1.2.1.28.2.1.2",
    "mtaGroupRejectedMessages": ".1.3.6.1.2.1.28.2.1.3",
    "mtaGroupTransmittedMessages": ".1.3.6.1.2.1.28.2.1.5",
    "mtaGroupReceivedVolume": ".1.3.6.1.2.1.28.2.1.6",
    "mtaGroupTransmittedVolume": ".1.3.6.1.2.1.28.2.1.8",
    "mtaGroupTransmittedRecipients": ".1.3.6.1.2.1.28.2.1.11",
    "mtaGroupMailProtocol": ".1.3.6.1.2.1.28.2.1.24", "mtaGroupName": ".1.3.6.1.2.1.28.2.1.25",
    "mtaGroupDescription": ".1.3.6.1.2.1.28.2.1.28", "mtaGroupHierarchy": ".1.3.6.1.2.1.28.2.1.31",
    "mtaGroupAssociationEntry": ".1.3.6.1.2.1.28.3.1", "mtaGroupErrorEntry": ".1.3.6.1.2.1.28.5.1",
    "mtaGroupInboundErrorCount": ".1.3.6.1.2.1.28.5.1.1",
    "mtaGroupOutboundErrorCount": ".1.3.6.1.2.1.28.5.1.3",
}
bad = [f"{k}: ours {v}, package {oids.get(k)}" for k, v in want.items() if oids.get(k) != v]
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYEOF
	mt_log "ok: every OID used here equals python3-pysnmp4-mibs' (compiled from the RFCs' text)"
else
	mt_log "note: python3-pysnmp4-mibs not installed: OIDs as written from RFC 2788/2789 only"
fi

LOG="$MT_TMP/mail.log"
cp "$top_srcdir/tests/fixtures/definitions.log" "$LOG"
touch -d "2026-11-03 12:00:00" "$LOG"   # BSD lines take their year from the mtime
cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $LOG postfix
localdomain   example.test
contentfilter 127.0.0.1:10024
logstalled    4
CONF

mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "the fixture read" sh -c \
	"[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT .1.3.6.1.4.1.8072.9999.9999.25.1.1.4.0)\" = 42 ]"

walk_std() {
	snmpwalk -v2c -c public -t 1 -r 1 -On "127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.2.1.27 > "$MT_TMP/walk27"
	snmpwalk -v2c -c public -t 1 -r 1 -On "127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.2.1.28 > "$MT_TMP/walk28"
	cat "$MT_TMP/walk27" "$MT_TMP/walk28"
}
# val OID: "TYPE: value" of OID in the last walk
val() { sed -n "s/^$1 = //p" "$MT_TMP/walk27" "$MT_TMP/walk28"; }
report() {
	"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --from 2026-01-01 --to 2026-12-31 --json
}
# expected: "OID TYPE: value" lines computed from report --json, independently of the agent
expected() {
	report | $PY -c '
import json, sys
days = json.load(sys.stdin)["days"].values()
t = {k: sum(d.get(k, 0) for d in days) for k in ("received", "delivered", "rejected",
     "bounced", "bytes_received", "bytes_delivered")}
c32 = lambda v: "Counter32: %d" % (v % 2**32)
M, G = ".1.3.6.1.2.1.28.1.1", ".1.3.6.1.2.1.28.2.1"
rows = [
    (M + ".1.1", c32(t["received"])), (M + ".3.1", c32(t["delivered"])),
    (M + ".4.1", c32(t["bytes_received"] // 1024)), (M + ".6.1", c32(t["bytes_delivered"] // 1024)),
    (M + ".9.1", c32(t["delivered"])),
    (G + ".2.1.1", c32(t["received"])), (G + ".3.1.1", c32(t["rejected"])),
    (G + ".3.1.2", c32(t["bounced"])), (G + ".5.1.2", c32(t["delivered"])),
    (G + ".6.1.1", c32(t["bytes_received"] // 1024)),
    (G + ".8.1.2", c32(t["bytes_delivered"] // 1024)), (G + ".11.1.2", c32(t["delivered"])),
]
for oid, v in rows:
    print(oid, v)
'
}
check_equal_report() {
	expected > "$MT_TMP/expected"
	[ -s "$MT_TMP/expected" ] || mt_fail "no expectation from report --json"
	while read -r oid v; do
		mt_expect "$1: $oid" "$v" "$(val "$oid")"
	done < "$MT_TMP/expected"
}

walk_std > "$MT_TMP/walk1"
check_equal_report "first run"
# The fixture's own hand counts (docs/counting.md), so report and MIB cannot agree on a wrong sum.
mt_expect "mtaReceivedMessages" "Counter32: 4" "$(val $MTA.1.1)"
mt_expect "mtaTransmittedMessages" "Counter32: 8" "$(val $MTA.3.1)"
mt_expect "mtaReceivedVolume (5200 octets)" "Counter32: 5" "$(val $MTA.4.1)"
mt_expect "mtaTransmittedVolume (9500 octets)" "Counter32: 9" "$(val $MTA.6.1)"
mt_expect "mtaGroupRejectedMessages inbound" "Counter32: 2" "$(val $GRP.3.1.1)"
mt_expect "mtaGroupName inbound" 'STRING: "inbound"' "$(val $GRP.25.1.1)"
mt_expect "mtaGroupName outbound" 'STRING: "outbound"' "$(val $GRP.25.1.2)"
mt_expect "mtaGroupMailProtocol inbound" "OID: $SMTP_PROTO" "$(val $GRP.24.1.1)"
mt_expect "mtaGroupMailProtocol outbound" "OID: $SMTP_PROTO" "$(val $GRP.24.1.2)"
mt_expect "mtaGroupHierarchy outbound" "INTEGER: -1" "$(val $GRP.31.1.2)"
# Only the two groups, indexed by applIndex 1; nothing the logs cannot tell.
mt_expect "mtaGroupTable indexes" "1.1 1.2" \
	"$(sed -n "s/^$GRP\.[0-9]*\.\([0-9]*\.[0-9]*\) = .*/\1/p" "$MT_TMP/walk28" | sort -u | tr '\n' ' ' | sed 's/ $//')"
mt_expect "mtaTable rows (applIndex)" "1" \
	"$(sed -n "s/^$MTA\.[0-9]*\.\([0-9]*\) = .*/\1/p" "$MT_TMP/walk28" | sort -u)"
mt_expect "mtaStoredMessages (no queue sampled)" "" "$(val $MTA.2.1)"
mt_expect "columns of mtaTable served" "1 3 4 6 9" \
	"$(sed -n "s/^$MTA\.\([0-9]*\)\.1 = .*/\1/p" "$MT_TMP/walk28" | tr '\n' ' ' | sed 's/ $//')"

# applTable: the same applIndex, the MTA's name, up while its log is fresh.
mt_expect "applName" 'STRING: "postfix"' "$(val $APPL.2.1)"
# applVersion: what Postfix's own tool says here (empty where it has no main.cf)
v=$(/usr/sbin/postconf -h mail_version 2>/dev/null | tr -cd '0-9A-Za-z.+_-')
mt_expect "applVersion (postconf -h mail_version: '$v')" "STRING: \"$v\"" "$(val $APPL.4.1 | sed 's/^""$/STRING: ""/')"
mt_expect "applOperStatus while the log is fresh" "INTEGER: 1" "$(val $APPL.6.1)"
mt_expect "applLastChange (no change in this run)" "Timeticks: (0) 0:00:00.00" "$(val $APPL.7.1)"
case "$(val $APPL.16.1)" in
	'STRING: "postfix mail transfer agent'*) mt_log "ok: applDescription $(val $APPL.16.1)" ;;
	*) mt_fail "applDescription: $(val $APPL.16.1)" ;;
esac
# A new history: its counters began with this run, so applUptime is when it began serving.
up=$(val $APPL.5.1 | sed -n 's/^Timeticks: (\([0-9]*\)).*/\1/p')
sys=$(snmpget -v2c -c public -On -Oqvt "127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.2.1.1.3.0)
[ -n "$up" ] && [ "$up" -gt 0 ] && [ "$up" -le "$sys" ] || mt_fail "applUptime $up not in (0, sysUpTime $sys]"
mt_log "ok: applUptime $up within (0, sysUpTime $sys]"

# Silent for longer than logstalled: down, and applLastChange says when.
mt_wait_for "applOperStatus down(2) once the log is stalled" sh -c \
	"snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $APPL.6.1 | grep -qx 2"
sys=$(snmpget -v2c -c public -On -Oqvt "127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.2.1.1.3.0)
change=$(snmpget -v2c -c public -On -Oqvt "127.0.0.1:$MT_SNMP_PORT" $APPL.7.1)
[ "$change" -gt "$up" ] && [ "$change" -le "$sys" ] || mt_fail "applLastChange $change not in ($up, $sys]"
mt_log "ok: applLastChange $change within (applUptime $up, sysUpTime $sys]"
# A new line: up again.
echo "Nov  3 00:20:00 mx postfix/qmgr[2]: 0FFFFFFF01: removed" >> "$LOG"
mt_wait_for "applOperStatus up(1) after a new line" sh -c \
	"snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $APPL.6.1 | grep -qx 1"
mt_log "ok: applOperStatus up again after a new line"

# Restart: every Counter32 where it was (the history's totals), applUptime 0.
grep ' = Counter32: ' "$MT_TMP/walk1" | sort > "$MT_TMP/counters1"
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"; rc=$?
mt_expect "mtastatd exit status on SIGTERM (no leak under ASan)" 0 "$rc"
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
mt_wait_for "mtaTable back" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $MTA.1.1 | grep -qx 4"
walk_std | grep ' = Counter32: ' | sort > "$MT_TMP/counters2"
[ -s "$MT_TMP/counters1" ] || mt_fail "no Counter32 in the first walk"
diff "$MT_TMP/counters1" "$MT_TMP/counters2" >&2 || mt_fail "Counter32 values changed across a restart"
mt_log "ok: $(wc -l < "$MT_TMP/counters2") Counter32 values equal across the restart"
mt_expect "applUptime with a history older than this run" "Timeticks: (0) 0:00:00.00" "$(val $APPL.5.1)"

# More mail after the restart: the counters grow from where they were.
cat >> "$LOG" <<LINES
Nov  3 01:00:00 mx postfix/smtpd[9]: 0A0A0A0A01: client=c[192.0.2.9]
Nov  3 01:00:00 mx postfix/qmgr[2]: 0A0A0A0A01: from=<zed@example.test>, size=2048, nrcpt=1 (queue active)
Nov  3 01:00:01 mx postfix/smtp[3]: 0A0A0A0A01: to=<a@far.example>, relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Nov  3 01:00:01 mx postfix/qmgr[2]: 0A0A0A0A01: removed
LINES
mt_wait_for "mtaReceivedMessages 5" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $MTA.1.1 | grep -qx 5"
walk_std > /dev/null
check_equal_report "after the restart and more mail"
mt_expect "mtaReceivedVolume (7248 octets)" "Counter32: 7" "$(val $MTA.4.1)"

# The queue, sampled (a stand-in for postqueue -j): what mtaTable and the
# outbound group store now; without a sample they have no instance (above).
cat > "$MT_TMP/postqueue" <<'SH'
#!/bin/sh
now=$(date +%s)
printf '{"queue_name": "deferred", "queue_id": "4HgR1t0T8Yz2Q3t", "arrival_time": %d, "message_size": 2010, "sender": "a@example.com", "recipients": [{"address": "b@example.net", "delay_reason": "451 4.7.1 try later"}]}\n' $((now - 100))
printf '{"queue_name": "deferred", "queue_id": "4HgR1t0T8Yz2Q3u", "arrival_time": %d, "message_size": 500, "sender": "a@example.com", "recipients": [{"address": "c@example.net"}]}\n' $((now - 50))
printf '{"queue_name": "active", "queue_id": "4HgR1t0T8Yz2Q3v", "arrival_time": %d, "message_size": 7, "sender": "", "recipients": [{"address": "d@example.net"}]}\n' "$now"
SH
chmod +x "$MT_TMP/postqueue"
{ cat "$MT_TMP/mtastat.conf"; echo "queue postfix"; echo "queuecommand $MT_TMP/postqueue"; } > "$MT_TMP/queue.conf"
kill -TERM "$MT_MTASTATD_PID"; wait "$MT_MTASTATD_PID"; rc=$?
mt_expect "mtastatd exit status on SIGTERM (no leak under ASan)" 0 "$rc"
mt_start_mtastatd "$MT_TMP/queue.conf"
mt_wait_registered
mt_wait_for "a queue sample" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $MTA.2.1 | grep -qx 3"
walk_std > /dev/null
mt_expect "mtaStoredMessages" "Gauge32: 3" "$(val $MTA.2.1)"
mt_expect "mtaStoredVolume (2517 octets, rounded up)" "Gauge32: 3" "$(val $MTA.5.1)"
mt_expect "mtaGroupStoredMessages outbound" "Gauge32: 3" "$(val $GRP.4.1.2)"
mt_expect "mtaGroupStoredVolume outbound" "Gauge32: 3" "$(val $GRP.7.1.2)"
mt_expect "mtaGroupStoredMessages inbound (none: the queue waits for delivery)" "" "$(val $GRP.4.1.1)"
oldest=$(val $GRP.12.1.2 | sed -n 's/^INTEGER: //p')
[ -n "$oldest" ] && [ "$oldest" -ge 9900 ] && [ "$oldest" -le 10500 ] ||
	mt_fail "mtaGroupOldestMessageStored $oldest: not about 100 s in hundredths"
mt_log "ok: mtaGroupOldestMessageStored $oldest (100 s in hundredths)"
check_equal_report "with the queue sampled"
