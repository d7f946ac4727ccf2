#include "app/mcp_endpoint.h"

#include "app/credentials.h"
#include "auth/policy.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "json/json.h"
#include "mcp/jsonrpc.h"

namespace sigma::app {
namespace {

constexpr std::string_view kMcpPath = "/mcp";

// RFC 9110 §8.3.1: the media type is case-insensitive, parameters follow ';'.
bool is_json_media_type(std::string_view content_type) {
  std::string_view type = trim_ows(content_type.substr(0, content_type.find(';')));
  return iequals(type, "application/json");
}

// A JSON-only server accepts any Accept that admits application/json
// (checklist 2.2 REC): absent, */*, application/*, application/json.
bool accepts_json(const std::string* accept) {
  if (accept == nullptr) {
    return true;
  }
  for (std::string_view item : split(*accept, ',')) {
    std::string_view range = trim_ows(item.substr(0, item.find(';')));
    if (iequals(range, "application/json") || iequals(range, "application/*") || range == "*/*") {
      return true;
    }
  }
  return false;
}

// SSE is offered only to a client that names text/event-stream in Accept
// (Streamable HTTP clients send "application/json, text/event-stream"); one
// that accepts only JSON gets the plain answer and no progress.
bool accepts_event_stream(const std::string* accept) {
  if (accept == nullptr) {
    return false;
  }
  for (std::string_view item : split(*accept, ',')) {
    if (iequals(trim_ows(item.substr(0, item.find(';'))), "text/event-stream")) {
      return true;
    }
  }
  return false;
}

// The state of one request whose answer may become an SSE stream. Loop
// thread only (progress from worker threads is posted here first).
struct StreamState {
  http::Respond respond;
  std::function<bool(std::string_view, bool)> write;
  std::shared_ptr<const std::atomic<bool>> gone;
  bool open = false;
  bool ended = false;
};

// Every field line named `name`, joined with ", " (RFC 9110 §5.3), or
// nullopt when there is none: a repeated Mcp-Method then differs from the
// body's method and is refused, instead of one line being picked.
std::optional<std::string> joined_header(const http::Request& request, std::string_view name) {
  std::optional<std::string> joined;
  for (const auto& [field, value] : request.headers) {
    if (!iequals(field, name)) {
      continue;
    }
    if (joined) {
      *joined += ", ";
      *joined += value;
    } else {
      joined = value;
    }
  }
  return joined;
}

}  // namespace

std::string sse_event(std::string_view json) {
  std::string event;
  event.reserve(json.size() + 22);
  event.append("event: message\ndata: ");
  event.append(json);
  event.append("\n\n");
  return event;
}

http::Response jsonrpc_error_response(int status, int code, std::string_view message) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  // No request was read, so there is no id to echo: omit it (checklist 6.1).
  r.body = json::write(mcp::make_error(nullptr, mcp::UnreadableId::kOmit, code, std::string(message)));
  return r;
}

McpEndpoint::McpEndpoint(mcp::Dispatcher& dispatcher, metrics::Registry& metrics, const auth::SecretSource& token,
                         McpEndpointOptions options)
    : dispatcher_(dispatcher), metrics_(metrics), token_(token), options_(std::move(options)) {}

http::Response McpEndpoint::counted(http::Response response) {
  metrics_.inc_http_request("mcp", response.status);
  return response;
}

void McpEndpoint::log_refusal(int status, std::string_view reason) {
  uint64_t suppressed = 0;
  if (!refusal_log_.admit(monotonic_ms(), &suppressed)) {
    return;  // counted in the next line written; the metrics count every one
  }
  std::vector<LogField> fields = {{"status", std::to_string(status)}, {"reason", std::string(reason)}};
  if (suppressed > 0) {
    fields.push_back({"suppressed", std::to_string(suppressed)});
  }
  log(LogLevel::kInfo, "request refused", fields);
}

std::optional<http::Response> McpEndpoint::check_security(const http::Request& request) {
  const RequestFacts facts(request);
  auth::Policy policy;
  policy.bind_is_loopback = options_.bind_is_loopback;
  policy.allowed_origins = &options_.allowed_origins;
  // A snapshot: a SIGHUP reload on another thread cannot free it mid-check.
  std::shared_ptr<const std::string> token = token_.current();
  policy.token = token.get();
  auth::Verdict verdict = auth::check(policy, facts.credentials());
  switch (verdict.decision) {
    case auth::Decision::kAllow:
      return std::nullopt;
    case auth::Decision::kForbiddenOrigin:
      metrics_.inc_auth_failure("forbidden_origin");
      log_refusal(403, verdict.reason);
      return jsonrpc_error_response(403, -32600, "Forbidden: Origin not allowed");
    case auth::Decision::kForbiddenHost:
      metrics_.inc_auth_failure("forbidden_host");
      log_refusal(403, verdict.reason);
      return jsonrpc_error_response(403, -32600, "Forbidden: Host is not a loopback name");
    case auth::Decision::kUnauthorized: {
      bool presented = facts.credentials().authorization != nullptr;
      metrics_.inc_auth_failure(presented ? "invalid_token" : "missing_token");
      log_refusal(401, verdict.reason);
      http::Response r = jsonrpc_error_response(401, -32600, "Unauthorized: a valid bearer token is required");
      r.headers.emplace_back("WWW-Authenticate", auth::www_authenticate(verdict));
      return r;
    }
  }
  return jsonrpc_error_response(403, -32600, "Forbidden");
}

