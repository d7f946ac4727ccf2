#include "app/metrics_endpoint.h"

#include <memory>

#include "metrics/exposition.h"
#include "metrics/process.h"

namespace sigma::app {
MetricsEndpoint::MetricsEndpoint(metrics::Registry& metrics, Executor& executor, std::string proc_root)
    : metrics_(metrics), executor_(executor), proc_root_(std::move(proc_root)) {}

std::optional<http::Response> MetricsEndpoint::on_head(const http::Request& request) {
  http::Response r;
  if (request.path() != "/metrics") {
    r = http::error_response(404, "the metrics listener serves GET /metrics");
    r.close = false;
  } else if (request.method != "GET" && request.method != "HEAD") {
    r = http::error_response(405, "use GET");
    r.close = false;
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else {
    return std::nullopt;
  }
  metrics_.inc_http_request("metrics", r.status);
  return r;
}

void MetricsEndpoint::on_request(http::Request&& request, http::Respond respond) {
  (void)request;
  // Counted before rendering so a scrape sees itself, like client libraries do.
  metrics_.inc_http_request("metrics", 200);
  auto response = std::make_shared<http::Response>();
  response->content_type = std::string(metrics::kContentType);
  executor_.run(
      [this, response] {
        response->body = metrics_.render();
        response->body += metrics::render_process_metrics(proc_root_);
      },
      [response, respond = std::move(respond)] { respond(std::move(*response)); });
}

}  // namespace sigma::app
