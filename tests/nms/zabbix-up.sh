#!/bin/bash
# A throw-away Zabbix 6.0 (Debian 12 packages) on loopback for tests/nms:
# a private PostgreSQL cluster, zabbix_server with its SNMP trapper, the PHP
# frontend (API) under `php -S`, a private snmpd that is the AgentX master
# for mtastatd and sends its traps to a private snmptrapd, which hands them
# to Zabbix through contrib/zabbix/zabbix_trap_receiver.sh (the receiver the
# project ships).  Everything lives under $NMS_BASE; nothing listens off
# 127.0.0.1; nothing is written to /etc besides what apt-get installs.
# Idempotent.  Root only (apt-get; postgres and zabbix run as their users).
set -euo pipefail

NMS_BASE=${NMS_BASE:-/tmp/mtastat-nms}
PG_PORT=${PG_PORT:-26432}
ZBX_PORT=${ZBX_PORT:-20151}
WEB_PORT=${WEB_PORT:-28180}
SNMPD_PORT=${SNMPD_PORT:-21261}
TRAP_PORT=${TRAP_PORT:-21262}
# config-cache sync period (s): Zabbix's default 60 would hide new hosts,
# items and discovered items from the pollers for a minute
CACHE_UPDATE=${CACHE_UPDATE:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin

log() { printf '[nms-up %s] %s\n' "$(date +%T)" "$*"; }
alive() { [ -s "$1" ] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }
T0=$(date +%s)
[ "$(id -u)" -eq 0 ] || { log "run as root (apt-get, postgres, zabbix users)"; exit 77; }

# ---------------------------------------------------------------- packages
# php8.2-fpm satisfies php8.2's "libapache2-mod-php8.2 | php8.2-fpm | ..."
# without pulling apache2; it is never started.
PKGS="postgresql-15 zabbix-server-pgsql zabbix-frontend-php php8.2-cli php8.2-pgsql php8.2-fpm snmp snmpd snmptrapd"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
	log "installing:$missing"
	# no maintainer script may start a service (there is no systemd here anyway)
	policy_added=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
		policy_added=1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	[ -z "$policy_added" ] || rm -f /usr/sbin/policy-rc.d
fi
log "versions: $(dpkg-query -W -f='${Package} ${Version}; ' zabbix-server-pgsql zabbix-frontend-php postgresql-15 php8.2-cli snmpd)"

# ---------------------------------------------------------------- layout
mkdir -p "$NMS_BASE"/{etc,log,run,traps,snmp-persist}
chmod 755 "$NMS_BASE" "$NMS_BASE/traps"
chown zabbix:zabbix "$NMS_BASE/log" "$NMS_BASE/run"
chmod 1777 "$NMS_BASE/run" "$NMS_BASE/log"   # shared by postgres, zabbix and root daemons
cat > "$NMS_BASE/env.sh" <<ENV
NMS_BASE=$NMS_BASE PG_PORT=$PG_PORT ZBX_PORT=$ZBX_PORT WEB_PORT=$WEB_PORT SNMPD_PORT=$SNMPD_PORT TRAP_PORT=$TRAP_PORT
ZBX_API_URL=http://127.0.0.1:$WEB_PORT/api_jsonrpc.php ZBX_USER=Admin ZBX_PASSWORD=zabbix
AGENTX_SOCKET=$NMS_BASE/run/agentx.sock
export NMS_BASE PG_PORT ZBX_PORT WEB_PORT SNMPD_PORT TRAP_PORT ZBX_API_URL ZBX_USER ZBX_PASSWORD AGENTX_SOCKET
ENV

# ---------------------------------------------------------------- postgres
PGDATA=$NMS_BASE/pg
PSQL="psql -X -q -h 127.0.0.1 -p $PG_PORT"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	log "initdb $PGDATA"
	mkdir -p "$PGDATA"; chown postgres:postgres "$PGDATA"; chmod 700 "$PGDATA"
	runuser -u postgres -- $PGBIN/initdb -D "$PGDATA" -A trust -U postgres -E UTF8 --no-sync > "$NMS_BASE/log/initdb.log"
	cat >> "$PGDATA/postgresql.conf" <<PGCONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$NMS_BASE/run'
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
PGCONF
fi
if ! runuser -u postgres -- $PGBIN/pg_ctl -D "$PGDATA" status >/dev/null 2>&1; then
	log "starting postgres on 127.0.0.1:$PG_PORT"
	runuser -u postgres -- $PGBIN/pg_ctl -D "$PGDATA" -l "$NMS_BASE/log/postgres.log" -w start >/dev/null
fi
if [ "$($PSQL -U postgres -tAc "select 1 from pg_database where datname='zabbix'")" != 1 ]; then
	log "creating the zabbix database (Debian's schema, images, data)"
	$PSQL -U postgres -c "create role zabbix login password 'zabbix'" 2>/dev/null || true
	$PSQL -U postgres -c "create database zabbix owner zabbix encoding 'UTF8' template template0"
	# not double.sql.gz / history_pk_prepare.sql.gz (upgrade helpers) nor timescaledb
	zcat /usr/share/zabbix-server-pgsql/{schema,images,data}.sql.gz |
		$PSQL -U zabbix -v ON_ERROR_STOP=1 zabbix > "$NMS_BASE/log/schema.log" 2>&1
	# the stock "Zabbix server" host polls an agent that does not run here
	$PSQL -U zabbix -c "update hosts set status=1 where host='Zabbix server'" zabbix
fi

# ---------------------------------------------------------------- snmpd: AgentX master, traps to snmptrapd
cat > "$NMS_BASE/etc/snmpd.conf" <<SNMPD
rocommunity public 127.0.0.1
dontLogTCPWrappersConnects yes
sysName mtastat-nms-test
master agentx
agentXSocket $NMS_BASE/run/agentx.sock
agentXPerms 0777 0777
trap2sink 127.0.0.1:$TRAP_PORT public
SNMPD
export MIBS= SNMP_PERSISTENT_DIR=$NMS_BASE/snmp-persist
if ! alive "$NMS_BASE/run/snmpd.pid"; then
	log "starting snmpd on udp:127.0.0.1:$SNMPD_PORT (AgentX $NMS_BASE/run/agentx.sock)"
	snmpd -C -c "$NMS_BASE/etc/snmpd.conf" -Lf "$NMS_BASE/log/snmpd.log" -I -smux \
		-p "$NMS_BASE/run/snmpd.pid" "udp:127.0.0.1:$SNMPD_PORT"
fi

# ---------------------------------------------------------------- snmptrapd -> the shipped receiver -> Zabbix
TRAPFILE=$NMS_BASE/traps/zabbix_traps.tmp
cat > "$NMS_BASE/etc/snmptrapd.conf" <<TRAPD
authCommunity execute public
traphandle default /bin/sh $top/contrib/zabbix/zabbix_trap_receiver.sh $TRAPFILE
TRAPD
touch "$TRAPFILE"; chmod 644 "$TRAPFILE"
if ! alive "$NMS_BASE/run/snmptrapd.pid"; then
	log "starting snmptrapd on udp:127.0.0.1:$TRAP_PORT"
	snmptrapd -C -c "$NMS_BASE/etc/snmptrapd.conf" -Lf "$NMS_BASE/log/snmptrapd.log" -On \
		-p "$NMS_BASE/run/snmptrapd.pid" "udp:127.0.0.1:$TRAP_PORT"
fi

# ---------------------------------------------------------------- zabbix_server
cat > "$NMS_BASE/etc/zabbix_server.conf" <<ZBX
ListenIP=127.0.0.1
ListenPort=$ZBX_PORT
LogFile=$NMS_BASE/log/zabbix_server.log
LogFileSize=0
PidFile=$NMS_BASE/run/zabbix_server.pid
SocketDir=$NMS_BASE/run
DBHost=127.0.0.1
DBPort=$PG_PORT
DBName=zabbix
DBUser=zabbix
DBPassword=zabbix
StartPollers=2
StartPollersUnreachable=1
StartTrappers=2
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartPreprocessors=2
StartLLDProcessors=1
StartSNMPTrapper=1
SNMPTrapperFile=$TRAPFILE
CacheSize=32M
CacheUpdateFrequency=$CACHE_UPDATE
HousekeepingFrequency=1
Timeout=4
User=zabbix
ZBX
ZLOG=$NMS_BASE/log/zabbix_server.log
ZLOG_OFF=0
if ! alive "$NMS_BASE/run/zabbix_server.pid"; then
	log "starting zabbix_server on 127.0.0.1:$ZBX_PORT"
	[ -f "$ZLOG" ] && ZLOG_OFF=$(wc -l < "$ZLOG")
	zabbix_server -c "$NMS_BASE/etc/zabbix_server.conf"
fi

# ---------------------------------------------------------------- frontend/API under php -S
WWW=$NMS_BASE/www
if [ ! -e "$WWW/api_jsonrpc.php" ]; then
	log "copying the frontend to $WWW"
	cp -a /usr/share/zabbix "$WWW.tmp" && mv "$WWW.tmp" "$WWW"
fi
# Debian hard-codes /etc/zabbix/zabbix.conf.php (CConfigFile::CONFIG_FILE_PATH):
# the private copy reads a private file, whose existence skips the setup wizard
sed -i "s|const CONFIG_FILE_PATH = '[^']*';|const CONFIG_FILE_PATH = '$NMS_BASE/etc/zabbix.conf.php';|" \
	"$WWW/include/classes/core/CConfigFile.php"
cat > "$NMS_BASE/etc/zabbix.conf.php" <<PHP
<?php
\$DB['TYPE'] = 'POSTGRESQL'; \$DB['SERVER'] = '127.0.0.1'; \$DB['PORT'] = '$PG_PORT';
\$DB['DATABASE'] = 'zabbix'; \$DB['USER'] = 'zabbix'; \$DB['PASSWORD'] = 'zabbix'; \$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false; \$DB['KEY_FILE'] = ''; \$DB['CERT_FILE'] = ''; \$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false; \$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = ''; \$DB['VAULT_DB_PATH'] = ''; \$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER = '127.0.0.1'; \$ZBX_SERVER_PORT = '$ZBX_PORT'; \$ZBX_SERVER_NAME = 'mtastat-nms';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP
if ! alive "$NMS_BASE/run/php.pid"; then
	log "starting php -S 127.0.0.1:$WEB_PORT"
	PHP_CLI_SERVER_WORKERS=4 setsid php -d date.timezone=UTC -d memory_limit=512M \
		-d post_max_size=16M -d upload_max_filesize=8M -d max_execution_time=300 \
		-S "127.0.0.1:$WEB_PORT" -t "$WWW" > "$NMS_BASE/log/php.log" 2>&1 < /dev/null &
	echo $! > "$NMS_BASE/run/php.pid"
fi

# ---------------------------------------------------------------- wait for the API and the server
out=""
for _ in $(seq 1 60); do
	out=$(ZBX_API_URL=http://127.0.0.1:$WEB_PORT/api_jsonrpc.php /usr/bin/python3 "$top/tests/nms/zbx_api.py" version 2>/dev/null) && break
	sleep 1
done
[ -n "$out" ] || { log "the API does not answer: $NMS_BASE/log/php.log"; exit 1; }
for _ in $(seq 1 30); do
	tail -n +$((ZLOG_OFF + 1)) "$ZLOG" 2>/dev/null | grep -q 'server #0 started \[main process\]' && break
	sleep 1
done
alive "$NMS_BASE/run/zabbix_server.pid" || { log "zabbix_server is not running:"; tail -n 20 "$ZLOG"; exit 1; }
log "up in $(( $(date +%s) - T0 )) s: API $out at http://127.0.0.1:$WEB_PORT/api_jsonrpc.php (Admin/zabbix)"
