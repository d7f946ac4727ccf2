// McpEndpoint: the glue between the HTTP server and the MCP dispatcher for
// the listener on AGENT_MCP_BIND.
//
// Owns: routing of /mcp (POST only), the security checks of SPEC §4 in their
// order (DNS rebinding: Origin, then Host; then the bearer token), the media
// type checks, the mapping of dispatcher Dispositions to HTTP statuses, and
// the SSE framing of a response that carries progress (sse_event()).
// Every check runs on the request head, before any body byte is read.
// Must not: parse JSON-RPC (the dispatcher's job) or log a token.
// Threading: loop thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/secret_source.h"
#include "base/log_throttle.h"
#include "http/server.h"
#include "mcp/dispatcher.h"
#include "metrics/registry.h"

namespace sigma::app {

struct McpEndpointOptions {
  bool bind_is_loopback = true;
  // Exact origins allowed; empty means the default loopback policy.
  std::vector<std::string> allowed_origins;
  int64_t tool_timeout_ms = 0;  // 0 = none
  // Runs a function on the loop thread (EventLoop::post); thread-safe. Tool
  // progress arrives on worker threads and is written from the loop. Empty:
  // no SSE responses, every request is answered with plain JSON.
  std::function<void(std::function<void()>)> post_to_loop;
};

class McpEndpoint final {
 public:
  // REQUIRES: every reference outlives the endpoint.
  McpEndpoint(mcp::Dispatcher& dispatcher, metrics::Registry& metrics, const auth::SecretSource& token,
              McpEndpointOptions options);

  std::optional<http::Response> on_head(const http::Request& request);
  void on_request(http::Request&& request, http::Respond respond);

 private:
  std::optional<http::Response> check_security(const http::Request& request);
  http::Response counted(http::Response response);

  // One line per refusal, at most a burst of 10 then one a second; the next
  // line written carries the count of those held back.
  void log_refusal(int status, std::string_view reason);

  mcp::Dispatcher& dispatcher_;
  metrics::Registry& metrics_;
  const auth::SecretSource& token_;
  McpEndpointOptions options_;
  LogThrottle refusal_log_{10, 1000};
};

// One Server-Sent Event carrying one JSON-RPC message (WHATWG HTML §9.2,
// event stream format): "event: message\ndata: <json>\n\n". REQUIRES:
// `json` holds no CR or LF (the compact writer never emits one), so it is a
// single data line.
std::string sse_event(std::string_view json);

// A JSON-RPC error body without an id, for answers given before the body is
// read (401, 403, 405, 406, 415) — SPEC §4, checklist §2.1.
http::Response jsonrpc_error_response(int status, int code, std::string_view message);

}  // namespace sigma::app
