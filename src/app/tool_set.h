// The agent's tools, built once from the configuration and served by both
// transports (the HTTP daemon and `--stdio`).
//
// Owns: the host seam the tools use (in-process today; a privileged helper
// later), the port scanner and the port allocator (both only with
// AGENT_PORT_SCAN=true), and the tool registry. The allocator is the one
// reservation table of the agent: allocate_ports and POST /ports/allocate
// both take from it, so they never hand out the same port.
// Must not: know a transport or a listener.
// Threading: built on the main thread before any worker starts; afterwards the
// registry is read-only and the allocator locks itself.
#pragma once

#include <memory>

#include "config/config.h"
#include "host/ops.h"
#include "host/port_allocator.h"
#include "host/port_scanner.h"
#include "mcp/dispatcher.h"
#include "mcp/tool.h"

namespace sigma::app {

class ToolSet final {
 public:
  explicit ToolSet(const config::Config& config);
  ToolSet(const ToolSet&) = delete;
  ToolSet& operator=(const ToolSet&) = delete;

  const mcp::ToolRegistry& registry() const { return registry_; }
  const host::HostOps& host() const { return host_; }
  // nullptr when AGENT_PORT_SCAN is off. Both lock themselves, so the
  // daemon's services and endpoints may use them from any thread.
  host::PortScanner* port_scanner() const { return scanner_.get(); }
  host::PortAllocator* port_allocator() const { return allocator_.get(); }

 private:
  host::LocalHostOps host_;
  std::unique_ptr<host::PortScanner> scanner_;
  std::unique_ptr<host::PortAllocator> allocator_;
  mcp::ToolRegistry registry_;
};

// What initialize tells clients about this server.
mcp::ServerInfo server_info();

}  // namespace sigma::app
