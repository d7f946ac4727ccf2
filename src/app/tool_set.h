// The agent's tools, built once from the configuration and served by both
// transports (the HTTP daemon and `--stdio`).
//
// Owns: the host seam the tools use (in-process, or forwarding to the
// privileged helper), the port scanner and the port allocator (both only with
// AGENT_PORT_SCAN=true), the release source behind agent_check_update, and
// the tool registry. The allocator is the one reservation table of the
// agent: allocate_ports and POST /ports/allocate both take from it, so they
// never hand out the same port.
// Must not: know a transport or a listener.
// Threading: built on the main thread before any worker starts; afterwards the
// registry is read-only and the allocator locks itself.
#pragma once

#include <memory>

#include "auth/secret_source.h"
#include "config/config.h"
#include "control/directory.h"
#include "host/ops.h"
#include "host/port_allocator.h"
#include "host/port_scanner.h"
#include "mcp/dispatcher.h"
#include "mcp/tool.h"
#include "tools/release_source.h"

namespace sigma::app {

class ToolSet final {
 public:
  // `api_key` (SIGMA_API_KEY / SIGMA_API_KEY_FILE) is read at each manifest
  // request, so it may be loaded after construction. `control_plane`: the
  // Directory query_envoy_routes asks, nullptr when standalone
  // (app/control_plane.h). REQUIRES: both outlive the tool set.
  // `host`: the seam the tools use; nullptr makes an in-process one
  // (LocalHostOps over AGENT_HOST_PROC). The daemon passes the helper-backed
  // one when it split its privileges (main.cpp).
  ToolSet(const config::Config& config, const auth::SecretSource& api_key, const control::Directory* control_plane,
          std::unique_ptr<host::HostOps> host = nullptr);
  ToolSet(const ToolSet&) = delete;
  ToolSet& operator=(const ToolSet&) = delete;

  const mcp::ToolRegistry& registry() const { return registry_; }
  const host::HostOps& host() const { return *host_; }
  // nullptr when AGENT_PORT_SCAN is off. Both lock themselves, so the
  // daemon's services and endpoints may use them from any thread.
  host::PortScanner* port_scanner() const { return scanner_.get(); }
  host::PortAllocator* port_allocator() const { return allocator_.get(); }

 private:
  std::unique_ptr<host::HostOps> host_;
  std::unique_ptr<host::PortScanner> scanner_;
  std::unique_ptr<host::PortAllocator> allocator_;
  std::unique_ptr<tools::ReleaseSource> release_source_;  // nullptr: no manifest URL configured
  mcp::ToolRegistry registry_;
};

// What initialize tells clients about this server.
mcp::ServerInfo server_info();

}  // namespace sigma::app
