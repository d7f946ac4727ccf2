// The built-in tool set, registered in the order tools/list shows them.
//
// Owns: which tools exist and what each is given. main.cpp builds the
// dependencies from the configuration and calls register_builtin_tools once
// at startup.
// Must not: read the configuration or the environment itself.
// Threading: call at startup, before the registry is shared with workers.
#pragma once

#include "control/directory.h"
#include "host/ops.h"
#include "host/port_allocator.h"
#include "mcp/tool.h"
#include "tools/query_metrics.h"

namespace sigma::tools {

struct ToolDependencies {
  // Every read and bind test of the host; set into metrics.host as well.
  // REQUIRES: set, and it outlives the registry.
  const host::HostOps* host = nullptr;
  QueryMetricsOptions metrics;
  // nullptr when AGENT_PORT_SCAN is off: allocate_ports is still listed and
  // answers with a sentence naming the setting. Must outlive the registry.
  host::PortAllocator* port_allocator = nullptr;
  // nullptr when SIGMA_API_URL is unset: query_envoy_routes is still listed
  // and answers with a sentence naming the setting. Must outlive the registry.
  const control::Directory* control_plane = nullptr;
};

// Adds query_metrics, allocate_ports, then query_envoy_routes.
void register_builtin_tools(mcp::ToolRegistry& registry, const ToolDependencies& dependencies);

}  // namespace sigma::tools
