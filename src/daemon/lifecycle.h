// The daemon's lifecycle: services started in order, signals, readiness, the
// systemd watchdog, and the bounded drain of in-flight work at shutdown.
//
// Owns: the SIGTERM/SIGINT/SIGHUP/SIGUSR1/SIGUSR2 dispositions (through the
// loop's signalfd), the READY/STOPPING/WATCHDOG notifications, the periodic
// watchdog timer and the shutdown grace timer.
// Must not: know what a service does (HTTP, control plane, scanner): it sees
// only the Service interface.
// Threading: everything runs on the loop thread. Construct and call
// watch_signals() before any other thread exists, so the blocked signal mask
// is inherited by every thread started later.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/event_loop.h"

namespace sigma::daemon {

// A long-running part of the daemon (a listener, the control-plane client, the
// port scanner). Both calls happen on the loop thread.
class Service {
 public:
  virtual ~Service() = default;
  // For log lines: "mcp listener", "control plane".
  virtual std::string name() const = 0;
  // Begins the service's work. A failure here is fatal to the daemon at start;
  // a service that may fail later and recover (a listener whose address is
  // not there yet) retries by itself and returns Ok.
  [[nodiscard]] virtual Status start() = 0;
  // Stops taking new work and calls `done` (on the loop thread, exactly once)
  // when the in-flight work has finished. `done` may be called before this
  // returns.
  virtual void begin_shutdown(std::function<void()> done) = 0;
};

// A peer that vanished makes write(2) fail with EPIPE, which every writer
// handles; SIGPIPE's default action would end the process instead.
void ignore_sigpipe();

inline constexpr int64_t kDefaultShutdownGraceMs = 10000;

struct LifecycleOptions {
  // In-flight work gets this long after SIGTERM before the loop stops anyway.
  int64_t shutdown_grace_ms = kDefaultShutdownGraceMs;
  // SIGHUP: re-read secrets and the like. May be empty.
  std::function<void()> on_reload;
};

class Lifecycle final {
 public:
  // REQUIRES: `loop` outlives the lifecycle.
  Lifecycle(net::EventLoop& loop, LifecycleOptions options);
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // SIGTERM/SIGINT begin the shutdown, SIGHUP calls on_reload, SIGUSR1 and
  // SIGUSR2 are ignored (their default action would kill the daemon).
  // REQUIRES: called before any thread is started.
  [[nodiscard]] Status watch_signals();

  // Services start in the order added and are shut down together.
  // REQUIRES: `service` outlives the lifecycle; called before start_services().
  void add(Service& service);

  // Starts every service in order; the first failure is returned (naming the
  // service) and the ones after it are not started.
  [[nodiscard]] Status start_services();

  // Tells systemd we are ready, pings its watchdog at half WATCHDOG_USEC, and
  // runs the loop until the shutdown has drained (or its grace ran out).
  void run();

  // What SIGTERM does: STOPPING=1, begin_shutdown on every service, and the
  // loop stops when all are done or after shutdown_grace_ms. Idempotent.
  void shutdown();

  bool is_stopping() const { return stopping_; }

 private:
  net::EventLoop& loop_;
  LifecycleOptions options_;
  std::vector<Service*> services_;
  bool stopping_ = false;
  net::TimerId watchdog_timer_ = 0;
};

}  // namespace sigma::daemon
