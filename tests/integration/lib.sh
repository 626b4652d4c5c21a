# Shared helpers for integration tests: real snmpd, snmptrapd, mtastatd and an
# SMTP server, each in a private temporary directory on loopback, waited for by
# pid file and log line, and always stopped when the test exits.
#
# Usage in a test:   . "$top_srcdir/tests/integration/lib.sh"; mt_init
# Exit codes follow automake: 0 pass, 77 skip, 99 hard error, else fail.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SNMPD:=$(command -v snmpd || echo /usr/sbin/snmpd)}"
: "${SNMPTRAPD:=$(command -v snmptrapd || echo /usr/sbin/snmptrapd)}"
: "${MIBS_IETF:=$top_srcdir/mibs-ietf}"
PY=/usr/bin/python3        # Debian's python, the one that has aiosmtpd
MT_WAIT=${MT_WAIT:-20}     # seconds any single wait may take before we give up
MT_PIDS=""
MT_FAILED=0

mt_log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
mt_fail() { mt_log "FAIL: $*"; MT_FAILED=1; exit 1; }

mt_init() {
	MT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mtastat-test.XXXXXX") || exit 99
	trap mt_cleanup EXIT
	trap 'exit 1' INT TERM
	# The net-snmp tools load no MIB unless asked, and read no stray config.
	export MIBS= SNMPCONFPATH="$MT_TMP/snmpconf" SNMP_PERSISTENT_DIR="$MT_TMP/persist"
	mkdir -p "$SNMPCONFPATH" "$SNMP_PERSISTENT_DIR/cert_indexes"
	MT_MIBDIRS="$top_srcdir/mib:$MIBS_IETF:/usr/share/snmp/mibs"
}

# Dump every daemon log when a test fails, then stop what we started.
mt_cleanup() {
	rc=$?
	for pid in $MT_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $MT_PIDS; do
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ $rc -ne 0 ] || [ $MT_FAILED -ne 0 ]; then
		for f in "$MT_TMP"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $f" >&2
			tail -n 50 "$f" >&2
		done
	fi
	rm -rf "$MT_TMP"
	exit $rc
}

# mt_wait_for DESCRIPTION CMD...: poll CMD every 0.1 s for MT_WAIT seconds.
mt_wait_for() {
	what=$1; shift
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge $((MT_WAIT * 10)) ] && mt_fail "timed out waiting for $what"
		sleep 0.1
	done
}

mt_pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# A free loopback port (udp or tcp); the daemon that binds it reports failure
# if another process took it meanwhile.
mt_free_port() {
	$PY - "$1" <<'PYEOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PYEOF
}

