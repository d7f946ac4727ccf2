// sigma-agent: the start-up, step by step. Each step is one call into the
// module that owns it; main.cpp holds no policy of its own.
//
//   load the configuration → build the tools → (call: run one; stdio:
//   serve; then exit)
//   → read secrets → plan the listeners, fitted to the descriptor limit
//   → loop and signals (before any thread) → workers and the dispatcher
//   → listeners as services → start the services → run until SIGTERM has
//   drained.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app/call.h"
#include "app/early_exit.h"
#include "app/listener.h"
#include "app/mcp_endpoint.h"
#include "app/metrics_endpoint.h"
#include "app/plan.h"
#include "app/secrets.h"
#include "app/stdio_transport.h"
#include "app/tool_set.h"
#include "base/executor.h"
#include "base/log.h"
#include "config/config.h"
#include "daemon/lifecycle.h"
#include "mcp/dispatcher.h"
#include "mcp/methods.h"
#include "metrics/registry.h"
#include "net/event_loop.h"
#include "net/worker_pool.h"

namespace sigma {
namespace {

constexpr int kExitRuntime = 1;

// `--stdio`: MCP on stdin/stdout and no listener; whoever can start the
// process already has a shell on the node.
int run_stdio(const config::Config& config, const app::ToolSet& tools) {
  daemon::ignore_sigpipe();
  InlineExecutor executor;
  mcp::Dispatcher dispatcher(tools.registry(), executor, app::server_info(), {}, config.mcp_max_batch);
  log_info("serving MCP on stdio");
  return app::serve_stdio(dispatcher, stdin, stdout, config.http_max_body_bytes, config.tool_timeout_s * 1000);
}

int run_daemon(const config::Config& config, const app::ToolSet& tools, app::Secrets& secrets) {
  app::warn_about_later_features(config);
  if (Status s = secrets.load(); !s) {
    log_error("cannot read a secret file", {{"error", s.message()}});
    return config::kExitConfig;
  }
  const auth::SecretSource& token = secrets.mcp_token;
  const app::McpPlan planned = app::plan_mcp(config, token);
  const auth::ListenerPlan& mcp_plan = planned.decision;
  app::log_plan(mcp_plan);
  const app::MetricsPlan metrics_plan = app::plan_metrics(config);
  if (!metrics_plan.error.empty()) {
    log_error(metrics_plan.error);
    return config::kExitConfig;
  }
  const app::DescriptorPlan fds =
      app::fit_descriptor_limit(config, planned.addresses.size(), metrics_plan.addresses.size());

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

  net::WorkerPool pool(loop, static_cast<size_t>(config.worker_threads));
  metrics::Registry registry(SIGMA_VERSION, {mcp::kServedMethods.begin(), mcp::kServedMethods.end()});
  mcp::Dispatcher dispatcher(tools.registry(), pool, app::server_info(),
                             [&registry](std::string_view method, std::string_view outcome) {
                               registry.inc_mcp_request(method, outcome);
                             },
                             config.mcp_max_batch);

  app::MetricsEndpoint metrics_endpoint(registry, pool, "/proc");
  app::ListenerService metrics_listener(loop, app::endpoint_listener("metrics", "AGENT_METRICS_BIND",
                                                                    metrics_plan.addresses,
                                                                    app::server_options(config, fds.metrics_max_connections),
                                                                    metrics_endpoint));
  app::McpEndpointOptions endpoint_options;
  endpoint_options.bind_is_loopback = mcp_plan.bind.is_loopback;
  endpoint_options.allowed_origins = config.mcp_allowed_origins;
  endpoint_options.tool_timeout_ms = config.tool_timeout_s * 1000;
  app::McpEndpoint mcp_endpoint(dispatcher, registry, token, endpoint_options);
  app::ListenerSpec mcp_spec = app::endpoint_listener("mcp", "AGENT_MCP_BIND", planned.addresses,
                                                      app::server_options(config, fds.mcp_max_connections), mcp_endpoint);
  mcp_spec.log_fields = {{"auth", mcp_plan.token_enforced() ? "bearer" : "none"}};
  mcp_spec.on_state = [&registry](bool up) { registry.set_mcp_listener_up(up); };
  app::ListenerService mcp_listener(loop, std::move(mcp_spec));

  // (Later: spawn the privileged helper, then drop privileges, here.)
  if (!metrics_plan.addresses.empty()) {
    lifecycle.add(metrics_listener);
  }
  if (mcp_plan.serve()) {
    lifecycle.add(mcp_listener);
  }
  if (Status s = lifecycle.start_services(); !s) {
    log_error("cannot start", {{"error", s.message()}});
    return kExitRuntime;
  }
  lifecycle.run();
  log_info("stopped");
  return 0;
}

}  // namespace
}  // namespace sigma

int main(int argc, char** argv) {
  using namespace sigma;
  log_init_from_environment();
  config::LoadResult loaded = config::load({argv + 1, argv + argc}, config::system_environment());
  if (std::optional<int> status = app::answer_before_start(loaded)) {
    return *status;
  }
  const config::Config& config = loaded.config;
  log_set_level(config.log_level);
  for (const std::string& w : loaded.warnings) {
    log_warn(w);
  }
  app::Secrets secrets(config);
  if (loaded.command == config::Command::kCheckConfig) {
    return app::check_config(config, secrets.mcp_token, secrets.api_key);
  }
  const app::ToolSet tools(config);
  if (loaded.command == config::Command::kCall) {
    return app::run_call(tools.registry(), loaded.call_tool, loaded.call_arguments, config.tool_timeout_s * 1000,
                         stdout, stderr);
  }
  return config.stdio ? run_stdio(config, tools) : run_daemon(config, tools, secrets);
}
