// PortScanSnapshot: the result of one scan of AGENT_PORT_SCAN_RANGE.
//
// Owns: the plain shape shared by the scanner (host/port_scanner.h, which
// fills it), the query_metrics tool and the Prometheus exposition (which read
// it), and the bound on its per-process detail. This header has no behaviour.
// Threading: a plain value; copy it out from under the scanner's lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// The "other" ports of one process name (its comm, at most 15 bytes).
struct ProcessPorts {
  std::string process;
  uint64_t ports = 0;
};

// The detail of "other" ports keeps the busiest kMaxOtherDetailProcesses
// names; the ports of every further name are summed under
// kOtherDetailOverflow, so a host with thousands of distinct process names
// still exports at most kMaxOtherDetailProcesses + 1 series.
inline constexpr size_t kMaxOtherDetailProcesses = 20;
inline constexpr std::string_view kOtherDetailOverflow = "_other";

struct PortScanSnapshot {
  uint64_t total = 0;      // ports in the range
  uint64_t available = 0;  // ports in the range no listening TCP or bound UDP socket holds
  uint64_t in_use = 0;     // total - available
  // Indexed by static_cast<size_t>(PortSource); every source is always
  // present and the counts add up to in_use.
  std::array<uint64_t, kPortSourceCount> in_use_by_source{};
  // The "other" ports by process name: busiest first (ties by name), at most
  // kMaxOtherDetailProcesses entries, never one named kOtherDetailOverflow.
  std::vector<ProcessPorts> other_detail;
  // Ports of "other" processes beyond other_detail (and of a process that
  // is itself named "_other").
  uint64_t other_detail_overflow = 0;
  double scan_duration_seconds = 0;
  // What limited this pass, for the operator ("12 processes' descriptors could
  // not be read ..."); empty when the pass saw everything.
  std::vector<std::string> notes;

  uint64_t used_by(PortSource source) const { return in_use_by_source[static_cast<size_t>(source)]; }
};

}  // namespace sigma::host
