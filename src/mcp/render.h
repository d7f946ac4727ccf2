// MCP result objects rendered for one negotiated revision.
//
// Owns: which fields each revision's InitializeResult, Tool and CallToolResult
// carry (checklist 1.2, 3.1, 3.3: emit only the fields that exist in the
// client's revision, because strict validators reject unknown ones). Every
// function takes the revision the request was negotiated at.
// Must not: know about transports or the JSON-RPC envelope.
// Threading: pure functions.
#pragma once

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

// InitializeResult: protocolVersion, capabilities {"tools":{}}, serverInfo,
// instructions. No listChanged: a JSON-only stateless server cannot deliver
// notifications/tools/list_changed (checklist 4.2).
json::Value render_initialize_result(const ServerInfo& info, Revision revision);

// One Tool object for tools/list.
json::Value render_tool(const Tool& tool, Revision revision);

// ListToolsResult with every registered tool, in registry order, no nextCursor.
json::Value render_tools_list(const ToolRegistry& tools, Revision revision);

// CallToolResult. Success: the structured value as compact JSON text content,
// plus structuredContent (an object) where the revision has it. Failure:
// error_text as text content and isError true.
json::Value render_call_result(const ToolResult& result, Revision revision);

// CallToolResult for a tool error the dispatcher itself detected (invalid
// arguments from 2025-11-25, a tool that threw).
json::Value render_tool_error(std::string_view text);

}  // namespace sigma::mcp
