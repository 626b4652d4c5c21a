#!/bin/sh
# bench/ingest.sh [--small N] [--big N] [--seed N] [--no-exim] [--no-icewarp] [--build DIR]:
# time `mtastat import` against pflogsumm and prometheus-postfix-exporter on
# the same seeded Postfix logs, and against eximstats on seeded Exim main logs
# of the same sizes, and alone on IceWarp logs of the same sizes, in one run,
# and print seconds, lines/s, peak RSS, the load average at the start of each
# command, and the ratios; mtastat also without a configuration.  Also checks
# mtastat's report against genlog's true counts.  Run by hand, not in CI.
# Everything it writes goes to bench/out/ (git-ignored).
# DIR is the build tree whose mtastat is measured (default build/).
#
# An Exim line says more than a Postfix line (a reception, a delivery or a
# completion, where Postfix spreads one message over ten lines of which half
# are connection noise), so genlog's Exim log of N lines carries about twice
# the mail of its Postfix log of N lines.  To compare the two parsers on the
# same work, each Exim log also gets a Postfix log with as many received
# messages ("postfix, same mail"), and mtastat is timed on it.
#
# eximstats is in Debian's exim4-base, which cannot be installed beside
# postfix (exim4-config conflicts with it, and postfix is measured here): the
# package is downloaded (apt-get download) and unpacked into bench/out/, not
# installed; eximstats is a Perl script and needs nothing else.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
small=1000000 big=10000000 seed=42 exim=1 icewarp=1 build="$top/build"
while [ $# -gt 0 ]; do
	case "$1" in
	--small) small=$2; shift 2 ;;
	--big) big=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--no-exim) exim=0; shift ;;
	--no-icewarp) icewarp=0; shift ;;
	--build) build=$(cd "$2" && pwd) || exit 2; shift 2 ;;
	*) echo "usage: $0 [--small N] [--big N] [--seed N] [--no-exim] [--no-icewarp] [--build DIR]" >&2; exit 2 ;;
	esac
done
out="$top/bench/out"
mkdir -p "$out"
mtastat="$build/mtastat"

if [ ! -x /usr/bin/time ]; then
	echo "installing GNU time (Debian package 'time')" >&2
	apt-get install -y time > /dev/null 2>&1 || { apt-get update > /dev/null 2>&1 && apt-get install -y time > /dev/null 2>&1; } ||
		{ echo "cannot install /usr/bin/time" >&2; exit 1; }
fi
for tool in pflogsumm prometheus-postfix-exporter curl python3; do
	command -v $tool > /dev/null 2>&1 || { echo "$tool not found" >&2; exit 1; }
done
make -s -C "$top/bench" genlog || exit 1
[ -x "$mtastat" ] || { echo "build mtastat first ($mtastat)" >&2; exit 1; }

