// The two long-running modes of the process: the HTTP daemon and `--stdio`.
//
// Owns: the order in which the daemon's parts are built and started, as a
// list of steps: read secrets -> plan the listeners, fitted to the descriptor
// limit -> loop and signals (before any thread) -> workers and the
// dispatcher -> endpoints, listeners and the control-plane agent as services
// -> start the services ->
// run until SIGTERM has drained.
// Must not: parse the configuration or decide policy: each step is one call
// into the module that owns it.
// Threading: main thread; returns the process exit status.
#pragma once

#include "app/control_plane.h"
#include "app/secrets.h"
#include "app/tool_set.h"
#include "config/config.h"

namespace sigma::app {

// Exit status 1: a runtime failure at start (no event loop, no signals).
inline constexpr int kExitRuntime = 1;

// MCP on stdin/stdout and no listener; returns when stdin ends.
int run_stdio(const config::Config& config, const ToolSet& tools);

// The daemon: listeners, services and the loop; returns after SIGTERM/SIGINT
// has drained (0), or a start-up failure's status.
int run_daemon(const config::Config& config, const ToolSet& tools, Secrets& secrets, ControlPlane& control_plane);

}  // namespace sigma::app
