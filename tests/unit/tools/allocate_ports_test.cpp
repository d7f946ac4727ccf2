#include "tools/allocate_ports.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "json/json.h"
#include "mcp/schema_validate.h"
#include "tools/builtin.h"

namespace sigma::tools {
namespace {

// Ports 460-499 of the pid-derived 500-port test block (see the host tests).
uint16_t test_ports_start() { return static_cast<uint16_t>(61000 + (getpid() % 9) * 500 + 460); }

json::Value parse_json(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

UniqueFd hold_tcp(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 1) != 0) {
    return UniqueFd();
  }
  return fd;
}

TEST_CASE("allocate_ports declares its schemas, title and non-read-only annotations") {
  host::PortAllocator allocator(test_ports_start(), static_cast<uint16_t>(test_ports_start() + 9), 30000);
  AllocatePortsTool tool(&allocator);
  CHECK(tool.name() == "allocate_ports");
  CHECK(tool.title() == "Allocate free ports");
  const mcp::ToolAnnotations a = tool.annotations();
  CHECK_FALSE(a.read_only);
  CHECK_FALSE(a.destructive);
  CHECK_FALSE(a.idempotent);
  CHECK_FALSE(a.open_world);

  const json::Value& input = tool.input_schema();
  CHECK(json::write(*input.find("required")) == R"(["count"])");
  CHECK(input.find("additionalProperties")->as_bool() == false);
  const json::Value* count = input.find("properties")->find("count");
  CHECK(json::write(*count->find("minimum")) == "1");
  CHECK(json::write(*count->find("maximum")) == "1000");
  const json::Value* protocol = input.find("properties")->find("protocol");
  CHECK(json::write(*protocol->find("enum")) == R"(["tcp","udp"])");
  CHECK(protocol->find("default")->as_string() == "tcp");

  const std::string description(tool.description());
  CHECK(description.find("bind tests") != std::string::npos);
  CHECK(description.find("reserved for 30 seconds") != std::string::npos);
  CHECK(description.find("not held open") != std::string::npos);
  CHECK(description.find("AGENT_PORT_SCAN_RANGE") != std::string::npos);
}

TEST_CASE("allocate_ports' input schema accepts good arguments and refuses bad ones") {
  AllocatePortsTool tool(nullptr);
  struct Case {
    const char* arguments;
    bool ok;
  };
  const Case cases[] = {
      {R"({"count":5})", true},
      {R"({"count":1000,"protocol":"udp"})", true},
      {R"({"count":0})", false},
      {R"({"count":1001})", false},
      {R"({"count":2.5})", false},
      {R"({"protocol":"tcp"})", false},
      {R"({"count":5,"protocol":"sctp"})", false},
      {R"({"count":5,"extra":true})", false},
  };
  for (const Case& c : cases) {
    SUBCASE(c.arguments) {
      CHECK(mcp::validate_arguments(tool.input_schema(), parse_json(c.arguments)).is_ok() == c.ok);
    }
  }
}

TEST_CASE("allocate_ports returns verified ports, the protocol, the reservation and the range") {
  const uint16_t start = test_ports_start();
  const uint16_t end = static_cast<uint16_t>(start + 29);
  host::PortAllocator allocator(start, end, 30500);
  AllocatePortsTool tool(&allocator);

  SUBCASE("tcp by default") {
    mcp::ToolResult result = tool.call(parse_json(R"({"count":3})"), mcp::CallContext{});
    REQUIRE_MESSAGE(!result.is_error, result.error_text);
    const Status valid = mcp::validate_arguments(tool.output_schema(), result.structured);
    CHECK_MESSAGE(valid.is_ok(), valid.message());
    CHECK(result.structured.find("ports")->size() == 3);
    CHECK(result.structured.find("protocol")->as_string() == "tcp");
    CHECK(json::write(*result.structured.find("reserved_for_seconds")) == "30");
    CHECK(json::write(*result.structured.find("range")) ==
          R"({"start":)" + std::to_string(start) + R"(,"end":)" + std::to_string(end) + "}");
  }
  SUBCASE("udp on request") {
    mcp::ToolResult result = tool.call(parse_json(R"({"count":2,"protocol":"udp"})"), mcp::CallContext{});
    REQUIRE_MESSAGE(!result.is_error, result.error_text);
    CHECK(mcp::validate_arguments(tool.output_schema(), result.structured).is_ok());
    CHECK(result.structured.find("protocol")->as_string() == "udp");
    CHECK(result.structured.find("ports")->size() == 2);
  }
  SUBCASE("two calls never share a port") {
    mcp::ToolResult first = tool.call(parse_json(R"({"count":10})"), mcp::CallContext{});
    mcp::ToolResult second = tool.call(parse_json(R"({"count":10})"), mcp::CallContext{});
    REQUIRE_FALSE(first.is_error);
    REQUIRE_FALSE(second.is_error);
    for (const json::Value& a : first.structured.find("ports")->as_array()) {
      for (const json::Value& b : second.structured.find("ports")->as_array()) {
        CHECK(a != b);
      }
    }
  }
}

TEST_CASE("allocate_ports fails with a sentence naming AGENT_PORT_SCAN_RANGE when ports run short") {
  const uint16_t start = static_cast<uint16_t>(test_ports_start() + 30);
  const uint16_t end = static_cast<uint16_t>(start + 4);
  UniqueFd held_a = hold_tcp(start);
  UniqueFd held_b = hold_tcp(static_cast<uint16_t>(start + 2));
  REQUIRE(held_a.is_valid());
  REQUIRE(held_b.is_valid());
  host::PortAllocator allocator(start, end, 30000);
  AllocatePortsTool tool(&allocator);
  mcp::ToolResult result = tool.call(parse_json(R"({"count":5})"), mcp::CallContext{});
  REQUIRE(result.is_error);
  CHECK(result.error_text == "only 3 of 5 requested tcp ports are free in AGENT_PORT_SCAN_RANGE " +
                                 std::to_string(start) + "-" + std::to_string(end) +
                                 "; widen the range or ask for fewer");
}

TEST_CASE("allocate_ports without an allocator names the setting that enables it") {
  AllocatePortsTool tool(nullptr);
  mcp::ToolResult result = tool.call(parse_json(R"({"count":1})"), mcp::CallContext{});
  REQUIRE(result.is_error);
  CHECK(result.error_text == kPortAllocationOffText);
  CHECK(result.error_text.find("AGENT_PORT_SCAN=true") != std::string::npos);
}

TEST_CASE("allocate_ports refuses unvalidated junk from a direct caller") {
  host::PortAllocator allocator(test_ports_start(), static_cast<uint16_t>(test_ports_start() + 9), 1000);
  AllocatePortsTool tool(&allocator);
  struct Case {
    const char* arguments;
    const char* error;
  };
  const Case cases[] = {
      {"{}", "count must be an integer from 1 to 1000"},
      {R"({"count":"5"})", "count must be an integer from 1 to 1000"},
      {R"({"count":1001})", "count must be an integer from 1 to 1000"},
      {R"({"count":1,"protocol":"sctp"})", "protocol must be \"tcp\" or \"udp\""},
      {R"({"count":1,"protocol":7})", "protocol must be \"tcp\" or \"udp\""},
  };
  for (const Case& c : cases) {
    SUBCASE(c.arguments) {
      mcp::ToolResult result = tool.call(parse_json(c.arguments), mcp::CallContext{});
      CHECK(result.is_error);
      CHECK(result.error_text == c.error);
    }
  }
}

TEST_CASE("register_builtin_tools adds query_metrics, allocate_ports, query_envoy_routes, agent_check_update, then query_traffic") {
  mcp::ToolRegistry registry;
  ToolDependencies dependencies;
  const host::LocalHostOps host("tests/fixtures/proc/normal");
  dependencies.host = &host;
  register_builtin_tools(registry, dependencies);
  REQUIRE(registry.tools().size() == 5);
  CHECK(registry.tools()[0]->name() == "query_metrics");
  CHECK(registry.tools()[1]->name() == "allocate_ports");
  CHECK(registry.tools()[2]->name() == "query_envoy_routes");
  CHECK(registry.tools()[3]->name() == "agent_check_update");
  CHECK(registry.tools()[4]->name() == "query_traffic");
  mcp::Tool* metrics = registry.find("query_metrics");
  REQUIRE(metrics != nullptr);
  CHECK_FALSE(metrics->call(json::Value::object(), mcp::CallContext{}).is_error);
}

TEST_CASE("a cancelled or overdue allocate_ports call fails and leaves nothing reserved") {
  const uint16_t start = test_ports_start();
  host::PortAllocator allocator(start, static_cast<uint16_t>(start + 9), 60000);
  AllocatePortsTool tool(&allocator);
  json::Value arguments = json::Value::object();
  arguments.set("count", json::Value(8));

  mcp::CallContext cancelled;
  cancelled.cancelled->store(true);
  mcp::ToolResult r = tool.call(arguments, cancelled);
  CHECK(r.is_error);
  CHECK(r.error_text.find("cancelled by the client") != std::string::npos);

  mcp::CallContext gone;
  auto flag = std::make_shared<std::atomic<bool>>(true);
  gone.transport_gone = flag;
  r = tool.call(arguments, gone);
  CHECK(r.is_error);
  CHECK(r.error_text.find("closed the connection") != std::string::npos);

  mcp::CallContext overdue;
  overdue.deadline_ms = 1;  // long past
  r = tool.call(arguments, overdue);
  CHECK(r.is_error);
  CHECK(r.error_text.find("AGENT_TOOL_TIMEOUT") != std::string::npos);

  // None of the three kept a port: all eight are there for the next call,
  // and then they are reserved.
  CHECK_FALSE(tool.call(arguments, mcp::CallContext{}).is_error);
  CHECK(tool.call(arguments, mcp::CallContext{}).is_error);
}

TEST_CASE("allocate_ports reports progress as its bind tests find ports") {
  const uint16_t start = test_ports_start();
  host::PortAllocator allocator(start, static_cast<uint16_t>(start + 9), 60000);
  AllocatePortsTool tool(&allocator);
  json::Value arguments = json::Value::object();
  arguments.set("count", json::Value(5));
  std::vector<std::pair<double, double>> reports;
  mcp::CallContext context;
  context.progress_sink = [&](double progress, double total, std::string_view message) {
    reports.emplace_back(progress, total);
    CHECK_FALSE(message.empty());
  };
  REQUIRE_FALSE(tool.call(arguments, context).is_error);
  REQUIRE(reports.size() == 5);
  for (size_t i = 0; i < reports.size(); ++i) {
    CHECK(reports[i].first == static_cast<double>(i + 1));
    CHECK(reports[i].second == 5.0);
  }
}

TEST_CASE("a call whose client goes away mid-way stops and releases the ports it had found") {
  const uint16_t start = test_ports_start();
  host::PortAllocator allocator(start, static_cast<uint16_t>(start + 9), 60000);
  AllocatePortsTool tool(&allocator);
  json::Value arguments = json::Value::object();
  arguments.set("count", json::Value(10));
  mcp::CallContext context;
  auto gone = std::make_shared<std::atomic<bool>>(false);
  context.transport_gone = gone;
  int reports = 0;
  context.progress_sink = [&](double, double, std::string_view) {
    if (++reports == 3) {
      gone->store(true);  // the client closes its stream after three events
    }
  };
  mcp::ToolResult r = tool.call(arguments, context);
  CHECK(r.is_error);
  CHECK(r.error_text.find("closed the connection") != std::string::npos);
  CHECK(reports == 3);
  // The three ports found before the close are free again: all ten can be had.
  CHECK_FALSE(tool.call(arguments, mcp::CallContext{}).is_error);
}

}  // namespace
}  // namespace sigma::tools
