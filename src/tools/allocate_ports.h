// allocate_ports: free ports of AGENT_PORT_SCAN_RANGE, verified by bind tests.
//
// Owns: the tool's schemas and LLM-facing description, reading its
// arguments, and turning host::PortAllocator's answer into the result or a
// one-sentence failure.
// Must not: hold the ports open or keep its own reservation state (the
// allocator owns reservations, shared with the metrics endpoint).
// Threading: call() is safe to run concurrently; the allocator is.
#pragma once

#include <string>
#include <string_view>

#include "host/port_allocator.h"
#include "json/value.h"
#include "mcp/tool.h"

namespace sigma::tools {

// The failure when no allocator is configured.
inline constexpr std::string_view kPortAllocationOffText =
    "port allocation is off because port scanning is off; set AGENT_PORT_SCAN=true (ports come from "
    "AGENT_PORT_SCAN_RANGE) to enable it";

class AllocatePortsTool final : public mcp::Tool {
 public:
  // `allocator` is nullptr when AGENT_PORT_SCAN is off: every call then
  // fails with kPortAllocationOffText. When set it must outlive the tool.
  explicit AllocatePortsTool(host::PortAllocator* allocator);

  std::string_view name() const override { return "allocate_ports"; }
  std::string_view title() const override { return "Allocate free ports"; }
  std::string_view description() const override { return description_; }
  const json::Value& input_schema() const override { return input_schema_; }
  const json::Value& output_schema() const override { return output_schema_; }
  mcp::ToolAnnotations annotations() const override;

  // Success: {"ports":[...],"protocol":"tcp","reserved_for_seconds":N,
  // "range":{"start":S,"end":E}}. Failure: the allocator's sentence (too few
  // free ports names AGENT_PORT_SCAN_RANGE), or kPortAllocationOffText.
  // REQUIRES: `arguments` validated against input_schema(); a missing
  // "protocol" means tcp.
  mcp::ToolResult call(const json::Value& arguments, const mcp::CallContext& context) override;

 private:
  host::PortAllocator* allocator_;
  std::string description_;
  json::Value input_schema_;
  json::Value output_schema_;
};

}  // namespace sigma::tools
