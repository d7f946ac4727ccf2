// `sigma-agent call TOOL [JSON-ARGS]`: one tool, run in this process, its
// result printed as JSON (SPEC §3).
//
// Owns: looking the tool up, reading the arguments (a JSON object; none
// means {}), validating them against the tool's inputSchema as tools/call
// does, running the tool under AGENT_TOOL_TIMEOUT, and the exit status.
// Must not: open a listener or a session: this is an operator's shell
// command, not a transport.
// Threading: main thread; the tool runs on it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>

#include "mcp/tool.h"

namespace sigma::app {

inline constexpr int kCallOk = 0;
inline constexpr int kCallToolError = 1;  // the tool ran and reported an error
inline constexpr int kCallUsage = 2;      // unknown tool, bad JSON, arguments that fail the schema

// Success: the tool's structuredContent, one line of JSON on `out`, and
// kCallOk. A tool error: {"error":"sentence"} on `out` and kCallToolError.
// A usage problem: one line on `err` naming the tool or the argument, and
// kCallUsage. `timeout_ms` 0 means no deadline.
int run_call(const mcp::ToolRegistry& tools, std::string_view tool_name, const std::optional<std::string>& arguments,
             int64_t timeout_ms, std::FILE* out, std::FILE* err);

}  // namespace sigma::app
