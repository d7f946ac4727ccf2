#include "app/metrics_endpoint.h"

#include <charconv>
#include <memory>

#include "app/credentials.h"
#include "auth/policy.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "json/json.h"
#include "metrics/exposition.h"
#include "metrics/port_scan_metrics.h"
#include "metrics/process.h"

namespace sigma::app {
namespace {

constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kAllocatePath = "/ports/allocate";

constexpr std::string_view kScanOff =
    "port allocation needs the port scan: set AGENT_PORT_SCAN=true (ports come from AGENT_PORT_SCAN_RANGE)";
constexpr std::string_view kNoTokenConfigured =
    "POST /ports/allocate on a non-loopback AGENT_METRICS_BIND needs the MCP bearer token, and none is "
    "configured: set AGENT_MCP_TOKEN_FILE (or AGENT_MCP_TOKEN), or bind the metrics listener to loopback";

std::string error_body(std::string_view message) {
  json::Value body = json::Value::object();
  body.set("error", json::Value(std::string(message)));
  return json::write(body);
}

}  // namespace

http::Response json_error_response(int status, std::string_view message) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = error_body(message);
  return r;
}

Result<AllocateRequest> parse_allocate_request(std::string_view body) {
  json::ParseLimits limits;
  limits.max_bytes = kMaxAllocateBodyBytes;
  limits.max_depth = 4;
  limits.max_members = 16;
  json::ParseResult parsed = json::parse(body, limits);
  if (!parsed.ok()) {
    return Status::error("the body is not valid JSON: " + parsed.error.message);
  }
  const json::Value& v = *parsed.value;
  if (!v.is_object()) {
    return Status::error("the body must be a JSON object like {\"count\": 3}");
  }
  AllocateRequest request;
  bool have_count = false;
  for (const json::Member& m : v.as_object()) {
    if (m.first == "count") {
      std::optional<int64_t> n = m.second.is_number() ? m.second.as_int() : std::nullopt;
      if (!n || *n < 1 || *n > kMaxAllocateCount) {
        return Status::error("count must be an integer from 1 to " + std::to_string(kMaxAllocateCount));
      }
      request.count = static_cast<size_t>(*n);
      have_count = true;
    } else if (m.first == "protocol") {
      std::optional<host::Protocol> p =
          m.second.is_string() ? host::parse_protocol(m.second.as_string()) : std::nullopt;
      if (!p) {
        return Status::error("protocol must be \"tcp\" or \"udp\"");
      }
      request.protocol = *p;
    } else {
      return Status::error("unknown member \"" + m.first.substr(0, 64) + "\"; the body is {\"count\": N}");
    }
  }
  if (!have_count) {
    return Status::error("count is required: {\"count\": N} with N from 1 to " +
                         std::to_string(kMaxAllocateCount));
  }
  return request;
}

MetricsEndpoint::MetricsEndpoint(metrics::Registry& metrics, Executor& executor, const auth::SecretSource& token,
                                 MetricsEndpointOptions options)
    : metrics_(metrics), executor_(executor), token_(token), options_(std::move(options)) {}

http::Response MetricsEndpoint::counted(http::Response response) {
  metrics_.inc_http_request("metrics", response.status);
  return response;
}

