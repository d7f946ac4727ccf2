#include "tools/query_metrics.h"

#include <utility>

#include "host/procfs.h"
#include "host/system_info.h"
#include "tools/json_literal.h"

namespace sigma::tools {
namespace {

constexpr std::string_view kDescription =
    "Returns a snapshot of this node's capacity and health: hostname, agent version, CPU core count, "
    "total and available RAM (MiB), disk size and usage of the agent's disk path (GiB, one decimal), "
    "uptime (seconds), and the 1/5/15-minute load averages. When port scanning is on (AGENT_PORT_SCAN) it "
    "also returns the last scan of AGENT_PORT_SCAN_RANGE: total, available and in-use ports, in-use ports "
    "by owning process (envoy, sshd, nginx, node_exporter, xray, other, unknown), the \"other\" ports by "
    "process name (the 20 busiest names, the rest summed as \"_other\") and the scan duration. "
    "A value that could not be read is null and the reason is listed in `notes`. Use it before placing a "
    "workload or allocating ports on this node to check capacity, or to diagnose a slow or full node. "
    "Read-only and cheap (a few /proc reads and one statvfs); safe to call as often as needed.";

constexpr std::string_view kInputSchema = R"({"type":"object","properties":{},"additionalProperties":false})";

// Every key is always present; unknown values are null rather than absent so
// a client can tell "unreadable" from "not reported by this version".
constexpr std::string_view kOutputSchema = R"({
  "type": "object",
  "properties": {
    "hostname": {"type": ["string", "null"], "description": "Node hostname (AGENT_HOSTNAME when set)."},
    "agent_version": {"type": "string"},
    "cpu_cores": {"type": ["integer", "null"], "minimum": 1, "description": "Online CPUs."},
    "ram_mb": {"type": ["integer", "null"], "minimum": 0, "description": "Total RAM, MiB."},
    "ram_available_mb": {"type": ["integer", "null"], "minimum": 0,
                         "description": "RAM available for new work without swapping (MemAvailable), MiB."},
    "disk_total_gb": {"type": ["number", "null"], "minimum": 0, "description": "Filesystem size, GiB."},
    "disk_used_gb": {"type": ["number", "null"], "minimum": 0, "description": "Filesystem space used, GiB."},
    "uptime_seconds": {"type": ["integer", "null"], "minimum": 0},
    "load_avg": {"type": ["array", "null"], "items": {"type": "number", "minimum": 0},
                 "minItems": 3, "maxItems": 3, "description": "Load averages over 1, 5 and 15 minutes."},
    "public_ip": {"type": ["string", "null"], "description": "Public IP address when known, else null."},
    "port_scan": {
      "type": ["object", "null"],
      "description": "Last scan of AGENT_PORT_SCAN_RANGE; null when the scan is off or has not run yet.",
      "properties": {
        "total": {"type": "integer", "minimum": 0},
        "available": {"type": "integer", "minimum": 0},
        "in_use": {"type": "integer", "minimum": 0},
        "by_source": {
          "type": "object",
          "properties": {
            "envoy": {"type": "integer", "minimum": 0},
            "sshd": {"type": "integer", "minimum": 0},
            "nginx": {"type": "integer", "minimum": 0},
            "node_exporter": {"type": "integer", "minimum": 0},
            "xray": {"type": "integer", "minimum": 0},
            "other": {"type": "integer", "minimum": 0},
            "unknown": {"type": "integer", "minimum": 0}
          },
          "required": ["envoy", "sshd", "nginx", "node_exporter", "xray", "other", "unknown"],
          "additionalProperties": false
        },
        "other_detail": {
          "type": "array",
          "maxItems": 21,
          "description": "In-use ports of source other by process name, busiest first; the ports of names beyond the 20 busiest are summed in a last entry named _other.",
          "items": {
            "type": "object",
            "properties": {"process": {"type": "string"}, "ports": {"type": "integer", "minimum": 1}},
            "required": ["process", "ports"],
            "additionalProperties": false
          }
        },
        "scan_duration_seconds": {"type": "number", "minimum": 0}
      },
      "required": ["total", "available", "in_use", "by_source", "other_detail", "scan_duration_seconds"],
      "additionalProperties": false
    },
    "notes": {"type": "array", "items": {"type": "string"},
              "description": "Why any null field could not be read."}
  },
  "required": ["hostname", "agent_version", "cpu_cores", "ram_mb", "ram_available_mb", "disk_total_gb",
               "disk_used_gb", "uptime_seconds", "load_avg", "public_ip", "port_scan", "notes"],
  "additionalProperties": false
})";

