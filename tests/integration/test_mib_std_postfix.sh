#!/bin/sh
# The MTA-MIB and applTable of a real Postfix: a private instance relays N
# messages to a loopback sink that answers 451 at RCPT, so they wait in the
# deferred queue.  mtastatd follows its log and samples its queue; a walk
# through a real snmpd equals postqueue -j (stored messages, volume, oldest)
# and `mtastat report --json` (received, the sink's 451 in the outbound
# group's errors and in mtastatReplyTable, the outbound sessions counted).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init
MT_SNMPD_EXCLUDE=,mta_sendmail   # docs/standard-mibs.md

[ "$(id -u)" -eq 0 ] || { mt_log "SKIP: a private Postfix needs root (its master starts as root)"; exit 77; }
[ -x /usr/sbin/postfix ] || { mt_log "SKIP: no Postfix (scripts/deps.sh installs it)"; exit 77; }
chmod 755 "$MT_TMP"   # the Postfix daemons reach their queue and log below it

M=.1.3.6.1.4.1.8072.9999.9999.25.1
MTA=.1.3.6.1.2.1.28.1.1
GRP=.1.3.6.1.2.1.28.2.1
ERR=.1.3.6.1.2.1.28.5.1
APPL=.1.3.6.1.2.1.27.1.1
N=4
PF="$MT_TMP/pf"

mt_start_smtp --defer-rcpt
mt_start_postfix "$PF" "$MT_SMTP_PORT"

for i in $(seq 1 $N); do
	printf 'Subject: mib test %s\n\nmessage %s\n' "$i" "$i" \
		| sendmail -C "$PF/etc" -f sender@private.test "rcpt$i@remote.example" \
		|| mt_fail "sendmail -C $PF/etc failed"
done
mt_wait_for "$N recipients refused with 451 by the sink" \
	sh -c "[ \$(grep -c '^refused 451' '$MT_TMP/smtp.log') -ge $N ]"
mt_wait_for "$N messages in the deferred queue" sh -c \
	"postqueue -c '$PF/etc' -j | grep -c '\"queue_name\": \"deferred\"' | grep -qx $N"
mt_wait_for "$N deferrals logged" sh -c "[ \$(grep -c 'status=deferred' '$PF/maillog') -ge $N ]"
set -- $(postqueue -c "$PF/etc" -j | $PY -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
print(len(rs), sum(r["message_size"] for r in rs), min(r["arrival_time"] for r in rs))')
[ "$1" -eq $N ] || mt_fail "postqueue shows $1 messages, not $N"
bytes=$2 oldest=$3

cat > "$MT_TMP/mtastat.conf" <<CONF
database      $MT_TMP/history.db
logfile       $PF/maillog postfix
queue         postfix $PF/etc
queueinterval 1
CONF
mt_start_snmpd
mt_start_mtastatd "$MT_TMP/mtastat.conf"
mt_wait_registered
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$@"; }
mt_wait_for "mtaStoredMessages $N" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $MTA.2.1)\" = $N ]"
mt_wait_for "mtaReceivedMessages $N" sh -c "[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $MTA.1.1)\" = $N ]"

# what postqueue says is stored
mt_expect "mtaStoredVolume (kilo-octets, rounded up)" $(( (bytes + 1023) / 1024 )) "$(get $MTA.5.1)"
mt_expect "mtaGroupStoredMessages outbound" $N "$(get $GRP.4.1.2)"
age=$(get $GRP.12.1.2)
now=$(date +%s)
[ "$age" -ge 0 ] && [ "$age" -le $(( (now - oldest + 2) * 100 )) ] ||
	mt_fail "mtaGroupOldestMessageStored $age: not within the oldest message's age ($((now - oldest)) s)"
mt_log "ok: mtaGroupOldestMessageStored $age hundredths (oldest arrived $((now - oldest)) s ago)"

# what report --json says was logged, on the same history
"$top_builddir/mtastat" report --db "$MT_TMP/history.db" --json --top 100000 \
	--from "$(date -d yesterday +%F)" --to "$(date -d tomorrow +%F)" > "$MT_TMP/report.json"
set -- $($PY - "$MT_TMP/report.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
days = r["days"].values()
h = r["health"]
rcv = sum(d["received"] for d in days)
out451 = [x for x in h["replies"]["out"] if x["code"] == 451]
assert len(out451) == 1, out451
e = out451[0]["enhanced"]
c, s, d = (int(x) for x in e.split(".")) if e else (4, 0, 0)
print(rcv, out451[0]["count"], (c * 1000 + s) * 1000 + d, e or "-",
      h["tls"]["out_tls"] + h["tls"]["out_plain"], h["tls"]["in_tls"] + h["tls"]["in_plain"])
PYEOF
) || mt_fail "report --json lacks what the test needs"
received=$1 n451=$2 status=$3 enh=$4 sessions_out=$5
mt_expect "received in report --json" $N "$received"
[ "$n451" -ge $N ] || mt_fail "only $n451 replies 451 in report --json"
mt_expect "mtaReceivedMessages = report" "$received" "$(get $MTA.1.1)"
mt_expect "mtaGroupReceivedMessages inbound = report" "$received" "$(get $GRP.2.1.1)"
mt_expect "mtaGroupOutboundErrorCount of 451 $enh = report" "$n451" "$(get $ERR.3.1.2.$status)"
enh_index=0; [ "$enh" = - ] || enh_index=$status
mt_expect "mtastatReplyToday out 451 $enh = report" "$n451" "$(get $M.6.1.5.2.451.$enh_index)"
mt_expect "mtaGroupAccumulatedOutboundAssociations = report's sessions out" "$sessions_out" \
	"$(get $GRP.16.1.2)"
mt_expect "applName" '"postfix"' "$(get $APPL.2.1)"
v=$(postconf -c "$PF/etc" -h mail_version)
[ -n "$v" ] || mt_fail "postconf -c $PF/etc -h mail_version says nothing"
mt_expect "applVersion = postconf -h mail_version" "\"$v\"" "$(get $APPL.4.1)"
mt_expect "applOperStatus (the log is fresh)" 1 "$(get $APPL.6.1)"
