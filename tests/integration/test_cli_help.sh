#!/bin/sh
# Every command answers -h/--help (usage on stdout, exit 0) and --version
# (the package version, exit 0); a wrong option is refused on stderr.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
mt_init

version=$(sed -n 's/^AC_INIT(\[mtastat\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
[ -n "$version" ] || mt_fail "no version in configure.ac"

# answers NAME EXPECTED-WORD CMD...: exit 0, EXPECTED-WORD on stdout, nothing on stderr
answers() {
	what=$1; word=$2; shift 2
	out=$("$@" 2>"$MT_TMP/err"); rc=$?
	mt_expect "$what: exit status" 0 "$rc"
	echo "$out" | grep -q -- "$word" || mt_fail "$what: no '$word' on stdout: $out"
	[ -s "$MT_TMP/err" ] && mt_fail "$what: stderr: $(cat "$MT_TMP/err")"
	mt_log "ok: $what"
}
for opt in -h --help; do
	answers "mtastatd $opt" "usage: mtastatd" "$top_builddir/mtastatd" $opt
	answers "mtastat $opt" "usage: mtastat" "$top_builddir/mtastat" $opt
	for cmd in import report check; do
		answers "mtastat $cmd $opt" "usage: mtastat" "$top_builddir/mtastat" $cmd $opt
	done
done
for opt in -v --version; do
	answers "mtastatd $opt" "^mtastatd $version\$" "$top_builddir/mtastatd" $opt
done
answers "mtastat --version" "^mtastat $version\$" "$top_builddir/mtastat" --version
answers "mtastat version" "^mtastat $version\$" "$top_builddir/mtastat" version

"$top_builddir/mtastatd" --no-such-option >/dev/null 2>"$MT_TMP/err" && mt_fail "mtastatd took --no-such-option"
grep -q usage "$MT_TMP/err" || mt_fail "mtastatd --no-such-option: no usage on stderr"
"$top_builddir/mtastat" check --no-such-option >/dev/null 2>"$MT_TMP/err"
mt_expect "mtastat check --no-such-option: exit status" 2 "$?"
