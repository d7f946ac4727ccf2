#include "app/tool_set.h"

#include "tools/builtin.h"

namespace sigma::app {
namespace {

tools::ToolDependencies tool_dependencies(const config::Config& config, const host::HostOps& host,
                                          host::PortAllocator& allocator, const control::Directory* control_plane) {
  tools::ToolDependencies deps;
  deps.host = &host;
  deps.metrics.hostname_override = config.hostname.value_or("");
  deps.metrics.agent_version = SIGMA_VERSION;
  deps.metrics.port_scan_enabled = config.port_scan;
  // allocate_ports hands out ports from the scan range only when the operator
  // turned port management on (SPEC §6: a missing dependency is a tool error).
  deps.port_allocator = config.port_scan ? &allocator : nullptr;
  deps.control_plane = control_plane;
  return deps;
}

}  // namespace

ToolSet::ToolSet(const config::Config& config, const control::Directory* control_plane)
    : host_(config.host_proc),
      allocator_(config.port_scan_range.first, config.port_scan_range.last, config.port_reserve_s * 1000, {},
                 [this](uint16_t port, host::Protocol protocol) { return host_.is_port_free(port, protocol); }) {
  tools::register_builtin_tools(registry_, tool_dependencies(config, host_, allocator_, control_plane));
}

mcp::ServerInfo server_info() {
  mcp::ServerInfo info;
  info.name = "sigma-agent";
  info.version = SIGMA_VERSION;
  info.title = "sigma-agent";
  info.description = "Operational tools of one Linux fleet node";
  info.instructions =
      "Tools of one fleet node. query_metrics reports capacity (CPU, memory, disk, load); allocate_ports "
      "hands out TCP/UDP ports verified free on this node; query_envoy_routes lists the node's Envoy routes "
      "from the fleet's control plane.";
  return info;
}

}  // namespace sigma::app
