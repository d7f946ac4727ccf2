#!/bin/sh
# Lays out one release tarball: the stripped binary and the files an operator
# installs by hand, with fixed owners, modes, order and times so that two
# builds of one commit give the same bytes (SOURCE_DATE_EPOCH).
# Usage: dist.sh BINARY STRIP OUTDIR NAME FILE...
set -eu
bin=$1 strip=$2 outdir=$3 name=$4
shift 4
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set (make dist sets it)}"

stage=$outdir/stage/$name
rm -rf "$outdir/stage/$name"
install -d -m 0755 "$stage"
install -m 0755 "$bin" "$stage/sigma-agent"
"$strip" --strip-all "$stage/sigma-agent"
for f in "$@"; do
  install -m 0644 "$f" "$stage/$(basename "$f")"
done

# --sort and a fixed --mtime: the order and times of the entries; GNU format:
# no pax headers carrying access times; gzip -n: no name or time in its header.
tar -C "$outdir/stage" --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" | gzip -9n > "$outdir/$name.tar.gz.tmp"
mv "$outdir/$name.tar.gz.tmp" "$outdir/$name.tar.gz"
echo "$outdir/$name.tar.gz: $(wc -c < "$outdir/$name.tar.gz") bytes, binary $(wc -c < "$stage/sigma-agent") bytes"
