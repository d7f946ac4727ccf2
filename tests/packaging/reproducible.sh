#!/bin/sh
# Two release builds of the same tree, in two directories, must be byte for
# byte the same: the binaries and the tarballs (make check-reproducible).
# The first build is the ordinary `make dist` in build/dist; the second goes to
# build/repro/dist, so a build path that leaks into the output is caught too.
set -eu
cd "$(dirname "$0")/../.."
fail() { echo "check-reproducible: $*" >&2; exit 1; }

make --no-print-directory dist
make --no-print-directory dist BUILD=build/repro
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
status=0
for arch in amd64 arm64; do
  name=sigma-agent-$version-linux-$arch
  a=build/dist/$name.tar.gz
  b=build/repro/dist/$name.tar.gz
  file -b build/dist/stage/$name/sigma-agent
  file -b build/dist/stage/$name/sigma-agent | grep -q 'statically linked' || fail "$name/sigma-agent is not static"
  for pair in "build/dist/stage/$name/sigma-agent build/repro/dist/stage/$name/sigma-agent" "$a $b"; do
    # shellcheck disable=SC2086 # two paths
    set -- $pair
    if cmp -s "$1" "$2"; then
      echo "identical: $(sha256sum "$1" | cut -c1-16)…  $1 = $2 ($(wc -c < "$1") bytes)"
    else
      echo "DIFFERENT: $1 $2" >&2
      status=1
    fi
  done
done
[ "$status" = 0 ] || fail "the two builds differ"
echo "check-reproducible: passed (SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo unset))"
