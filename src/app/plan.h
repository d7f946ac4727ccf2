// Start-up decisions taken before anything is opened: whether and where each
// listener may serve (SPEC §4), the HTTP limits the listeners share, and the
// `--check-config` report that prints those decisions without acting on them.
//
// Owns: the wording of the plan's summary sentences (the log and
// --check-config print the same ones).
// Must not: open a socket or start a thread.
// Threading: main thread, at start.
#pragma once

#include <string>
#include <vector>

#include "auth/listener_policy.h"
#include "auth/secret_source.h"
#include "config/config.h"
#include "http/server.h"
#include "net/socket.h"

namespace sigma::app {

// The decision of SPEC §4 for the MCP listener (auth/listener_policy) over
// the addresses AGENT_MCP_BIND resolves to now, and those addresses: the
// listener binds exactly what was classified.
struct McpPlan {
  auth::ListenerPlan decision;
  std::vector<net::SocketAddress> addresses;  // empty unless decision.serve()
};

McpPlan plan_mcp(const config::Config& config, const auth::SecretSource& token);

// Logs the decision: a refusal as one error line (SPEC §4: the rest of the
// agent keeps running), a listener that will serve as one info line, and
// each warning of the plan.
void log_plan(const auth::ListenerPlan& plan);

// The metrics listener: empty addresses when AGENT_METRICS_PORT=0; `error`
// set when AGENT_METRICS_BIND does not resolve.
struct MetricsPlan {
  std::vector<net::SocketAddress> addresses;
  std::string error;
};

MetricsPlan plan_metrics(const config::Config& config);

http::ServerOptions server_options(const config::Config& config);

// Settings this release validates but does not act on yet get one warning each.
void warn_about_later_features(const config::Config& config);

// Prints the effective configuration and the plan to stdout; returns the exit
// status (0, or config::kExitConfig when the daemon would not start as asked).
int check_config(const config::Config& config, auth::SecretSource& token, auth::SecretSource& api_key);

}  // namespace sigma::app
