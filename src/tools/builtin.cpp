#include "tools/builtin.h"

#include <memory>

#include "tools/allocate_ports.h"

namespace sigma::tools {

void register_builtin_tools(mcp::ToolRegistry& registry, const ToolDependencies& dependencies) {
  registry.add(std::make_unique<QueryMetricsTool>(dependencies.metrics));
  registry.add(std::make_unique<AllocatePortsTool>(dependencies.port_allocator));
}

}  // namespace sigma::tools
