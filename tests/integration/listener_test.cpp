// Listeners fail alone: a bind that cannot happen yet is logged once, shown
// as sigma_agent_mcp_listener_up 0 and retried, while the rest of the agent
// keeps serving.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "harness.h"

using namespace sigma::test;

namespace {

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// A socket listening on 127.0.0.1:port, held by the test; -1 on failure.
int hold_port(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  return fd;
}

}  // namespace

TEST_CASE("an MCP address not on the host keeps the agent running with listener_up 0 and is retried") {
  const std::string token = write_temp_file("token", "a-long-enough-token-for-the-listener-test\n", 0600);
  DaemonOptions o;
  // 10.255.255.1 is on no interface of a test machine: EADDRNOTAVAIL, as for a
  // VPN address whose interface comes up later.
  o.args = {"--mcp-bind=10.255.255.1:" + std::to_string(free_port()), "--mcp-token-file=" + token};
  o.env = {{"AGENT_LOG_LEVEL", "debug"}};
  o.wait_for_mcp = false;
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("cannot open the mcp listener"));
  CHECK(d.log().find("setting=AGENT_MCP_BIND") != std::string::npos);
  CHECK(d.log().find("retry_in_ms=1000") != std::string::npos);
  // The first retry comes after a second and fails the same way: logged at
  // debug, not as a second error line.
  REQUIRE(d.wait_for_log("listener bind retry failed", 5000));
  CHECK(count_of(d.log(), "cannot open the mcp listener") == 1);
  CHECK(d.running());
  CHECK(metric_value(d.metrics_port(), "sigma_agent_mcp_listener_up") == std::optional<uint64_t>(0));
  auto status = d.stop(SIGTERM);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("an MCP port taken at start is served once it is freed, and listener_up turns 1") {
  const uint16_t port = free_port();
  int holder = hold_port(port);
  REQUIRE(holder >= 0);
  DaemonOptions o;
  o.args = {"--mcp-bind=127.0.0.1:" + std::to_string(port)};
  o.wait_for_mcp = false;
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("cannot open the mcp listener"));
  CHECK(metric_value(d.metrics_port(), "sigma_agent_mcp_listener_up") == std::optional<uint64_t>(0));
  ::close(holder);
  // Retries at 1 s, then 2 s: the second one at the latest finds the port free.
  REQUIRE(d.wait_for_log("msg=\"mcp listening\"", 6000));
  CHECK(d.log().find("after=retry") != std::string::npos);
  CHECK(daemon_answers(port));
  CHECK(metric_value(d.metrics_port(), "sigma_agent_mcp_listener_up") == std::optional<uint64_t>(1));
}

TEST_CASE("a metrics port that is taken does not stop MCP from serving") {
  const uint16_t metrics_port = free_port();
  int holder = hold_port(metrics_port);
  REQUIRE(holder >= 0);
  DaemonOptions o;
  o.args = {"--metrics-port=" + std::to_string(metrics_port)};
  Daemon d(o);
  REQUIRE(d.started());  // waited for "mcp listening"
  REQUIRE(d.wait_for_log("cannot open the metrics listener"));
  CHECK(d.log().find("setting=AGENT_METRICS_BIND") != std::string::npos);
  CHECK(daemon_answers(d.mcp_port()));
  ::close(holder);
  REQUIRE(d.wait_for_log("msg=\"metrics listening\"", 6000));
  CHECK(metric_value(metrics_port, "sigma_agent_mcp_listener_up") == std::optional<uint64_t>(1));
}

TEST_CASE("an IPv4-mapped loopback bind is served as the IPv4 address, as --check-config says") {
  RunResult check = run_agent({"--config=/dev/null", "--check-config", "--mcp-bind=[::ffff:127.0.0.1]:9103"});
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("loopback (127.0.0.1:9103)") != std::string::npos);
  DaemonOptions o;
  o.args = {"--mcp-bind=[::ffff:127.0.0.1]:0"};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(d.running());
  CHECK(daemon_answers(d.mcp_port()));
}

namespace {

// A ping over IPv6 loopback; the status line, or "" when nothing answers.
std::string ping_over_ipv6(uint16_t port) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return "";
  }
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  addr.sin6_addr = in6addr_loopback;
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string bytes = mcp_request_bytes(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "", true);
    if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
      char buf[512];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        reply.assign(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

bool has_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TEST_CASE("localhost binds every loopback address it names, IPv4 and IPv6 clients alike") {
  if (!has_ipv6_loopback()) {
    MESSAGE("skipped: no IPv6 loopback on this machine");
    return;
  }
  const uint16_t port = free_port();
  DaemonOptions o;
  o.args = {"--mcp-bind=localhost:" + std::to_string(port)};
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("address=[::1]:" + std::to_string(port), 3000));
  CHECK(d.log().find("address=127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(daemon_answers(port));
  CHECK(ping_over_ipv6(port) == "HTTP/1.1 200 OK");
}
