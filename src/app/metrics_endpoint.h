// MetricsEndpoint: the listener on AGENT_METRICS_BIND:AGENT_METRICS_PORT.
//
// Owns: routing of GET /metrics (Prometheus text format 0.0.4, open to any
// client by Prometheus convention: it is read-only) and POST /ports/allocate
// (SPEC §8): `{"count": N}` -> `{"ports": [...]}` from the agent's one port
// reservation table, so it never hands out a port allocate_ports handed out.
// The allocation changes state, so SPEC §4's fail-closed rule applies to it:
// on a non-loopback bind it needs the MCP bearer token and, with no token
// configured, answers 403 naming the settings; on a loopback bind it needs
// no token; on both, the DNS-rebinding checks of /mcp (Origin, and Host on
// loopback) apply. Statuses: 200, 400 (bad body, count outside 1..1000),
// 401, 403, 405 (+Allow), 409 (too few free ports), 413 (body over
// kMaxAllocateBodyBytes), 500 (a bind test could not run), 503 (scan off).
// Every error body is {"error": "..."}.
// Threading: loop thread only; the /proc reads of a scrape and the bind tests
// of an allocation run on the executor so the loop never blocks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/secret_source.h"
#include "base/executor.h"
#include "base/log_throttle.h"
#include "host/port_allocator.h"
#include "host/port_scanner.h"
#include "http/server.h"
#include "metrics/registry.h"

namespace sigma::app {

// The allocation request is a few bytes; anything larger is refused early.
inline constexpr size_t kMaxAllocateBodyBytes = 4096;
inline constexpr int64_t kMaxAllocateCount = 1000;

struct MetricsEndpointOptions {
  std::string proc_root = "/proc";
  // The hostname label of the port-scan families.
  std::string hostname;
  // Both nullptr when AGENT_PORT_SCAN is off: no port families, and
  // POST /ports/allocate answers 503.
  host::PortScanner* scanner = nullptr;
  host::PortAllocator* allocator = nullptr;
  // MetricsPlan::is_loopback.
  bool bind_is_loopback = false;
  // Exact origins allowed (AGENT_MCP_ALLOWED_ORIGINS); empty: loopback origins.
  std::vector<std::string> allowed_origins;
};

class MetricsEndpoint final {
 public:
  // REQUIRES: metrics, executor and token outlive the endpoint.
  MetricsEndpoint(metrics::Registry& metrics, Executor& executor, const auth::SecretSource& token,
                  MetricsEndpointOptions options);
  std::optional<http::Response> on_head(const http::Request& request);
  void on_request(http::Request&& request, http::Respond respond);

 private:
  std::optional<http::Response> check_allocate_head(const http::Request& request);
  void allocate(const http::Request& request, http::Respond respond);
  http::Response counted(http::Response response);

  metrics::Registry& metrics_;
  Executor& executor_;
  const auth::SecretSource& token_;
  MetricsEndpointOptions options_;
  LogThrottle refusal_log_{10, 1000};
};

struct AllocateRequest {
  size_t count = 0;
  host::Protocol protocol = host::Protocol::kTcp;
};

// The body of POST /ports/allocate: a JSON object with an integer "count"
// in 1..kMaxAllocateCount and an optional "protocol" "tcp" (default) or
// "udp", nothing else. Failure: a sentence for the 400 body naming the
// member ("count must be an integer from 1 to 1000").
Result<AllocateRequest> parse_allocate_request(std::string_view body);

// {"error": message} with `status`, as application/json.
http::Response json_error_response(int status, std::string_view message);

}  // namespace sigma::app
