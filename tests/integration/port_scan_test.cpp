// The port scanner and POST /ports/allocate with the real daemon: the test
// opens TCP listeners and bound UDP sockets in a range of its own and checks
// they are counted and attributed to this process by name; the allocation
// endpoint's statuses, its fail-closed rule off loopback, and that it shares
// one reservation table with the allocate_ports tool.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "harness.h"

using namespace sigma::test;

namespace {

// A socket of `type` bound to 0.0.0.0:port (and listening for TCP); -1 when
// the port is taken.
int hold(int type, uint16_t port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 4) != 0)) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  return fd;
}

// `n` consecutive ports, each free for TCP and UDP a moment ago, checked by
// binding them. The first candidates start where the kernel's port 0 lands;
// the ephemeral range is busy with the suite's own connections (TIME_WAIT
// blocks a bind without SO_REUSEADDR), so later ones start at a random port
// below it.
uint16_t free_block(uint16_t n) {
  static std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 400; ++attempt) {
    const uint16_t base =
        attempt < 10 ? free_port() : static_cast<uint16_t>(20000 + rng() % 12000);
    if (base == 0 || base > 65535 - n) {
      continue;
    }
    bool all = true;
    for (uint16_t i = 0; i < n && all; ++i) {
      int t = hold(SOCK_STREAM, static_cast<uint16_t>(base + i));
      int u = hold(SOCK_DGRAM, static_cast<uint16_t>(base + i));
      all = t >= 0 && u >= 0;
      if (t >= 0) {
        ::close(t);
      }
      if (u >= 0) {
        ::close(u);
      }
    }
    if (all) {
      return base;
    }
  }
  return 0;
}

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

std::string range_arg(uint16_t first, uint16_t last) {
  return "--port-scan-range=" + std::to_string(first) + "-" + std::to_string(last);
}

std::string allocate_request(const std::string& body, const std::string& host = "127.0.0.1",
                             const std::string& extra = "") {
  return "POST /ports/allocate HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// The ports of a {"ports":[...]} body (a small scanner: digits between the brackets).
std::vector<uint16_t> ports_in(const std::string& body) {
  std::vector<uint16_t> ports;
  size_t open = body.find('[');
  size_t close = body.find(']', open);
  if (open == std::string::npos || close == std::string::npos) {
    return ports;
  }
  unsigned v = 0;
  bool in_number = false;
  for (size_t i = open + 1; i <= close; ++i) {
    if (body[i] >= '0' && body[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(body[i] - '0');
      in_number = true;
    } else if (in_number) {
      ports.push_back(static_cast<uint16_t>(v));
      v = 0;
      in_number = false;
    }
  }
  return ports;
}

// A non-loopback IPv4 address of an interface that is up, or "".
std::string local_non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    return "";
  }
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_UP) == 0 ||
        (i->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET_ADDRSTRLEN];
    const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &a->sin_addr, text, sizeof text) != nullptr) {
      found = text;
    }
  }
  freeifaddrs(list);
  return found;
}

struct Held {
  std::vector<int> fds;
  ~Held() {
    for (int fd : fds) {
      ::close(fd);
    }
  }
};

