#!/bin/sh
# A real Exim (Debian's exim4-daemon-light) under libfaketime, run twice across
# midnight (default log_selector, then +all): the test's own SMTP client
# (exim_real_client.py) submits with and without AUTH (forged senders under
# one account), relays to loopback sinks that accept, defer (until the retry
# rule expires the messages after midnight) and refuse, delivers locally, is
# rejected at RCPT and fails AUTH once (its authenticated sessions over
# STARTTLS; the accepting sink requires TLS); it records the truth from its own
# answers and from what the sinks and mailboxes received.  `mtastat import`
# of Exim's main log, and mtastatd following it through a real snmpd, must
# match that truth exactly.
#
# exim4-daemon-light conflicts with postfix (which other tests and the
# benchmarks use), so it is not installed: its .deb (and those of libidn12,
# which it links, and libnss-wrapper) are downloaded with `apt-get download`
# into a cache (EXIM_DEB_CACHE, default $top_builddir/exim-debs, git-ignored),
# unpacked there and run from there with a private configuration (-C).
# libnss_wrapper gives Exim the "Debian-exim" user it was built for without
# touching /etc/passwd.  No network, no .deb: skipped (77), never failed.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

# The libfaketime shared object (Debian package libfaketime, scripts/deps.sh).
FAKETIME_LIB=$(dpkg-query -L libfaketime 2> /dev/null | grep '/libfaketime\.so\.1$' | head -n 1)
# Debian's Exim is built with EXIM_USER "Debian-exim"; when the test runs as
# root the user gets this uid (unused on Debian: below 65534, above the
# dynamic range), as any other user the test's own uid.
EXIM_FAKE_UID=60999
# The faked days before midnight of the two runs: a new year, and a day in
# spring.
DAYS="2026-12-31 2027-03-27"
# Exim's clock starts this many seconds before midnight (exim_real_client.py's
# LEAD: time for phase A before midnight).
LEAD=20
# Messages to the deferring sink are returned after this many seconds on the
# queue (the retry rule F,CUTOFF s,1s): phase B, after midnight, must send and
# settle within it (make -j check under ASan on two cores: a few seconds).
CUTOFF=20

skip() { mt_log "SKIP: $*"; exit 77; }

