#!/bin/sh
# test.sh: install what is missing, build, run every test (unit and
# integration), then again in a second tree built with ASan+UBSan.
# Exits non-zero on any failure and prints the failing tests' logs.
#   ./test.sh --nms   only the opt-in proof on a real Zabbix 6.0 (tests/nms/)
#   ./test.sh --deb   only the opt-in Debian package proof (tests/deb/)
set -u
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
"$top/scripts/deps.sh" || exit 1

# The opt-in proofs: root, apt-get, minutes; never part of the default run.
case "${1:-}" in
--nms|--deb)
	"$top/scripts/build.sh" build || { echo "== build failed"; exit 1; }
	if [ "$1" = --nms ]; then
		top_builddir="$top/build" "$top/tests/nms/test_zabbix.sh"
	else
		"$top/tests/deb/test_deb.sh"
	fi
	rc=$?
	[ $rc -eq 0 ] && echo "test.sh $1: passed" || echo "test.sh $1: failed ($rc)"
	exit $rc ;;
"") ;;
*) echo "usage: ./test.sh [--nms | --deb]" >&2; exit 2 ;;
esac

passed=0; failed=0
run_tree() {
	dir=$1; shift
	echo "== $dir: configure $*"
	if ! "$top/scripts/build.sh" "$dir" "$@"; then
		echo "== $dir: build failed"; failed=$((failed + 1)); return
	fi
	echo "== $dir: make check"
	(cd "$dir" && make -j"$(nproc)" check >check.out 2>&1); rc=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$dir/check.out"
	p=$(grep -c '^PASS:' "$dir/check.out"); f=$(grep -cE '^(FAIL|ERROR|XPASS):' "$dir/check.out")
	passed=$((passed + p)); failed=$((failed + f))
	if [ $rc -ne 0 ]; then
		[ "$f" -gt 0 ] || failed=$((failed + 1))
		for log in $(grep -lE '^(FAIL|ERROR)' $(find "$dir/tests" -name '*.trs') 2>/dev/null); do
			echo "----- ${log%.trs}.log"; cat "${log%.trs}.log"
		done
		tail -n 30 "$dir/check.out"
	fi
}
run_tree build
# The sanitizer tree.  Leaks net-snmp keeps for the life of the process are
# suppressed by library name in tests/lsan.supp; ours are reported.
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
run_tree build-asan --enable-sanitizers
# The line parsers under libFuzzer for a bounded time, when clang is here.
if command -v clang >/dev/null 2>&1; then
	echo "== fuzz: tests/fuzz/run.sh ${FUZZ_SECONDS:-60}"
	"$top/tests/fuzz/run.sh" "${FUZZ_SECONDS:-60}" build; rc=$?
	if [ $rc -eq 0 ]; then
		echo "PASS: tests/fuzz/fuzz_parse"; passed=$((passed + 1))
	else
		echo "FAIL: tests/fuzz/fuzz_parse"; failed=$((failed + 1))
	fi
fi
echo "test.sh: $passed passed, $failed failed"
[ $failed -eq 0 ]