TEST_CASE("the scan counts the test's own listeners and bound UDP sockets and names this process") {
  // Block of 8: TCP on +0..+3, UDP on +4 and +5, both on +6, +7 stays free.
  const uint16_t base = free_block(8);
  REQUIRE(base != 0);
  Held held;
  for (uint16_t i = 0; i <= 3; ++i) {
    held.fds.push_back(hold(SOCK_STREAM, static_cast<uint16_t>(base + i)));
  }
  held.fds.push_back(hold(SOCK_DGRAM, static_cast<uint16_t>(base + 4)));
  held.fds.push_back(hold(SOCK_DGRAM, static_cast<uint16_t>(base + 5)));
  held.fds.push_back(hold(SOCK_STREAM, static_cast<uint16_t>(base + 6)));
  held.fds.push_back(hold(SOCK_DGRAM, static_cast<uint16_t>(base + 6)));
  for (int fd : held.fds) {
    REQUIRE(fd >= 0);
  }

  DaemonOptions o;
  o.args = {"--port-scan", range_arg(base, static_cast<uint16_t>(base + 7)), "--hostname=scan-test"};
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("port scan finished its first pass"));

  const std::string host = "{hostname=\"scan-test\"}";
  CHECK(metric_value(d.metrics_port(), "sigma_ports_total" + host) == std::optional<uint64_t>(8));
  CHECK(metric_value(d.metrics_port(), "sigma_ports_in_use" + host) == std::optional<uint64_t>(7));
  CHECK(metric_value(d.metrics_port(), "sigma_ports_available" + host) == std::optional<uint64_t>(1));
  CHECK(metric_value(d.metrics_port(), "sigma_ports_used{hostname=\"scan-test\",source=\"other\"}") ==
        std::optional<uint64_t>(7));
  CHECK(metric_value(d.metrics_port(), "sigma_ports_used{hostname=\"scan-test\",source=\"unknown\"}") ==
        std::optional<uint64_t>(0));
  const std::string comm = own_comm();
  REQUIRE_FALSE(comm.empty());
  CHECK(metric_value(d.metrics_port(),
                     "sigma_ports_other_detail{hostname=\"scan-test\",process=\"" + comm + "\"}") ==
        std::optional<uint64_t>(7));

  // query_metrics carries the same snapshot.
  HttpResponse r = mcp_post(
      d.mcp_port(), R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_metrics","arguments":{}}})");
  REQUIRE(r.status == 200);
  CHECK(r.body.find(R"(\"in_use\":7)") != std::string::npos);
  CHECK(r.body.find("first pass has not finished") == std::string::npos);
  CHECK(r.body.find("port scan is off") == std::string::npos);

  // Closing a listener shows in the next pass (SIGHUP does not rescan; a
  // second daemon with the same range does).
  ::close(held.fds[0]);
  held.fds[0] = -1;
  held.fds.erase(held.fds.begin());
  Daemon again(o);
  REQUIRE(again.started());
  REQUIRE(again.wait_for_log("port scan finished its first pass"));
  CHECK(metric_value(again.metrics_port(), "sigma_ports_in_use" + host) == std::optional<uint64_t>(6));
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("with the scan off there are no port families, query_metrics says so and allocation is 503") {
  DaemonOptions o;
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  HttpResponse m = http_request(d.metrics_port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  REQUIRE(m.status == 200);
  CHECK(m.body.find("sigma_ports_total") == std::string::npos);
  HttpResponse q = mcp_post(
      d.mcp_port(), R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_metrics","arguments":{}}})");
  CHECK(q.body.find("port scan is off") != std::string::npos);
  HttpResponse a = http_request(d.metrics_port(), allocate_request(R"({"count":1})"));
  CHECK(a.status == 503);
  CHECK(a.body.find("AGENT_PORT_SCAN=true") != std::string::npos);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("POST /ports/allocate on loopback: 200, 400, 405, 409 and 413") {
  const uint16_t base = free_block(4);
  REQUIRE(base != 0);
  DaemonOptions o;
  o.args = {"--port-scan", range_arg(base, static_cast<uint16_t>(base + 3))};
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  const uint16_t port = d.metrics_port();

  HttpResponse ok = http_request(port, allocate_request(R"({"count":2})"));
  REQUIRE(ok.status == 200);
  CHECK(ok.header("Content-Type") == std::optional<std::string>("application/json"));
  const std::vector<uint16_t> got = ports_in(ok.body);
  REQUIRE(got.size() == 2);
  for (uint16_t p : got) {
    CHECK(p >= base);
    CHECK(p <= base + 3);
  }

  for (const char* bad : {R"({"count":0})", R"({"count":1001})", R"({"count":"2"})", "not json", "{}"}) {
    CAPTURE(bad);
    HttpResponse r = http_request(port, allocate_request(bad));
    CHECK(r.status == 400);
    CHECK(r.body.rfind("{\"error\":", 0) == 0);
  }

  // Two left in a range of four: three cannot be had while the first two are reserved.
  HttpResponse conflict = http_request(port, allocate_request(R"({"count":3})"));
  CHECK(conflict.status == 409);
  CHECK(conflict.body.find("only 2 of 3") != std::string::npos);

  HttpResponse get = http_request(port, "GET /ports/allocate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(get.status == 405);
  CHECK(get.header("Allow") == std::optional<std::string>("POST"));

  const std::string big = "{\"count\":1,\"pad\":\"" + std::string(5000, 'x') + "\"}";
  CHECK(http_request(port, allocate_request(big)).status == 413);

  // DNS rebinding: a browser page's Origin is refused even on loopback.
  HttpResponse origin = http_request(port, allocate_request(R"({"count":1})", "127.0.0.1",
                                                            "Origin: http://evil.example\r\n"));
  CHECK(origin.status == 403);
  // ... and so is a Host that is no loopback name, in the field or, with an
  // absolute-form target (RFC 9112 §3.2.2), in the target's authority.
  CHECK(http_request(port, allocate_request(R"({"count":1})", "evil.example")).status == 403);
  std::string absolute = allocate_request(R"({"count":1})");
  absolute.replace(0, std::string("POST /ports/allocate").size(),
                   "POST http://evil.example:" + std::to_string(port) + "/ports/allocate");
  CHECK(http_request(port, absolute).status == 403);
  absolute = allocate_request(R"({"count":1})", "evil.example");
  absolute.replace(0, std::string("POST /ports/allocate").size(),
                   "POST http://127.0.0.1:" + std::to_string(port) + "/ports/allocate");
  CHECK(http_request(port, absolute).status == 200);

  CHECK(http_request(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status == 200);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("the allocate_ports tool and POST /ports/allocate never hand out the same port") {
  const uint16_t base = free_block(20);
  REQUIRE(base != 0);
  DaemonOptions o;
  o.args = {"--port-scan", range_arg(base, static_cast<uint16_t>(base + 19))};
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  std::set<uint16_t> all;
  for (int round = 0; round < 2; ++round) {
    HttpResponse tool = mcp_post(
        d.mcp_port(),
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":5}}})");
    REQUIRE(tool.status == 200);
    // The result's JSON text: {\"ports\":[...],...}
    size_t at = tool.body.find("ports");
    REQUIRE(at != std::string::npos);
    std::vector<uint16_t> from_tool = ports_in(tool.body.substr(at));
    REQUIRE(from_tool.size() == 5);
    HttpResponse http = http_request(d.metrics_port(), allocate_request(R"({"count":5})"));
    REQUIRE(http.status == 200);
    std::vector<uint16_t> from_http = ports_in(http.body);
    REQUIRE(from_http.size() == 5);
    all.insert(from_tool.begin(), from_tool.end());
    all.insert(from_http.begin(), from_http.end());
  }
  // Twenty distinct ports: the two paths took from one table.
  CHECK(all.size() == 20);
  CHECK(http_request(d.metrics_port(), allocate_request(R"({"count":1})")).status == 409);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("on a non-loopback metrics bind, allocation needs the token and fails closed without one") {
  const std::string address = local_non_loopback_ipv4();
  if (address.empty()) {
    std::printf("skipped: this machine has no non-loopback IPv4 address to bind the metrics listener to\n");
    return;
  }
  const uint16_t base = free_block(4);
  REQUIRE(base != 0);
  const std::string metrics_args = "--metrics-bind=" + address;

  SUBCASE("no token configured: 403 naming the settings; GET /metrics stays open") {
    DaemonOptions o;
    o.args = {"--port-scan", range_arg(base, static_cast<uint16_t>(base + 3)), metrics_args,
              "--metrics-port=" + std::to_string(free_port())};
    o.wait_for_metrics = true;
    Daemon d(o);
    REQUIRE(d.started());
    REQUIRE(d.wait_for_log("port scan finished its first pass"));
    HttpResponse r = http_request(address, d.metrics_port(), allocate_request(R"({"count":1})", address));
    CHECK(r.status == 403);
    CHECK(r.body.find("AGENT_MCP_TOKEN_FILE") != std::string::npos);
    CHECK(r.body.find("AGENT_MCP_TOKEN") != std::string::npos);
    HttpResponse m = http_request(address, d.metrics_port(),
                                  "GET /metrics HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n");
    CHECK(m.status == 200);
    CHECK(m.body.find("sigma_ports_total") != std::string::npos);
  }
  SUBCASE("token configured: 401 without it or with a wrong one, 200 with it") {
    const std::string token = "a-long-enough-test-token-0123456789";
    const std::string token_file = write_temp_file("token", token + "\n", 0600);
    DaemonOptions o;
    o.args = {"--port-scan", range_arg(base, static_cast<uint16_t>(base + 3)), metrics_args,
              "--metrics-port=" + std::to_string(free_port()), "--mcp-token-file=" + token_file};
    o.wait_for_metrics = true;
    Daemon d(o);
    REQUIRE(d.started());
    HttpResponse none = http_request(address, d.metrics_port(), allocate_request(R"({"count":1})", address));
    CHECK(none.status == 401);
    CHECK(none.header("WWW-Authenticate").value_or("").find("Bearer realm=\"sigma-agent\"") == 0);
    HttpResponse wrong = http_request(address, d.metrics_port(),
                                      allocate_request(R"({"count":1})", address, "Authorization: Bearer nope\r\n"));
    CHECK(wrong.status == 401);
    CHECK(d.log().find("nope") == std::string::npos);
    HttpResponse right = http_request(
        address, d.metrics_port(), allocate_request(R"({"count":1})", address, "Authorization: Bearer " + token + "\r\n"));
    CHECK(right.status == 200);
    CHECK(ports_in(right.body).size() == 1);
    CHECK(d.log().find(token) == std::string::npos);
    CHECK(daemon_answers(d.mcp_port(), "Authorization: Bearer " + token + "\r\n"));
  }
}

TEST_CASE("the scan's first pass is logged and a stop during the scan still exits 0") {
  DaemonOptions o;
  o.args = {"--port-scan", "--port-scan-interval=1"};
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("port scan finished its first pass"));
  CHECK(d.log().find("no periodic port scanner") == std::string::npos);
  CHECK(d.stop(SIGTERM) == std::optional<int>(0));
}

}  // namespace

namespace {

TEST_CASE("call query_metrics with the scan on scans once itself instead of waiting for a pass") {
  const uint16_t base = free_block(3);
  REQUIRE(base != 0);
  Held held;
  held.fds.push_back(hold(SOCK_STREAM, base));
  REQUIRE(held.fds[0] >= 0);
  RunResult r = run_agent({"--config=/dev/null", "--port-scan", range_arg(base, static_cast<uint16_t>(base + 2)),
                           "call", "query_metrics"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"in_use\":1") != std::string::npos);
  CHECK(r.out.find("\"total\":3") != std::string::npos);
  CHECK(r.out.find("has not finished") == std::string::npos);
}

}  // namespace
