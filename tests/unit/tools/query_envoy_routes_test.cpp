#include "tools/query_envoy_routes.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "json/json.h"
#include "mcp/schema_validate.h"

namespace sigma::tools {
namespace {

json::Value parse_json(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

control::EnvoyRoute route(std::string id, std::string node, int64_t port, std::string source) {
  control::EnvoyRoute r;
  r.id = std::move(id);
  r.envoy_node_id = std::move(node);
  r.name = "route-" + r.id;
  r.listen_port = port;
  r.backend_host = "10.0.0.2";
  r.backend_port = 8000 + port;
  r.cluster_type = "STATIC";
  r.source = std::move(source);
  r.status = "active";
  return r;
}

// A control plane in memory: pages of `per_page` records.
class FakeDirectory final : public control::Directory {
 public:
  std::string api_text() const override { return "http://api.test:8080"; }
  Result<std::string> vps_id() const override {
    if (id.empty()) {
      return Status::unavailable(std::string(control::kNotRegisteredYet));
    }
    return id;
  }
  control::ApiResult<control::Page<control::EnvoyNode>> envoy_nodes(const std::string& vps, int page,
                                                                     int64_t) const override {
    ++calls;
    seen_vps = vps;
    control::ApiResult<control::Page<control::EnvoyNode>> out;
    if (fail_nodes) {
      out.failure.outcome = control::Outcome::kHttpError;
      out.failure.http_status = 500;
      out.failure.message = "GET http://api.test:8080/envoy-nodes: HTTP 500: database is down";
      return out;
    }
    control::Page<control::EnvoyNode> p;
    p.page = page;
    p.per_page = 1;
    p.total = static_cast<int64_t>(nodes.size());
    if (page >= 1 && static_cast<size_t>(page) <= nodes.size()) {
      p.data.push_back(nodes[static_cast<size_t>(page) - 1]);
    }
    out.value = p;
    return out;
  }
  control::ApiResult<control::Page<control::EnvoyRoute>> envoy_routes(const std::string& node, std::string_view source,
                                                                       int page, int64_t) const override {
    ++calls;
    seen_sources.push_back(std::string(source));
    if (on_routes) {
      on_routes();
    }
    std::vector<control::EnvoyRoute> matching;
    for (const control::EnvoyRoute& r : routes) {
      if (r.envoy_node_id == node && (source.empty() || r.source == source)) {
        matching.push_back(r);
      }
    }
    control::Page<control::EnvoyRoute> p;
    p.page = page;
    p.per_page = per_page;
    p.total = endless ? 1000000 : static_cast<int64_t>(matching.size());
    for (size_t i = static_cast<size_t>((page - 1) * per_page); i < matching.size() && p.data.size() < static_cast<size_t>(per_page); ++i) {
      p.data.push_back(matching[i]);
    }
    if (endless) {
      p.data.push_back(route("x" + std::to_string(page), node, 1, "dynamic"));
    }
    control::ApiResult<control::Page<control::EnvoyRoute>> out;
    out.value = p;
    return out;
  }

  std::string id = "vps-1";
  std::vector<control::EnvoyNode> nodes;
  std::vector<control::EnvoyRoute> routes;
  int64_t per_page = 2;
  bool fail_nodes = false;
  bool endless = false;
  std::function<void()> on_routes;
  mutable int calls = 0;
  mutable std::string seen_vps;
  mutable std::vector<std::string> seen_sources;
};

FakeDirectory two_nodes() {
  FakeDirectory d;
  control::EnvoyNode a;
  a.id = "n1";
  a.vps_id = "vps-1";
  a.node_id = "edge-7";
  a.admin_port = 9901;
  a.config_version = 4;
  a.status = "active";
  control::EnvoyNode b = a;
  b.id = "n2";
  b.node_id = "edge-7-b";
  b.admin_port.reset();
  d.nodes = {a, b};
  d.routes = {route("r1", "n1", 443, "dynamic"), route("r2", "n1", 8443, "static"), route("r3", "n1", 10001, "dynamic"),
              route("r4", "n2", 10002, "dynamic")};
  return d;
}

mcp::ToolResult call(QueryEnvoyRoutesTool& tool, std::string_view arguments, const mcp::CallContext& context = {}) {
  return tool.call(parse_json(arguments), context);
}

TEST_CASE("query_envoy_routes declares read-only, open-world annotations and valid schemas") {
  QueryEnvoyRoutesTool tool(nullptr);
  CHECK(tool.name() == "query_envoy_routes");
  CHECK(tool.annotations().read_only);
  CHECK_FALSE(tool.annotations().destructive);
  CHECK(tool.annotations().open_world);
  CHECK(tool.input_schema().find("type")->as_string() == "object");
  CHECK(mcp::validate_arguments(tool.input_schema(), parse_json(R"({"source":"static"})")).is_ok());
  CHECK_FALSE(mcp::validate_arguments(tool.input_schema(), parse_json(R"({"source":"both"})")).is_ok());
  CHECK_FALSE(mcp::validate_arguments(tool.input_schema(), parse_json(R"({"extra":1})")).is_ok());
}

TEST_CASE("standalone, the tool names SIGMA_API_URL; before registration it says so") {
  QueryEnvoyRoutesTool standalone(nullptr);
  mcp::ToolResult r = call(standalone, "{}");
  CHECK(r.is_error);
  CHECK(r.error_text.find("SIGMA_API_URL") != std::string::npos);

  FakeDirectory d = two_nodes();
  d.id.clear();
  QueryEnvoyRoutesTool pending(&d);
  r = call(pending, "{}");
  CHECK(r.is_error);
  CHECK(r.error_text.find("not registered with the control plane yet") != std::string::npos);
  CHECK(d.calls == 0);
}

TEST_CASE("every node's routes are collected across pages, with host:port backends") {
  FakeDirectory d = two_nodes();
  QueryEnvoyRoutesTool tool(&d);
  mcp::ToolResult r = call(tool, "{}");
  REQUIRE_FALSE(r.is_error);
  CHECK(mcp::validate_arguments(tool.output_schema(), r.structured).is_ok());
  CHECK(d.seen_vps == "vps-1");
  CHECK(r.structured.find("route_count")->as_int() == 4);
  CHECK(r.structured.find("truncated")->as_bool() == false);
  const json::Value& nodes = *r.structured.find("nodes");
  REQUIRE(nodes.size() == 2);
  const json::Value& first = nodes.as_array()[0];
  CHECK(first.find("node_id")->as_string() == "edge-7");
  REQUIRE(first.find("routes")->size() == 3);  // two pages of 2 per page
  CHECK(first.find("routes")->as_array()[0].find("backend")->as_string() == "10.0.0.2:8443");
  CHECK(nodes.as_array()[1].find("admin_port")->is_null());
  CHECK(d.seen_sources == std::vector<std::string>{"", "", ""});
}

TEST_CASE("source narrows the routes asked for") {
  FakeDirectory d = two_nodes();
  QueryEnvoyRoutesTool tool(&d);
  mcp::ToolResult r = call(tool, R"({"source":"static"})");
  REQUIRE_FALSE(r.is_error);
  CHECK(r.structured.find("route_count")->as_int() == 1);
  CHECK(r.structured.find("source")->as_string() == "static");
  CHECK(d.seen_sources.front() == "static");
}

TEST_CASE("an API failure is a tool error carrying the API's message") {
  FakeDirectory d = two_nodes();
  d.fail_nodes = true;
  QueryEnvoyRoutesTool tool(&d);
  mcp::ToolResult r = call(tool, "{}");
  CHECK(r.is_error);
  CHECK(r.error_text.find("database is down") != std::string::npos);
}

TEST_CASE("pagination stops at the page bound and says the result is truncated") {
  FakeDirectory d = two_nodes();
  d.nodes.resize(1);
  d.endless = true;
  QueryEnvoyRoutesTool tool(&d);
  mcp::ToolResult r = call(tool, "{}");
  REQUIRE_FALSE(r.is_error);
  CHECK(r.structured.find("truncated")->as_bool());
  CHECK(d.seen_sources.size() == static_cast<size_t>(control::kMaxPages));
}

TEST_CASE("a cancel between pages ends the call with a tool error") {
  FakeDirectory d = two_nodes();
  mcp::CallContext context;
  d.on_routes = [&context] { context.cancelled->store(true); };
  QueryEnvoyRoutesTool tool(&d);
  mcp::ToolResult r = call(tool, "{}", context);
  CHECK(r.is_error);
  CHECK(r.error_text.find("cancelled") != std::string::npos);
  CHECK(d.seen_sources.size() == 1);
}

}  // namespace
}  // namespace sigma::tools
