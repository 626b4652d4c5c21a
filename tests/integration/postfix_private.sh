#!/bin/sh
# A private Postfix instance for tests, in its own directories, not the system's:
#   postfix_private.sh start DIR RELAY_PORT   config in DIR/etc, queue in DIR/spool,
#                                             log in DIR/maillog, relaying every
#                                             message to [127.0.0.1]:RELAY_PORT
#   postfix_private.sh stop DIR
# It listens on no port (mail is submitted with sendmail -C DIR/etc), runs no
# service chrooted, and needs root (Postfix's master starts as root and runs its
# daemons as the postfix user).  Exit 77 when that cannot be.
set -eu
cmd=$1 dir=$2
case $cmd in
start)
	port=$3
	[ "$(id -u)" -eq 0 ] || { echo "postfix_private: needs root" >&2; exit 77; }
	command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || { echo "postfix_private: no postfix" >&2; exit 77; }
	id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null 2>&1 \
		|| { echo "postfix_private: no postfix user or postdrop group" >&2; exit 77; }
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
	chown postfix "$dir/data"
	# the queue tree is made by "postfix start" (post-install) with its owners
	cat > "$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.private.test
mydomain = private.test
myorigin = private.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:$port
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
smtp_tls_security_level = none
smtp_address_preference = ipv4
smtp_connect_timeout = 5s
alias_maps =
alias_database =
biff = no
# no retry while a test runs: a deferred message stays deferred
minimal_backoff_time = 3600s
maximal_backoff_time = 3600s
queue_run_delay = 3600s
EOF
	cat > "$dir/etc/master.cf" <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	postfix -c "$dir/etc" start
	;;
stop)
	postfix -c "$dir/etc" stop 2>/dev/null || true
	# master's pid file: wait until it is gone (a second stop is harmless)
	i=0
	while [ -s "$dir/spool/pid/master.pid" ] && kill -0 "$(cat "$dir/spool/pid/master.pid")" 2>/dev/null \
		&& [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -s "$dir/spool/pid/master.pid" ]; then
		kill -9 "$(cat "$dir/spool/pid/master.pid")" 2>/dev/null || true
	fi
	;;
esac
