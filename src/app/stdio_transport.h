// StdioTransport: MCP over stdin/stdout (`sigma-agent --stdio`), newline-
// delimited JSON-RPC, for `ssh node sigma-agent --stdio` with no port exposed.
//
// Owns: line framing (one message per line, `\r\n` accepted, a line over the
// body limit answered with a parse error and skipped) and writing only MCP
// messages to stdout with a flush per line. The dispatcher remembers the
// revision a stdio `initialize` negotiated (the handshake is scoped to the
// process there, checklist 1.1).
// Must not: write anything but JSON-RPC to stdout (logs go to stderr).
// Threading: one thread; tools run inline, one message at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "mcp/dispatcher.h"

namespace sigma::app {

// Serves until EOF on `in`. Each tools/call gets a deadline of
// `tool_timeout_ms` (0 = none). Returns 0 on EOF, 1 on an output error.
int serve_stdio(mcp::Dispatcher& dispatcher, std::FILE* in, std::FILE* out, size_t max_line_bytes,
                int64_t tool_timeout_ms = 0);

}  // namespace sigma::app