template <typename T>
json::Value or_null(const std::optional<T>& value) {
  return value ? json::Value(*value) : json::Value();
}

}  // namespace

QueryMetricsTool::QueryMetricsTool(QueryMetricsOptions options)
    : options_(std::move(options)),
      input_schema_(json_literal(kInputSchema)),
      output_schema_(json_literal(kOutputSchema)) {}

std::string_view QueryMetricsTool::description() const { return kDescription; }

mcp::ToolAnnotations QueryMetricsTool::annotations() const {
  mcp::ToolAnnotations a;
  a.read_only = true;
  a.destructive = false;
  a.idempotent = true;
  a.open_world = false;
  return a;
}

json::Value port_scan_to_json(const host::PortScanSnapshot& snapshot) {
  json::Value by_source = json::Value::object();
  for (size_t i = 0; i < host::kPortSourceCount; ++i) {
    const auto source = static_cast<host::PortSource>(i);
    by_source.set(std::string(host::port_source_name(source)), json::Value(snapshot.used_by(source)));
  }
  json::Value detail = json::Value::array();
  auto entry = [](std::string_view process, uint64_t ports) {
    json::Value e = json::Value::object();
    e.set("process", json::Value(std::string(process))).set("ports", json::Value(ports));
    return e;
  };
  for (const host::ProcessPorts& p : snapshot.other_detail) {
    detail.push(entry(p.process, p.ports));
  }
  if (snapshot.other_detail_overflow > 0) {
    detail.push(entry(host::kOtherDetailOverflow, snapshot.other_detail_overflow));
  }
  json::Value scan = json::Value::object();
  scan.set("total", json::Value(snapshot.total))
      .set("available", json::Value(snapshot.available))
      .set("in_use", json::Value(snapshot.in_use))
      .set("by_source", std::move(by_source))
      .set("other_detail", std::move(detail))
      .set("scan_duration_seconds", json::Value(snapshot.scan_duration_seconds));
  return scan;
}

mcp::ToolResult QueryMetricsTool::call(const json::Value& /*arguments*/, const mcp::CallContext& /*context*/) {
  host::HostSnapshot node = host::collect(*options_.host, options_.disk_path, options_.hostname_override);

  json::Value port_scan;  // null
  if (!options_.port_scan_enabled) {
    node.notes.emplace_back(kPortScanOffNote);
  } else {
    std::optional<host::PortScanSnapshot> snapshot;
    if (options_.port_scan_snapshot) {
      snapshot = options_.port_scan_snapshot();
    }
    if (snapshot) {
      port_scan = port_scan_to_json(*snapshot);
      for (const std::string& note : snapshot->notes) {
        node.notes.push_back("port scan: " + note);
      }
    } else {
      node.notes.emplace_back(kPortScanPendingNote);
    }
  }

  // The first public address on an interface (host/interfaces.h); null
  // behind NAT, where the node cannot see its public address and no guess
  // is made.
  std::optional<std::string> public_ip;
  if (Result<std::vector<host::InterfaceAddress>> addresses = options_.host->interface_addresses(); addresses) {
    public_ip = host::first_public_address(host::label_addresses(*addresses));
  } else {
    node.notes.push_back(addresses.error());
  }

  json::Value load_avg;
  if (node.load_avg) {
    load_avg = json::Value::array();
    load_avg.push(json::Value(node.load_avg->one_min))
        .push(json::Value(node.load_avg->five_min))
        .push(json::Value(node.load_avg->fifteen_min));
  }

  json::Value notes = json::Value::array();
  for (std::string& note : node.notes) {
    notes.push(json::Value(std::move(note)));
  }

  json::Value result = json::Value::object();
  result.set("hostname", or_null(node.hostname))
      .set("agent_version", json::Value(options_.agent_version))
      .set("cpu_cores", or_null(node.cpu_cores))
      .set("ram_mb", or_null(node.ram_total_mb))
      .set("ram_available_mb", or_null(node.ram_available_mb))
      .set("disk_total_gb", node.disk ? json::Value(node.disk->total_gb) : json::Value())
      .set("disk_used_gb", node.disk ? json::Value(node.disk->used_gb) : json::Value())
      .set("uptime_seconds", or_null(node.uptime_seconds))
      .set("load_avg", std::move(load_avg))
      .set("public_ip", public_ip ? json::Value(*public_ip) : json::Value())
      .set("port_scan", std::move(port_scan))
      .set("notes", std::move(notes));
  return mcp::ToolResult::success(std::move(result));
}

}  // namespace sigma::tools
