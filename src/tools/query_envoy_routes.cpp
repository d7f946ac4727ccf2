#include "tools/query_envoy_routes.h"

#include <utility>
#include <vector>

#include "tools/json_literal.h"

namespace sigma::tools {
namespace {

constexpr std::string_view kInputSchema = R"({
  "type": "object",
  "properties": {
    "source": {"type": "string", "enum": ["dynamic", "static", "all"], "default": "all",
               "description": "Which routes: dynamic (created through the control plane), static (from Envoy's own configuration), or all (default)."}
  },
  "additionalProperties": false
})";

constexpr std::string_view kOutputSchema = R"({
  "type": "object",
  "properties": {
    "api": {"type": "string", "description": "The control plane asked (base URL)."},
    "vps_id": {"type": "string", "description": "This node's id at the control plane."},
    "source": {"type": "string", "enum": ["dynamic", "static", "all"]},
    "nodes": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "node_id": {"type": "string", "description": "Envoy's node.id."},
          "description": {"type": "string"},
          "admin_port": {"type": ["integer", "null"]},
          "config_version": {"type": "integer", "description": "Bumped on every route change."},
          "status": {"type": "string"},
          "routes": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "listen_port": {"type": "integer"},
                "backend_host": {"type": ["string", "null"]},
                "backend_port": {"type": ["integer", "null"]},
                "backend": {"type": ["string", "null"], "description": "host:port, or null when the route has no backend."},
                "cluster_type": {"type": "string"},
                "connect_timeout_secs": {"type": ["number", "null"]},
                "proxy_protocol": {"type": "boolean"},
                "source": {"type": "string"},
                "status": {"type": "string"}
              },
              "required": ["id", "name", "listen_port", "backend_host", "backend_port", "backend", "cluster_type",
                           "connect_timeout_secs", "proxy_protocol", "source", "status"],
              "additionalProperties": false
            }
          }
        },
        "required": ["id", "node_id", "description", "admin_port", "config_version", "status", "routes"],
        "additionalProperties": false
      }
    },
    "route_count": {"type": "integer", "minimum": 0},
    "truncated": {"type": "boolean", "description": "True when a list had more pages than the agent follows (50)."}
  },
  "required": ["api", "vps_id", "source", "nodes", "route_count", "truncated"],
  "additionalProperties": false
})";

json::Value or_null(const std::optional<int64_t>& v) { return v ? json::Value(static_cast<long long>(*v)) : json::Value(); }

json::Value route_json(const control::EnvoyRoute& r) {
  json::Value backend;
  if (r.backend_host && r.backend_port) {
    const bool v6 = r.backend_host->find(':') != std::string::npos;
    backend = json::Value((v6 ? "[" + *r.backend_host + "]" : *r.backend_host) + ":" + std::to_string(*r.backend_port));
  }
  json::Value out = json::Value::object();
  out.set("id", r.id)
      .set("name", r.name)
      .set("listen_port", static_cast<long long>(r.listen_port))
      .set("backend_host", r.backend_host ? json::Value(*r.backend_host) : json::Value())
      .set("backend_port", or_null(r.backend_port))
      .set("backend", std::move(backend))
      .set("cluster_type", r.cluster_type)
      .set("connect_timeout_secs", r.connect_timeout_secs ? json::Value(*r.connect_timeout_secs) : json::Value())
      .set("proxy_protocol", r.proxy_protocol)
      .set("source", r.source)
      .set("status", r.status);
  return out;
}

std::string api_failure_text(const control::ApiFailure& failure) {
  return "the control plane could not answer: " + failure.message;
}

