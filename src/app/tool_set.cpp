#include "app/tool_set.h"

#include "app/release_source.h"
#include "tools/builtin.h"

namespace sigma::app {
namespace {

tools::ToolDependencies tool_dependencies(const config::Config& config, const host::HostOps& host,
                                          host::PortScanner* scanner, host::PortAllocator* allocator,
                                          const tools::ReleaseSource* releases,
                                          const control::Directory* control_plane) {
  tools::ToolDependencies deps;
  deps.host = &host;
  deps.metrics.hostname_override = config.hostname.value_or("");
  deps.metrics.agent_version = SIGMA_VERSION;
  deps.metrics.port_scan_enabled = scanner != nullptr;
  if (scanner != nullptr) {
    const int64_t max_age_ms = config.port_scan_interval_s * 1000;
    deps.metrics.port_scan_snapshot = [scanner, max_age_ms] { return scanner->current(max_age_ms); };
  }
  // allocate_ports hands out ports from the scan range only when the operator
  // turned port management on (SPEC §6: a missing dependency is a tool error).
  deps.port_allocator = allocator;
  deps.control_plane = control_plane;
  deps.update.source = releases;
  deps.update.current_version = SIGMA_VERSION;
  deps.update.cache_ttl_s = config.update_check_ttl_s;
  return deps;
}

std::unique_ptr<tools::ReleaseSource> release_source(const config::Config& config,
                                                     const auth::SecretSource& api_key) {
  std::optional<config::UpdateManifestUrl> manifest = config::update_manifest_url(config);
  if (!manifest) {
    return nullptr;
  }
  return std::make_unique<HttpReleaseSource>(std::move(*manifest), &api_key);
}

}  // namespace

ToolSet::ToolSet(const config::Config& config, const auth::SecretSource& api_key,
                 const control::Directory* control_plane, std::unique_ptr<host::HostOps> host)
    : host_(host ? std::move(host) : std::make_unique<host::LocalHostOps>(config.host_proc)),
      release_source_(release_source(config, api_key)) {
  if (config.port_scan) {
    scanner_ = std::make_unique<host::PortScanner>(*host_, config.port_scan_range.first, config.port_scan_range.last);
    allocator_ = std::make_unique<host::PortAllocator>(
        config.port_scan_range.first, config.port_scan_range.last, config.port_reserve_s * 1000,
        host::PortAllocator::Clock{},
        [this](uint16_t port, host::Protocol protocol) { return host_->is_port_free(port, protocol); });
  }
  tools::register_builtin_tools(registry_, tool_dependencies(config, *host_, scanner_.get(), allocator_.get(),
                                                             release_source_.get(), control_plane));
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
      "from the fleet's control plane; agent_check_update says whether a newer agent is released and the "
      "command an operator runs to install it; query_traffic ranks the node's TCP connections by bytes moved, "
      "with their owning processes.";
  return info;
}

}  // namespace sigma::app
