#include "tools/allocate_ports.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tools/json_literal.h"

namespace sigma::tools {
namespace {

constexpr int64_t kMaxCount = 1000;  // the inputSchema's maximum

constexpr std::string_view kInputSchema = R"({
  "type": "object",
  "properties": {
    "count": {"type": "integer", "minimum": 1, "maximum": 1000,
              "description": "How many ports to allocate (1-1000)."},
    "protocol": {"type": "string", "enum": ["tcp", "udp"], "default": "tcp",
                 "description": "Which port space to test and reserve: tcp (default) or udp."}
  },
  "required": ["count"],
  "additionalProperties": false
})";

constexpr std::string_view kOutputSchema = R"({
  "type": "object",
  "properties": {
    "ports": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535},
              "minItems": 1, "maxItems": 1000, "description": "The allocated ports, ascending."},
    "protocol": {"type": "string", "enum": ["tcp", "udp"]},
    "reserved_for_seconds": {"type": "integer", "minimum": 0,
                             "description": "How long other callers of this tool will not be given these ports."},
    "range": {
      "type": "object",
      "properties": {"start": {"type": "integer", "minimum": 1, "maximum": 65535},
                     "end": {"type": "integer", "minimum": 1, "maximum": 65535}},
      "required": ["start", "end"],
      "additionalProperties": false,
      "description": "AGENT_PORT_SCAN_RANGE, inclusive."
    }
  },
  "required": ["ports", "protocol", "reserved_for_seconds", "range"],
  "additionalProperties": false
})";

std::string make_description(const host::PortAllocator* allocator) {
  std::string reserved = "for a short time";
  std::string range = "AGENT_PORT_SCAN_RANGE";
  if (allocator != nullptr) {
    reserved = "for " + std::to_string(allocator->reserve_ms() / 1000) + " seconds";
    range += " (" + std::to_string(allocator->range_start()) + "-" + std::to_string(allocator->range_end()) + ")";
  }
  return "Finds `count` ports on this node that are free right now, verified by real bind tests on IPv4 and "
         "IPv6 for the requested protocol (tcp by default), taken from " +
         range +
         ", and returns them in ascending order. The ports are reserved " + reserved +
         " against other callers of this tool, so two callers never receive the same port, but they are not "
         "held open: bind them promptly, because another process on the node could still take one. Use it "
         "when a new service, listener or route on this node needs ports. Fails with an explanation when "
         "fewer than `count` ports are free (widen AGENT_PORT_SCAN_RANGE or ask for fewer) or when port "
         "scanning (AGENT_PORT_SCAN) is off.";
}

}  // namespace

AllocatePortsTool::AllocatePortsTool(host::PortAllocator* allocator)
    : allocator_(allocator),
      description_(make_description(allocator)),
      input_schema_(json_literal(kInputSchema)),
      output_schema_(json_literal(kOutputSchema)) {}

mcp::ToolAnnotations AllocatePortsTool::annotations() const {
  mcp::ToolAnnotations a;
  a.read_only = false;  // it reserves ports against other callers
  a.destructive = false;
  a.idempotent = false;  // each call hands out different ports
  a.open_world = false;
  return a;
}

mcp::ToolResult AllocatePortsTool::call(const json::Value& arguments, const mcp::CallContext& context) {
  if (allocator_ == nullptr) {
    return mcp::ToolResult::failure(std::string(kPortAllocationOffText));
  }
  // The dispatcher validated the arguments; these checks only keep a direct
  // caller (`sigma-agent call`, tests) from reaching the allocator with junk.
  const json::Value* count_value = arguments.find("count");
  const std::optional<int64_t> count = count_value != nullptr ? count_value->as_int() : std::nullopt;
  if (!count || *count < 1 || *count > kMaxCount) {
    return mcp::ToolResult::failure("count must be an integer from 1 to 1000");
  }
  host::Protocol protocol = host::Protocol::kTcp;
  if (const json::Value* protocol_value = arguments.find("protocol"); protocol_value != nullptr) {
    const std::optional<host::Protocol> parsed =
        protocol_value->is_string() ? host::parse_protocol(protocol_value->as_string()) : std::nullopt;
    if (!parsed) {
      return mcp::ToolResult::failure("protocol must be \"tcp\" or \"udp\"");
    }
    protocol = *parsed;
  }

  // Progress as the bind tests find ports: every port up to 100, then every
  // hundredth of the count, so a call for 1000 sends 100 events, not 1000.
  const size_t step = *count > 100 ? static_cast<size_t>(*count) / 100 : 1;
  Result<std::vector<uint16_t>> ports = allocator_->allocate(
      static_cast<size_t>(*count), protocol, [&context] { return context.should_stop(); },
      [&context, step](size_t found, size_t total) {
        if (found % step == 0 || found == total) {
          context.report_progress(static_cast<double>(found), static_cast<double>(total), "free ports found");
        }
      });
  if (!ports) {
    return mcp::ToolResult::failure(ports.error());
  }
  // Cancelled after the last bind test: nobody will receive these ports, so
  // they go back now instead of staying reserved for the whole hold time.
  if (Status stop = context.should_stop(); !stop) {
    allocator_->release(*ports, protocol);
    return mcp::ToolResult::failure(stop.message());
  }
  json::Value list = json::Value::array();
  for (const uint16_t port : *ports) {
    list.push(json::Value(static_cast<unsigned>(port)));
  }
  json::Value range = json::Value::object();
  range.set("start", json::Value(static_cast<unsigned>(allocator_->range_start())))
      .set("end", json::Value(static_cast<unsigned>(allocator_->range_end())));
  json::Value result = json::Value::object();
  result.set("ports", std::move(list))
      .set("protocol", json::Value(host::protocol_name(protocol)))
      .set("reserved_for_seconds", json::Value(allocator_->reserve_ms() / 1000))
      .set("range", std::move(range));
  return mcp::ToolResult::success(std::move(result));
}

}  // namespace sigma::tools
