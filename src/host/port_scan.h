// PortScanSnapshot: the result of one scan of AGENT_PORT_SCAN_RANGE.
//
// Owns: the plain shape shared by the scanner (which fills it), the
// query_metrics tool and the Prometheus exposition (which read it). The
// scanner itself lives elsewhere; this header has no behaviour.
// Threading: a plain value; copy it out from under the scanner's lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sigma::host {

// Which process holds an in-use port. The order is the order of reports.
enum class PortSource { kEnvoy, kSshd, kNginx, kNodeExporter, kXray, kOther, kUnknown };
inline constexpr size_t kPortSourceCount = 7;

// "envoy", "sshd", "nginx", "node_exporter", "xray", "other", "unknown".
constexpr std::string_view port_source_name(PortSource source) {
  switch (source) {
    case PortSource::kEnvoy:
      return "envoy";
    case PortSource::kSshd:
      return "sshd";
    case PortSource::kNginx:
      return "nginx";
    case PortSource::kNodeExporter:
      return "node_exporter";
    case PortSource::kXray:
      return "xray";
    case PortSource::kOther:
      return "other";
    case PortSource::kUnknown:
      return "unknown";
  }
  return "unknown";
}

struct PortScanSnapshot {
  uint64_t total = 0;      // ports in the range
  uint64_t available = 0;  // ports a bind test found free
  uint64_t in_use = 0;     // total - available
  // Indexed by static_cast<size_t>(PortSource); every source is always present.
  std::array<uint64_t, kPortSourceCount> in_use_by_source{};
  double scan_duration_seconds = 0;

  uint64_t used_by(PortSource source) const { return in_use_by_source[static_cast<size_t>(source)]; }
};

}  // namespace sigma::host
