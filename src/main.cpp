// sigma-agent: wiring only. config → listeners → tools → loop.
//
// Start-up order: parse and validate the configuration (exit 2/78 on error),
// decide the MCP bind (SPEC §4), read the token, set up the event loop and its
// signals before any thread exists, start the worker pool, register the
// tools, open the listeners, tell systemd we are ready, run.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/mcp_endpoint.h"
#include "app/metrics_endpoint.h"
#include "app/stdio_transport.h"
#include "app/token_source.h"
#include "base/log.h"
#include "config/config.h"
#include "daemon/sd_notify.h"
#include "host/port_allocator.h"
#include "http/server.h"
#include "mcp/dispatcher.h"
#include "metrics/registry.h"
#include "net/event_loop.h"
#include "net/socket.h"
#include "net/worker_pool.h"
#include "tools/builtin.h"

namespace sigma {
namespace {

constexpr int kExitRuntime = 1;
constexpr int64_t kShutdownGraceMs = 10000;

// The decision of SPEC §4 for the MCP listener.
struct McpPlan {
  bool serve = false;
  net::BindClassification bind;
  std::string summary;  // one sentence for --check-config and the log
};

McpPlan plan_mcp(const config::Config& config, const app::TokenSource& token) {
  McpPlan plan;
  if (!config.mcp_enabled) {
    plan.summary = "MCP over HTTP is disabled (AGENT_MCP_ENABLED=false)";
    return plan;
  }
  net::HostPort hp{config.mcp_bind_address.host, config.mcp_bind_address.port};
  plan.bind = net::classify_bind(hp);
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

// Opens a listener on the first resolved address and serves it.
Result<std::unique_ptr<http::Server>> start_listener(net::EventLoop& loop, const net::SocketAddress& address,
                                                     const http::ServerOptions& options, http::HeadHandler head,
                                                     http::RequestHandler handler, net::SocketAddress& bound) {
  auto fd = net::listen_tcp(address);
  if (!fd) {
    return fd.status();
  }
  auto local = net::local_address(fd->get());
  if (!local) {
    return local.status();
  }
  bound = *local;
  return http::Server::create(loop, std::move(*fd), options, std::move(head), std::move(handler));
}

int check_config(const config::Config& config, app::TokenSource& token) {
  std::fputs(config::render_effective(config).c_str(), stdout);
  int status = 0;
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
  if (config.metrics_port != 0) {
    net::BindClassification m = net::classify_bind({config.metrics_bind, config.metrics_port});
    if (m.addresses.empty()) {
      std::printf("error: AGENT_METRICS_BIND=%s does not resolve (%s)\n", config.metrics_bind.c_str(),
                  m.reason.c_str());
      status = config::kExitConfig;
    } else {
      std::printf("metrics: listening on %s\n", m.addresses.front().to_string().c_str());
    }
  } else {
    std::printf("metrics: disabled (AGENT_METRICS_PORT=0)\n");
  }
  return status;
}

mcp::ServerInfo server_info() {
  mcp::ServerInfo info;
  info.name = "sigma-agent";
  info.version = SIGMA_VERSION;
  info.title = "sigma-agent";
  info.description = "Operational tools of one Linux fleet node";
  info.instructions =
      "Tools of one fleet node. query_metrics reports capacity (CPU, memory, disk, load); allocate_ports "
      "hands out TCP/UDP ports verified free on this node.";
  return info;
}

tools::ToolDependencies tool_dependencies(const config::Config& config, host::PortAllocator& allocator) {
  tools::ToolDependencies deps;
  deps.metrics.proc_root = config.host_proc;
  deps.metrics.hostname_override = config.hostname.value_or("");
  deps.metrics.agent_version = SIGMA_VERSION;
  deps.metrics.port_scan_enabled = config.port_scan;
  // allocate_ports hands out ports from the scan range only when the operator
  // turned port management on (SPEC §6: a missing dependency is a tool error).
  deps.port_allocator = config.port_scan ? &allocator : nullptr;
  return deps;
}

// `--stdio`: MCP on stdin/stdout, no listener at all; the stdio process is
// the trust boundary (whoever can start it already has a shell).
int run_stdio(const config::Config& config) {
  // A client that goes away makes the write fail (exit 1), not kill us silently.
  ::signal(SIGPIPE, SIG_IGN);
  host::PortAllocator allocator(config.port_scan_range.first, config.port_scan_range.last,
                                config.port_reserve_s * 1000);
  mcp::ToolRegistry tools;
  tools::register_builtin_tools(tools, tool_dependencies(config, allocator));
  InlineExecutor executor;
  mcp::Dispatcher dispatcher(tools, executor, server_info());
  log_info("serving MCP on stdio");
  return app::serve_stdio(dispatcher, stdin, stdout, config.http_max_body_bytes);
}

int run(const config::Config& config, app::TokenSource& token) {
  warn_about_later_features(config);
  Status token_status = token.load();
  if (!token_status) {
    log_error("cannot read the MCP token", {{"setting", "AGENT_MCP_TOKEN_FILE"}, {"error", token_status.message()}});
    return config::kExitConfig;
  }
  McpPlan plan = plan_mcp(config, token);
  if (config.mcp_enabled && !plan.serve) {
    // SPEC §4: one loud line; the rest of the agent keeps running.
    log_error(plan.summary);
  }

  ::signal(SIGPIPE, SIG_IGN);
  auto loop_or = net::EventLoop::create();
  if (!loop_or) {
    log_error("cannot create the event loop", {{"error", loop_or.error()}});
    return kExitRuntime;
  }
  net::EventLoop& loop = **loop_or;

  // Signals go through a signalfd; they must be blocked before any thread starts.
  std::vector<http::Server*> servers;
  bool stopping = false;
  auto shutdown = [&] {
    if (stopping) {
      return;
    }
    stopping = true;
    log_info("shutting down: finishing in-flight requests");
    (void)daemon::notify("STOPPING=1");
    auto remaining = std::make_shared<size_t>(servers.size());
    if (*remaining == 0) {
      loop.stop();
      return;
    }
    for (http::Server* s : servers) {
      s->begin_shutdown([&loop, remaining] {
        if (--*remaining == 0) {
          loop.stop();
        }
      });
    }
    loop.add_timer(kShutdownGraceMs, [&loop] {
      log_warn("shutdown grace period over; closing remaining connections");
      loop.stop();
    });
  };
  Status sig = loop.watch_signals({SIGTERM, SIGINT, SIGHUP}, [&](int signo) {
    if (signo == SIGHUP) {
      token.reload();
    } else {
      shutdown();
    }
  });
  if (!sig) {
    log_error("cannot watch signals", {{"error", sig.message()}});
    return kExitRuntime;
  }

  net::WorkerPool pool(loop, static_cast<size_t>(config.worker_threads));
  metrics::Registry registry(SIGMA_VERSION);
  host::PortAllocator allocator(config.port_scan_range.first, config.port_scan_range.last,
                                config.port_reserve_s * 1000);
  mcp::ToolRegistry tools;
  tools::register_builtin_tools(tools, tool_dependencies(config, allocator));
  mcp::Dispatcher dispatcher(tools, pool, server_info(), [&registry](std::string_view method, std::string_view outcome) {
    registry.inc_mcp_request(method, outcome);
  });

  std::unique_ptr<http::Server> metrics_server;
  app::MetricsEndpoint metrics_endpoint(registry, pool, "/proc");
  if (config.metrics_port != 0) {
    net::BindClassification m = net::classify_bind({config.metrics_bind, config.metrics_port});
    if (m.addresses.empty()) {
      log_error("AGENT_METRICS_BIND does not resolve", {{"value", config.metrics_bind}, {"reason", m.reason}});
      return config::kExitConfig;
    }
    net::SocketAddress bound;
    auto server = start_listener(
        loop, m.addresses.front(), server_options(config),
        [&](const http::Request& r) { return metrics_endpoint.on_head(r); },
        [&](http::Request&& r, http::Respond respond) { metrics_endpoint.on_request(std::move(r), std::move(respond)); },
        bound);
    if (!server) {
      log_error("cannot start the metrics listener", {{"error", server.error()}});
      return kExitRuntime;
    }
    metrics_server = std::move(*server);
    servers.push_back(metrics_server.get());
    log_info("metrics listening", {{"address", bound.to_string()}});
  }

  std::unique_ptr<http::Server> mcp_server;
  app::McpEndpointOptions endpoint_options;
  endpoint_options.bind_is_loopback = plan.bind.is_loopback;
  endpoint_options.allowed_origins = config.mcp_allowed_origins;
  app::McpEndpoint mcp_endpoint(dispatcher, registry, token, endpoint_options);
  if (plan.serve) {
    net::SocketAddress bound;
    auto server = start_listener(
        loop, plan.bind.addresses.front(), server_options(config),
        [&](const http::Request& r) { return mcp_endpoint.on_head(r); },
        [&](http::Request&& r, http::Respond respond) { mcp_endpoint.on_request(std::move(r), std::move(respond)); },
        bound);
    if (!server) {
      log_error("cannot start the MCP listener", {{"setting", "AGENT_MCP_BIND"}, {"error", server.error()}});
      return kExitRuntime;
    }
    mcp_server = std::move(*server);
    servers.push_back(mcp_server.get());
    registry.set_mcp_listener_up(true);
    log_info("mcp listening", {{"address", bound.to_string()}, {"auth", token.token() ? "bearer" : "none"}});
  }

  (void)daemon::notify("READY=1");
  int64_t watchdog_ms = daemon::watchdog_ping_interval_ms();
  std::function<void()> watchdog_ping = [&] {
    (void)daemon::notify("WATCHDOG=1");
    loop.add_timer(watchdog_ms, watchdog_ping);
  };
  if (watchdog_ms > 0) {
    loop.add_timer(watchdog_ms, watchdog_ping);
  }

  loop.run();
  log_info("stopped");
  return 0;
}

}  // namespace
}  // namespace sigma

int main(int argc, char** argv) {
  using namespace sigma;
  log_init_from_environment();
  std::vector<std::string> args(argv + 1, argv + argc);
  config::LoadResult loaded = config::load(args, config::system_environment());
  if (!loaded.errors.empty()) {
    for (const std::string& e : loaded.errors) {
      std::fprintf(stderr, "sigma-agent: %s\n", e.c_str());
    }
    if (loaded.exit_code == config::kExitUsage) {
      std::fprintf(stderr, "sigma-agent: see 'sigma-agent --help' or sigma-agent(8)\n");
    }
    return loaded.exit_code;
  }
  switch (loaded.command) {
    case config::Command::kHelp:
      std::fputs(config::usage_text().c_str(), stdout);
      return 0;
    case config::Command::kVersion:
      std::printf("%s\n", config::version_text().c_str());
      return 0;
    case config::Command::kCheckConfig:
    case config::Command::kRun:
      break;
  }
  const config::Config& config = loaded.config;
  log_set_level(config.log_level);
  for (const std::string& w : loaded.warnings) {
    log_warn(w);
  }
  app::TokenSource token(config.mcp_token, config.mcp_token_file);
  if (loaded.command == config::Command::kCheckConfig) {
    return check_config(config, token);
  }
  if (config.stdio) {
    return run_stdio(config);
  }
  return run(config, token);
}
