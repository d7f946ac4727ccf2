// Start-up decisions taken before anything is opened: whether and where each
// listener may serve (SPEC §4), the HTTP limits the listeners share, and the
// `--check-config` report that prints those decisions without acting on them.
//
// Owns: the wording of the plan's summary sentences (the log and
// --check-config print the same ones).
// Must not: open a socket or start a thread.
// Threading: main thread, at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "auth/listener_policy.h"
#include "auth/secret_source.h"
#include "config/config.h"
#include "host/ops.h"
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

// The control-plane decision in one sentence, for --check-config: standalone,
// or the API's URL (without credentials), the heartbeat interval and timeout,
// and whether (and from where) an X-Api-Key is sent. Never the key.
std::string control_plane_summary(const config::Config& config, const auth::SecretSource& api_key);

// Logs the decision: a refusal as one error line (SPEC §4: the rest of the
// agent keeps running), a listener that will serve as one info line, and
// each warning of the plan.
void log_plan(const auth::ListenerPlan& plan);

// The metrics listener: empty addresses when AGENT_METRICS_PORT=0; `error`
// set when AGENT_METRICS_BIND does not resolve.
struct MetricsPlan {
  std::vector<net::SocketAddress> addresses;
  std::string error;
  // Every resolved address is loopback (SPEC §4's classification): only
  // then is POST /ports/allocate served without the MCP token.
  bool is_loopback = false;
};

MetricsPlan plan_metrics(const config::Config& config);

// The HTTP limits of one listener: the shared settings and its own
// connection limit (DescriptorPlan's, from AGENT_HTTP_MAX_CONNECTIONS for MCP
// and AGENT_METRICS_MAX_CONNECTIONS for metrics).
http::ServerOptions server_options(const config::Config& config, size_t max_connections);

// How the listeners' connection limits fit the descriptor limit: every
// connection the listeners may hold, plus what the daemon needs for itself,
// must fit RLIMIT_NOFILE, so that connections to the metrics port (no
// authentication, every address by default) can never take the descriptors
// MCP needs.
struct DescriptorPlan {
  uint64_t needed = 0;         // connections at the configured limits + own needs
  uint64_t soft_limit = 0;     // the soft limit to set (raised up to `hard`)
  size_t mcp_max_connections = 0;      // per MCP address, maybe clamped
  size_t metrics_max_connections = 0;  // per metrics address, maybe clamped
  std::string warning;         // set when the limits had to be clamped
};

// Descriptors the daemon keeps for itself beyond its connections: standard
// streams, epoll, timer, signal and wake-up descriptors, one spare per
// listener for refusing when full, and per worker a /proc file and two
// sockets of a bind test.
uint64_t own_descriptor_needs(size_t listeners, int worker_threads);

// Pure: the plan for limits `soft`/`hard` (RLIM_INFINITY allowed). When the
// hard limit cannot hold everything, the metrics listeners get at most a
// quarter of what remains and MCP the rest, both at least 1.
DescriptorPlan plan_descriptors(size_t mcp_max, size_t mcp_addresses, size_t metrics_max, size_t metrics_addresses,
                                uint64_t own_needs, uint64_t soft, uint64_t hard);

// Applies plan_descriptors to this process: raises the soft RLIMIT_NOFILE
// when needed (up to the hard limit) and logs the warning of a clamp.
DescriptorPlan fit_descriptor_limit(const config::Config& config, size_t mcp_addresses, size_t metrics_addresses);

// The node's name for metric labels: AGENT_HOSTNAME when set, else the
// kernel's (sys/kernel/hostname under the procfs root, then gethostname(2)),
// else "unknown".
std::string node_hostname(const config::Config& config, const host::HostOps& host);

// Prints the effective configuration and the plan to stdout; returns the exit
// status (0, or config::kExitConfig when the daemon would not start as asked).
int check_config(const config::Config& config, auth::SecretSource& token, auth::SecretSource& api_key);

}  // namespace sigma::app
