#!/bin/sh
# build.sh DIR [CONFIGURE ARGS...]: autoreconf once, configure and make in DIR.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || autoreconf -fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ config.status -ot "$top/configure" ]; then
	"$top/configure" -q "$@"
fi
make -j"$(nproc)" >/dev/null
