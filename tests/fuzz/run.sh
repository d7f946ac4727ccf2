#!/bin/sh
# Runs each named libFuzzer harness for SECONDS seconds on a scratch copy of its
# committed seed corpus. A crash fails the run; libFuzzer leaves the reproducer
# as build/fuzz/<harness>-crash-* (artifact_prefix).
# Usage: run.sh SECONDS HARNESS...
set -u
seconds=$1; shift
failed=0
for name in "$@"; do
  bin="build/fuzz/${name}_fuzz"
  work="build/fuzz/corpus/$name"
  mkdir -p "$work"
  [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
  echo "== fuzz $name for ${seconds}s"
  if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="build/fuzz/$name-" -rss_limit_mb=2048 -timeout=10 "$work" >"build/fuzz/$name.log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "build/fuzz/$name.log" | sed "s/^/  $name: /"
  else
    tail -n 40 "build/fuzz/$name.log"
    echo "fuzz $name: FAILED (reproducer: build/fuzz/$name-*)"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $(($# - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
