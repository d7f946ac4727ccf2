// The control-plane client of the real daemon against the sigma API stand-in
// (fake_api.h): registration, heartbeats, backoff, faults, the key, and
// query_envoy_routes.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base/clock.h"
#include "fake_api.h"
#include "harness.h"
#include "json/json.h"

using namespace sigma::test;
using sigma::json::Value;

namespace {

Value parse(const std::string& text) {
  auto parsed = sigma::json::parse(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

DaemonOptions agent_options(const FakeApi& api, std::map<std::string, std::string> env = {}) {
  DaemonOptions o;
  o.env = std::move(env);
  o.env["SIGMA_API_URL"] = api.url();
  if (o.env.count("AGENT_INTERVAL") == 0) {
    o.env["AGENT_INTERVAL"] = "1";
  }
  o.wait_for_metrics = true;
  return o;
}

// tools/call `name` with `arguments`; the parsed reply.
Value call_tool(uint16_t port, const std::string& name, const std::string& arguments = "{}") {
  HttpResponse r = mcp_post(port,
                            R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + name +
                                R"(","arguments":)" + arguments + "}}",
                            "MCP-Protocol-Version: 2025-11-25\r\n");
  REQUIRE(r.status == 200);
  return parse(r.body);
}

bool is_tool_error(const Value& reply) {
  const Value* result = reply.find("result");
  return result != nullptr && result->find("isError") != nullptr && result->find("isError")->as_bool();
}

std::string text_of(const Value& reply) { return sigma::json::write(reply); }

size_t occurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The numbers logged as `key=N` in order.
std::vector<int64_t> logged_numbers(const std::string& log, const std::string& key) {
  std::vector<int64_t> out;
  const std::string needle = " " + key + "=";
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
    out.push_back(std::strtoll(log.c_str() + at + needle.size(), nullptr, 10));
  }
  return out;
}

std::vector<int64_t> gaps_ms(const std::vector<RecordedRequest>& requests) {
  std::vector<int64_t> out;
  for (size_t i = 1; i < requests.size(); ++i) {
    out.push_back(requests[i].received_ms - requests[i - 1].received_ms);
  }
  return out;
}

// Times MCP pings: the slowest of `n`, in ms.
int64_t slowest_ping_ms(uint16_t port, int n) {
  int64_t slowest = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t start = sigma::monotonic_ms();
    HttpResponse r = mcp_post(port, R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
    const int64_t took = sigma::monotonic_ms() - start;
    CHECK(r.status == 200);
    slowest = std::max(slowest, took);
  }
  return slowest;
}