# EXIM_REAL_KEEP=DIR keeps a copy of the run (Exim's logs, the sinks, the truth)
[ -z "${EXIM_REAL_KEEP:-}" ] || trap 'rc=$?; cp -r "$MT_TMP" "$EXIM_REAL_KEEP"; (exit $rc); mt_cleanup' EXIT
[ -n "$FAKETIME_LIB" ] && [ -r "$FAKETIME_LIB" ] || skip "libfaketime is not installed (scripts/deps.sh installs it)"
$PY -c 'import aiosmtpd' 2> /dev/null || skip "python3-aiosmtpd is not installed"
cache=${EXIM_DEB_CACHE:-$top_builddir/exim-debs}
root="$cache/root"
if [ ! -f "$root/.unpacked" ]; then
	mkdir -p "$cache" || exit 99
	(cd "$cache" && rm -f ./*.deb && apt-get download exim4-daemon-light libidn12 libnss-wrapper \
		> "$MT_TMP/apt.log" 2>&1) ||
		skip "cannot download exim4-daemon-light, libidn12, libnss-wrapper with apt-get download (no network?): $(tail -n 1 "$MT_TMP/apt.log")"
	rm -rf "$root"
	for deb in "$cache"/*.deb; do
		dpkg-deb -x "$deb" "$root" || mt_fail "cannot unpack $deb"
	done
	# The packaged binary is setuid root: run as another user it would run
	# in the loader's secure mode, ignoring LD_LIBRARY_PATH and LD_PRELOAD.
	chmod u-s "$root/usr/sbin/exim4"
	touch "$root/.unpacked"
fi
EXIM_BIN="$root/usr/sbin/exim4"
NSS_WRAPPER_LIB=$(find "$root" -name 'libnss_wrapper.so*' | head -n 1)
IDN_LIB=$(find "$root" -name 'libidn.so.12' | head -n 1)
[ -x "$EXIM_BIN" ] && [ -n "$NSS_WRAPPER_LIB" ] && [ -n "$IDN_LIB" ] ||
	mt_fail "no exim4, libnss_wrapper or libidn in $root"

if [ "$(id -u)" -eq 0 ]; then
	xuid=$EXIM_FAKE_UID xgid=$EXIM_FAKE_UID
else
	xuid=$(id -u) xgid=$(id -g)
fi
# Exim's processes run as that user: they must reach the test directory.
chmod 755 "$MT_TMP"
# A self-signed certificate for Exim's STARTTLS and the accepting sink's
# (issue 14: TLS in both directions, read from Exim's X= fields).
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 3 \
	-keyout "$MT_TMP/key.pem" -out "$MT_TMP/cert.pem" > /dev/null 2>&1 || mt_fail "openssl req failed"
chmod 644 "$MT_TMP/key.pem" "$MT_TMP/cert.pem"
M="$top_builddir/mtastat"
printf 'localdomain local.example\n' > "$MT_TMP/mtastat.conf"

# start_sink NAME OPTIONS...: an SMTP sink on a free port, its port in
# $sink_port; its transactions are logged in $dir/sinks/NAME.log.
start_sink() {
	name=$1; shift
	sink_port=$(mt_free_port tcp)
	mkdir -p "$dir/sinks/$name"
	$PY "$top_srcdir/tests/integration/smtp_sink.py" 127.0.0.1 "$sink_port" \
		"$dir/sinks/$name" "$dir/sinks/$name.pid" "$@" > "$dir/sinks/$name.log" 2>&1 &
	MT_PIDS="$MT_PIDS $!"
	mt_wait_for "sink $name" grep -q listening "$dir/sinks/$name.log"
}

# write_config SELECTOR: Exim's configuration for one run, in $dir.
write_config() {
	cat > "$dir/exim.conf" << CONF
primary_hostname = mx.local.example
domainlist local_domains = local.example
spool_directory = $dir/spool
log_file_path = $dir/log/%slog
exim_path = $dir/exim-wrap
exim_user = Debian-exim
exim_group = Debian-exim
never_users =
# Exim purges its environment at start: libfaketime re-reads FAKETIME every
# few seconds and nss_wrapper its files on each lookup, so they are kept.
keep_environment = TZ : LD_LIBRARY_PATH : LD_PRELOAD : FAKETIME : NSS_WRAPPER_PASSWD : NSS_WRAPPER_GROUP
timezone = UTC
daemon_smtp_ports = $exim_port
local_interfaces = 127.0.0.1
tls_advertise_hosts = *
tls_certificate = $MT_TMP/cert.pem
tls_privatekey = $MT_TMP/key.pem
host_lookup =
rfc1413_hosts =
delay_warning =
log_selector = $1
acl_smtp_rcpt = acl_rcpt

begin acl
acl_rcpt:
  deny    domains = +local_domains
          !verify = recipient
          message = unknown user
  accept  domains = +local_domains
  accept  authenticated = *
  deny    message = relay not permitted

begin routers
to_defer:
  driver = manualroute
  domains = defer.example
  route_list = * 127.0.0.1
  self = send
  transport = smtp_defer
to_refuse:
  driver = manualroute
  domains = refuse.example
  route_list = * 127.0.0.1
  self = send
  transport = smtp_refuse
outside:
  driver = manualroute
  domains = ! +local_domains
  route_list = * 127.0.0.1
  self = send
  transport = smtp_accept
mailbox:
  driver = accept
  domains = +local_domains
  local_parts = alice : bob
  transport = local_mbox

begin transports
smtp_accept:
  driver = smtp
  port = $port_accept
  allow_localhost
smtp_defer:
  driver = smtp
  port = $port_defer
  allow_localhost
smtp_refuse:
  driver = smtp
  port = $port_refuse
  allow_localhost
local_mbox:
  driver = appendfile
  file = $dir/mail/\$local_part_data
  user = Debian-exim
  group = Debian-exim

begin retry
# messages to the deferring sink expire after CUTOFF s on the queue; the
# client's forced queue runs (-qff) make one try per run
defer.example * F,${CUTOFF}s,1s
* * F,1h,1m

begin authenticators
plain_server:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if or {{and {{eq{\$auth2}{alice}}{eq{\$auth3}{alice-pw}}}} \\
                                {and {{eq{\$auth2}{bob}}{eq{\$auth3}{bob-pw}}}}}}
  server_set_id = \$auth2
CONF
}

# follow_start: snmpd, and mtastatd following $dir/log/mainlog while Exim
# writes it (history $dir/agent.db).
follow_start() {
	cat > "$dir/mtastatd.conf" << CONF
database      $dir/agent.db
logfile       $dir/log/mainlog exim
localdomain   local.example
CONF
	mt_start_snmpd
	mt_start_mtastatd "$dir/mtastatd.conf"
	mt_wait_registered
}

# run_exim DAY SELECTOR [follow]: one run across the midnight after DAY; its
# main log is $dir/log/mainlog and the client's truth $dir/truth.json; with
# "follow", mtastatd reads the log as Exim writes it.
run_exim() {
	day=$1 sel=$2 follow=${3:-}
	dir="$MT_TMP/run-$day"
	mkdir -p "$dir/spool" "$dir/log" "$dir/mail"
	printf 'root:x:0:0:root:/root:/bin/sh\nDebian-exim:x:%s:%s:Exim:%s:/bin/false\n' \
		"$xuid" "$xgid" "$dir" > "$dir/passwd"
	printf 'root:x:0:\nDebian-exim:x:%s:\n' "$xgid" > "$dir/group"
	[ "$(id -u)" -ne 0 ] || chown -R "$xuid:$xgid" "$dir/spool" "$dir/log" "$dir/mail"
	start_sink accept --tls "$MT_TMP/cert.pem" "$MT_TMP/key.pem"
	port_accept=$sink_port
	start_sink defer --defer-rcpt
	port_defer=$sink_port
	start_sink refuse --reject-all
	port_refuse=$sink_port
	exim_port=$(mt_free_port tcp)
	offset=$(($(date -u -d "$day 23:59:59" +%s) + 1 - LEAD - $(date -u +%s)))
	write_config "$sel"
	# Exim runs itself again (exim_path) for deliveries and notices, with a
	# cleaned environment: the wrapper puts back the loader's and libfaketime's.
	cat > "$dir/exim-wrap" << WRAP
#!/bin/sh
export TZ=UTC LD_LIBRARY_PATH="${IDN_LIB%/*}" \\
	LD_PRELOAD="$NSS_WRAPPER_LIB $FAKETIME_LIB" FAKETIME="+$offset" \\
	NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP="$dir/group"
exec "$EXIM_BIN" "\$@"
WRAP
	printf '#!/bin/sh\nexec "%s/exim-wrap" -C "%s/exim.conf" "$@"\n' "$dir" "$dir" > "$dir/exim"
	chmod 755 "$dir/exim-wrap" "$dir/exim"
	"$dir/exim" -bV > "$dir/exim-bV.log" 2>&1 || mt_fail "exim -bV: $(cat "$dir/exim-bV.log")"
	"$dir/exim" -bd -oP "$dir/exim.pid" || mt_fail "the Exim daemon did not start"
	mt_wait_for "Exim's pid file" mt_pid_alive "$dir/exim.pid"
	MT_PIDS="$MT_PIDS $(cat "$dir/exim.pid")"
	mt_wait_for "Exim listening" grep -q "daemon started" "$dir/log/mainlog"
	[ -z "$follow" ] || follow_start
	$PY "$top_srcdir/tests/integration/exim_real_client.py" "$exim_port" "$dir/exim" "$offset" \
		"$day" "$dir/sinks" "$dir/mail" "$dir/truth.json" "$CUTOFF" ||
		mt_fail "the client run on $day failed; Exim's main log ends with:
$(tail -n 40 "$dir/log/mainlog")"
	pid=$(cat "$dir/exim.pid")
	kill "$pid"
	mt_wait_for "Exim to stop" sh -c "! kill -0 $pid"
	for name in accept defer refuse; do
		kill "$(cat "$dir/sinks/$name.pid")"
	done
	# Exim run by its own user with -C says so in its panic log, as expected
	# here; anything else there is a failure of the set-up
	panic=$(grep -v "exim user lost privilege for using -C option" "$dir/log/paniclog" 2> /dev/null)
	[ -z "$panic" ] || mt_fail "Exim's panic log: $panic"
}

# compare TRUTH REPORT: the counters of the truth, day by day, and each
# account's relayed recipients and messages, against mtastat's report.
compare() {
	$PY - "$1" "$2" << 'PYEOF'
import json, sys
truth, report = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
keys = ["received", "delivered", "relayed", "deferred", "deferrals", "bounced", "expired",
        "rejected", "auth_failed", "notifications"]
diffs = []
for day in sorted(set(truth["days"]) | set(report["days"])):
    t, r = truth["days"].get(day, {}), report["days"].get(day, {})
    for k in keys:
        if t.get(k, 0) != r.get(k, 0):
            diffs.append("%s %s: truth %d, mtastat %d" % (day, k, t.get(k, 0), r.get(k, 0)))
for day in sorted(set(truth["accounts"]) | set(report["accounts"])):
    t, r = truth["accounts"].get(day, {}), report["accounts"].get(day, {})
    for a in sorted(set(t) | set(r)):
        for k in ("relayed", "relayed_messages"):
            tv, rv = t.get(a, {}).get(k, 0), r.get(a, {}).get(k, 0)
            if tv != rv:
                diffs.append("%s account %s %s: truth %d, mtastat %d" % (day, a, k, tv, rv))
for d in diffs:
    print(d)
print("%d difference(s); truth %s; accounts %s" % (len(diffs), json.dumps(truth["days"], sort_keys=True),
                                                  json.dumps(truth["accounts"], sort_keys=True)))
sys.exit(1 if diffs else 0)
PYEOF
}

set -- $DAYS
run_exim "$1" ""
run_exim "$2" "+all" follow
for day in $DAYS; do
	dir="$MT_TMP/run-$day"
	log="$dir/log/mainlog"
	"$M" import --quiet --mta exim --config "$MT_TMP/mtastat.conf" --db "$dir/history.db" "$log" > "$dir/import.txt" 2>&1 ||
		mt_fail "$day: import failed: $(cat "$dir/import.txt")"
	grep -q "unparsed 0," "$dir/import.txt" || mt_fail "$day: unparsed lines: $(cat "$dir/import.txt")"
	"$M" report --json --db "$dir/history.db" > "$dir/report.json"
	out=$(compare "$dir/truth.json" "$dir/report.json") || mt_fail "$day: mtastat differs from the truth:
$out"
	mt_log "ok: $day: $out"
	# issue 14 from a real Exim: the parser's replies and TLS sessions (health_tally)
	# against the client's and the sinks' truth, over the run
	"$top_builddir/health_tally" exim "$log" > "$dir/health.json" || mt_fail "$day: health_tally failed"
	out=$($PY - "$dir/truth.json" "$dir/health.json" "$dir/sinks/accept.log" << 'PYEOF'
import json, sys
truth, health = json.load(open(sys.argv[1]))["days"], json.load(open(sys.argv[2]))["health"]
sessions_out = sum(1 for l in open(sys.argv[3]) if l.startswith("accepted "))
t = lambda k: sum(d.get(k, 0) for d in truth.values())
rep = lambda f: sum(n for d in health.values() for k, n in d["replies"].items() if f(k.split()))
tls = lambda k: sum(d["tls"][k] for d in health.values())
checks = [
    # the accepting sink's 250 to the data, once per recipient (C=, default selector)
    ("remote 2xx = relayed", rep(lambda k: k[0] == "out" and k[1][0] == "2"), t("relayed")),
    # the deferring sink's 451 to RCPT on each == line, the refusing one's 554 on each **
    ("remote 4xx = deferrals", rep(lambda k: k[0] == "out" and k[1][0] == "4"), t("deferrals")),
    ("remote 5xx = bounced", rep(lambda k: k[0] == "out" and k[1][0] == "5"), t("bounced")),
    ("our 535 = auth_failed", rep(lambda k: k[0] == "in" and k[1] == "535"), t("auth_failed")),
    ("our other refusals = rejected", rep(lambda k: k[0] == "in" and k[1] != "535"), t("rejected")),
    # the client's authenticated sessions use STARTTLS, the others not; the
    # accepting sink requires it: every transaction to it is TLS (X=)
    ("TLS inbound = received over TLS", tls("in"), t("received_tls")),
    ("plaintext inbound = the other receptions", tls("in_plain"), t("received") - t("received_tls")),
    ("TLS outbound = sink transactions", tls("out"), sessions_out),
    ("plaintext outbound", tls("out_plain"), 0),
]
for name, got, want in checks:
    print("%s: %d%s" % (name, got, "" if got == want else " (truth %d)" % want))
bad = [c for c in checks if c[1] != c[2]]
sys.exit(1 if bad or not t("relayed") or not t("deferrals") or not t("bounced") or
         not t("received_tls") or t("received_tls") == t("received") else 0)
PYEOF
	) || mt_fail "$day: the parser's health facts differ from the truth:
$out"
	mt_log "ok: $day: health: $(echo $out)"
	# the log is what the test says it is: two days, SASL set ids on '<='
	# (also for forged senders), expiries after midnight
	next=$(date -u -d "$day + 1 day" +%F)
	grep -q "^$day 23:59:.* <= ceo@forged.example .* A=plain_server:alice " "$log" || mt_fail "$day: no forged sender under alice"
	grep -q "^$next 00:00:.* \*\* d1a@defer.example.*retry timeout exceeded" "$log" || mt_fail "$day: no expiry after midnight"
	grep -q "^$day .* plain_server authenticator failed for " "$log" || mt_fail "$day: no failed AUTH"
done

# mtastatd followed the second run's log live, across midnight: its totals
# through snmpd and its history day by day are the truth too
dir="$MT_TMP/run-${DAYS#* }"
S=.1.3.6.1.4.1.8072.9999.9999.25.1.1
v() { snmpget -v2c -c public -On -Oqv "127.0.0.1:$MT_SNMP_PORT" "$S.$1.0"; }
n=$(wc -l < "$dir/log/mainlog")
mt_wait_for "mtastatd to read and commit $n lines" sh -c \
	"[ \"\$(snmpget -v2c -c public -On -Oqv 127.0.0.1:$MT_SNMP_PORT $S.4.0)\" = $n ]"
mt_expect "mtastatLinesUnparsed" 0 "$(v 5)"
col=6
for key in received delivered relayed deferred bounced rejected; do
	want=$($PY -c 'import json, sys; print(sum(d.get(sys.argv[2], 0) for d in json.load(open(sys.argv[1]))["days"].values()))' \
		"$dir/truth.json" "$key")
	mt_expect "mtastatd's $key total (scalar $col)" "$want" "$(v $col)"
	col=$((col + 1))
done
"$M" report --json --db "$dir/agent.db" > "$dir/agent-report.json" || mt_fail "report of mtastatd's history failed"
out=$(compare "$dir/truth.json" "$dir/agent-report.json") || mt_fail "mtastatd's history differs from the truth:
$out"
mt_log "ok: mtastatd following the +all run: $out"
# the second run has +all's fields
grep -Eq '^[0-9-]+ [0-9:]+\.[0-9]{3} \[[0-9]+\] cwd=' "$MT_TMP/run-${DAYS#* }/log/mainlog" || mt_fail "no +all fields in the second run"
