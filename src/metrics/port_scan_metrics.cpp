#include "metrics/port_scan_metrics.h"

#include "metrics/exposition.h"

namespace sigma::metrics {

std::string render_port_scan(const host::PortScanSnapshot& snapshot, std::string_view hostname) {
  const std::string host = label("hostname", hostname);
  std::string out;
  out.reserve(4096);

  append_family_header(out, "sigma_port_scan_duration_seconds", "Wall time of the last port-scan pass, seconds.",
                       "gauge");
  append_sample(out, "sigma_port_scan_duration_seconds", host, format_value(snapshot.scan_duration_seconds));

  append_family_header(out, "sigma_ports_available",
                       "Ports of AGENT_PORT_SCAN_RANGE that no listening TCP or bound UDP socket holds.", "gauge");
  append_sample(out, "sigma_ports_available", host, format_value(snapshot.available));

  append_family_header(out, "sigma_ports_in_use",
                       "Ports of AGENT_PORT_SCAN_RANGE held by a listening TCP or bound UDP socket.", "gauge");
  append_sample(out, "sigma_ports_in_use", host, format_value(snapshot.in_use));

  append_family_header(out, "sigma_ports_other_detail",
                       "In-use ports of source \"other\" by process name: the 20 busiest names, the rest summed "
                       "under process=\"_other\".",
                       "gauge");
  for (const host::ProcessPorts& p : snapshot.other_detail) {
    append_sample(out, "sigma_ports_other_detail", host + "," + label("process", p.process), format_value(p.ports));
  }
  append_sample(out, "sigma_ports_other_detail", host + "," + label("process", host::kOtherDetailOverflow),
         format_value(snapshot.other_detail_overflow));

  // A gauge despite the _total suffix: the reference agent's name, kept for
  // existing dashboards.
  append_family_header(out, "sigma_ports_total", "Ports in AGENT_PORT_SCAN_RANGE.", "gauge");
  append_sample(out, "sigma_ports_total", host, format_value(snapshot.total));

  append_family_header(out, "sigma_ports_used", "In-use ports of AGENT_PORT_SCAN_RANGE by owning process.",
                       "gauge");
  for (size_t i = 0; i < host::kPortSourceCount; ++i) {
    const auto source = static_cast<host::PortSource>(i);
    append_sample(out, "sigma_ports_used", host + "," + label("source", host::port_source_name(source)),
           format_value(snapshot.used_by(source)));
  }
  return out;
}

}  // namespace sigma::metrics