std::optional<http::Response> McpEndpoint::on_head(const http::Request& request) {
  if (auto refused = check_security(request)) {
    return counted(std::move(*refused));
  }
  if (request.path() != kMcpPath) {
    return counted(jsonrpc_error_response(404, -32600, "Not Found: the MCP endpoint is POST /mcp"));
  }
  if (request.method != "POST") {
    // Stateless JSON-only server: no SSE stream to offer on GET, no session
    // to end on DELETE (checklist 2.1).
    http::Response r = jsonrpc_error_response(405, -32600, "Method Not Allowed: use POST");
    r.headers.emplace_back("Allow", "POST");
    return counted(std::move(r));
  }
  const std::string* content_type = request.header("Content-Type");
  if (content_type == nullptr || !is_json_media_type(*content_type)) {
    return counted(jsonrpc_error_response(415, -32600, "Unsupported Media Type: send application/json"));
  }
  if (!accepts_json(request.header("Accept"))) {
    return counted(jsonrpc_error_response(406, -32600, "Not Acceptable: this server answers application/json"));
  }
  return std::nullopt;
}

void McpEndpoint::on_request(http::Request&& request, http::Respond respond) {
  mcp::RequestContext context;
  context.transport = mcp::Transport::kHttp;
  if (const std::string* version = request.header("MCP-Protocol-Version")) {
    context.protocol_version_header = *version;
  }
  context.method_header = joined_header(request, "Mcp-Method");
  context.name_header = joined_header(request, "Mcp-Name");
  if (options_.tool_timeout_ms > 0) {
    context.deadline_ms = monotonic_ms() + options_.tool_timeout_ms;
  }
  context.transport_gone = request.connection_gone;
  context.sender = request.connection_id;
  auto stream = std::make_shared<StreamState>();
  stream->respond = std::move(respond);
  stream->write = std::move(request.stream_write);
  stream->gone = request.connection_gone;
  if (options_.post_to_loop && stream->write && accepts_event_stream(request.header("Accept"))) {
    // 2025-03-26 transports.mdx / 2026-07-28 streamable-http.mdx: the
    // response may be an SSE stream carrying notifications about this
    // request, then the response, then the end of the stream.
    context.stream_open = [this, stream] {
      if (stream->open) {
        return;
      }
      stream->open = true;
      http::Response head;
      head.status = 200;
      head.stream = true;
      head.content_type = "text/event-stream";
      head.headers.emplace_back("Cache-Control", "no-cache");
      head.headers.emplace_back("X-Accel-Buffering", "no");  // 2026-07-28 streamable-http.mdx: SHOULD
      stream->respond(counted(std::move(head)));
    };
    context.stream_send = [post = options_.post_to_loop, stream](std::string message) {
      post([stream, message = std::move(message)] {
        // Nothing is written once the client has gone: its closing the
        // stream is the cancellation (2026-07-28 cancellation.mdx).
        if (stream->open && !stream->ended && !(stream->gone && stream->gone->load())) {
          stream->write(sse_event(message), false);
        }
      });
    };
  }
  dispatcher_.handle(request.body, context, [this, stream](mcp::Reply reply) {
    if (stream->open) {
      stream->ended = true;
      if (stream->gone && stream->gone->load()) {
        stream->write("", true);  // close without writing to a departed client
        return;
      }
      stream->write(reply.body.empty() ? std::string() : sse_event(reply.body), true);
      return;
    }
    http::Response r;
    switch (reply.disposition) {
      case mcp::Disposition::kResponse: r.status = 200; break;
      case mcp::Disposition::kAccepted: r.status = 202; break;
      case mcp::Disposition::kBadRequest: r.status = 400; break;
      case mcp::Disposition::kNotFound: r.status = 404; break;
    }
    if (!reply.body.empty()) {
      r.content_type = "application/json";
      r.body = std::move(reply.body);
    }
    stream->respond(counted(std::move(r)));
  });
}

}  // namespace sigma::app
