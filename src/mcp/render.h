// MCP result objects rendered for one negotiated revision.
//
// Owns: which fields each revision's InitializeResult, Tool and CallToolResult
// carry (checklist 1.2, 3.1, 3.3: emit only the fields that exist in the
// client's revision, because strict validators reject unknown ones). Every
// function takes the revision the request was negotiated at.
// Must not: know about transports or the JSON-RPC envelope.
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "json/value.h"
#include "mcp/protocol.h"
#include "mcp/tool.h"

namespace sigma::mcp {

struct ServerInfo {
  std::string name = "sigma-agent";
  std::string version;
  std::string title;         // sent from 2025-06-18 when not empty
  std::string description;   // sent from 2025-11-25 when not empty
  std::string instructions;  // InitializeResult.instructions when not empty
};

// Caching hints of server/discover and tools/list (2026-07-28
// server/utilities/caching.mdx). Both answers are fixed for the life of the
// process: the registry is complete before the dispatcher exists, and
// nothing reloads it; only a restart (an upgrade, a changed setting such as
// AGENT_PORT_SCAN) can change them. A client cannot see a restart, so the
// hint bounds how long it keeps a list from before one: an hour, the same
// order as a planned restart's notice, and one tools/list an hour per client
// costs nothing. "public": the answer is the same for every caller (a token
// decides only whether a request is served at all, never what it lists).
inline constexpr int64_t kListTtlMs = 3600 * 1000;
inline constexpr std::string_view kListCacheScope = "public";

// InitializeResult: protocolVersion, capabilities {"tools":{}}, serverInfo,
// instructions. No listChanged: a JSON-only stateless server cannot deliver
// notifications/tools/list_changed (checklist 4.2).
json::Value render_initialize_result(const ServerInfo& info, Revision revision);

// One Tool object for tools/list.
json::Value render_tool(const Tool& tool, Revision revision);

// ListToolsResult with every registered tool, in registry order, no nextCursor;
// in the stateless era also ttlMs and cacheScope (the schema requires both),
// but not resultType and _meta (stamp_stateless_result adds those).
json::Value render_tools_list(const ToolRegistry& tools, Revision revision);

// The result _meta of the stateless era: {"io.modelcontextprotocol/serverInfo":
// Implementation} (2026-07-28 basic/index.mdx: SHOULD be on every result).
json::Value render_result_meta(const ServerInfo& info);

// Adds resultType "complete" (MUST on every 2026-07-28 result) and `meta` as
// _meta to `result`, an object.
void stamp_stateless_result(json::Value& result, const json::Value& meta);

// DiscoverResult without resultType and _meta: supportedVersions (the
// stateless revisions, the ones a request's _meta may name), capabilities
// {"tools":{}}, ttlMs, cacheScope, instructions when not empty.
json::Value render_discover_result(const ServerInfo& info);

// CallToolResult. Success: the structured value as compact JSON text content,
// plus structuredContent where the revision has it (an object only before
// 2026-07-28, any value from it). Failure:
// error_text as text content and isError true.
json::Value render_call_result(const ToolResult& result, Revision revision);

// CallToolResult for a tool error the dispatcher itself detected (invalid
// arguments from 2025-11-25, a tool that threw).
json::Value render_tool_error(std::string_view text);

}  // namespace sigma::mcp
