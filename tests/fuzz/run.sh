#!/bin/sh
# run.sh SECONDS BUILDDIR: build the libFuzzer harness with clang and run it
# for SECONDS on a corpus seeded from the shared real-log corpus and fixtures.
# Exit 0 when it found nothing, 1 when it crashed (the reproducer is kept).
set -u
secs=${1:-60}
build=${2:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang not found"; exit 77; }
out="$top/$build/fuzz"
mkdir -p "$out/corpus" "$out/crashes"
srcs="syslog_header civil mta/postfix mta/exim mta/icewarp mta/registry conf correlate msgtable aggregate sanitize log stats dateandtime delayhist health topk queue queue_parse"
files=""
for s in $srcs; do files="$files $top/src/$s.c"; done
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/$build" -I"$top/src" -DSYSCONFDIR='"/etc"' -DLOCALSTATEDIR='"/var"' \
	-o "$out/fuzz_parse" "$top/tests/fuzz/fuzz_parse.c" $files -lsqlite3 -lm || exit 1
# seeds: every line of the real corpus and of the fixtures, one file each
i=0
for f in "$top"/../shared/corpus/postfix/*.log "$top"/../shared/corpus/exim/*.log \
	"$top"/../shared/corpus/exim/exim-testsuite/*.log "$top"/tests/fixtures/*.log; do
	[ -f "$f" ] || continue
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s\n' "$line" > "$out/corpus/seed$i"
	done < "$f"
done
# postqueue -j output (the queue sampler's parser): the whole file as one seed too
i=$((i + 1))
cat "$top/tests/fixtures/postqueue-j.log" > "$out/corpus/seed$i"
# IceWarp lines only mean something in their session: whole sessions as seeds
for f in "$top"/../shared/corpus/icewarp/*.log "$top"/tests/fixtures/icewarp/*.log; do
	[ -f "$f" ] || continue
	i=$((i + 1))
	head -c 4000 "$f" > "$out/corpus/seed$i"
done
"$out/fuzz_parse" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	-artifact_prefix="$out/crashes/" "$out/corpus" > "$out/fuzz.log" 2>&1
rc=$?
tail -n 3 "$out/fuzz.log"
if [ $rc -ne 0 ]; then
	echo "fuzz: FAILED, reproducer in $out/crashes/"
	grep -A20 "ERROR" "$out/fuzz.log" | head -40
	exit 1
fi
echo "fuzz: no crash in $secs s ($i seeds)"
