#include "tools/query_metrics.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../fake_host_ops.h"
#include "json/json.h"
#include "mcp/schema_validate.h"

namespace sigma::tools {
namespace {

// One host seam per fixture tree, alive for the whole test run.
const host::HostOps* fixture_host(const std::string& tree) {
  static std::map<std::string, std::unique_ptr<host::LocalHostOps>> hosts;
  std::unique_ptr<host::LocalHostOps>& slot = hosts[tree];
  if (!slot) {
    slot = std::make_unique<host::LocalHostOps>("tests/fixtures/proc/" + tree);
  }
  return slot.get();
}

QueryMetricsOptions options_for(const std::string& tree) {
  QueryMetricsOptions options;
  options.host = fixture_host(tree);
  options.disk_path = "/";
  options.agent_version = "1.2.3";
  return options;
}

json::Value call_tool(QueryMetricsTool& tool) {
  mcp::ToolResult result = tool.call(json::Value::object(), mcp::CallContext{});
  REQUIRE_FALSE(result.is_error);
  REQUIRE(result.structured.is_object());
  return result.structured;
}

// The result must satisfy the tool's own outputSchema (MCP: structuredContent
// MUST match it), and every declared key must be present.
void check_matches_output_schema(const mcp::Tool& tool, const json::Value& result) {
  const Status valid = mcp::validate_arguments(tool.output_schema(), result);
  CHECK_MESSAGE(valid.is_ok(), valid.message());
  const json::Value* required = tool.output_schema().find("required");
  REQUIRE(required != nullptr);
  for (const json::Value& key : required->as_array()) {
    CHECK_MESSAGE(result.find(key.as_string()) != nullptr, key.as_string());
  }
}

std::vector<std::string> notes_of(const json::Value& result) {
  std::vector<std::string> notes;
  for (const json::Value& note : result.find("notes")->as_array()) {
    notes.push_back(note.as_string());
  }
  return notes;
}

bool contains(const std::vector<std::string>& notes, const std::string& note) {
  return std::find(notes.begin(), notes.end(), note) != notes.end();
}

std::string text_of(const json::Value& result, const char* key) {
  const json::Value* value = result.find(key);
  REQUIRE_MESSAGE(value != nullptr, key);
  return json::write(*value);
}

TEST_CASE("query_metrics declares its name, title, schemas and read-only annotations") {
  QueryMetricsTool tool(options_for("normal"));
  CHECK(tool.name() == "query_metrics");
  CHECK(tool.title() == "Query node metrics");
  CHECK(json::write(tool.input_schema()) == R"({"type":"object","properties":{},"additionalProperties":false})");
  const mcp::ToolAnnotations a = tool.annotations();
  CHECK(a.read_only);
  CHECK_FALSE(a.destructive);
  CHECK(a.idempotent);
  CHECK_FALSE(a.open_world);
  // The description tells a model the units and when to call it.
  const std::string description(tool.description());
  CHECK(description.find("MiB") != std::string::npos);
  CHECK(description.find("GiB") != std::string::npos);
  CHECK(description.find("Read-only") != std::string::npos);

  const json::Value& schema = tool.output_schema();
  CHECK(schema.find("type")->as_string() == "object");
  // Every property is always present (null when unknown), so all are required.
  CHECK(schema.find("properties")->size() == schema.find("required")->size());
  CHECK(schema.find("required")->size() == 12);
}

TEST_CASE("query_metrics on the normal tree reports exact values and the port-scan-off note") {
  QueryMetricsTool tool(options_for("normal"));
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(text_of(result, "hostname") == R"("vpn-node-17")");
  CHECK(text_of(result, "agent_version") == R"("1.2.3")");
  CHECK(text_of(result, "cpu_cores") == "4");
  CHECK(text_of(result, "ram_mb") == "1983");
  CHECK(text_of(result, "ram_available_mb") == "1487");
  CHECK(text_of(result, "uptime_seconds") == "356712");
  CHECK(text_of(result, "load_avg") == "[0.52,0.58,0.59]");
  // The addresses come from this machine's kernel, not the fixture tree
  // (the seam's getifaddrs); the fake-host case below pins the rule.
  CHECK((result.find("public_ip")->is_null() || result.find("public_ip")->is_string()));
  CHECK(text_of(result, "port_scan") == "null");
  CHECK(result.find("disk_total_gb")->is_number());
  CHECK(result.find("disk_used_gb")->is_number());
  CHECK(notes_of(result) == std::vector<std::string>{std::string(kPortScanOffNote)});
  CHECK(notes_of(result).front() == "port scan is off; set AGENT_PORT_SCAN=true to include it");
}

TEST_CASE("query_metrics uses the hostname override") {
  QueryMetricsOptions options = options_for("normal");
  options.hostname_override = "edge-7";
  QueryMetricsTool tool(options);
  CHECK(text_of(call_tool(tool), "hostname") == R"("edge-7")");
}

TEST_CASE("query_metrics on the truncated tree returns nulls with notes, still matching its schema") {
  QueryMetricsTool tool(options_for("truncated"));
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(result.find("hostname")->is_null());
  CHECK(result.find("cpu_cores")->is_null());
  CHECK(text_of(result, "ram_mb") == "1983");
  CHECK(result.find("ram_available_mb")->is_null());
  CHECK(result.find("uptime_seconds")->is_null());
  CHECK(result.find("load_avg")->is_null());
  const std::vector<std::string> notes = notes_of(result);
  CHECK(contains(notes, "tests/fixtures/proc/truncated/loadavg: empty file"));
  CHECK(contains(notes, "tests/fixtures/proc/truncated/uptime: truncated (no newline at end of line)"));
  CHECK(notes.size() == 7);  // six files plus the port-scan note
}

TEST_CASE("query_metrics on the missing tree with a missing disk path nulls the disk") {
  QueryMetricsOptions options = options_for("missing");
  options.disk_path = "/nonexistent-sigma-path";
  QueryMetricsTool tool(options);
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(result.find("disk_total_gb")->is_null());
  CHECK(result.find("disk_used_gb")->is_null());
  CHECK(text_of(result, "cpu_cores") == "2");
  CHECK(contains(notes_of(result), "statvfs /nonexistent-sigma-path: No such file or directory"));
  CHECK(contains(notes_of(result), "tests/fixtures/proc/missing/loadavg: No such file or directory"));
}

TEST_CASE("query_metrics on the hostile tree still answers within its schema") {
  QueryMetricsTool tool(options_for("hostile"));
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(result.find("ram_mb")->is_null());
  CHECK(result.find("hostname")->is_null());
}

TEST_CASE("query_metrics includes the last port-scan snapshot when the scan is on") {
  QueryMetricsOptions options = options_for("normal");
  options.port_scan_enabled = true;
  options.port_scan_snapshot = [] {
    host::PortScanSnapshot s;
    s.total = 20001;
    s.available = 19950;
    s.in_use = 51;
    s.in_use_by_source = {30, 1, 2, 1, 10, 5, 2};
    s.scan_duration_seconds = 1.25;
    return std::optional<host::PortScanSnapshot>(s);
  };
  QueryMetricsTool tool(options);
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(text_of(result, "port_scan") ==
        R"({"total":20001,"available":19950,"in_use":51,)"
        R"("by_source":{"envoy":30,"sshd":1,"nginx":2,"node_exporter":1,"xray":10,"other":5,"unknown":2},)"
        R"("other_detail":[],"scan_duration_seconds":1.25})");
  CHECK(notes_of(result).empty());
}

TEST_CASE("query_metrics lists the other ports by process, the overflow last, and the scan's notes") {
  QueryMetricsOptions options = options_for("normal");
  options.port_scan_enabled = true;
  options.port_scan_snapshot = [] {
    host::PortScanSnapshot s;
    s.total = 100;
    s.in_use = 9;
    s.available = 91;
    s.in_use_by_source = {0, 0, 0, 0, 0, 9, 0};
    s.other_detail = {{"python3", 5}, {"redis-server", 3}};
    s.other_detail_overflow = 1;
    s.notes = {"2 processes' descriptors could not be read"};
    return std::optional<host::PortScanSnapshot>(s);
  };
  QueryMetricsTool tool(options);
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(json::write(*result.find("port_scan")->find("other_detail")) ==
        R"([{"process":"python3","ports":5},{"process":"redis-server","ports":3},{"process":"_other","ports":1}])");
  CHECK(notes_of(result) == std::vector<std::string>{"port scan: 2 processes' descriptors could not be read"});
}

TEST_CASE("query_metrics says so when the scan is on but has not finished a pass") {
  QueryMetricsOptions options = options_for("normal");
  options.port_scan_enabled = true;
  SUBCASE("provider without a snapshot") {
    options.port_scan_snapshot = [] { return std::optional<host::PortScanSnapshot>(); };
  }
  SUBCASE("no provider at all") { options.port_scan_snapshot = nullptr; }
  QueryMetricsTool tool(options);
  const json::Value result = call_tool(tool);
  check_matches_output_schema(tool, result);
  CHECK(result.find("port_scan")->is_null());
  CHECK(notes_of(result) == std::vector<std::string>{std::string(kPortScanPendingNote)});
}

TEST_CASE("the output schema check rejects a result of the wrong shape") {
  QueryMetricsTool tool(options_for("normal"));
  json::Value result = call_tool(tool);
  SUBCASE("wrong type") { result.set("cpu_cores", json::Value("four")); }
  SUBCASE("missing key") {
    json::Object members;
    for (auto& member : result.as_object()) {
      if (member.first != "notes") {
        members.push_back(member);
      }
    }
    result = json::Value(std::move(members));
  }
  SUBCASE("extra key") { result.set("surprise", json::Value(1)); }
  SUBCASE("short load_avg") { result.set("load_avg", json::Value(json::Array{json::Value(1.0)})); }
  CHECK_FALSE(mcp::validate_arguments(tool.output_schema(), result).is_ok());
}

// A host that is not this machine: every fact comes from the seam.
class FakeHost final : public test::FakeHostOps {
 public:
  Result<std::string> read_proc(std::string_view relative_path) const override {
    ++reads;
    if (relative_path == "stat") {
      return std::string("cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\ncpu2 1 2 3\n");
    }
    if (relative_path == "meminfo") {
      return std::string("MemTotal: 2097152 kB\nMemAvailable: 1048576 kB\n");
    }
    return missing(relative_path);
  }
  Result<host::DiskUsage> disk_usage(const std::string&) const override { return host::DiskUsage{40.0, 10.5}; }
  Result<bool> is_port_free(uint16_t, host::Protocol) const override { return true; }
  Result<std::vector<host::InterfaceAddress>> interface_addresses() const override { return addresses; }
  mutable int reads = 0;
  std::vector<host::InterfaceAddress> addresses;
};

host::InterfaceAddress v4_address(const char* text) {
  host::InterfaceAddress a;
  a.interface = "eth0";
  inet_pton(AF_INET, text, &a.v4);
  return a;
}

TEST_CASE("query_metrics reads the host only through the seam it is given") {
  FakeHost fake;
  QueryMetricsOptions options;
  options.host = &fake;
  options.hostname_override = "fake-node";
  QueryMetricsTool tool(options);
  json::Value result = call_tool(tool);
  CHECK(fake.reads > 0);
  CHECK(result.find("cpu_cores")->as_int() == 3);
  REQUIRE(result.find("ram_mb") != nullptr);
  CHECK(result.find("ram_mb")->as_int() == 2048);
  CHECK(json::write(*result.find("disk_total_gb")) == "40");
  const std::string notes = json::write(*result.find("notes"));
  CHECK(notes.find("fake:/uptime: not in the fake") != std::string::npos);
}

TEST_CASE("public_ip is the first public interface address, null behind NAT") {
  FakeHost fake;
  QueryMetricsOptions options;
  options.host = &fake;
  options.hostname_override = "fake-node";
  QueryMetricsTool tool(options);
  SUBCASE("behind NAT: private addresses only") {
    fake.addresses = {v4_address("127.0.0.1"), v4_address("10.0.0.5"), v4_address("172.17.0.1")};
    CHECK(call_tool(tool).find("public_ip")->is_null());
  }
  SUBCASE("a public address after private ones") {
    fake.addresses = {v4_address("10.0.0.5"), v4_address("203.0.113.7"), v4_address("198.51.100.1")};
    json::Value result = call_tool(tool);
    REQUIRE(result.find("public_ip")->is_string());
    CHECK(result.find("public_ip")->as_string() == "203.0.113.7");
  }
}

}  // namespace
}  // namespace sigma::tools
