#include "app/plan.h"

#include <cstdio>

#include "base/log.h"

namespace sigma::app {

McpPlan plan_mcp(const config::Config& config, const TokenSource& token) {
  McpPlan plan;
  if (!config.mcp_enabled) {
    plan.summary = "MCP over HTTP is disabled (AGENT_MCP_ENABLED=false)";
    return plan;
  }
  plan.bind = net::classify_bind(config.mcp_bind_address);
  bool has_token = token.is_configured();
  if (plan.bind.addresses.empty()) {
    plan.summary = "MCP not started: AGENT_MCP_BIND=" + config.mcp_bind + " does not resolve (" + plan.bind.reason +
                   ")";
  } else if (plan.bind.is_loopback) {
    plan.serve = true;
    plan.summary = "AGENT_MCP_BIND=" + config.mcp_bind + " is loopback (" + plan.bind.reason + "); " +
                   (has_token ? "token enforced" : "no token: local clients need no authentication");
  } else if (has_token) {
    plan.serve = true;
    plan.summary = "AGENT_MCP_BIND=" + config.mcp_bind + " is not loopback (" + plan.bind.reason +
                   "); token enforced";
  } else {
    plan.summary = "MCP refused to start: AGENT_MCP_BIND=" + config.mcp_bind + " is not loopback (" +
                   plan.bind.reason +
                   ") and AGENT_MCP_TOKEN is not set; set AGENT_MCP_TOKEN_FILE or AGENT_MCP_TOKEN, or bind "
                   "AGENT_MCP_BIND to 127.0.0.1";
  }
  return plan;
}

MetricsPlan plan_metrics(const config::Config& config) {
  MetricsPlan plan;
  if (config.metrics_port == 0) {
    return plan;
  }
  net::BindClassification m = net::classify_bind({config.metrics_bind, config.metrics_port});
  if (m.addresses.empty()) {
    plan.error = "AGENT_METRICS_BIND=" + config.metrics_bind + " does not resolve (" + m.reason + ")";
  }
  plan.addresses = std::move(m.addresses);
  return plan;
}

http::ServerOptions server_options(const config::Config& config) {
  http::ServerOptions o;
  o.max_header_bytes = config.http_max_header_bytes;
  o.max_body_bytes = config.http_max_body_bytes;
  o.header_timeout_ms = config.http_header_timeout_s * 1000;
  o.idle_timeout_ms = config.http_idle_timeout_s * 1000;
  o.max_connections = config.http_max_connections;
  return o;
}

void warn_about_later_features(const config::Config& config) {
  if (config.api_url) {
    log_warn("SIGMA_API_URL is validated but this release does not contact the control plane yet",
             {{"setting", "SIGMA_API_URL"}});
  }
  if (config.port_scan) {
    log_warn("AGENT_PORT_SCAN is validated but this release has no periodic port scanner yet",
             {{"setting", "AGENT_PORT_SCAN"}});
  }
}

int check_config(const config::Config& config, TokenSource& token) {
  std::fputs(config::render_effective(config).c_str(), stdout);
  int status = 0;
  if (config.stdio) {
    // stdio opens no port: the bind rules of SPEC §4 do not apply to it.
    std::printf("mcp: on stdin/stdout (--stdio); no listener, AGENT_MCP_BIND is not used\n");
    return status;
  }
  Status token_status = token.load();
  if (!token_status) {
    std::printf("error: AGENT_MCP_TOKEN_FILE: %s\n", token_status.message().c_str());
    status = config::kExitConfig;
  }
  McpPlan plan = plan_mcp(config, token);
  std::printf("mcp: %s\n", plan.summary.c_str());
  if (config.mcp_enabled && !plan.serve) {
    status = config::kExitConfig;
  }
  MetricsPlan metrics = plan_metrics(config);
  if (!metrics.error.empty()) {
    std::printf("error: %s\n", metrics.error.c_str());
    status = config::kExitConfig;
  } else if (!metrics.addresses.empty()) {
    for (const net::SocketAddress& address : metrics.addresses) {
      std::printf("metrics: listening on %s\n", address.to_string().c_str());
    }
  } else {
    std::printf("metrics: disabled (AGENT_METRICS_PORT=0)\n");
  }
  return status;
}

}  // namespace sigma::app
