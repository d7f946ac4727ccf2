// Process lifecycle of the real daemon: signals, metrics listener, the two
// tools under concurrency.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "../notify_listener.h"
#include "base/clock.h"
#include "harness.h"
#include "json/json.h"

using namespace sigma::test;

namespace {

// tools/call allocate_ports at 2025-11-25; the parsed reply (null if not JSON).
sigma::json::Value call_allocate_ports(uint16_t port, int count) {
  HttpResponse r = mcp_post(port,
                            R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"allocate_ports",)"
                            R"("arguments":{"count":)" + std::to_string(count) + "}}}",
                            "MCP-Protocol-Version: 2025-11-25\r\n");
  auto v = sigma::json::parse(r.body);
  return r.status == 200 && v.ok() ? *v.value : sigma::json::Value();
}

// True when `reply` is a tool-error result whose text mentions `needle`.
bool is_tool_error_naming(const sigma::json::Value& reply, const std::string& needle) {
  const sigma::json::Value* result = reply.find("result");
  if (result == nullptr || result->find("isError") == nullptr || !result->find("isError")->as_bool()) {
    return false;
  }
  return sigma::json::write(*result).find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("SIGTERM and SIGINT stop the daemon with status 0") {
  for (int signo : {SIGTERM, SIGINT}) {
    CAPTURE(signo);
    Daemon d({});
    REQUIRE(d.started());
    REQUIRE(daemon_answers(d.mcp_port()));
    auto status = d.stop(signo);
    REQUIRE(status.has_value());
    CHECK(*status == 0);
  }
}

TEST_CASE("GET /metrics serves Prometheus text with build info, MCP counters and process metrics") {
  DaemonOptions o;
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(daemon_answers(d.mcp_port()));
  REQUIRE(mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "Origin: http://evil.example\r\n").status == 403);
  HttpResponse r = http_request(d.metrics_port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("").find("text/plain") == 0);
  CHECK(r.body.find("sigma_agent_build_info{") != std::string::npos);
  CHECK(r.body.find("sigma_agent_mcp_requests_total{method=\"ping\",outcome=\"ok\"} 1") != std::string::npos);
  CHECK(r.body.find("sigma_agent_auth_failures_total{reason=\"forbidden_origin\"} 1") != std::string::npos);
  CHECK(r.body.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(r.body.find("sigma_agent_mcp_listener_up 1") != std::string::npos);
  r = http_request(d.metrics_port(), "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 405);
  r = http_request(d.metrics_port(), "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 404);
}

TEST_CASE("concurrent allocate_ports callers never receive the same port") {
  DaemonOptions o;
  // Above the kernel's ephemeral range (32768-60999), where TIME_WAIT sockets of
  // other tests would thin out the free ports.
  uint16_t base = static_cast<uint16_t>(61000 + (getpid() % 20) * 100);
  o.args = {"--port-scan", "--port-scan-range=" + std::to_string(base) + "-" + std::to_string(base + 1500),
            "--worker-threads=4"};
  Daemon d(o);
  REQUIRE(d.started());
  constexpr int kClients = 8;
  constexpr int kCallsEach = 5;
  std::vector<std::vector<int64_t>> got(kClients);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        sigma::json::Value reply = call_allocate_ports(d.mcp_port(), 10);
        if (reply.find("result") == nullptr) {
          continue;
        }
        const sigma::json::Value* sc = reply.find("result")->find("structuredContent");
        if (sc == nullptr) {
          continue;
        }
        for (const auto& p : sc->find("ports")->as_array()) {
          got[t].push_back(p.as_int().value_or(-1));
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<int64_t> distinct;
  size_t total = 0;
  for (const auto& ports : got) {
    total += ports.size();
    distinct.insert(ports.begin(), ports.end());
  }
  CHECK(total == kClients * kCallsEach * 10);
  CHECK(distinct.size() == total);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("allocate_ports reports an exhausted range as a tool error naming the setting") {
  DaemonOptions o;
  uint16_t base = static_cast<uint16_t>(64000 + (getpid() % 200) * 5);
  o.args = {"--port-scan", "--port-scan-range=" + std::to_string(base) + "-" + std::to_string(base + 2)};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(is_tool_error_naming(call_allocate_ports(d.mcp_port(), 10), "AGENT_PORT_SCAN_RANGE"));
}

TEST_CASE("allocate_ports with the port scan off is a tool error naming AGENT_PORT_SCAN") {
  Daemon d({});
  REQUIRE(d.started());
  CHECK(is_tool_error_naming(call_allocate_ports(d.mcp_port(), 1), "AGENT_PORT_SCAN=true"));
}

TEST_CASE("under systemd: READY once serving, WATCHDOG at half the period, STOPPING on SIGTERM") {
  NotifyListener notify(false, false);
  DaemonOptions o;
  o.env = {{"NOTIFY_SOCKET", notify.address()}, {"WATCHDOG_USEC", "400000"}};
  Daemon d(o);
  REQUIRE(d.started());
  std::optional<std::string> first = notify.receive(5000);
  REQUIRE(first.has_value());
  CHECK(*first == "READY=1");
  CHECK(daemon_answers(d.mcp_port()));  // READY means it serves

  // Pings at 200 ms: four or five within a second, never a long gap.
  const int64_t start = sigma::monotonic_ms();
  int pings = 0;
  int64_t last = start, longest_gap = 0;
  while (sigma::monotonic_ms() - start < 1000) {
    std::optional<std::string> m = notify.receive(500);
    if (!m) {
      break;
    }
    CHECK(*m == "WATCHDOG=1");
    const int64_t now = sigma::monotonic_ms();
    longest_gap = std::max(longest_gap, now - last);
    last = now;
    ++pings;
  }
  CHECK(pings >= 3);
  CHECK(pings <= 7);
  CHECK(longest_gap < 400);  // the whole WATCHDOG_USEC never passes unpinged

  d.signal(SIGTERM);
  bool stopping = false;
  for (int i = 0; i < 10 && !stopping; ++i) {
    std::optional<std::string> m = notify.receive(1000);
    if (!m) {
      break;
    }
    stopping = *m == "STOPPING=1";
  }
  CHECK(stopping);
  CHECK(d.stop(SIGTERM, 5000) == std::optional<int>(0));
}

TEST_CASE("SIGUSR1 and SIGUSR2 are ignored, not fatal") {
  DaemonOptions o;
  Daemon d(o);
  REQUIRE(d.started());
  d.signal(SIGUSR1);
  d.signal(SIGUSR2);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(d.running());
  CHECK(daemon_answers(d.mcp_port()));
}
