#include "tools/builtin.h"

#include <memory>
#include <utility>

#include "tools/allocate_ports.h"
#include "tools/query_envoy_routes.h"
#include "tools/query_traffic.h"

namespace sigma::tools {

void register_builtin_tools(mcp::ToolRegistry& registry, const ToolDependencies& dependencies) {
  QueryMetricsOptions metrics = dependencies.metrics;
  metrics.host = dependencies.host;
  registry.add(std::make_unique<QueryMetricsTool>(std::move(metrics)));
  registry.add(std::make_unique<AllocatePortsTool>(dependencies.port_allocator));
  registry.add(std::make_unique<QueryEnvoyRoutesTool>(dependencies.control_plane));
  AgentCheckUpdateOptions update = dependencies.update;
  update.host = dependencies.host;
  registry.add(std::make_unique<AgentCheckUpdateTool>(std::move(update)));
  registry.add(std::make_unique<QueryTrafficTool>(dependencies.host));
}

}  // namespace sigma::tools