EX_PID=""
cleanup() {
	if [ -n "$EX_PID" ]; then
		kill "$EX_PID" 2> /dev/null
		wait "$EX_PID" 2> /dev/null
		EX_PID=""
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

results="$out/results.txt"
: > "$results"
: > "$results.tsv"
# the load average when the row's command started: the machine may be shared
load=""
row() {
	printf '%-28s %-18s %11s %9s %11s %9s %6s\n' "$@" "${load:-load}" | tee -a "$results"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "${load:-load}" >> "$results.tsv"
}
rate() { awk -v l="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? l / s : 0) }'; }
now() { date +%s.%N; }

# time_cmd NAME FILE LINES CMD...: wall seconds and peak RSS of one command
time_cmd() {
	name=$1 file=$2 lines=$3
	shift 3
	load=$(cut -d' ' -f1 /proc/loadavg)
	if ! /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" > /dev/null 2> "$out/stderr.txt"; then
		echo "$name failed:" >&2
		cat "$out/stderr.txt" >&2
		return 1
	fi
	read -r secs kib < "$out/time.txt"
	row "$name" "$(basename "$file")" "$lines" "$secs" "$(rate "$lines" "$secs")" \
		"$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')"
}

# Sum of every postfix_* sample the exporter shows (histogram buckets aside):
# it only grows while lines are being processed.
ex_metrics() {
	curl -s --max-time 2 "http://127.0.0.1:$1/metrics" |
		awk '/^postfix_/ && !/_bucket/ && !/^postfix_up/ { s += $NF } END { printf "%.6g", s }'
}

# prometheus-postfix-exporter 0.3.0 has no option to read a file from the
# start (it tails from the end) and no processed-lines metric.  So: start it
# on an empty file, append the log, and take as the end the later of (a) the
# moment the read offset of its file descriptor (/proc/PID/fdinfo) reaches
# the file size and (b) the last change of its metrics (polled every 0.1 s,
# done after 5 unchanged polls).  Bounded wait: 60 s + 1 s per 20k lines.
time_exporter() {
	file=$1 lines=$2 dir="$out/exporter"
	rm -rf "$dir"
	mkdir -p "$dir"
	: > "$dir/mail.log"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	prometheus-postfix-exporter --web.listen-address="127.0.0.1:$port" \
		--postfix.logfile_path="$dir/mail.log" --postfix.showq_path="$dir/showq" \
		> "$dir/exporter.log" 2>&1 &
	EX_PID=$!
	i=0
	until curl -s --max-time 1 "http://127.0.0.1:$port/metrics" > /dev/null; do
		sleep 0.1
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "exporter did not start" >&2; cleanup; return 1; }
	done
	fd=""
	for f in /proc/$EX_PID/fd/*; do
		[ "$(readlink "$f")" = "$dir/mail.log" ] && fd=${f##*/}
	done
	size=$(stat -c %s "$file")
	limit=$((60 + lines / 20000))
	load=$(cut -d' ' -f1 /proc/loadavg)
	start=$(now)
	cat "$file" >> "$dir/mail.log" &
	cat_pid=$!
	last=$(ex_metrics "$port") changed=$start same=0 eof="" timeout=0
	while [ $same -lt 5 ] || [ -z "$eof" ]; do
		sleep 0.1
		t=$(now)
		if [ -z "$eof" ] && [ -n "$fd" ]; then
			pos=$(awk '/^pos:/ { print $2 }' "/proc/$EX_PID/fdinfo/$fd" 2> /dev/null)
			[ "${pos:-0}" -ge "$size" ] && eof=$t
		fi
		[ -z "$fd" ] && eof=$t # no fd found: rely on the metrics alone
		cur=$(ex_metrics "$port")
		if [ "$cur" = "$last" ]; then
			same=$((same + 1))
		else
			same=0
			last=$cur
			changed=$t
		fi
		if awk -v a="$start" -v b="$t" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then
			timeout=1
			break
		fi
	done
	wait $cat_pid
	rss=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$EX_PID/status")
	cleanup
	rm -f "$dir/mail.log" # a copy of the whole log
	end=$(awk -v a="${eof:-$changed}" -v b="$changed" 'BEGIN { print (a > b ? a : b) }')
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
	if [ $timeout = 1 ]; then
		row "prometheus-postfix-exporter" "$(basename "$file")" "$lines" ">$limit" "timeout" "$rss"
		return 0
	fi
	row "prometheus-postfix-exporter" "$(basename "$file")" "$lines" "$secs" "$(rate "$lines" "$secs")" "$rss"
}

# received: the messages received in a genlog truth file
received() {
	python3 -c 'import json, sys; print(sum(d["received"] for d in json.load(open(sys.argv[1]))["days"].values()))' "$1"
}

