#!/bin/sh
# Checks (and, as root, installs) what `make run` / `make check` need.
# Usage: prereqs.sh build|check
set -eu
mode=${1:-build}
missing=""
need() { # need COMMAND-OR-FILE PACKAGE
  case "$1" in
    /*) [ -e "$1" ] || missing="$missing $2" ;;
    *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
  esac
}
need g++ g++
need make make
# The static link needs libc.a; ask the compiler where it would look, so the
# check holds on every architecture (it prints the bare name when not found).
if command -v g++ >/dev/null 2>&1; then
  case "$(g++ -print-file-name=libc.a)" in
    /*) ;;
    *) missing="$missing libc6-dev" ;;
  esac
else
  missing="$missing libc6-dev"
fi
# curl: the README's first requests to the running daemon.
need curl curl
if [ "$mode" = check ]; then
  need /usr/include/doctest/doctest.h doctest-dev
  need mandoc mandoc
  # file: the test that the binary is static.
  need file file
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "prereqs: installing$missing" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
  exit 0
fi
echo "prereqs: missing$missing; install with:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
