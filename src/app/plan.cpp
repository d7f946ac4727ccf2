#include "app/plan.h"

#include <cstdio>

#include "base/log.h"

namespace sigma::app {

McpPlan plan_mcp(const config::Config& config, const auth::SecretSource& token) {
  auth::McpListenerInput input;
  input.enabled = config.mcp_enabled;
  input.bind_text = config.mcp_bind;
  input.bind_host = config.mcp_bind_address.host;
  input.token_configured = token.is_configured();
  net::BindResolution resolution;
  if (config.mcp_enabled) {
    resolution = net::resolve_bind(config.mcp_bind_address);
    input.candidates.error = resolution.error;
    for (const net::BindAddress& a : resolution.addresses) {
      input.candidates.addresses.push_back({a.address.to_string(), a.is_loopback, a.is_wildcard});
    }
  }
  McpPlan plan;
  plan.decision = auth::plan_mcp_listener(input);
  if (plan.decision.serve()) {
    for (const net::BindAddress& a : resolution.addresses) {
      plan.addresses.push_back(a.address);
    }
  }
  return plan;
}

void log_plan(const auth::ListenerPlan& plan) {
  if (plan.refused()) {
    log_error(plan.summary);
  } else if (plan.serve()) {
    log_info(plan.summary);
  }
  for (const std::string& w : plan.warnings) {
    log_warn(w, {{"setting", "AGENT_MCP_BIND"}});
  }
}

MetricsPlan plan_metrics(const config::Config& config) {
  MetricsPlan plan;
  if (config.metrics_port == 0) {
    return plan;
  }
  net::BindResolution r = net::resolve_bind({config.metrics_bind, config.metrics_port});
  if (r.addresses.empty()) {
    plan.error = "AGENT_METRICS_BIND=" + config.metrics_bind + " does not resolve (" + r.error + ")";
  }
  for (const net::BindAddress& a : r.addresses) {
    plan.addresses.push_back(a.address);
  }
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

int check_config(const config::Config& config, auth::SecretSource& token, auth::SecretSource& api_key) {
  std::fputs(config::render_effective(config).c_str(), stdout);
  int status = 0;
  if (api_key.is_configured()) {
    if (Status s = api_key.load(); !s) {
      std::printf("error: %s: %s\n", std::string(api_key.setting().file_name).c_str(), s.message().c_str());
      status = config::kExitConfig;
    }
  }
  if (config.stdio) {
    // stdio opens no port: the bind rules of SPEC §4 do not apply to it.
    std::printf("mcp: on stdin/stdout (--stdio); no listener, AGENT_MCP_BIND is not used\n");
    return status;
  }
  if (Status s = token.load(); !s) {
    std::printf("error: %s: %s\n", std::string(token.setting().file_name).c_str(), s.message().c_str());
    status = config::kExitConfig;
  }
  const auth::ListenerPlan plan = plan_mcp(config, token).decision;
  std::printf("mcp: %s\n", plan.summary.c_str());
  for (const std::string& w : plan.warnings) {
    std::printf("warning: %s\n", w.c_str());
  }
  if (plan.refused()) {
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
