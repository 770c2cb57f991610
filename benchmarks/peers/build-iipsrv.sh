#!/usr/bin/env bash
# Build iipsrv (FastCGI) from a source tree, as a peer for the HTTP load harness (benchmarks/README.md).
#
#   benchmarks/peers/build-iipsrv.sh SOURCE_DIR
#
# SOURCE_DIR is github.com/ruven/iipsrv at tag iipsrv-1.3 (commit 29d981b35f30acf44cdb418b54cb80bff1b87322),
# a checkout or a `git archive` of it, fetched by you: this script downloads no source. It installs the
# Debian build packages (through scripts/system-deps), builds in SOURCE_DIR and prints the path of the
# built iipsrv.fcgi as the one line on stdout; everything else goes to stderr, so
#   make load IIPSRV_BIN="$(benchmarks/peers/build-iipsrv.sh /tmp/iipsrv)"
# works. JOBS sets make's parallel jobs (default: the number of cores).
set -euo pipefail
src=${1:?usage: benchmarks/peers/build-iipsrv.sh SOURCE_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$src/configure.ac" ] && [ -f "$src/src/Main.cc" ] || { echo "$src is not an iipsrv source tree" >&2; exit 1; }
grep -q 'AC_INIT(\[iipsrv\],\[1.3\]' "$src/configure.ac" \
  || echo "note: $src is not iipsrv 1.3, the version the harness's figures are stated against" >&2

# autotools and a C++ compiler; TIFF and JPEG input; FastCGI (Debian's, not the copy in fcgi/); PNG and
# WebP output; OpenJPEG for JPEG 2000 input.
"$repo/scripts/system-deps" autoconf automake libtool pkg-config make g++ \
  libtiff-dev libjpeg62-turbo-dev libfcgi-dev zlib1g-dev libpng-dev libwebp-dev libopenjp2-7-dev >&2

cd "$src"
{
  ./autogen.sh
  # memcached and AVIF are off, so the build does not change when their packages happen to be installed.
  ./configure --enable-openjpeg --disable-libmemcached --disable-avif
  make -j"${JOBS:-$(nproc)}"
} >&2

bin="$PWD/src/iipsrv.fcgi"
# configure turns OpenJPEG off silently when pkg-config cannot find it: JPEG 2000 workloads would skip iipsrv.
ldd "$bin" | grep -q libopenjp2 || { echo "$bin is not linked to OpenJPEG" >&2; exit 1; }
echo "$bin"
