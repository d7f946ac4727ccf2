#!/bin/sh
# Runs every test suite of `make check` and prints one summary line
# "N passed, M failed". Each doctest test case counts as one test; each
# non-doctest check (man page lint, binary shape, include directions) counts as one.
# Usage: run_checks.sh BUILD_DIR
set -u
build=${1:-build}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_doctest() { # run_doctest NAME BINARY [ARGS...]
  name=$1; shift
  echo "== $name" >&2
  "$@" >"$log" 2>&1
  rc=$?
  cat "$log" >&2
  line=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "$name: no doctest summary (exit $rc)" >&2
    failed=$((failed + 1))
    return
  fi
  p=$(echo "$line" | sed -E 's/.*\|[ ]*([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.*\|[ ]*([0-9]+) failed.*/\1/')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "$name: exited $rc with no failed case" >&2
    failed=$((failed + 1))
  fi
}

run_check() { # run_check NAME COMMAND...
  name=$1; shift
  echo "== $name" >&2
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    cat "$log" >&2
    echo "$name: FAILED" >&2
    failed=$((failed + 1))
  fi
}

run_doctest unit "$build/tests/unit_tests"
SIGMA_AGENT_BIN="$build/sigma-agent" run_doctest integration "$build/tests/integration_tests"
# Both pages named: a page that goes missing fails here rather than dropping out of a glob.
run_check "man page lint" sh -c 'out=$(mandoc -Tlint -Wwarning man/sigma-agent.8 man/sigma-agent.conf.5 2>&1); [ -z "$out" ] || { echo "$out"; exit 1; }'
run_check "include directions" sh tests/check_deps.sh
if [ "${SIGMA_SANITIZED:-0}" != 1 ]; then
  run_check "static binary" sh -c "file -L '$build/sigma-agent' | grep -q 'statically linked'"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
