#!/bin/sh
# mtastatd connects to a real snmpd as AgentX subagent and serves its identity.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

VERSION_OID=.1.3.6.1.4.1.8072.9999.9999.25.1.1.1.0
START_OID=.1.3.6.1.4.1.8072.9999.9999.25.1.1.2.0

# Configuration check mode: a good file passes, a bad one names file and line.
printf '# no logs, a private history\ndatabase %s/h.db\n' "$MT_TMP" > "$MT_TMP/mtastat.conf"
out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/mtastat.conf" 2>&1) || mt_fail "-n on a valid config: $out"
mt_expect "mtastatd -n on a valid config" "$MT_TMP/mtastat.conf: configuration OK" "$out"
printf '# comment\nnosuchtoken 42\n' > "$MT_TMP/bad.conf"
if out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/bad.conf" 2>&1); then
	mt_fail "-n accepted an unknown token: $out"
fi
echo "$out" | grep -q "bad.conf: line 2:" || mt_fail "no file and line in: $out"
mt_log "ok: bad config rejected with file and line"
out=$("$top_builddir/mtastatd" -n -c "$MT_TMP/missing.conf" 2>&1) && mt_fail "-n accepted a missing file"
echo "$out" | grep -q "missing.conf: No such file" || mt_fail "missing file not named: $out"

mt_start_snmpd
# Before the subagent connects the master knows nothing of our subtree.
mt_expect "mtastatVersion before mtastatd runs" "No Such Object available on this agent at this OID" \
	"$(mt_get "$VERSION_OID")"

t0=$(date +%s)
mt_start_mtastatd "$MT_TMP/mtastat.conf"
t1=$(date +%s)
expected_version=$("$top_builddir/mtastatd" -v | awk '{print $2}')
mt_wait_registered
mt_expect "mtastatVersion" "\"$expected_version\"" "$(snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$VERSION_OID")"

# The writer thread runs 5 nice levels below the loop that answers SNMP
# (a commit waits for a core, not a GET); the loop keeps the daemon's.
nice_of() { sed 's/^.*) //' "$1" | awk '{ print $17 }'; } # field 19 of stat
main_nice=$(nice_of "/proc/$MT_MTASTATD_PID/stat")
writer_nice=""
for t in /proc/$MT_MTASTATD_PID/task/*; do
	[ "${t##*/}" = "$MT_MTASTATD_PID" ] && continue
	[ "$(nice_of "$t/stat")" -eq $((main_nice + 5)) ] && writer_nice=$((main_nice + 5))
done
mt_expect "a thread (the writer) at the loop's nice + 5" "$((main_nice + 5))" "$writer_nice"
mt_expect "the loop's own nice" "$(nice_of /proc/self/stat)" "$main_nice"

# DateAndTime as raw octets, decoded here independently of the agent's code.
hex=$(snmpget -v2c -c public -On -Oqvx "127.0.0.1:$MT_SNMP_PORT" "$START_OID")
start=$($PY - "$hex" <<'PYEOF'
import sys, datetime
b = bytes(int(x, 16) for x in sys.argv[1].replace('"', '').split())
assert len(b) == 11, b
off = (b[9] * 60 + b[10]) * (1 if chr(b[8]) == '+' else -1)
tz = datetime.timezone(datetime.timedelta(minutes=off))
d = datetime.datetime((b[0] << 8) | b[1], b[2], b[3], b[4], b[5], b[6], tzinfo=tz)
print(int(d.timestamp()))
PYEOF
) || mt_fail "cannot decode mtastatStartTime '$hex'"
[ "$start" -ge "$t0" ] && [ "$start" -le "$t1" ] || mt_fail "mtastatStartTime $start not within [$t0, $t1]"
mt_log "ok: mtastatStartTime $start within [$t0, $t1]"

# With the MIB loaded the tools show it as a date.
shown=$(mt_get MTASTAT-MIB::mtastatStartTime.0)
case "$shown" in
	[12][0-9][0-9][0-9]-*,*) mt_log "ok: mtastatStartTime shown as $shown" ;;
	*) mt_fail "mtastatStartTime shown as '$shown'" ;;
esac

# GETNEXT from the subtree root lands on mtastatVersion.0.
next=$(snmpgetnext -v2c -c public -On -Oq "127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.4.1.8072.9999.9999.25 | awk '{print $1}')
mt_expect "GETNEXT after the MIB root" "$VERSION_OID" "$next"

# The agent is read-only.
if snmpset -v2c -c private -On "127.0.0.1:$MT_SNMP_PORT" "$VERSION_OID" s hacked >"$MT_TMP/set.out" 2>&1; then
	mt_fail "SET on mtastatVersion succeeded: $(cat "$MT_TMP/set.out")"
fi
grep -qE "notWritable|noAccess|noCreation|not writable" "$MT_TMP/set.out" || mt_fail "SET error: $(cat "$MT_TMP/set.out")"
mt_log "ok: SET refused ($(tr '\n' ' ' < "$MT_TMP/set.out"))"

# SIGTERM: clean exit, pid file removed, and the subtree is gone from snmpd.
kill -TERM "$MT_MTASTATD_PID"
wait "$MT_MTASTATD_PID"; rc=$?
mt_expect "mtastatd exit status on SIGTERM" 0 "$rc"
[ ! -e "$MT_TMP/mtastatd.pid" ] || mt_fail "pid file left behind"
mt_wait_for "subtree unregistered" sh -c "snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $VERSION_OID | grep -q 'No Such Object'"
mt_log "ok: subtree gone after SIGTERM"

# net-snmp's own debugging on (-D netsnmp): still a clean exit on SIGTERM
# (it used to overflow the stack tracing its callback locks at shutdown).
mt_start_mtastatd "$MT_TMP/mtastat.conf" -D netsnmp
mt_wait_registered
kill -TERM "$MT_MTASTATD_PID"
wait "$MT_MTASTATD_PID"; rc=$?
mt_expect "mtastatd -D netsnmp exit status on SIGTERM" 0 "$rc"
