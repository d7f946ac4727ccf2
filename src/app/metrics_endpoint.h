// MetricsEndpoint: the listener on AGENT_METRICS_BIND:AGENT_METRICS_PORT.
//
// Owns: routing of GET /metrics (Prometheus text format 0.0.4, open to any
// client by Prometheus convention: it is read-only).
// Threading: loop thread only; the /proc reads of a scrape run on the
// executor so the loop never blocks on file I/O.
#pragma once

#include <optional>
#include <string>

#include "base/executor.h"
#include "http/server.h"
#include "metrics/registry.h"

namespace sigma::app {

class MetricsEndpoint final {
 public:
  // REQUIRES: metrics and executor outlive the endpoint.
  MetricsEndpoint(metrics::Registry& metrics, Executor& executor, std::string proc_root);
  std::optional<http::Response> on_head(const http::Request& request);
  void on_request(http::Request&& request, http::Respond respond);

 private:
  metrics::Registry& metrics_;
  Executor& executor_;
  std::string proc_root_;
};

}  // namespace sigma::app
