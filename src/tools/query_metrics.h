// query_metrics: the node's capacity and health as one MCP tool result.
//
// Owns: mapping host::HostSnapshot and the last port-scan snapshot to the
// tool's JSON result, and the tool's schemas and LLM-facing description.
// Must not: parse /proc itself (host/ does), fail as a whole because one
// field is unreadable, or block on the port scanner (it only copies the last
// snapshot through the provider).
// Threading: immutable after construction; call() is safe to run
// concurrently (each call reads /proc afresh; the provider must be
// thread-safe).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "host/ops.h"
#include "host/port_scan.h"
#include "json/value.h"
#include "mcp/tool.h"

namespace sigma::tools {

// Returns the last completed scan, or nullopt before the first one finishes.
using PortScanProvider = std::function<std::optional<host::PortScanSnapshot>()>;

struct QueryMetricsOptions {
  // Where the host's facts are read (host/ops.h). REQUIRES: set, and it
  // outlives the tool.
  const host::HostOps* host = nullptr;
  std::string disk_path = "/";      // filesystem reported as disk_*_gb
  std::string hostname_override;    // AGENT_HOSTNAME; empty = read from procfs
  std::string agent_version;
  bool port_scan_enabled = false;   // AGENT_PORT_SCAN
  PortScanProvider port_scan_snapshot;  // consulted only when port_scan_enabled
};

// The note added when the port scan is off.
inline constexpr std::string_view kPortScanOffNote = "port scan is off; set AGENT_PORT_SCAN=true to include it";
// The note added when the scan is on but has not completed once yet.
inline constexpr std::string_view kPortScanPendingNote = "port scan is on but its first pass has not finished yet";

class QueryMetricsTool final : public mcp::Tool {
 public:
  explicit QueryMetricsTool(QueryMetricsOptions options);

  std::string_view name() const override { return "query_metrics"; }
  std::string_view title() const override { return "Query node metrics"; }
  std::string_view description() const override;
  const json::Value& input_schema() const override { return input_schema_; }
  const json::Value& output_schema() const override { return output_schema_; }
  mcp::ToolAnnotations annotations() const override;

  // Always succeeds: unreadable fields are null and explained in "notes".
  mcp::ToolResult call(const json::Value& arguments, const mcp::CallContext& context) override;

 private:
  QueryMetricsOptions options_;
  json::Value input_schema_;
  json::Value output_schema_;
};

// The port_scan object of the result (also useful to other reporters).
json::Value port_scan_to_json(const host::PortScanSnapshot& snapshot);

}  // namespace sigma::tools