// Follows one paginated list; false with `error` set when the call must end.
template <typename T, typename Fetch>
bool collect_pages(Fetch fetch, const mcp::CallContext& context, std::vector<T>& out, bool& truncated,
                   std::string& error) {
  for (int page = 1;; ++page) {
    if (Status stop = context.should_stop(); !stop) {
      error = stop.message();
      return false;
    }
    control::ApiResult<control::Page<T>> got = fetch(page);
    if (!got.ok()) {
      error = api_failure_text(got.failure);
      return false;
    }
    for (T& item : got.value->data) {
      out.push_back(std::move(item));
    }
    // An empty page ends the list even if `total` says otherwise, so a
    // wrong total cannot make the loop ask for empty pages up to the bound.
    if (!got.value->has_more() || got.value->data.empty()) {
      return true;
    }
    if (page >= control::kMaxPages) {
      truncated = true;
      return true;
    }
  }
}

}  // namespace

QueryEnvoyRoutesTool::QueryEnvoyRoutesTool(const control::Directory* directory)
    : directory_(directory), input_schema_(json_literal(kInputSchema)), output_schema_(json_literal(kOutputSchema)) {}

std::string_view QueryEnvoyRoutesTool::description() const {
  return "Lists the Envoy proxy routes the fleet's control plane (sigma API) holds for this node: for each Envoy "
         "node registered on this VPS, its node id, config version and active routes, each with its name, "
         "listen port, backend host:port, cluster type, connect timeout, PROXY protocol flag and source "
         "(dynamic or static). Use it to see what this node's Envoy should be serving or to find the route "
         "behind a port. It reads the control plane, not the running Envoy, so it shows intended configuration; "
         "it fails with an explanation when no control plane is configured (SIGMA_API_URL), when the node has "
         "not registered yet, or when the control plane answers with an error.";
}

mcp::ToolAnnotations QueryEnvoyRoutesTool::annotations() const {
  mcp::ToolAnnotations a;
  a.read_only = true;
  a.destructive = false;
  a.idempotent = true;
  a.open_world = true;  // it asks a remote service
  return a;
}

mcp::ToolResult QueryEnvoyRoutesTool::call(const json::Value& arguments, const mcp::CallContext& context) {
  if (directory_ == nullptr) {
    return mcp::ToolResult::failure(std::string(kControlPlaneOffText));
  }
  std::string source = "all";
  if (const json::Value* s = arguments.find("source"); s != nullptr && s->is_string()) {
    source = s->as_string();
  }
  const std::string source_filter = source == "all" ? std::string() : source;
  Result<std::string> vps_id = directory_->vps_id();
  if (!vps_id) {
    return mcp::ToolResult::failure(vps_id.error());
  }

  std::string error;
  bool truncated = false;
  std::vector<control::EnvoyNode> nodes;
  if (!collect_pages<control::EnvoyNode>(
          [&](int page) { return directory_->envoy_nodes(*vps_id, page, context.deadline_ms); }, context, nodes,
          truncated, error)) {
    return mcp::ToolResult::failure(error);
  }

  json::Value nodes_json = json::Value::array();
  int64_t route_count = 0;
  for (const control::EnvoyNode& node : nodes) {
    std::vector<control::EnvoyRoute> routes;
    if (!collect_pages<control::EnvoyRoute>(
            [&](int page) { return directory_->envoy_routes(node.id, source_filter, page, context.deadline_ms); },
            context, routes, truncated, error)) {
      return mcp::ToolResult::failure(error);
    }
    json::Value routes_json = json::Value::array();
    for (const control::EnvoyRoute& r : routes) {
      routes_json.push(route_json(r));
    }
    route_count += static_cast<int64_t>(routes.size());
    json::Value n = json::Value::object();
    n.set("id", node.id)
        .set("node_id", node.node_id)
        .set("description", node.description)
        .set("admin_port", or_null(node.admin_port))
        .set("config_version", static_cast<long long>(node.config_version))
        .set("status", node.status)
        .set("routes", std::move(routes_json));
    nodes_json.push(std::move(n));
  }

  json::Value result = json::Value::object();
  result.set("api", directory_->api_text())
      .set("vps_id", *vps_id)
      .set("source", source)
      .set("nodes", std::move(nodes_json))
      .set("route_count", static_cast<long long>(route_count))
      .set("truncated", truncated);
  return mcp::ToolResult::success(std::move(result));
}

}  // namespace sigma::tools
