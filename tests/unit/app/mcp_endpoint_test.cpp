// Tests for the SSE framing of the MCP endpoint.
#include <doctest/doctest.h>

#include <string>

#include "app/mcp_endpoint.h"

namespace sigma::app {
namespace {

TEST_CASE("an SSE event carries one JSON-RPC message as one data line and ends with a blank line") {
  CHECK(sse_event(R"({"jsonrpc":"2.0","id":1,"result":{}})") ==
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
  // A message's text may hold what looks like SSE syntax; it stays inside the one data line.
  std::string event = sse_event(R"({"a":"data: x\\n\\nevent: y"})");
  CHECK(event.rfind("event: message\ndata: ", 0) == 0);
  CHECK(event.find('\n', 21) == event.size() - 2);
  CHECK(sse_event("") == "event: message\ndata: \n\n");
}

}  // namespace
}  // namespace sigma::app