TEST_CASE("the agent registers with the SPEC 7 body, keeps the id, and heartbeats every interval with jitter") {
  FakeApi api("/sigma");
  REQUIRE(api.started());
  Daemon d(agent_options(api));
  REQUIRE(d.started());
  REQUIRE(api.wait_for(ApiEndpoint::kRegister, 1, 5000));
  REQUIRE(api.wait_for(ApiEndpoint::kHeartbeat, 6, 12000));

  const RecordedRequest reg = api.requests_to(ApiEndpoint::kRegister).front();
  CHECK(reg.method == "POST");
  CHECK(reg.target == "/sigma/agent/register");
  CHECK(reg.header("Content-Type") == std::optional<std::string>("application/json"));
  CHECK_FALSE(reg.header("X-Api-Key").has_value());  // no key configured: no header at all
  const Value body = parse(reg.body);
  CHECK(body.find("hostname")->is_string());
  CHECK(body.find("ssh_port")->as_int() == 22);
  CHECK(body.find("ip_addresses")->is_array());
  for (const Value& ip : body.find("ip_addresses")->as_array()) {
    CHECK(ip.find("ip")->as_string() != "127.0.0.1");
    CHECK((ip.find("label")->as_string() == "" || ip.find("label")->as_string() == "internal"));
  }
  const Value* info = body.find("system_info");
  REQUIRE(info != nullptr);
  for (const char* key : {"cpu_cores", "ram_mb", "disk_gb", "disk_used_gb", "uptime_seconds"}) {
    CAPTURE(key);
    CHECK(info->find(key)->is_number());
  }
  CHECK(info->find("cpu_cores")->as_int() > 0);
  CHECK(info->find("load_avg")->size() == 3);
  CHECK(info->find("metrics_port")->as_int() == d.metrics_port());

  const std::vector<RecordedRequest> beats = api.requests_to(ApiEndpoint::kHeartbeat);
  const Value beat = parse(beats.front().body);
  CHECK(beat.find("hostname")->as_string() == body.find("hostname")->as_string());
  CHECK(beat.find("system_info")->find("load_avg")->size() == 3);
  CHECK(beat.find("ssh_port") == nullptr);
  CHECK(beats.front().target == "/sigma/agent/heartbeat");

  // The first beat comes within one interval of registering; then every
  // 1 s +/- 10 % (with slack for a loaded machine), not all equal.
  const int64_t first = beats.front().received_ms - reg.received_ms;
  CHECK(first >= 0);
  CHECK(first <= 1100 + 250);
  const std::vector<int64_t> gaps = gaps_ms(beats);
  for (int64_t gap : gaps) {
    CAPTURE(gap);
    CHECK(gap >= 900 - 20);
    CHECK(gap <= 1100 + 250);
  }
  CHECK(*std::max_element(gaps.begin(), gaps.end()) - *std::min_element(gaps.begin(), gaps.end()) > 10);

  CHECK(d.wait_for_log("registered with the control plane"));
  CHECK(d.log().find("id=6f1c2d3e-0000-4000-8000-00000000c0de") != std::string::npos);
  CHECK(metric_value(d.metrics_port(), "sigma_agent_control_plane_registered") == 1u);
  CHECK(metric_value(d.metrics_port(), R"(sigma_agent_control_plane_requests_total{operation="register",outcome="ok"})") == 1u);
  // Six beats were received; the answer to the last may still be on its way.
  CHECK(*metric_value(d.metrics_port(), R"(sigma_agent_control_plane_requests_total{operation="heartbeat",outcome="ok"})") >= 5u);
  CHECK(*metric_value(d.metrics_port(), "sigma_agent_control_plane_last_success_timestamp_seconds") >
        1700000000u);
  CHECK(d.stop(SIGTERM) == 0);
}

TEST_CASE("X-Api-Key carries the configured key, from the environment or a file, and the key is never logged") {
  const std::string key = "k3y-0f-the-c0ntrol-plane-7a8b9c";
  SUBCASE("SIGMA_API_KEY") {
    FakeApi api;
    // A failure first, so the error paths log too (at debug: every attempt).
    api.set_fault(ApiEndpoint::kRegister, ApiFault::kStatus500, 1);
    Daemon d(agent_options(api, {{"SIGMA_API_KEY", key}, {"AGENT_LOG_LEVEL", "debug"}}));
    REQUIRE(d.started());
    REQUIRE(api.wait_for(ApiEndpoint::kHeartbeat, 1, 8000));
    for (const RecordedRequest& r : api.requests()) {
      CHECK(r.header("X-Api-Key") == std::optional<std::string>(key));
    }
    d.stop(SIGTERM);
    CHECK(d.log().find("injected internal error") != std::string::npos);
    CHECK(d.log().find(key) == std::string::npos);
    CHECK(d.log().find("k3y-0f") == std::string::npos);
  }
  SUBCASE("SIGMA_API_KEY_FILE, re-read on SIGHUP") {
    FakeApi api;
    const std::string path = write_temp_file("api-key", key + "\n", 0600);
    Daemon d(agent_options(api, {{"SIGMA_API_KEY_FILE", path}, {"AGENT_LOG_LEVEL", "debug"}}));
    REQUIRE(d.started());
    REQUIRE(api.wait_for(ApiEndpoint::kHeartbeat, 1, 5000));
    CHECK(api.requests().front().header("X-Api-Key") == std::optional<std::string>(key));
    const std::string rotated = "r0tated-k3y-of-the-api-1234567";
    write_temp_file("api-key", rotated + "\n", 0600);
    d.signal(SIGHUP);
    REQUIRE(d.wait_for_log("API key reloaded"));
    const size_t before = api.requests().size();
    REQUIRE(api.wait_for(ApiEndpoint::kHeartbeat, api.count(ApiEndpoint::kHeartbeat) + 2, 5000));
    CHECK(api.requests().back().header("X-Api-Key") == std::optional<std::string>(rotated));
    CHECK(api.requests().size() > before);
    d.stop(SIGTERM);
    CHECK(d.log().find(key) == std::string::npos);
    CHECK(d.log().find(rotated) == std::string::npos);
  }
}

