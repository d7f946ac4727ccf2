#include "metrics/registry.h"

#include <doctest/doctest.h>

#include <limits>
#include <thread>
#include <vector>

#include "mcp/methods.h"
#include "metrics/exposition.h"

namespace sigma::metrics {
namespace {

// The vocabulary main passes: the methods the dispatcher serves.
std::vector<std::string_view> served() { return {mcp::kServedMethods.begin(), mcp::kServedMethods.end()}; }

TEST_CASE("a fresh registry renders build info, zeroed auth reasons and a down listener") {
  Registry registry("1.2.3", served());
  const std::string expected =
      "# HELP sigma_agent_auth_failures_total MCP HTTP requests refused by the security policy, by reason.\n"
      "# TYPE sigma_agent_auth_failures_total counter\n"
      "sigma_agent_auth_failures_total{reason=\"forbidden_host\"} 0\n"
      "sigma_agent_auth_failures_total{reason=\"forbidden_origin\"} 0\n"
      "sigma_agent_auth_failures_total{reason=\"invalid_token\"} 0\n"
      "sigma_agent_auth_failures_total{reason=\"missing_token\"} 0\n"
      "# HELP sigma_agent_build_info Always 1; the version label names the running agent build.\n"
      "# TYPE sigma_agent_build_info gauge\n"
      "sigma_agent_build_info{version=\"1.2.3\"} 1\n"
      "# HELP sigma_agent_control_plane_failures_total Failed calls to the control plane (sigma API), by operation.\n"
      "# TYPE sigma_agent_control_plane_failures_total counter\n"
      "sigma_agent_control_plane_failures_total{operation=\"heartbeat\"} 0\n"
      "sigma_agent_control_plane_failures_total{operation=\"register\"} 0\n"
      "sigma_agent_control_plane_failures_total{operation=\"releases\"} 0\n"
      "sigma_agent_control_plane_failures_total{operation=\"routes\"} 0\n"
      "# HELP sigma_agent_control_plane_last_success_timestamp_seconds Unix time of the last successful control-plane exchange; 0 before the first.\n"
      "# TYPE sigma_agent_control_plane_last_success_timestamp_seconds gauge\n"
      "sigma_agent_control_plane_last_success_timestamp_seconds 0\n"
      "# HELP sigma_agent_control_plane_registered 1 while this node holds an id from the control plane, else 0.\n"
      "# TYPE sigma_agent_control_plane_registered gauge\n"
      "sigma_agent_control_plane_registered 0\n"
      "# HELP sigma_agent_control_plane_requests_total Exchanges with the control plane (sigma API), by operation and outcome.\n"
      "# TYPE sigma_agent_control_plane_requests_total counter\n"
      "# HELP sigma_agent_http_requests_total HTTP responses sent, by listener and status code.\n"
      "# TYPE sigma_agent_http_requests_total counter\n"
      "# HELP sigma_agent_mcp_listener_up 1 if the MCP HTTP listener is serving, 0 if it is disabled or refused to start.\n"
      "# TYPE sigma_agent_mcp_listener_up gauge\n"
      "sigma_agent_mcp_listener_up 0\n"
      "# HELP sigma_agent_mcp_requests_total MCP JSON-RPC messages handled, by method and outcome.\n"
      "# TYPE sigma_agent_mcp_requests_total counter\n";
  CHECK(registry.render() == expected);
}

TEST_CASE("increments render as sorted series with exact values") {
  Registry registry("0.1.0", served());
  registry.inc_mcp_request("tools/list", "ok");
  registry.inc_mcp_request("initialize", "ok");
  registry.inc_mcp_request("tools/call", "tool_error");
  registry.inc_mcp_request("tools/call", "ok");
  registry.inc_mcp_request("tools/call", "ok");
  registry.inc_mcp_request("notifications/initialized", "notification");
  registry.inc_http_request("metrics", 200);
  registry.inc_http_request("mcp", 401);
  registry.inc_http_request("mcp", 200);
  registry.inc_http_request("mcp", 200);
  registry.inc_http_request("mcp", 202);
  registry.inc_auth_failure("missing_token");
  registry.inc_auth_failure("invalid_token");
  registry.inc_auth_failure("invalid_token");
  registry.inc_control_plane_failure("heartbeat");
  registry.set_mcp_listener_up(true);

  const std::string expected =
      "# HELP sigma_agent_auth_failures_total MCP HTTP requests refused by the security policy, by reason.\n"
      "# TYPE sigma_agent_auth_failures_total counter\n"
      "sigma_agent_auth_failures_total{reason=\"forbidden_host\"} 0\n"
      "sigma_agent_auth_failures_total{reason=\"forbidden_origin\"} 0\n"
      "sigma_agent_auth_failures_total{reason=\"invalid_token\"} 2\n"
      "sigma_agent_auth_failures_total{reason=\"missing_token\"} 1\n"
      "# HELP sigma_agent_build_info Always 1; the version label names the running agent build.\n"
      "# TYPE sigma_agent_build_info gauge\n"
      "sigma_agent_build_info{version=\"0.1.0\"} 1\n"
      "# HELP sigma_agent_control_plane_failures_total Failed calls to the control plane (sigma API), by operation.\n"
      "# TYPE sigma_agent_control_plane_failures_total counter\n"
      "sigma_agent_control_plane_failures_total{operation=\"heartbeat\"} 1\n"
      "sigma_agent_control_plane_failures_total{operation=\"register\"} 0\n"
      "sigma_agent_control_plane_failures_total{operation=\"releases\"} 0\n"
      "sigma_agent_control_plane_failures_total{operation=\"routes\"} 0\n"
      "# HELP sigma_agent_control_plane_last_success_timestamp_seconds Unix time of the last successful control-plane exchange; 0 before the first.\n"
      "# TYPE sigma_agent_control_plane_last_success_timestamp_seconds gauge\n"
      "sigma_agent_control_plane_last_success_timestamp_seconds 0\n"
      "# HELP sigma_agent_control_plane_registered 1 while this node holds an id from the control plane, else 0.\n"
      "# TYPE sigma_agent_control_plane_registered gauge\n"
      "sigma_agent_control_plane_registered 0\n"
      "# HELP sigma_agent_control_plane_requests_total Exchanges with the control plane (sigma API), by operation and outcome.\n"
      "# TYPE sigma_agent_control_plane_requests_total counter\n"
      "# HELP sigma_agent_http_requests_total HTTP responses sent, by listener and status code.\n"
      "# TYPE sigma_agent_http_requests_total counter\n"
      "sigma_agent_http_requests_total{listener=\"mcp\",code=\"200\"} 2\n"
      "sigma_agent_http_requests_total{listener=\"mcp\",code=\"202\"} 1\n"
      "sigma_agent_http_requests_total{listener=\"mcp\",code=\"401\"} 1\n"
      "sigma_agent_http_requests_total{listener=\"metrics\",code=\"200\"} 1\n"
      "# HELP sigma_agent_mcp_listener_up 1 if the MCP HTTP listener is serving, 0 if it is disabled or refused to start.\n"
      "# TYPE sigma_agent_mcp_listener_up gauge\n"
      "sigma_agent_mcp_listener_up 1\n"
      "# HELP sigma_agent_mcp_requests_total MCP JSON-RPC messages handled, by method and outcome.\n"
      "# TYPE sigma_agent_mcp_requests_total counter\n"
      "sigma_agent_mcp_requests_total{method=\"initialize\",outcome=\"ok\"} 1\n"
      "sigma_agent_mcp_requests_total{method=\"notifications/initialized\",outcome=\"notification\"} 1\n"
      "sigma_agent_mcp_requests_total{method=\"tools/call\",outcome=\"ok\"} 2\n"
      "sigma_agent_mcp_requests_total{method=\"tools/call\",outcome=\"tool_error\"} 1\n"
      "sigma_agent_mcp_requests_total{method=\"tools/list\",outcome=\"ok\"} 1\n";
  CHECK(registry.render() == expected);
  CHECK(registry.render() == registry.render());
}

TEST_CASE("label values outside a vocabulary fold to other so cardinality stays bounded") {
  Registry registry("0.1.0", served());
  SUBCASE("client-chosen method names") {
    registry.inc_mcp_request("resources/list", "ok");
    registry.inc_mcp_request("x\"}\nevil 1", "ok");
    CHECK(registry.mcp_requests("other", "ok") == 2);
    const std::string text = registry.render();
    CHECK(text.find("sigma_agent_mcp_requests_total{method=\"other\",outcome=\"ok\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("evil") == std::string::npos);
    CHECK(text.find("resources/list") == std::string::npos);
  }
  SUBCASE("unknown outcome") {
    registry.inc_mcp_request("ping", "exploded");
    CHECK(registry.mcp_requests("ping", "other") == 1);
  }
  SUBCASE("unknown listener and out-of-range status codes") {
    registry.inc_http_request("admin", 200);
    registry.inc_http_request("mcp", 99);
    registry.inc_http_request("mcp", 600);
    registry.inc_http_request("mcp", -1);
    CHECK(registry.http_requests("other", 200) == 1);
    const std::string text = registry.render();
    CHECK(text.find("sigma_agent_http_requests_total{listener=\"mcp\",code=\"other\"} 3\n") !=
          std::string::npos);
    CHECK(text.find("sigma_agent_http_requests_total{listener=\"other\",code=\"200\"} 1\n") !=
          std::string::npos);
  }
  SUBCASE("unknown auth reason appears only once used") {
    CHECK(registry.render().find("reason=\"other\"") == std::string::npos);
    registry.inc_auth_failure("bad_moon");
    CHECK(registry.auth_failures("other") == 1);
    CHECK(registry.render().find("sigma_agent_auth_failures_total{reason=\"other\"} 1\n") !=
          std::string::npos);
  }
  SUBCASE("the edges of the status code range keep their number") {
    registry.inc_http_request("mcp", 100);
    registry.inc_http_request("mcp", 599);
    CHECK(registry.http_requests("mcp", 100) == 1);
    CHECK(registry.http_requests("mcp", 599) == 1);
    CHECK(registry.http_requests("mcp", 600) == 0);
  }
}

TEST_CASE("the version label is escaped") {
  Registry registry("1.0 \"beta\"\\x\nnext", served());
  CHECK(registry.render().find("sigma_agent_build_info{version=\"1.0 \\\"beta\\\"\\\\x\\nnext\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("label values and help text are escaped as exposition format 0.0.4 requires") {
  struct Case {
    const char* input;
    const char* label;
    const char* help;
  };
  const Case cases[] = {
      {"plain", "plain", "plain"},
      {"", "", ""},
      {"back\\slash", "back\\\\slash", "back\\\\slash"},
      {"quo\"te", "quo\\\"te", "quo\"te"},
      {"new\nline", "new\\nline", "new\\nline"},
      {"\\\"\n", "\\\\\\\"\\n", "\\\\\"\\n"},
      {"tab\tand utf-8 \xc3\xa9", "tab\tand utf-8 \xc3\xa9", "tab\tand utf-8 \xc3\xa9"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.input) {
      CHECK(escape_label_value(c.input) == c.label);
      CHECK(escape_help(c.input) == c.help);
    }
  }
}

TEST_CASE("sample values are spelled the way Prometheus parses them") {
  CHECK(format_value(uint64_t{0}) == "0");
  CHECK(format_value(uint64_t{18446744073709551615u}) == "18446744073709551615");
  CHECK(format_value(3.0) == "3");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(1700000123.45) == "1700000123.45");
  CHECK(format_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("concurrent increments from four threads are all counted") {
  Registry registry("0.1.0", served());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry] {
      for (int i = 0; i < kIncrements; ++i) {
        registry.inc_mcp_request("tools/call", "ok");
        registry.inc_http_request("mcp", 200);
        registry.inc_auth_failure("invalid_token");
      }
    });
  }
  // A scrape running alongside the writers must not block or tear them.
  for (int i = 0; i < 20; ++i) {
    CHECK(!registry.render().empty());
  }
  for (std::thread& t : threads) {
    t.join();
  }
  CHECK(registry.mcp_requests("tools/call", "ok") == kThreads * kIncrements);
  CHECK(registry.http_requests("mcp", 200) == kThreads * kIncrements);
  CHECK(registry.auth_failures("invalid_token") == kThreads * kIncrements);
  CHECK(registry.render().find("sigma_agent_mcp_requests_total{method=\"tools/call\",outcome=\"ok\"} 40000\n") !=
        std::string::npos);
}

TEST_CASE("every method the dispatcher serves, and its unknown label, is a series of its own") {
  Registry registry("0.1.0", served());
  for (std::string_view method : mcp::kServedMethods) {
    registry.inc_mcp_request(mcp::method_label(method), "ok");
    CHECK(registry.mcp_requests(method, "ok") == 1);
  }
  registry.inc_mcp_request(mcp::method_label("resources/list"), "error");
  CHECK(registry.mcp_requests("unknown", "error") == 1);
  CHECK(registry.mcp_requests("other", "error") == 0);
  CHECK(registry.render().find("method=\"unknown\",outcome=\"error\"} 1") != std::string::npos);
}

TEST_CASE("control-plane exchanges are counted by operation and outcome; failures and the last success follow") {
  Registry registry("1.2.3", served());
  registry.inc_control_plane_request("register", "unreachable", 100);
  registry.inc_control_plane_request("register", "http_error", 200);
  registry.inc_control_plane_request("register", "ok", 1700000000);
  registry.inc_control_plane_request("heartbeat", "bogus", 300);
  registry.set_control_plane_registered(true);
  CHECK(registry.control_plane_requests("register", "unreachable") == 1);
  CHECK(registry.control_plane_requests("register", "ok") == 1);
  CHECK(registry.control_plane_requests("heartbeat", "other") == 1);
  CHECK(registry.control_plane_failures("register") == 2);
  CHECK(registry.control_plane_failures("heartbeat") == 1);
  const std::string text = registry.render();
  CHECK(text.find("sigma_agent_control_plane_requests_total{operation=\"register\",outcome=\"ok\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("sigma_agent_control_plane_failures_total{operation=\"register\"} 2\n") != std::string::npos);
  CHECK(text.find("sigma_agent_control_plane_last_success_timestamp_seconds 1700000000\n") != std::string::npos);
  CHECK(text.find("sigma_agent_control_plane_registered 1\n") != std::string::npos);
  registry.set_control_plane_registered(false);
  CHECK(registry.render().find("sigma_agent_control_plane_registered 0\n") != std::string::npos);
}

}  // namespace
}  // namespace sigma::metrics