# mt_start_snmpd [TRAP_PORT]: snmpd as AgentX master on MT_SNMP_PORT.
# MT_SNMPD_EXCLUDE=,mod1,mod2 leaves more of snmpd's modules out (-I).
mt_start_snmpd() {
	MT_SNMP_PORT=$(mt_free_port udp)
	MT_AGENTX="$MT_TMP/agentx.sock"
	{
		echo "agentAddress udp:127.0.0.1:$MT_SNMP_PORT"
		echo "master agentx"
		echo "agentXSocket $MT_AGENTX"
		echo "agentXPerms 0600 0700"
		echo "rocommunity public 127.0.0.1"
		echo "rwcommunity private 127.0.0.1"
		if [ $# -ge 1 ]; then
			echo "trap2sink 127.0.0.1:$1 public"
		fi
	} > "$MT_TMP/snmpd.conf"
	mt_snmpd_run
}

mt_snmpd_run() {
	rm -f "$MT_TMP/snmpd.pid"
	"$SNMPD" -f -C -c "$MT_TMP/snmpd.conf" -I -smux${MT_SNMPD_EXCLUDE:-} -Lf "$MT_TMP/snmpd.log" \
		-p "$MT_TMP/snmpd.pid" &
	MT_SNMPD_PID=$!
	MT_PIDS="$MT_PIDS $MT_SNMPD_PID"
	mt_wait_for "snmpd pid file" mt_pid_alive "$MT_TMP/snmpd.pid"
	mt_wait_for "snmpd to answer" snmpget -v2c -c public -t 0.5 -r 0 -On \
		"127.0.0.1:$MT_SNMP_PORT" .1.3.6.1.2.1.1.3.0
	mt_wait_for "snmpd AgentX socket" test -S "$MT_AGENTX"
}

mt_stop_snmpd() {
	kill "$MT_SNMPD_PID" 2>/dev/null
	wait "$MT_SNMPD_PID" 2>/dev/null
}

# mt_start_snmptrapd [ACCESS_CONF]: receives v2c traps on MT_TRAP_PORT, one
# line per trap in $MT_TMP/traps.log; who may send them is ACCESS_CONF's
# lines (snmptrapd.conf), else anyone.
mt_start_snmptrapd() {
	MT_TRAP_PORT=$(mt_free_port udp)
	{
		if [ $# -ge 1 ]; then cat "$1"; else echo "disableAuthorization yes"; fi
		printf '%s\n' 'format2 TRAP %#v\n'
		echo "outputOption n"
	} > "$MT_TMP/snmptrapd.conf"
	: > "$MT_TMP/traps.log"
	"$SNMPTRAPD" -f -C -c "$MT_TMP/snmptrapd.conf" -On -Lf "$MT_TMP/traps.log" \
		-p "$MT_TMP/snmptrapd.pid" "udp:127.0.0.1:$MT_TRAP_PORT" &
	MT_PIDS="$MT_PIDS $!"
	mt_wait_for "snmptrapd pid file" mt_pid_alive "$MT_TMP/snmptrapd.pid"
	mt_wait_for "snmptrapd start line" grep -q "NET-SNMP version" "$MT_TMP/traps.log"
}

# mt_start_mtastatd CONFIG [ARGS...]
mt_start_mtastatd() {
	conf=$1; shift
	rm -f "$MT_TMP/mtastatd.pid"
	"$top_builddir/mtastatd" -f -c "$conf" -x "$MT_AGENTX" -p "$MT_TMP/mtastatd.pid" "$@" \
		2>> "$MT_TMP/mtastatd.log" &
	MT_MTASTATD_PID=$!
	MT_PIDS="$MT_PIDS $MT_MTASTATD_PID"
	mt_wait_for "mtastatd pid file" mt_pid_alive "$MT_TMP/mtastatd.pid"
}

# mt_start_smtp [OPTIONS]: an SMTP server on MT_SMTP_PORT (kept if already
# chosen) storing each message as a file in $MT_TMP/mail/; each accepted
# message is logged in smtp.log.  OPTIONS go to smtp_sink.py (--fail-first N,
# --tls CERT KEY, --require-auth).
# A private Postfix in DIR (tests/integration/postfix_private.sh) relaying to
# 127.0.0.1:PORT, stopped with the rest; the test skips (77) where none can run.
mt_start_postfix() {
	_rc=0
	sh "$top_srcdir/tests/integration/postfix_private.sh" start "$1" "$2" \
		> "$MT_TMP/postfix.log" 2>&1 || _rc=$?
	[ $_rc -eq 77 ] && { mt_log "SKIP: $(cat "$MT_TMP/postfix.log")"; exit 77; }
	[ $_rc -eq 0 ] || mt_fail "private Postfix did not start: $(cat "$MT_TMP/postfix.log")"
	mt_wait_for "Postfix's master pid file" sh -c "[ -s '$1/spool/pid/master.pid' ]"
	MT_PIDS="$MT_PIDS $(tr -d ' ' < "$1/spool/pid/master.pid")"
}

mt_start_smtp() {
	: "${MT_SMTP_PORT:=$(mt_free_port tcp)}"
	mkdir -p "$MT_TMP/mail"
	rm -f "$MT_TMP/smtp.pid"
	$PY "$top_srcdir/tests/integration/smtp_sink.py" 127.0.0.1 "$MT_SMTP_PORT" \
		"$MT_TMP/mail" "$MT_TMP/smtp.pid" "$@" >> "$MT_TMP/smtp.log" 2>&1 &
	MT_SMTP_PID=$!
	MT_PIDS="$MT_PIDS $!"
	mt_wait_for "SMTP server pid file" mt_pid_alive "$MT_TMP/smtp.pid"
	mt_wait_for "SMTP server listening" grep -q "listening" "$MT_TMP/smtp.log"
}

# mt_wait_registered: until the subagent's mtastatVersion.0 answers through snmpd.
mt_wait_registered() {
	mt_wait_for "mtastatd registered with snmpd" sh -c \
		"snmpget -v2c -c public -t 0.5 -r 0 -On -Oqv 127.0.0.1:$MT_SNMP_PORT .1.3.6.1.4.1.8072.9999.9999.25.1.1.1.0 | grep -q '^\"'"
}

# mt_get OID...: snmpget through the private snmpd, value only, numeric OIDs.
mt_get() {
	snmpget -v2c -c public -t 1 -r 1 -On -Oqv -M "$MT_MIBDIRS" -m MTASTAT-MIB \
		"127.0.0.1:$MT_SNMP_PORT" "$@"
}

mt_walk() {
	snmpwalk -v2c -c public -t 1 -r 1 -On -M "$MT_MIBDIRS" -m MTASTAT-MIB \
		"127.0.0.1:$MT_SNMP_PORT" "$@"
}

# mt_expect WHAT EXPECTED ACTUAL
mt_expect() {
	if [ "$2" != "$3" ]; then
		mt_fail "$1: expected '$2', got '$3'"
	fi
	mt_log "ok: $1 = $3"
}