# same_mail EXIMLOG N: a Postfix log with as many received messages as
# EXIMLOG (its length scaled from the Postfix log of N lines), and mtastat
# timed on it
same_mail() {
	rx_exim=$(received "$1.expect.json")
	rx_pf=$(received "$out/maillog-$2.expect.json")
	n_pf=$(awk -v n="$2" -v a="$rx_exim" -v b="$rx_pf" 'BEGIN { printf "%d", n * a / b }')
	g="$out/maillog-same-$2"
	if [ ! -s "$g" ] || [ ! -s "$g.expect.json" ] || [ "$g" -ot "$out/genlog" ]; then
		"$out/genlog" --seed "$seed" --lines "$n_pf" --expect "$g.expect.json" > "$g" 2> /dev/null || exit 1
	fi
	lines=$(wc -l < "$g")
	rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
	time_cmd "mtastat import (postfix, same mail)" "$g" "$lines" "$mtastat" import --quiet --year 2026 \
		--config "$top/bench/mtastat.conf" --db "$out/bench.db" "$g" || exit 1
	echo "  received messages: Exim log $rx_exim, Postfix log $(received "$g.expect.json")" | tee -a "$results"
	rm -f "$g" # the 10M one is several GB
}

echo "genlog seed $seed; files in $out; $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" | tee -a "$results"
row tool file lines seconds lines/s "RSS MiB"
for n in $small $big; do
	f="$out/maillog-$n"
	# regenerate when missing or older than the generator
	if [ ! -s "$f" ] || [ ! -s "$f.expect.json" ] || [ "$f" -ot "$out/genlog" ]; then
		t0=$(now)
		"$out/genlog" --seed "$seed" --lines "$n" --expect "$f.expect.json" > "$f" 2> /dev/null || exit 1
		t1=$(now)
		echo "  (genlog wrote $n lines in $(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.2f s, %.0f lines/s", b - a, n / (b - a) }'))" | tee -a "$results"
	fi
	lines=$(wc -l < "$f")
	rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
	time_cmd "mtastat import" "$f" "$lines" "$mtastat" import --quiet --year 2026 \
		--config "$top/bench/mtastat.conf" --db "$out/bench.db" "$f" || exit 1
	"$mtastat" report --json --db "$out/bench.db" > "$f.report.json"
	python3 "$top/bench/compare.py" "$f.expect.json" "$f.report.json" | tail -n 1 |
		sed 's/^/  mtastat vs the true counts: /' | tee -a "$results"
	# the same without the site's facts (no local domain, no content
	# filter): every recipient is relayed and every sender an account
	# (3.7x the accounts of the configured run), so its counts are not the
	# generator's; timed for speed and memory only
	rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
	time_cmd "mtastat import (no config)" "$f" "$lines" "$mtastat" import --quiet --year 2026 \
		--db "$out/bench.db" "$f" || exit 1
	time_cmd "pflogsumm" "$f" "$lines" pflogsumm "$f"
	time_exporter "$f" "$lines"
done

# eximstats from exim4-base, unpacked, not installed (see the top)
eximstats="$out/exim4-base/usr/sbin/eximstats"
if [ $exim = 1 ] && [ ! -x "$eximstats" ]; then
	(cd "$out" && rm -f exim4-base_*.deb && apt-get download exim4-base > /dev/null 2>&1 &&
		dpkg-deb -x exim4-base_*.deb exim4-base) ||
		{ echo "cannot fetch exim4-base for eximstats: Exim rows skipped" >&2; exim=0; }
fi
if [ $exim = 1 ]; then
	for n in $small $big; do
		f="$out/mainlog-$n"
		if [ ! -s "$f" ] || [ ! -s "$f.expect.json" ] || [ "$f" -ot "$out/genlog" ]; then
			"$out/genlog" --mta exim --seed "$seed" --lines "$n" --expect "$f.expect.json" > "$f" 2> /dev/null || exit 1
		fi
		lines=$(wc -l < "$f")
		rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
		time_cmd "mtastat import (exim)" "$f" "$lines" "$mtastat" import --quiet --mta exim \
			--config "$top/bench/mtastat.conf" --db "$out/bench.db" "$f" || exit 1
		"$mtastat" report --json --db "$out/bench.db" > "$f.report.json"
		python3 "$top/bench/compare.py" "$f.expect.json" "$f.report.json" | tail -n 1 |
			sed 's/^/  mtastat vs the true counts: /' | tee -a "$results"
		time_cmd "eximstats" "$f" "$lines" perl "$eximstats" "$f"
		same_mail "$f" "$n"
	done
