// The defaults of the MCP limits, stated once: the dispatcher uses them and
// config offers them as the defaults of their settings. Constants only: this
// header includes nothing of the project, so config may include it without
// depending on the dispatcher.
#pragma once

#include <cstddef>

namespace sigma::mcp {

// Messages one JSON-RPC batch may hold (AGENT_MCP_MAX_BATCH). One small body
// of 100 000 tiny requests would otherwise cost a hundred megabytes of
// answers; real clients batch a handful.
inline constexpr size_t kDefaultMaxBatchLength = 100;

}  // namespace sigma::mcp
