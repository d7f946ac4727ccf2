#include "app/plan.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "base/log.h"
#include "host/system_info.h"

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
  plan.is_loopback = !r.addresses.empty();
  for (const net::BindAddress& a : r.addresses) {
    plan.addresses.push_back(a.address);
    plan.is_loopback = plan.is_loopback && a.is_loopback;
  }
  return plan;
}

http::ServerOptions server_options(const config::Config& config, size_t max_connections) {
  http::ServerOptions o;
  o.max_header_bytes = config.http_max_header_bytes;
  o.max_body_bytes = config.http_max_body_bytes;
  o.header_timeout_ms = config.http_header_timeout_s * 1000;
  o.idle_timeout_ms = config.http_idle_timeout_s * 1000;
  o.max_connections = max_connections;
  return o;
}

uint64_t own_descriptor_needs(size_t listeners, int worker_threads) {
  constexpr uint64_t kFixed = 16;  // stdio, epoll, timerfd, signalfd, wake-up, log, slack
  return kFixed + 2 * static_cast<uint64_t>(listeners) + 3 * static_cast<uint64_t>(worker_threads);
}

DescriptorPlan plan_descriptors(size_t mcp_max, size_t mcp_addresses, size_t metrics_max, size_t metrics_addresses,
                                uint64_t own_needs, uint64_t soft, uint64_t hard) {
  DescriptorPlan plan;
  plan.mcp_max_connections = mcp_max;
  plan.metrics_max_connections = metrics_max;
  const uint64_t mcp_total = static_cast<uint64_t>(mcp_max) * mcp_addresses;
  const uint64_t metrics_total = static_cast<uint64_t>(metrics_max) * metrics_addresses;
  plan.needed = mcp_total + metrics_total + own_needs;
  if (plan.needed <= soft) {
    plan.soft_limit = soft;
    return plan;
  }
  if (plan.needed <= hard) {
    plan.soft_limit = plan.needed;
    return plan;
  }
  plan.soft_limit = hard;
  const uint64_t available = hard > own_needs ? hard - own_needs : 0;
  uint64_t metrics_budget = metrics_addresses == 0 ? 0 : std::min<uint64_t>(metrics_total, available / 4);
  uint64_t mcp_budget = available - metrics_budget;
  if (mcp_addresses > 0) {
    plan.mcp_max_connections =
        static_cast<size_t>(std::max<uint64_t>(1, std::min<uint64_t>(mcp_max, mcp_budget / mcp_addresses)));
  }
  if (metrics_addresses > 0) {
    plan.metrics_max_connections = static_cast<size_t>(
        std::max<uint64_t>(1, std::min<uint64_t>(metrics_max, metrics_budget / metrics_addresses)));
  }
  plan.warning = "the descriptor limit (RLIMIT_NOFILE " + std::to_string(hard) + ") cannot hold " +
                 std::to_string(plan.needed) + " descriptors for the configured connection limits; serving at most " +
                 std::to_string(plan.mcp_max_connections) + " MCP and " +
                 std::to_string(plan.metrics_max_connections) +
                 " metrics connections per address (raise LimitNOFILE= or lower AGENT_HTTP_MAX_CONNECTIONS and "
                 "AGENT_METRICS_MAX_CONNECTIONS)";
  return plan;
}

DescriptorPlan fit_descriptor_limit(const config::Config& config, size_t mcp_addresses, size_t metrics_addresses) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    limit.rlim_cur = limit.rlim_max = 1024;  // the usual default; the plan then clamps to it
  }
  const uint64_t own = own_descriptor_needs(mcp_addresses + metrics_addresses, config.worker_threads);
  DescriptorPlan plan = plan_descriptors(config.http_max_connections, mcp_addresses, config.metrics_max_connections,
                                         metrics_addresses, own, limit.rlim_cur, limit.rlim_max);
  if (plan.soft_limit > limit.rlim_cur) {
    rlimit raised = limit;
    raised.rlim_cur = plan.soft_limit;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      log_info("raised the descriptor limit for the configured connection limits",
               {{"from", std::to_string(limit.rlim_cur)}, {"to", std::to_string(plan.soft_limit)}});
    } else {
      // Not expected (the hard limit allows it); plan as if it stayed.
      plan = plan_descriptors(config.http_max_connections, mcp_addresses, config.metrics_max_connections,
                              metrics_addresses, own, limit.rlim_cur, limit.rlim_cur);
    }
  }
  if (!plan.warning.empty()) {
    log_warn(plan.warning, {{"setting", "AGENT_HTTP_MAX_CONNECTIONS"}});
  }
  return plan;
}

std::string node_hostname(const config::Config& config, const host::HostOps& host) {
  if (config.hostname && !config.hostname->empty()) {
    return *config.hostname;
  }
  if (Result<std::string> text = host.read_proc("sys/kernel/hostname"); text) {
    if (Result<std::string> name = host::parse_hostname(*text); name) {
      return *name;
    }
  }
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0') {
    return buf;
  }
  return "unknown";
}

std::string control_plane_summary(const config::Config& config, const auth::SecretSource& api_key) {
  if (!config.api_url_parsed) {
    return "standalone (SIGMA_API_URL is unset): the agent neither registers nor heartbeats";
  }
  const net::HttpUrl& url = *config.api_url_parsed;
  // Rebuilt from the parsed URL: user information is refused by the parser,
  // so nothing here can carry a credential.
  const std::string host = url.is_ipv6_literal ? "[" + url.host + "]" : url.host;
  std::string key = "no X-Api-Key (SIGMA_API_KEY and SIGMA_API_KEY_FILE are unset)";
  if (api_key.has_file()) {
    key = "X-Api-Key from SIGMA_API_KEY_FILE (re-read on SIGHUP)";
  } else if (api_key.is_configured()) {
    key = "X-Api-Key from SIGMA_API_KEY";
  }
  return "register with http://" + host + ":" + std::to_string(url.port) + url.path + ", heartbeat every " +
         std::to_string(config.interval_s) + " s (+/- 10 %), request timeout " + std::to_string(config.api_timeout_s) +
         " s, registration retried with backoff up to " + std::to_string(config.api_retry_max_s) + " s, " + key;
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
    std::printf("control plane: not contacted with --stdio (the daemon registers and heartbeats)\n");
  } else {
    std::printf("control plane: %s\n", control_plane_summary(config, api_key).c_str());
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
