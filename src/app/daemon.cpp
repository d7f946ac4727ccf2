#include "app/daemon.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app/control_plane.h"
#include "app/listener.h"
#include "app/mcp_endpoint.h"
#include "app/metrics_endpoint.h"
#include "app/plan.h"
#include "app/port_scan_service.h"
#include "app/stdio_transport.h"
#include "base/executor.h"
#include "base/log.h"
#include "daemon/lifecycle.h"
#include "mcp/dispatcher.h"
#include "mcp/methods.h"
#include "metrics/registry.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"

namespace sigma::app {

// `--stdio`: MCP on stdin/stdout and no listener; whoever can start the
// process already has a shell on the node.
int run_stdio(const config::Config& config, const ToolSet& tools) {
  daemon::ignore_sigpipe();
  InlineExecutor executor;
  mcp::Dispatcher dispatcher(tools.registry(), executor, server_info(), {}, config.mcp_max_batch);
  log_info("serving MCP on stdio");
  return serve_stdio(dispatcher, stdin, stdout, config.http_max_body_bytes, config.tool_timeout_s * 1000);
}

int run_daemon(const config::Config& config, const ToolSet& tools, Secrets& secrets, ControlPlane& control_plane) {
  if (Status s = secrets.load(); !s) {
    log_error("cannot read a secret file", {{"error", s.message()}});
    return config::kExitConfig;
  }
  const auth::SecretSource& token = secrets.mcp_token;
  const McpPlan planned = plan_mcp(config, token);
  const auth::ListenerPlan& mcp_plan = planned.decision;
  log_plan(mcp_plan);
  const MetricsPlan metrics_plan = plan_metrics(config);
  if (!metrics_plan.error.empty()) {
    log_error(metrics_plan.error);
    return config::kExitConfig;
  }
  const DescriptorPlan fds =
      fit_descriptor_limit(config, planned.addresses.size(), metrics_plan.addresses.size());

  auto loop_or = net::EventLoop::create();
  if (!loop_or) {
    log_error("cannot create the event loop", {{"error", loop_or.error()}});
    return kExitRuntime;
  }
  net::EventLoop& loop = **loop_or;
  daemon::Lifecycle lifecycle(loop, {daemon::kDefaultShutdownGraceMs, [&secrets] { secrets.reload(); }});
  if (Status s = lifecycle.watch_signals(); !s) {
    log_error("cannot watch signals", {{"error", s.message()}});
    return kExitRuntime;
  }

  // The registry before the pool: a tool still running on a worker when the
  // grace period ends may count a control-plane request, so the workers must
  // be gone before the registry is.
  metrics::Registry registry(SIGMA_VERSION, {mcp::kServedMethods.begin(), mcp::kServedMethods.end()});
  control_plane.set_metrics(&registry);
  net::WorkerPool pool(loop, static_cast<size_t>(config.worker_threads));
  mcp::Dispatcher dispatcher(tools.registry(), pool, server_info(),
                             [&registry](std::string_view method, std::string_view outcome) {
                               registry.inc_mcp_request(method, outcome);
                             },
                             config.mcp_max_batch);

  MetricsEndpointOptions metrics_options;
  metrics_options.hostname = node_hostname(config, tools.host());
  metrics_options.scanner = tools.port_scanner();
  metrics_options.allocator = tools.port_allocator();
  metrics_options.bind_is_loopback = metrics_plan.is_loopback;
  metrics_options.allowed_origins = config.mcp_allowed_origins;
  MetricsEndpoint metrics_endpoint(registry, pool, token, std::move(metrics_options));
  ListenerService metrics_listener(loop, endpoint_listener("metrics", "AGENT_METRICS_BIND",
                                                                    metrics_plan.addresses,
                                                                    server_options(config, fds.metrics_max_connections),
                                                                    metrics_endpoint));
  McpEndpointOptions endpoint_options;
  endpoint_options.bind_is_loopback = mcp_plan.bind.is_loopback;
  endpoint_options.allowed_origins = config.mcp_allowed_origins;
  endpoint_options.tool_timeout_ms = config.tool_timeout_s * 1000;
  endpoint_options.post_to_loop = [&loop](std::function<void()> fn) { loop.post(std::move(fn)); };
  McpEndpoint mcp_endpoint(dispatcher, registry, token, endpoint_options);
  ListenerSpec mcp_spec = endpoint_listener("mcp", "AGENT_MCP_BIND", planned.addresses,
                                                      server_options(config, fds.mcp_max_connections), mcp_endpoint);
  mcp_spec.log_fields = {{"auth", mcp_plan.token_enforced() ? "bearer" : "none"}};
  mcp_spec.on_state = [&registry](bool up) { registry.set_mcp_listener_up(up); };
  ListenerService mcp_listener(loop, std::move(mcp_spec));

  std::optional<PortScanService> port_scan;
  if (host::PortScanner* scanner = tools.port_scanner()) {
    port_scan.emplace(loop, pool, *scanner, config.port_scan_interval_s * 1000);
  }
  // Registration and heartbeats on the agent's own thread (SPEC §7), only
  // when SIGMA_API_URL is set.
  std::optional<ControlPlaneService> control_service;
  if (control_plane.is_configured()) {
    control_service.emplace(control_plane, config);
  } else {
    log_info("standalone: SIGMA_API_URL is unset, the control plane is not contacted");
  }

  // (Later: spawn the privileged helper, then drop privileges, here.)
  if (!metrics_plan.addresses.empty()) {
    lifecycle.add(metrics_listener);
  }
  if (mcp_plan.serve()) {
    lifecycle.add(mcp_listener);
  }
  if (port_scan) {
    lifecycle.add(*port_scan);
  }
  if (control_service) {
    lifecycle.add(*control_service);
  }
  if (Status s = lifecycle.start_services(); !s) {
    log_error("cannot start", {{"error", s.message()}});
    return kExitRuntime;
  }
  lifecycle.run();
  log_info("stopped");
  return 0;
}

}  // namespace sigma::app
