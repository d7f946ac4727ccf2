// The port-scan families of SPEC §8, rendered from one PortScanSnapshot.
//
// Owns: the names, HELP texts and label sets of sigma_ports_total,
// sigma_ports_available, sigma_ports_in_use, sigma_ports_used{source},
// sigma_ports_other_detail{process} and sigma_port_scan_duration_seconds,
// every series labelled hostname="...". sigma_ports_total is a gauge whose
// name ends in _total: the reference agent's name, kept so existing
// dashboards work (promtool's lint flags it; that finding is accepted).
// Must not: scan, do I/O, or export more detail series than the snapshot's
// bound (host/port_scan.h: kMaxOtherDetailProcesses + the overflow series).
// Threading: pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "host/port_scan.h"

namespace sigma::metrics {

// The families above, each with HELP and TYPE; all seven sources always,
// the detail's named processes plus process="_other" always.
std::string render_port_scan(const host::PortScanSnapshot& snapshot, std::string_view hostname);

}  // namespace sigma::metrics