TEST_CASE("registration retries with a growing backoff ceiling, then succeeds; one warning, not one per attempt") {
  FakeApi api;
  api.set_fault(ApiEndpoint::kRegister, ApiFault::kStatus503, 3);
  Daemon d(agent_options(api, {{"AGENT_LOG_LEVEL", "debug"}}));
  REQUIRE(d.started());
  REQUIRE(api.wait_for(ApiEndpoint::kRegister, 4, 20000));
  REQUIRE(d.wait_for_log("registered with the control plane"));
  const std::string log = d.log();
  // Full jitter: each wait is drawn from [0, ceiling]; the ceilings double.
  CHECK(logged_numbers(log, "ceiling_ms") == std::vector<int64_t>{1000, 2000, 4000});
  const std::vector<int64_t> retry_in = logged_numbers(log, "retry_in_ms");
  const std::vector<int64_t> gaps = gaps_ms(api.requests_to(ApiEndpoint::kRegister));
  REQUIRE(gaps.size() == 3);
  const int64_t ceilings[] = {1000, 2000, 4000};
  for (size_t i = 0; i < gaps.size(); ++i) {
    CAPTURE(i);
    CHECK(gaps[i] <= ceilings[i] + 300);
    CHECK(gaps[i] + 50 >= retry_in[i]);  // it waited what it said
  }
  CHECK(occurrences(log, "cannot register with the control plane yet") == 1);
  CHECK(log.find("injected: service unavailable") != std::string::npos);  // the API's own message
  CHECK(log.find("attempts=4") != std::string::npos);
  CHECK(metric_value(d.metrics_port(), R"(sigma_agent_control_plane_failures_total{operation="register"})") == 3u);
  CHECK(metric_value(d.metrics_port(), R"(sigma_agent_control_plane_requests_total{operation="register",outcome="http_error"})") == 3u);
}

TEST_CASE("every registration fault is survived: the agent keeps retrying (under its cap) and MCP keeps answering") {
  FakeApi api;
  api.set_slow_ms(3000);
  const ApiFault faults[] = {ApiFault::kStatus500,     ApiFault::kStatus503,  ApiFault::kSlow,
                             ApiFault::kResetMidBody,  ApiFault::kTruncatedBody, ApiFault::kInvalidJson,
                             ApiFault::kHugeContentLength, ApiFault::kHang, ApiFault::kNotFound};
  for (ApiFault f : faults) {
    api.set_fault(ApiEndpoint::kRegister, f, 1);
  }
  Daemon d(agent_options(api, {{"SIGMA_API_TIMEOUT", "1"}, {"SIGMA_API_RETRY_MAX", "1"}, {"AGENT_LOG_LEVEL", "debug"}}));
  REQUIRE(d.started());
  const size_t attempts = std::size(faults) + 1;
  while (api.count(ApiEndpoint::kRegister) < attempts && api.wait_for(ApiEndpoint::kRegister, api.count(ApiEndpoint::kRegister) + 1, 5000)) {
    CHECK(daemon_answers(d.mcp_port()));
  }
  REQUIRE(api.count(ApiEndpoint::kRegister) == attempts);
  REQUIRE(d.wait_for_log("registered with the control plane", 5000));
  REQUIRE(api.wait_for(ApiEndpoint::kHeartbeat, 1, 5000));
  // Under SIGMA_API_RETRY_MAX=1 no wait exceeds 1 s beyond the 1 s timeout.
  for (int64_t gap : gaps_ms(api.requests_to(ApiEndpoint::kRegister))) {
    CHECK(gap <= 1000 + 1000 + 300);
  }
  const std::string log = d.log();
  CHECK(log.find("registration backoff reached its cap") != std::string::npos);
  CHECK(log.find("node not found") != std::string::npos);
  auto outcome = [&](const char* name) {
    return metric_value(d.metrics_port(), std::string(R"(sigma_agent_control_plane_requests_total{operation="register",outcome=")") + name + "\"}");
  };
  CHECK(outcome("http_error") == 3u);        // 500, 503, 404
  CHECK(outcome("timeout") == 2u);           // slow, hang
  CHECK(outcome("unreachable") == 2u);       // reset, truncated
  CHECK(outcome("invalid_response") == 2u);  // invalid JSON, 2^63 Content-Length
  CHECK(outcome("ok") == 1u);
  CHECK(metric_value(d.metrics_port(), R"(sigma_agent_control_plane_failures_total{operation="register"})") == 9u);
  CHECK(daemon_answers(d.mcp_port()));
  CHECK(d.stop(SIGTERM) == 0);
}

