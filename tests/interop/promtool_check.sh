#!/usr/bin/env bash
# Fetches a running daemon's /metrics and checks it with `promtool check metrics`
# (exposition format and naming conventions), then checks that the families
# the agent promises (SPEC §8) are present.
# Usage: promtool_check.sh URL    e.g. http://127.0.0.1:9102/metrics
# promtool comes with the Debian package `prometheus`; as root it is installed
# when missing. Exit status: 0 when every check passed.
set -euo pipefail

url=${1:?usage: promtool_check.sh URL}

if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "promtool_check: installing prometheus (for promtool)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
  else
    echo "promtool_check: promtool missing; install with: sudo apt-get install prometheus" >&2
    exit 1
  fi
fi

body=$(mktemp)
headers=$(mktemp)
trap 'rm -f "$body" "$headers"' EXIT

if ! curl -sS --max-time 10 -D "$headers" -o "$body" "$url"; then
  echo "promtool_check: cannot fetch $url" >&2
  exit 1
fi
status=$(head -n 1 "$headers" | tr -d '\r')
case "$status" in
  *" 200"*) ;;
  *) echo "promtool_check: $url answered '$status'" >&2; exit 1 ;;
esac
ctype=$(grep -i '^content-type:' "$headers" | tr -d '\r' | cut -d: -f2- | sed 's/^ *//')
case "$ctype" in
  text/plain*version=0.0.4*) ;;
  *) echo "promtool_check: Content-Type is '$ctype', expected text/plain; version=0.0.4" >&2; exit 1 ;;
esac

# promtool prints lint findings and exits non-zero on any problem. One finding
# is expected and accepted: sigma_ports_total is a gauge whose name ends in
# _total, the reference agent's name kept for existing dashboards (see the man
# page, METRICS). Anything else, or that finding for another name, fails.
accepted='sigma_ports_total non-counter metrics should not have "_total" suffix'
findings=$(promtool check metrics <"$body" 2>&1) && rc=0 || rc=$?
others=$(printf '%s\n' "$findings" | grep -v -x -F "$accepted" | grep -v '^$' || true)
if [ -n "$others" ]; then
  printf '%s\n' "$others" >&2
  echo "promtool_check: promtool check metrics failed for $url" >&2
  exit 1
fi
if [ "$rc" -ne 0 ] && [ -z "$findings" ]; then
  echo "promtool_check: promtool check metrics exited $rc without a finding for $url" >&2
  exit 1
fi

missing=""
for family in sigma_agent_build_info sigma_agent_mcp_requests_total sigma_agent_http_requests_total \
  sigma_agent_auth_failures_total sigma_agent_mcp_listener_up process_cpu_seconds_total \
  process_resident_memory_bytes process_virtual_memory_bytes process_start_time_seconds \
  process_open_fds process_max_fds; do
  grep -q "^# TYPE $family " "$body" || missing="$missing $family"
done
# With the scan on (the interop daemons run with --port-scan), its families
# too, once the first pass has finished, and all seven sources.
if grep -q '^# TYPE sigma_ports_total ' "$body"; then
  for family in sigma_ports_available sigma_ports_in_use sigma_ports_used sigma_ports_other_detail \
    sigma_port_scan_duration_seconds; do
    grep -q "^# TYPE $family gauge" "$body" || missing="$missing $family"
  done
  for source in envoy sshd nginx node_exporter xray other unknown; do
    grep -q "^sigma_ports_used{hostname=\"[^\"]*\",source=\"$source\"} " "$body" ||
      missing="$missing ports_used{source=$source}"
  done
elif [ "${PROMTOOL_EXPECT_PORT_SCAN:-0}" = 1 ]; then
  missing="$missing sigma_ports_total"
fi
for reason in missing_token invalid_token forbidden_origin forbidden_host; do
  grep -q "^sigma_agent_auth_failures_total{reason=\"$reason\"} " "$body" ||
    missing="$missing auth_failures{reason=$reason}"
done
if [ -n "$missing" ]; then
  echo "promtool_check: missing from $url:$missing" >&2
  exit 1
fi
echo "promtool_check: $url ok ($(grep -vc '^#' "$body") samples)"
