// query_traffic: which processes move TCP traffic on this node, from the
// kernel's own per-socket counters (NETLINK_SOCK_DIAG + struct tcp_info),
// without eBPF or privileges beyond reading /proc.
//
// Owns: the tool's arguments, one or two sock_diag snapshots (TCP with
// tcp_info, UDP counted only), the rates between them matched by socket
// cookie, attribution through host::find_socket_owners, the top-talker
// ordering, the per-process totals and the result's bounds.
// Must not: read /proc or open sockets except through HostOps; sleep past
// a stop request (the interval is slept in short steps).
// Threading: immutable after construction; call() is safe concurrently.
#pragma once

#include <cstdint>
#include <string_view>

#include "host/ops.h"
#include "json/value.h"
#include "mcp/tool.h"

namespace sigma::tools {

inline constexpr int64_t kTrafficDefaultLimit = 50;
inline constexpr int64_t kTrafficMaxLimit = 1000;
inline constexpr int64_t kTrafficMaxIntervalMs = 10000;
// How often the interval's sleep asks whether to stop.
inline constexpr int64_t kTrafficSleepStepMs = 50;

class QueryTrafficTool final : public mcp::Tool {
 public:
  // REQUIRES: host outlives the tool.
  explicit QueryTrafficTool(const host::HostOps* host);

  std::string_view name() const override { return "query_traffic"; }
  std::string_view title() const override { return "Query per-connection traffic"; }
  std::string_view description() const override;
  const json::Value& input_schema() const override { return input_schema_; }
  const json::Value& output_schema() const override { return output_schema_; }
  mcp::ToolAnnotations annotations() const override;

  mcp::ToolResult call(const json::Value& arguments, const mcp::CallContext& context) override;

 private:
  const host::HostOps* host_;
  json::Value input_schema_;
  json::Value output_schema_;
};

}  // namespace sigma::tools
