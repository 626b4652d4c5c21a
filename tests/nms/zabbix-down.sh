#!/bin/bash
# Stop what zabbix-up.sh started, by pid file only; --purge also deletes $NMS_BASE.
set -u
NMS_BASE=${NMS_BASE:-/tmp/mtastat-nms}
R=$NMS_BASE/run

stop_pid() {  # NAME PIDFILE [children]
	local f=$2 pid kids p
	[ -s "$f" ] || return 0
	pid=$(head -n1 "$f")
	if kill -0 "$pid" 2>/dev/null; then
		# php -S workers are children that outlive a TERM'd master: stop them by pid too
		kids=""; [ "${3:-}" = children ] && kids=$(pgrep -P "$pid" || true)
		echo "stopping $1 (pid $pid${kids:+; children $(echo $kids)})"
		kill -TERM "$pid" $kids 2>/dev/null
		for p in $pid $kids; do
			for _ in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
			kill -0 "$p" 2>/dev/null && { echo "  $p still alive: SIGKILL"; kill -KILL "$p"; }
		done
	fi
	rm -f "$f"
}

stop_pid mtastatd "$R/mtastatd.pid"
stop_pid php "$R/php.pid" children
stop_pid zabbix_server "$R/zabbix_server.pid"
stop_pid snmptrapd "$R/snmptrapd.pid"
stop_pid snmpd "$R/snmpd.pid"
if [ -s "$NMS_BASE/pg/postmaster.pid" ]; then
	echo "stopping postgres"
	runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$NMS_BASE/pg" -m fast -w stop >/dev/null
fi
if [ "${1:-}" = --purge ]; then
	echo "removing $NMS_BASE"
	rm -rf "$NMS_BASE"
fi
