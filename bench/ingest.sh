#!/bin/sh
# bench/ingest.sh [--small N] [--big N]: time `mtastat import` against
# pflogsumm and prometheus-postfix-exporter on the same seeded logs, in one
# run, and print lines/s, peak RSS and the ratios.  Run by hand, not in CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
small=1000000 big=10000000
while [ $# -gt 0 ]; do
	case "$1" in
	--small) small=$2; shift 2 ;;
	--big) big=$2; shift 2 ;;
	*) echo "usage: $0 [--small N] [--big N]" >&2; exit 2 ;;
	esac
done
out="$top/bench/out"
mkdir -p "$out"
command -v /usr/bin/time >/dev/null 2>&1 || apt-get install -y time >/dev/null
make -s -C "$top/bench" genlog || exit 1
[ -x "$top/build/mtastat" ] || "$top/scripts/build.sh" "$top/build" || exit 1
EX_PID=""
trap '[ -n "$EX_PID" ] && kill $EX_PID 2>/dev/null' EXIT

results="$out/results.txt"
: > "$results"
: > "$results.tsv"
row() {
	printf '%-28s %-18s %10s %8s %12s %8s\n' "$@" | tee -a "$results"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results.tsv"
}

# time_cmd NAME FILE LINES CMD...: wall seconds and peak RSS of one command
time_cmd() {
	name=$1 file=$2 lines=$3; shift 3
	/usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" > /dev/null 2> "$out/stderr.txt" || {
		echo "$name failed:"; cat "$out/stderr.txt"; return 1; }
	read -r secs kib < "$out/time.txt"
	row "$name" "$(basename "$file")" "$lines" "$secs" "$(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? l / s : 0) }')" \
		"$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')"
}

# The exporter only tails: start it on an empty file, append the log, and
# wait until its metrics stop moving (the last 0.6 s are not counted).
time_exporter() {
	file=$1 lines=$2 dir="$out/exporter"
	rm -rf "$dir"; mkdir -p "$dir"; : > "$dir/mail.log"
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	prometheus-postfix-exporter --web.listen-address=127.0.0.1:$port \
		--postfix.logfile_path="$dir/mail.log" --postfix.showq_path="$dir/showq" > "$dir/log.txt" 2>&1 &
	EX_PID=$!
	i=0; while ! curl -s "127.0.0.1:$port/metrics" > /dev/null; do sleep 0.1; i=$((i+1)); [ $i -gt 100 ] && return 1; done
	start=$(date +%s.%N)
	cat "$file" >> "$dir/mail.log"
	last="" same=0 changed=$start
	while [ $same -lt 3 ]; do
		sleep 0.2
		now=$(curl -s "127.0.0.1:$port/metrics" | awk '/^postfix_/ && !/_bucket/ { s += $2 } END { printf "%.0f", s }')
		if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; last=$now; changed=$(date +%s.%N); fi
	done
	rss=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/$EX_PID/status)
	kill $EX_PID; wait $EX_PID 2>/dev/null; EX_PID=""
	secs=$(awk -v a="$start" -v b="$changed" 'BEGIN { printf "%.2f", b - a }')
	row "prometheus-postfix-exporter" "$(basename "$file")" "$lines" "$secs" \
		"$(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? l / s : 0) }')" "$rss"
}

row tool file lines seconds lines/s "RSS MiB"
for n in $small $big; do
	f="$out/maillog-$n"
	[ -f "$f" ] || "$out/genlog" --seed 42 --lines "$n" --expect "$f.expect.json" > "$f" 2>/dev/null
	lines=$(wc -l < "$f")
	rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
	time_cmd "mtastat import" "$f" "$lines" "$top/build/mtastat" import --quiet --year 2026 \
		--config "$top/bench/mtastat.conf" --db "$out/bench.db" "$f"
	"$top/build/mtastat" report --json --db "$out/bench.db" > "$f.report.json"
	/usr/bin/python3 "$top/bench/compare.py" "$f.expect.json" "$f.report.json" | tail -n 1 | sed 's/^/  mtastat vs the true counts: /' | tee -a "$results"
	time_cmd "pflogsumm" "$f" "$lines" pflogsumm "$f"
	time_exporter "$f" "$lines"
done
echo
awk -F'\t' '$1 == "mtastat import" { m[$2] = $5 } $1 == "pflogsumm" { p[$2] = $5 }
	$1 == "prometheus-postfix-exporter" { e[$2] = $5 }
	END { for (f in m) printf "%s: lines/s mtastat/pflogsumm %.1fx, mtastat/exporter %.1fx\n", f,
	    m[f] / (p[f] ? p[f] : 1), m[f] / (e[f] ? e[f] : 1) }' "$results.tsv" | tee -a "$results"
