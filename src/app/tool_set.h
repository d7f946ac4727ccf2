// The agent's tools, built once from the configuration and served by both
// transports (the HTTP daemon and `--stdio`).
//
// Owns: the host seam the tools use (in-process today; a privileged helper
// later), the port allocator behind allocate_ports, the release source behind
// agent_check_update and the tool registry.
// Must not: know a transport or a listener.
// Threading: built on the main thread before any worker starts; afterwards the
// registry is read-only and the allocator locks itself.
#pragma once

#include <memory>

#include "auth/secret_source.h"
#include "config/config.h"
#include "host/ops.h"
#include "host/port_allocator.h"
#include "mcp/dispatcher.h"
#include "mcp/tool.h"
#include "tools/release_source.h"

namespace sigma::app {

class ToolSet final {
 public:
  // `api_key` (SIGMA_API_KEY / SIGMA_API_KEY_FILE) is read at each manifest
  // request, so it may be loaded after construction; it must outlive this.
  ToolSet(const config::Config& config, const auth::SecretSource& api_key);
  ToolSet(const ToolSet&) = delete;
  ToolSet& operator=(const ToolSet&) = delete;

  const mcp::ToolRegistry& registry() const { return registry_; }

 private:
  host::LocalHostOps host_;
  host::PortAllocator allocator_;
  std::unique_ptr<tools::ReleaseSource> release_source_;  // nullptr: no manifest URL configured
  mcp::ToolRegistry registry_;
};

// What initialize tells clients about this server.
mcp::ServerInfo server_info();

}  // namespace sigma::app
