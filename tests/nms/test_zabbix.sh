#!/bin/bash
# The shipped Zabbix template on a real Zabbix 6.0 (opt-in: ./test.sh --nms).
# Stands up Zabbix from Debian's packages on loopback (zabbix-up.sh), attaches
# mtastatd to the private snmpd (AgentX master), imports
# contrib/zabbix/mtastat_zabbix_template.yaml and asserts: the import
# succeeds; every polled and discovered item is supported and has a value;
# low-level discovery finds every indicator and every account mtastatd
# publishes; the over-limit account's trigger fires; the relay-limit trap
# lands in its trap item (through contrib/zabbix/zabbix_trap_receiver.sh).
# Brings everything down (and purges it) at the end unless NMS_KEEP=1.
# Exit: 0 pass, 1 fail, 77 skip (not root).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top/build}"
NMS_BASE=${NMS_BASE:-/tmp/mtastat-nms}
export NMS_BASE
HERE=$top/tests/nms
API="/usr/bin/python3 $HERE/zbx_api.py"
TEMPLATE=$top/contrib/zabbix/mtastat_zabbix_template.yaml
HOST=mtastat-nms
R=.1.3.6.1.4.1.8072.9999.9999.25
WAIT=${NMS_WAIT:-240}   # seconds for any one Zabbix round trip (config sync, LLD, poll)
T0=$(date +%s)

log() { printf '[nms %4ds] %s\n' $(( $(date +%s) - T0 )) "$*"; }
fail() { log "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root (apt-get, postgres and zabbix users)"; exit 77; }
[ -x "$top_builddir/mtastatd" ] || fail "no $top_builddir/mtastatd: build first (./scripts/build.sh build)"

finish() {
	rc=$?
	if [ $rc -ne 0 ]; then
		for f in "$NMS_BASE"/log/mtastatd.log "$NMS_BASE"/log/snmptrapd.log; do
			[ -f "$f" ] && { echo "----- $f"; tail -n 30 "$f"; }
		done
		[ -f "$NMS_BASE/log/zabbix_server.log" ] && { echo "----- zabbix_server.log (errors)"; grep -iE 'error|cannot|fail' "$NMS_BASE/log/zabbix_server.log" | grep -v 'Zabbix agent' | tail -n 20; }
	fi
	if [ "${NMS_KEEP:-0}" = 1 ]; then
		log "kept: . $NMS_BASE/env.sh; $HERE/zabbix-down.sh --purge to remove"
	else
		"$HERE/zabbix-down.sh" --purge > /dev/null
	fi
	exit $rc
}
trap finish EXIT

# 1. Zabbix, snmpd (AgentX master) and snmptrapd with the shipped receiver.
"$HERE/zabbix-up.sh" || fail "zabbix-up.sh"
. "$NMS_BASE/env.sh"
export MIBS=
log "Zabbix $($API version) up"

# 2. mtastatd on 16 days of a sample log (the burst of the 17th comes later).
W=$NMS_BASE/mtastat
mkdir -p "$W"
awk -f "$top/tests/fixtures/relay-burst.awk" > "$W/all.txt"
spam=$(grep -n spammer "$W/all.txt" | head -1 | cut -d: -f1)
head -n $((spam - 1)) "$W/all.txt" > "$W/maillog"
touch -d "2026-11-17 12:00:00" "$W/maillog"
cat > "$W/mtastat.conf" <<CONF
database    $W/history.db
logfile     $W/maillog
localdomain example.test
CONF
# its own net-snmp state, not /var/lib/snmp; no output of ours held open by it
SNMP_PERSISTENT_DIR=$NMS_BASE/snmp-persist TZ=UTC "$top_builddir/mtastatd" -f \
	-c "$W/mtastat.conf" -x "$AGENTX_SOCKET" -p "$NMS_BASE/run/mtastatd.pid" \
	< /dev/null >> "$NMS_BASE/log/mtastatd.log" 2>&1 &
for _ in $(seq 1 100); do [ -s "$NMS_BASE/run/mtastatd.pid" ] && break; sleep 0.1; done
get() { snmpget -v2c -c public -t 1 -r 1 -On -Oqv "127.0.0.1:$SNMPD_PORT" "$@" 2>/dev/null; }
for _ in $(seq 1 200); do [ "$(get $R.1.1.4.0)" = $((spam - 1)) ] && break; sleep 0.1; done
[ "$(get $R.1.1.4.0)" = $((spam - 1)) ] || fail "mtastatd did not read the log through snmpd ($(get $R.1.1.4.0))"
log "mtastatd attached to snmpd's AgentX socket, $((spam - 1)) lines read"

# 3. The import (of the template as generated: the YAML is not edited by hand).
/usr/bin/python3 "$top/contrib/zabbix/gen_template.py" | cmp -s - "$TEMPLATE" ||
	fail "$TEMPLATE differs from contrib/zabbix/gen_template.py's output: regenerate it"
out=$($API import "$TEMPLATE" 2>&1)
[ "$out" = True ] || fail "configuration.import: $out"
log "ok: configuration.import of $(basename "$TEMPLATE") = $out"

# 4. A host with the template; short intervals so the test does not wait for 1m/1h.
$API host-create "$HOST" 127.0.0.1 "$SNMPD_PORT" 'mtastat by SNMP' public \
	--macro '{$MTASTAT.INTERVAL}=5s' --macro '{$MTASTAT.LLD.INTERVAL}=10s' > /dev/null ||
	fail "host.create"

