#!/bin/sh
# The packaging check (make check-package): build the .deb, lint it with
# lintian (no error, no warning; info and pedantic tags are listed), lint both
# man pages, install it, verify and score the installed unit, check the
# shipped configuration as root and as the daemon's user, run one tool, then
# purge it and check that no file of the package is left.
#
# Needs root (dpkg -i). Installs what it needs with apt-get when missing.
# PID 1 need not be systemd: the unit is verified and scored, never started.
# Fails when the unit's exposure score is above MAX_EXPOSURE (default 2.0).
# DEB=path checks a package already built instead of running `make deb`.
set -eu
cd "$(dirname "$0")/../.."
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}

step() { printf '\n== %s\n' "$*"; }
fail() { echo "check-package: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it installs and purges the package)"

missing=""
need() { # need COMMAND-OR-FILE PACKAGE
  case "$1" in
    /*) [ -e "$1" ] || missing="$missing $2" ;;
    *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
  esac
}
need g++ g++
need make make
need dpkg-buildpackage dpkg-dev
need dh debhelper
need lintian lintian
need systemd-analyze systemd
need systemd-sysusers systemd
need mandoc mandoc
need man man-db
need /usr/include/doctest/doctest.h doctest-dev
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

arch=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
if [ -n "${DEB:-}" ]; then
  deb=$DEB
else
  step "make deb"
  make --no-print-directory deb
  deb=build/deb/sigma-agent_${version}_${arch}.deb
fi
[ -f "$deb" ] || fail "$deb was not built"
ls -l "$deb"

step "lintian $deb"
# --fail-on error,warning: any E: or W: tag fails (and so does lintian
# failing to run); I:, P: and X: tags are shown and counted.
rc=0
lintian --fail-on error,warning --info --pedantic --display-experimental "$deb" \
  > build/deb/lintian.txt 2>&1 || rc=$?
grep -v '^running with root privileges is not recommended' build/deb/lintian.txt || true
[ "$rc" = 0 ] || fail "lintian exited $rc: errors or warnings (above)"
echo "lintian: $(grep -c '^[EW]: ' build/deb/lintian.txt || true) errors and warnings," \
  "$(grep -c '^[IPX]: ' build/deb/lintian.txt || true) info, pedantic or experimental tags"

step "mandoc -Tlint -Wwarning"
out=$(mandoc -Tlint -Wwarning man/sigma-agent.8 man/sigma-agent.conf.5 2>&1) || { echo "$out"; fail "man page lint"; }
echo "man/sigma-agent.8 man/sigma-agent.conf.5: clean"

step "dpkg -i"
if dpkg -s sigma-agent >/dev/null 2>&1; then
  dpkg --purge sigma-agent
fi
dpkg -i "$deb"
dpkg -L sigma-agent | sort > build/deb/installed-files.txt
cat build/deb/installed-files.txt

step "the user, the directory and the unit"
getent passwd sigma-agent || fail "sysusers.d did not create the sigma-agent user"
perm=$(stat -c '%a %U %G' /etc/sigma-agent) || fail "tmpfiles.d did not create /etc/sigma-agent"
echo "/etc/sigma-agent: $perm"
[ "$perm" = "750 root sigma-agent" ] || fail "/etc/sigma-agent is '$perm', not '750 root sigma-agent'"
unit=/lib/systemd/system/sigma-agent.service
[ -f "$unit" ] || fail "$unit not installed"
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
echo "systemd-analyze verify: clean"
systemd-analyze security --offline=yes "$unit" > build/deb/security.txt 2>&1 || true
score_line=$(grep 'Overall exposure level' build/deb/security.txt) || { cat build/deb/security.txt; fail "no exposure score"; }
score=$(echo "$score_line" | sed -E 's/.*: ([0-9]+\.[0-9]+).*/\1/')
grep '✗' build/deb/security.txt || true
echo "unit exposure score: $score (systemd-analyze security --offline=yes $unit)"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' || fail "exposure $score is above $MAX_EXPOSURE"

step "the shipped configuration"
grep -q '^#AGENT_MCP_BIND=127.0.0.1:9103$' /etc/default/sigma-agent || fail "/etc/default/sigma-agent lacks the loopback bind"
/usr/sbin/sigma-agent --check-config > build/deb/check-config.txt 2>&1 || { cat build/deb/check-config.txt; fail "--check-config as root"; }
cat build/deb/check-config.txt
grep -q '^AGENT_MCP_BIND=127.0.0.1:9103 (default)' build/deb/check-config.txt || fail "MCP bind is not the loopback default"
# As the unit runs it: the daemon's user, with the file as its environment.
setpriv --reuid=sigma-agent --regid=sigma-agent --clear-groups \
  /usr/sbin/sigma-agent --check-config >/dev/null || fail "--check-config as the sigma-agent user"
echo "--check-config as sigma-agent: exit 0"
setpriv --reuid=sigma-agent --regid=sigma-agent --clear-groups \
  /usr/sbin/sigma-agent call query_metrics > build/deb/query_metrics.json || fail "call query_metrics as sigma-agent"
grep -q '"agent_version":"'"$version"'"' build/deb/query_metrics.json || { cat build/deb/query_metrics.json; fail "query_metrics does not report version $version"; }
echo "call query_metrics as sigma-agent: $(head -c 200 build/deb/query_metrics.json)"
man -w sigma-agent.conf >/dev/null && man -w sigma-agent >/dev/null || fail "man pages not found by man"

step "dpkg --purge"
dpkg --purge sigma-agent
left=""
while IFS= read -r path; do
  # Directories such as /usr/sbin belong to other packages too; files and the
  # package's own directories must be gone.
  if [ -e "$path" ] && [ ! -d "$path" ]; then
    left="$left $path"
  fi
done < build/deb/installed-files.txt
for path in /etc/default/sigma-agent /etc/sigma-agent /usr/share/doc/sigma-agent; do
  [ -e "$path" ] && left="$left $path"
done
[ -z "$left" ] || fail "left after purge:$left"
echo "purge: no file of the package is left ($(wc -l < build/deb/installed-files.txt) paths checked)"
echo "check-package: passed (exposure $score, lintian $(grep -c '^[IPX]: ' build/deb/lintian.txt || true) info/pedantic tags)"
