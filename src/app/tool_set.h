// The agent's tools, built once from the configuration and served by both
// transports (the HTTP daemon and `--stdio`).
//
// Owns: the host seam the tools use (in-process today; a privileged helper
// later), the port allocator behind allocate_ports and the tool registry.
// Must not: know a transport or a listener.
// Threading: built on the main thread before any worker starts; afterwards the
// registry is read-only and the allocator locks itself.
#pragma once

#include "config/config.h"
#include "control/directory.h"
#include "host/ops.h"
#include "host/port_allocator.h"
#include "mcp/dispatcher.h"
#include "mcp/tool.h"

namespace sigma::app {

class ToolSet final {
 public:
  // `control_plane`: the Directory query_envoy_routes asks, nullptr when
  // standalone (app/control_plane.h). REQUIRES: it outlives the tool set.
  ToolSet(const config::Config& config, const control::Directory* control_plane);
  ToolSet(const ToolSet&) = delete;
  ToolSet& operator=(const ToolSet&) = delete;

  const mcp::ToolRegistry& registry() const { return registry_; }

 private:
  host::LocalHostOps host_;
  host::PortAllocator allocator_;
  mcp::ToolRegistry registry_;
};

// What initialize tells clients about this server.
mcp::ServerInfo server_info();

}  // namespace sigma::app