fi
# IceWarp: daily files of SMTP sessions (genlog --mta icewarp); no peer tool reads them
if [ $icewarp = 1 ]; then
	for n in $small $big; do
		d="$out/icewarp-$n"
		if [ ! -s "$d.expect.json" ] || [ "$d.expect.json" -ot "$out/genlog" ]; then
			rm -rf "$d"
			mkdir -p "$d"
			"$out/genlog" --mta icewarp --out "$d" --seed "$seed" --lines "$n" \
			    --expect "$d.expect.json" 2> /dev/null || exit 1
		fi
		lines=$(cat "$d"/*.log | wc -l)
		rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
		time_cmd "mtastat import (icewarp)" "icewarp-$n/" "$lines" "$mtastat" import --quiet \
			--mta icewarp --config "$top/bench/mtastat.conf" --db "$out/bench.db" "$d"/*.log || exit 1
		"$mtastat" report --json --db "$out/bench.db" > "$d.report.json"
		python3 "$top/bench/compare.py" "$d.expect.json" "$d.report.json" | tail -n 1 |
			sed 's/^/  mtastat vs the true counts: /' | tee -a "$results"
	done
fi
echo | tee -a "$results"
awk -F'\t' '$1 == "mtastat import (exim)" { x[$2] = $5; xs[$2] = $4; xorder[++xn] = $2 }
	$1 == "eximstats" { es[$2] = $5 }
	$1 == "mtastat import (postfix, same mail)" { sub(/^maillog-same-/, "mainlog-", $2); ps[$2] = $4 }
	END { for (i = 1; i <= xn; i++) { f = xorder[i]
		printf "%s: lines/s mtastat/eximstats %s; seconds for the same mail, Postfix/Exim %s\n", f,
		    (es[f] > 0 ? sprintf("%.1fx", x[f] / es[f]) : "n/a"),
		    (xs[f] > 0 && ps[f] > 0 ? sprintf("%.2fx", ps[f] / xs[f]) : "n/a") } }' "$results.tsv" | tee -a "$results"
awk -F'\t' '$1 == "mtastat import" { m[$2] = $5; order[++n] = $2 }
	$1 == "pflogsumm" { p[$2] = $5 }
	$1 == "prometheus-postfix-exporter" { e[$2] = $5 }
	END { for (i = 1; i <= n; i++) { f = order[i]
		printf "%s: lines/s mtastat/pflogsumm %s, mtastat/exporter %s\n", f,
		    (p[f] > 0 ? sprintf("%.1fx", m[f] / p[f]) : "n/a"),
		    (e[f] > 0 ? sprintf("%.1fx", m[f] / e[f]) : "n/a") } }' "$results.tsv" | tee -a "$results"
# the issue's "Exim and IceWarp logs at least as fast": lines/s against Postfix's
awk -F'\t' '{ f = $2; sub(/^(maillog|mainlog|icewarp)-/, "", f); sub(/\/$/, "", f) }
	$1 == "mtastat import" { p[f] = $5; order[++n] = f }
	$1 == "mtastat import (exim)" { x[f] = $5 }
	$1 == "mtastat import (icewarp)" { w[f] = $5 }
	END { for (i = 1; i <= n; i++) { f = order[i]
		printf "%s lines: lines/s Exim/Postfix %s, IceWarp/Postfix %s\n", f,
		    (x[f] > 0 ? sprintf("%.2fx", x[f] / p[f]) : "n/a"),
		    (w[f] > 0 ? sprintf("%.2fx", w[f] / p[f]) : "n/a") } }' "$results.tsv" | tee -a "$results"
echo "(the exporter cannot read a file from the start: it was started on an empty file and the log appended; see bench/README.md)" | tee -a "$results"