TEST_CASE("heartbeat faults are survived at the interval, and a 404 heartbeat makes the agent register again") {
  FakeApi api;
  api.set_slow_ms(3000);
  for (ApiFault f : {ApiFault::kStatus500, ApiFault::kStatus503, ApiFault::kSlow, ApiFault::kResetMidBody,
                     ApiFault::kTruncatedBody, ApiFault::kHugeContentLength}) {
    api.set_fault(ApiEndpoint::kHeartbeat, f, 1);
  }
  api.set_fault(ApiEndpoint::kHeartbeat, ApiFault::kNone, 1);
  api.set_fault(ApiEndpoint::kHeartbeat, ApiFault::kNotFound, 1);
  Daemon d(agent_options(api, {{"SIGMA_API_TIMEOUT", "1"}}));
  REQUIRE(d.started());
  REQUIRE(api.wait_for(ApiEndpoint::kRegister, 2, 20000));
  REQUIRE(api.wait_for(ApiEndpoint::kHeartbeat, 9, 8000));
  const std::vector<RecordedRequest> beats = api.requests_to(ApiEndpoint::kHeartbeat);
  CHECK(beats[6].fault == ApiFault::kNone);
  CHECK(beats[7].fault == ApiFault::kNotFound);
  CHECK(beats[8].fault == ApiFault::kNone);
  // A failing heartbeat does not slow the beat down: the next one comes
  // one interval (+/- 10 %) after the failure's answer or timeout.
  for (size_t i = 1; i < 7; ++i) {
    CAPTURE(i);
    CHECK(beats[i].received_ms - beats[i - 1].received_ms <= 1000 + 1100 + 300);
  }
  // The second registration came right after the 404, before the next beat.
  const RecordedRequest again = api.requests_to(ApiEndpoint::kRegister)[1];
  CHECK(again.received_ms >= beats[7].received_ms);
  CHECK(again.received_ms <= beats[8].received_ms);
  const std::string log = d.log();
  CHECK(log.find("heartbeats reach the control plane again") != std::string::npos);
  CHECK(log.find("failed_heartbeats=6") != std::string::npos);
  CHECK(log.find("the control plane no longer knows this node") != std::string::npos);
  CHECK(occurrences(log, "registered with the control plane") == 2);
  CHECK(daemon_answers(d.mcp_port()));
  CHECK(metric_value(d.metrics_port(), R"(sigma_agent_control_plane_failures_total{operation="heartbeat"})") == 7u);
  CHECK(metric_value(d.metrics_port(), "sigma_agent_control_plane_registered") == 1u);
  CHECK(d.stop(SIGTERM) == 0);
}

