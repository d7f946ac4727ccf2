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
#include "tools/agent_check_update.h"
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
  // agent_check_update; `host` is set from above. update.source is nullptr
  // when no manifest URL is configured: the tool is still listed and
  // answers with a sentence naming the settings.
  AgentCheckUpdateOptions update;
};

// Adds query_metrics, allocate_ports, query_envoy_routes, agent_check_update,
// then query_traffic (SPEC §6 order).
void register_builtin_tools(mcp::ToolRegistry& registry, const ToolDependencies& dependencies);

}  // namespace sigma::tools
