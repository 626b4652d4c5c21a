#!/bin/sh
# The Debian package, built and used as an operator would (opt-in: ./test.sh --deb).
# Builds with dpkg-buildpackage -us -uc -b from a copy of the checkout, runs
# lintian (errors fail), installs the .deb on this host with apt-get, checks
# the user, the state directory, the files and the unit (systemd-analyze
# verify), starts mtastatd as the unit would (its own user, adm, the state
# directory) against a private snmpd and reads it with snmpget, then purges
# and checks nothing is left.  Root only; installs debhelper and lintian
# when they are missing (the build dependencies come from scripts/deps.sh).
# Exit: 0 pass, 1 fail, 77 skip.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^AC_INIT(\[mtastat\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
WORK=$(mktemp -d /tmp/mtastat-deb.XXXXXX)
R=.1.3.6.1.4.1.8072.9999.9999.25
PIDS=""

log() { printf '[deb] %s\n' "$*"; }
fail() { log "FAIL: $*"; exit 1; }
cleanup() {
	rc=$?
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if dpkg -s mtastat > /dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mtastat > /dev/null 2>&1
	fi
	[ $rc -eq 0 ] || { [ -f "$WORK/mtastatd.log" ] && tail -n 20 "$WORK/mtastatd.log"; }
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root (apt-get install of the package)"; exit 77; }
# the packaging tools, like tests/nms installs Zabbix: only for this opt-in test
need=""
command -v dh > /dev/null || need="$need debhelper"
command -v lintian > /dev/null || need="$need lintian"
if [ -n "$need" ]; then
	log "installing:$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need > /dev/null ||
		{ log "SKIP: cannot install$need"; exit 77; }
fi
dpkg -s mtastat > /dev/null 2>&1 && fail "a mtastat package is installed already: not touching it"

# 1. Build from a copy: the checkout is neither configured nor cleaned by dh.
src="$WORK/mtastat-$version"
mkdir -p "$src"
if git -C "$top" rev-parse > /dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -x -C "$src"
else
	(cd "$top" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -x -C "$src"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1 ||
	{ tail -n 30 "$WORK/build.log"; fail "dpkg-buildpackage -us -uc -b"; }
deb=$(ls "$WORK"/mtastat_"$version"_*.deb)
log "ok: dpkg-buildpackage -us -uc -b: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# 2. lintian: errors fail, the rest is shown.
lintian "$deb" > "$WORK/lintian.txt" 2>&1
sed 's/^/  lintian: /' "$WORK/lintian.txt"
grep -q '^E:' "$WORK/lintian.txt" && fail "lintian errors"
log "ok: lintian: no error ($(grep -c '^W:' "$WORK/lintian.txt") warning(s))"

# 3. Install, as a user would.
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" > "$WORK/install.log" 2>&1 ||
	{ tail -n 20 "$WORK/install.log"; fail "apt-get install ./$(basename "$deb")"; }
getent passwd mtastat > /dev/null || fail "no user mtastat"
st=$(stat -c '%U:%G %a' /var/lib/mtastat 2>/dev/null)
[ "$st" = "mtastat:mtastat 750" ] || fail "/var/lib/mtastat: '$st', expected mtastat:mtastat 750"
for f in /usr/sbin/mtastatd /usr/bin/mtastat /usr/share/snmp/mibs/MTASTAT-MIB.txt /etc/mtastat.conf \
    /lib/systemd/system/mtastatd.service /usr/share/man/man8/mtastatd.8.gz \
    /usr/share/man/man1/mtastat.1.gz /usr/share/man/man5/mtastat.conf.5.gz \
    /usr/share/mtastat/zabbix/mtastat_zabbix_template.yaml /usr/share/mtastat/zabbix/zabbix_trap_receiver.sh; do
	[ -e "$f" ] || fail "not installed: $f"
done
dpkg-query -W -f='${Conffiles}\n' mtastat | grep -q '/etc/mtastat.conf' || fail "/etc/mtastat.conf is not a conffile"
log "ok: installed: user mtastat, /var/lib/mtastat ($st), binaries, MIB, man pages, conffile, unit, Zabbix files"
/usr/sbin/mtastatd --version | grep -qx "mtastatd $version" || fail "mtastatd --version"
if command -v systemd-analyze > /dev/null; then
	systemd-analyze verify /lib/systemd/system/mtastatd.service > "$WORK/verify.txt" 2>&1
	grep -v -e 'Unit sysinit.target not found' -e "man mtastat" "$WORK/verify.txt" | grep . &&
		fail "systemd-analyze verify mtastatd.service"
	log "ok: systemd-analyze verify mtastatd.service$( [ -s "$WORK/verify.txt" ] && printf ' (ignored: %s)' "$(tr '\n' ';' < "$WORK/verify.txt")")"
else
	log "no systemd-analyze here: the unit is not verified"
fi

# 4. Start as the unit does: user mtastat with group adm, the state directory,
# -n first (ExecStartPre), then -f (ExecStart); a private snmpd is the master.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/agentx" "$WORK/persist"
chown mtastat "$WORK/agentx"
cat > "$WORK/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:$port
rocommunity public 127.0.0.1
master agentx
agentXSocket $WORK/agentx/master
agentXPerms 0660 0550 root mtastat
CONF
chmod 755 "$WORK"
MIBS= SNMP_PERSISTENT_DIR="$WORK/persist" snmpd -f -C -c "$WORK/snmpd.conf" -I -smux \
	-Lf "$WORK/snmpd.log" -p "$WORK/snmpd.pid" &
PIDS="$PIDS $!"
i=0; until [ -S "$WORK/agentx/master" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$WORK/agentx/master" ] || fail "private snmpd: no AgentX socket"
# the sample configuration, with a mail log that exists here
printf 'Dec  1 10:00:00 mx postfix/qmgr[1]: 4A1B2C3D4E: from=<a@example.org>, size=100, nrcpt=1 (queue active)\n' > "$WORK/mail.log"
chgrp adm "$WORK/mail.log"; chmod 640 "$WORK/mail.log"
sed "s|^logfile .*|logfile $WORK/mail.log postfix|" /etc/mtastat.conf > "$WORK/mtastat.conf"
chmod 644 "$WORK/mtastat.conf"
as_unit() { setpriv --reuid=mtastat --regid=mtastat --groups=adm --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"; }
as_unit /usr/sbin/mtastatd -n -c "$WORK/mtastat.conf" > "$WORK/check.txt" 2>&1 ||
	{ cat "$WORK/check.txt"; fail "mtastatd -n as mtastat"; }
log "ok: mtastatd -n as user mtastat: $(tail -n 1 "$WORK/check.txt")"
# setpriv itself (not the function) in the background: $! is mtastatd's pid
SNMP_PERSISTENT_DIR="$WORK/persist" setpriv --reuid=mtastat --regid=mtastat --groups=adm \
	--no-new-privs --inh-caps=-all --bounding-set=-all -- \
	/usr/sbin/mtastatd -f -c "$WORK/mtastat.conf" -x "$WORK/agentx/master" > "$WORK/mtastatd.log" 2>&1 &
dpid=$!
PIDS="$dpid $PIDS"
i=0
until snmpget -v2c -c public -On -Oqv -t 1 -r 0 "127.0.0.1:$port" $R.1.1.1.0 2>/dev/null | grep -q "$version" || [ $i -ge 100 ]; do
	sleep 0.2; i=$((i + 1))
done
v=$(snmpget -v2c -c public -On -Oqv "127.0.0.1:$port" $R.1.1.1.0 2>&1)
[ "$v" = "\"$version\"" ] || fail "mtastatVersion.0 through snmpd: $v"
user=$(ps -o user= -p "$dpid")
[ "$user" = mtastat ] || fail "mtastatd runs as '$user'"
db=$(stat -c '%U:%G %a' /var/lib/mtastat/mtastat.db 2>/dev/null)
case "$db" in mtastat:mtastat\ 640) ;; *) fail "/var/lib/mtastat/mtastat.db: '$db'" ;; esac
log "ok: mtastatd runs as $user, answers mtastatVersion.0 = $v, history /var/lib/mtastat/mtastat.db $db"
kill "$dpid"; wait "$dpid" 2>/dev/null

# 5. Purge: nothing left but the user (Debian practice).
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mtastat > "$WORK/purge.log" 2>&1 ||
	{ tail -n 20 "$WORK/purge.log"; fail "apt-get purge mtastat"; }
for f in /usr/sbin/mtastatd /etc/mtastat.conf /var/lib/mtastat /lib/systemd/system/mtastatd.service \
    /usr/share/snmp/mibs/MTASTAT-MIB.txt /usr/share/mtastat; do
	[ -e "$f" ] && fail "left after purge: $f"
done
log "ok: purged: no file, no state directory left (the system user mtastat stays)"
log "PASS"