TEST_CASE("MCP answers in under 50 ms while the API hangs, and SIGTERM abandons the hanging request at once") {
  FakeApi api;
  api.set_fault(ApiEndpoint::kRegister, ApiFault::kHang);
  Daemon d(agent_options(api, {{"SIGMA_API_TIMEOUT", "300"}}));
  REQUIRE(d.started());
  REQUIRE(api.wait_for(ApiEndpoint::kRegister, 1, 5000));
  const int64_t slowest = slowest_ping_ms(d.mcp_port(), 50);
  MESSAGE("slowest of 50 pings while the API hangs: " << slowest << " ms");
  CHECK(slowest < 50);
  const int64_t start = sigma::monotonic_ms();
  const Value routes = call_tool(d.mcp_port(), "query_envoy_routes");
  CHECK(sigma::monotonic_ms() - start < 50);
  CHECK(is_tool_error(routes));
  CHECK(text_of(routes).find("not registered with the control plane yet") != std::string::npos);
  CHECK(metric_value(d.metrics_port(), "sigma_agent_control_plane_registered") == 0u);
  const int64_t stop_start = sigma::monotonic_ms();
  CHECK(d.stop(SIGTERM, 3000) == 0);
  MESSAGE("SIGTERM to exit with a request in flight: " << sigma::monotonic_ms() - stop_start << " ms");
  CHECK(sigma::monotonic_ms() - stop_start < 2000);
}

TEST_CASE("query_envoy_routes lists this node's routes from the API, following pagination") {
  FakeApi api;
  api.set_vps_id("vps-42");
  api.add_envoy_node(R"({"id":"n1","vps_id":"vps-42","node_id":"edge-42","admin_port":9901,"description":"main","config_version":7,"status":"active"})");
  api.add_envoy_node(R"({"id":"n9","vps_id":"other-vps","node_id":"elsewhere","description":"","config_version":1,"status":"active"})");
  for (int i = 0; i < 1005; ++i) {
    api.add_envoy_route(R"({"id":"r)" + std::to_string(i) + R"(","envoy_node_id":"n1","name":"route-)" +
                        std::to_string(i) + R"(","listen_port":)" + std::to_string(10000 + i) +
                        R"(,"backend_host":"10.0.0.9","backend_port":8080,"cluster_type":"STATIC","connect_timeout_secs":5,"proxy_protocol":false,"source":")" +
                        (i == 3 ? "static" : "dynamic") + R"(","status":"active"})");
  }
  Daemon d(agent_options(api, {{"AGENT_INTERVAL", "60"}}));
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("registered with the control plane"));

  Value all = call_tool(d.mcp_port(), "query_envoy_routes");
  REQUIRE_FALSE(is_tool_error(all));
  const Value* s = all.find("result")->find("structuredContent");
  REQUIRE(s != nullptr);
  CHECK(s->find("vps_id")->as_string() == "vps-42");
  REQUIRE(s->find("nodes")->size() == 1);
  CHECK(s->find("route_count")->as_int() == 1005);
  const Value& route = s->find("nodes")->as_array()[0].find("routes")->as_array()[0];
  CHECK(route.find("backend")->as_string() == "10.0.0.9:8080");
  CHECK(route.find("listen_port")->as_int() == 10000);
  const std::vector<RecordedRequest> pages = api.requests_to(ApiEndpoint::kEnvoyRoutes);
  REQUIRE(pages.size() == 2);
  CHECK(pages[0].query.at("per_page") == "1000");
  CHECK(pages[1].query.at("page") == "2");
  CHECK(api.requests_to(ApiEndpoint::kEnvoyNodes).front().query.at("vps_id") == "vps-42");
  CHECK(api.requests_to(ApiEndpoint::kEnvoyNodes).front().query.at("status") == "active");

  Value only_static = call_tool(d.mcp_port(), "query_envoy_routes", R"({"source":"static"})");
  REQUIRE_FALSE(is_tool_error(only_static));
  CHECK(only_static.find("result")->find("structuredContent")->find("route_count")->as_int() == 1);
  CHECK(api.requests_to(ApiEndpoint::kEnvoyRoutes).back().query.at("source") == "static");

  api.set_fault(ApiEndpoint::kEnvoyNodes, ApiFault::kStatus503, 1);
  Value failed = call_tool(d.mcp_port(), "query_envoy_routes");
  CHECK(is_tool_error(failed));
  CHECK(text_of(failed).find("injected: service unavailable") != std::string::npos);
  CHECK(metric_value(d.metrics_port(), R"(sigma_agent_control_plane_requests_total{operation="routes",outcome="http_error"})") == 1u);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("standalone: no request to any API, query_envoy_routes names SIGMA_API_URL, --check-config says so") {
  DaemonOptions o;
  Daemon d(o);
  REQUIRE(d.started());
  const Value routes = call_tool(d.mcp_port(), "query_envoy_routes");
  CHECK(is_tool_error(routes));
  CHECK(text_of(routes).find("SIGMA_API_URL") != std::string::npos);
  CHECK(d.log().find("standalone") != std::string::npos);

  RunResult r = run_agent({"--config=/dev/null", "--check-config"});
  CHECK(r.out.find("control plane: standalone") != std::string::npos);
  r = run_agent({"--config=/dev/null", "--check-config", "--api-url=http://api.example:8080/sigma/",
                 "--api-key=s3cret-api-key-0123456789"});
  CHECK(r.out.find("control plane: register with http://api.example:8080/sigma,") != std::string::npos);
  CHECK(r.out.find("X-Api-Key from SIGMA_API_KEY") != std::string::npos);
  CHECK(r.out.find("s3cret-api-key") == std::string::npos);
  CHECK(r.err.find("s3cret-api-key") == std::string::npos);
  r = run_agent({"--config=/dev/null", "--check-config", "--api-url=http://10.0.0.1"});
  CHECK(r.out.find("no X-Api-Key") != std::string::npos);
}

}  // namespace

