// query_envoy_routes: this node's Envoy routes as the control plane knows
// them (SPEC §6, §7): the envoy-nodes of this VPS, then the active routes of
// each, following pagination.
//
// Owns: the tool's schemas and LLM-facing description, the page loop (at
// most control::kMaxPages pages per list, the CallContext asked between
// pages) and the mapping of control::EnvoyNode / EnvoyRoute to the result.
// Must not: reach the API except through control::Directory, retry, or turn
// an API failure into a transport error (it is a tool error carrying the
// API's message).
// Threading: call() is safe to run concurrently (the directory is).
#pragma once

#include <string>
#include <string_view>

#include "control/directory.h"
#include "json/value.h"
#include "mcp/tool.h"

namespace sigma::tools {

inline constexpr std::string_view kControlPlaneOffText =
    "this node runs standalone: no control plane is configured; set SIGMA_API_URL (and SIGMA_API_KEY_FILE if "
    "the API wants a key) so the agent registers and the node's Envoy routes can be read";

class QueryEnvoyRoutesTool final : public mcp::Tool {
 public:
  // `directory` is nullptr when SIGMA_API_URL is unset (every call then
  // fails with kControlPlaneOffText); when set it must outlive the tool.
  explicit QueryEnvoyRoutesTool(const control::Directory* directory);

  std::string_view name() const override { return "query_envoy_routes"; }
  std::string_view title() const override { return "Query Envoy routes"; }
  std::string_view description() const override;
  const json::Value& input_schema() const override { return input_schema_; }
  const json::Value& output_schema() const override { return output_schema_; }
  mcp::ToolAnnotations annotations() const override;

  // Success: {"api", "vps_id", "source", "nodes":[{..., "routes":[...]}],
  // "route_count", "truncated"}. Failure: standalone, not registered yet,
  // the API's error, or the call was cancelled / ran out of time.
  mcp::ToolResult call(const json::Value& arguments, const mcp::CallContext& context) override;

 private:
  const control::Directory* directory_;
  json::Value input_schema_;
  json::Value output_schema_;
};

}  // namespace sigma::tools