std::optional<http::Response> MetricsEndpoint::on_head(const http::Request& request) {
  const std::string_view path = request.path();
  if (path == kAllocatePath) {
    return check_allocate_head(request);
  }
  http::Response r;
  if (path != kMetricsPath) {
    r = http::error_response(404, "the metrics listener serves GET /metrics and POST /ports/allocate");
    r.close = false;
  } else if (request.method != "GET" && request.method != "HEAD") {
    r = http::error_response(405, "use GET");
    r.close = false;
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else {
    return std::nullopt;
  }
  return counted(std::move(r));
}

std::optional<http::Response> MetricsEndpoint::check_allocate_head(const http::Request& request) {
  if (request.method != "POST") {
    http::Response r = json_error_response(405, "use POST with {\"count\": N}");
    r.headers.emplace_back("Allow", "POST");
    return counted(std::move(r));
  }
  // SPEC §4: the same rule as /mcp, with the token required only off loopback.
  const RequestFacts facts(request);
  auth::Policy policy;
  policy.bind_is_loopback = options_.bind_is_loopback;
  policy.allowed_origins = &options_.allowed_origins;
  std::shared_ptr<const std::string> token = token_.current();
  policy.token = options_.bind_is_loopback ? nullptr : token.get();
  const auth::Verdict verdict = auth::check(policy, facts.credentials());
  std::optional<http::Response> refused;
  switch (verdict.decision) {
    case auth::Decision::kAllow:
      break;
    case auth::Decision::kForbiddenOrigin:
      metrics_.inc_auth_failure("forbidden_origin");
      refused = json_error_response(403, "Forbidden: Origin not allowed");
      break;
    case auth::Decision::kForbiddenHost:
      metrics_.inc_auth_failure("forbidden_host");
      refused = json_error_response(403, "Forbidden: Host is not a loopback name");
      break;
    case auth::Decision::kUnauthorized:
      if (verdict.no_token_configured) {
        metrics_.inc_auth_failure("missing_token");
        refused = json_error_response(403, kNoTokenConfigured);
      } else {
        metrics_.inc_auth_failure(facts.credentials().authorization != nullptr ? "invalid_token" : "missing_token");
        refused = json_error_response(401, "Unauthorized: a valid bearer token is required");
        refused->headers.emplace_back("WWW-Authenticate", auth::www_authenticate(verdict));
      }
      break;
  }
  if (refused) {
    uint64_t suppressed = 0;
    if (refusal_log_.admit(monotonic_ms(), &suppressed)) {
      std::vector<LogField> fields = {{"status", std::to_string(refused->status)},
                                      {"path", std::string(kAllocatePath)},
                                      {"reason", std::string(verdict.reason)}};
      if (suppressed > 0) {
        fields.push_back({"suppressed", std::to_string(suppressed)});
      }
      log(LogLevel::kInfo, "request refused", fields);
    }
    return counted(std::move(*refused));
  }
  if (options_.allocator == nullptr) {
    return counted(json_error_response(503, kScanOff));
  }
  if (const std::string* length = request.header("Content-Length")) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    if (ec != std::errc() || end != length->data() + length->size() || n > kMaxAllocateBodyBytes) {
      return counted(json_error_response(413, "the body is limited to " + std::to_string(kMaxAllocateBodyBytes) +
                                                  " bytes"));
    }
  }
  return std::nullopt;
}

void MetricsEndpoint::on_request(http::Request&& request, http::Respond respond) {
  if (request.path() == kAllocatePath) {
    allocate(request, std::move(respond));
    return;
  }
  // Counted before rendering so a scrape sees itself, like client libraries do.
  metrics_.inc_http_request("metrics", 200);
  auto response = std::make_shared<http::Response>();
  response->content_type = std::string(metrics::kContentType);
  executor_.run(
      [this, response] {
        response->body = metrics_.render();
        if (options_.scanner != nullptr) {
          if (std::optional<host::PortScanSnapshot> snapshot = options_.scanner->latest()) {
            response->body += metrics::render_port_scan(*snapshot, options_.hostname);
          }
        }
        response->body += metrics::render_process_metrics(options_.proc_root);
      },
      [response, respond = std::move(respond)] { respond(std::move(*response)); });
}

void MetricsEndpoint::allocate(const http::Request& request, http::Respond respond) {
  // A chunked body has no Content-Length for on_head to refuse.
  if (request.body.size() > kMaxAllocateBodyBytes) {
    respond(counted(json_error_response(
        413, "the body is limited to " + std::to_string(kMaxAllocateBodyBytes) + " bytes")));
    return;
  }
  Result<AllocateRequest> parsed = parse_allocate_request(request.body);
  if (!parsed) {
    respond(counted(json_error_response(400, parsed.error())));
    return;
  }
  auto response = std::make_shared<http::Response>();
  host::PortAllocator* allocator = options_.allocator;
  const AllocateRequest wanted = *parsed;
  std::shared_ptr<const std::atomic<bool>> gone = request.connection_gone;
  executor_.run(
      [allocator, wanted, gone, response] {
        auto stop = [gone]() -> Status {
          if (gone && gone->load()) {
            return Status::error("the client went away");
          }
          return Status::ok();
        };
        Result<std::vector<uint16_t>> ports = allocator->allocate(wanted.count, wanted.protocol, stop);
        if (!ports) {
          // "too few free" is the caller's to resolve (409); a bind test that
          // could not run is ours (500).
          *response = json_error_response(ports.status().is_retryable() ? 500 : 409, ports.error());
          return;
        }
        json::Value list = json::Value::array();
        for (uint16_t p : *ports) {
          list.push(json::Value(static_cast<int64_t>(p)));
        }
        json::Value body = json::Value::object();
        body.set("ports", std::move(list));
        response->status = 200;
        response->content_type = "application/json";
        response->body = json::write(body);
      },
      [this, response, respond = std::move(respond)] { respond(counted(std::move(*response))); });
}

}  // namespace sigma::app