# published rows, by name, straight from snmpd
snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$SNMPD_PORT" $R.1.2.1.2 | tr -d '"' | sort > "$W/indicators"
walk_accounts() { snmpwalk -v2c -c public -On -Oqv "127.0.0.1:$SNMPD_PORT" $R.1.3.1.2 | tr -d '"' | sort; }
walk_accounts > "$W/accounts"
log "published: $(wc -l < "$W/indicators") indicators, $(wc -l < "$W/accounts") accounts"

# discovered items of a prototype key prefix, by their macro value
discovered() {
	$API items "$HOST" --json | /usr/bin/python3 -c '
import json, re, sys
pre = sys.argv[1]
for i in json.load(sys.stdin):
    m = re.match(re.escape(pre) + r"\[\"?(.*?)\"?\]$", i["key_"])
    if i["flags"] == "4" and m:
        print(m.group(1))' "$1" | sort -u
}
# every enabled item that is not a trap item: its state, value and error
item_report() {
	$API items "$HOST" --json | /usr/bin/python3 -c '
import json, sys
its = [i for i in json.load(sys.stdin) if i["type"] != "17" and i["status"] == "0"]
bad = [i for i in its if i["state"] == "1"]
pending = [i for i in its if i["state"] == "0" and i["lastclock"] == "0"]
print(len(its), len(bad), len(pending))
for i in bad:
    print("UNSUPPORTED", i["key_"], i["error"], file=sys.stderr)
for i in pending:
    print("NO VALUE", i["key_"], file=sys.stderr)'
}
# wait_for WHAT SECONDS CMD...
wait_for() {
	what=$1; secs=$2; shift 2
	t=$(date +%s)
	until "$@"; do
		[ $(( $(date +%s) - t )) -ge "$secs" ] && fail "timed out ($secs s) waiting for $what"
		$API check-now "$HOST" > /dev/null 2>&1
		sleep 3
	done
	log "ok: $what ($(( $(date +%s) - t )) s)"
}
lld_complete() {
	discovered mtastat.indicator.status > "$W/found.indicators"
	discovered mtastat.account.status > "$W/found.accounts"
	cmp -s "$W/indicators" "$W/found.indicators" && cmp -s "$W/accounts" "$W/found.accounts"
}
all_supported() {
	read -r n bad pending < <(item_report 2> "$W/items.err")
	[ "$n" -gt 0 ] && [ "$bad" = 0 ] && [ "$pending" = 0 ]
}

# 5. LLD finds every indicator and account; every item supported and polled.
wait_for "LLD finds all $(wc -l < "$W/indicators") indicators and $(wc -l < "$W/accounts") accounts" "$WAIT" lld_complete
wait_for "every polled and discovered item supported, with a value" "$WAIT" all_supported
read -r n bad pending < <(item_report 2>/dev/null)
log "ok: $n items polled, $bad unsupported, $pending without a value"
v=$($API call item.get "{\"output\":[\"lastvalue\"],\"host\":\"$HOST\",\"search\":{\"key_\":\"mtastat.indicator.mean[\\\"SMTP_RELAY_MSGS_W\\\"]\"}}" |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["lastvalue"])')
log "SMTP_RELAY_MSGS_W mean in Zabbix: $v (snmpd: $(get $R.1.2.1.5.6) hundredths)"

# 6. The burst: 445 recipients for spammer@example.test.
tail -n +"$spam" "$W/all.txt" >> "$W/maillog"
for _ in $(seq 1 100); do [ "$(get $R.1.1.19.0)" = 1 ] && break; sleep 0.1; done
[ "$(get $R.1.1.19.0)" = 1 ] || fail "mtastatd does not see the account over its limit"
walk_accounts > "$W/accounts"
grep -qx 'spammer@example.test' "$W/accounts" || fail "no spammer row at snmpd"
wait_for "LLD finds the new account spammer@example.test" "$WAIT" lld_complete
trigger_on() {
	$API call trigger.get "{\"output\":[\"description\",\"value\"],\"host\":\"$HOST\",\"expandDescription\":true,\"filter\":{\"value\":1},\"search\":{\"description\":\"over its relay limit\"}}" |
		/usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin); [print(x["description"]) for x in t]; sys.exit(0 if any("spammer@example.test" in x["description"] for x in t) else 1)' > "$W/trigger"
}
wait_for "the trigger 'account spammer@example.test over its relay limit' in problem state" "$WAIT" trigger_on
log "firing: $(cat "$W/trigger")"
$API call problem.get "{\"output\":[\"name\",\"severity\"],\"hostids\":[\"$($API call host.get "{\"output\":[\"hostid\"],\"filter\":{\"host\":[\"$HOST\"]}}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["hostid"])')\"]}" |
	/usr/bin/python3 -c 'import json,sys; [print("  problem:", p["name"], "severity", p["severity"]) for p in json.load(sys.stdin)]'

# 7. The relay-limit trap in its trap item.
trap_landed() {
	$API traps "$HOST" 5 > "$W/traps.txt" 2>&1
	/usr/bin/python3 - "$W/traps.txt" <<'PY'
import re, sys
cur, ok = None, False
for line in open(sys.argv[1]):
    m = re.match(r"== (.*) \((\d+) values\)", line)
    if m:
        cur = m.group(1)
    elif cur and "25\\.0\\.3(" in cur and "spammer@example.test" in line:
        ok = True
sys.exit(0 if ok else 1)
PY
}
wait_for "the mtastatRelayLimitExceeded trap in its trap item" 120 trap_landed
grep -A12 '25\\.0\\.3(' "$W/traps.txt" | sed -n '1,14p' | sed 's/^/  /'
log "PASS: import, $n items supported, LLD complete, over-limit trigger fired, trap landed"