TEST_CASE("agent_check_update reads the release manifest from the stand-in API under SIGMA_API_URL") {
  FakeApi api("/sigma");
  api.set_release({"0.2.0", "2026-12-01T12:00:00Z", "http://releases.invalid/sigma-agent-0.2.0-linux-amd64",
                   std::string(64, 'a'), std::string("Second release.")});
  Daemon d(agent_options(api, {{"AGENT_INTERVAL", "60"}, {"SIGMA_API_KEY", "release-key-0123456789abcdef"}}));
  REQUIRE(d.started());

  Value reply = call_tool(d.mcp_port(), "agent_check_update");
  REQUIRE_FALSE(is_tool_error(reply));
  const Value* s = reply.find("result")->find("structuredContent");
  REQUIRE(s != nullptr);
  CHECK(s->find("latest_version")->as_string() == "0.2.0");
  CHECK(s->find("update_available")->as_bool());
  const std::vector<RecordedRequest> asked = api.requests_to(ApiEndpoint::kReleaseLatest);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].method == "GET");
  CHECK(asked[0].target == "/sigma/agent/releases/latest");
  CHECK(asked[0].header("X-Api-Key") == std::optional<std::string>("release-key-0123456789abcdef"));

  // A second call is answered from the cache; an API failure on a forced
  // call is a tool error carrying the API's message, not a transport error.
  CHECK_FALSE(is_tool_error(call_tool(d.mcp_port(), "agent_check_update")));
  CHECK(api.count(ApiEndpoint::kReleaseLatest) == 1);
  api.set_fault(ApiEndpoint::kReleaseLatest, ApiFault::kStatus503, 1);
  Value failed = call_tool(d.mcp_port(), "agent_check_update", R"({"force":true})");
  CHECK(is_tool_error(failed));
  CHECK(text_of(failed).find("injected: service unavailable") != std::string::npos);
  CHECK(d.log().find("release-key-0123456789abcdef") == std::string::npos);
  CHECK(daemon_answers(d.mcp_port()));
}
