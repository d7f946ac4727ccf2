// The node's side of SPEC §7: register at start, keep the id, heartbeat every
// AGENT_INTERVAL (± 10 %), register again when the API forgets the node, and
// never stop because the API is down.
//
// Owns: one thread of its own, the cancel eventfd that abandons an in-flight
// exchange at shutdown, the schedule (control/schedule) and the log lines of
// the control plane's state changes.
//
// Why its own thread, timed by itself (a condition variable), rather than
// the event loop's timers or the MCP worker pool: every exchange blocks for
// up to the API timeout, so it cannot run on the loop thread; on the worker
// pool a hanging API would hold pool threads that tool calls need (a slow
// API must never delay an MCP answer). With its own thread the agent's
// timing is a plain loop -- wait, exchange, pick the next delay -- and the
// loop thread only starts and stops it.
//
// What the log shows (info level and above; every attempt is also logged at
// debug with its delay and backoff ceiling):
//   - "registered with the control plane" once per registration, with the
//     id, the attempts it took and how long the API was unreachable;
//   - "cannot register with the control plane yet" at the first failure and
//     again only when the kind of failure changes (unreachable -> HTTP 500);
//   - "registration backoff reached its cap" once per outage;
//   - "heartbeat failed" at the first failed heartbeat, "heartbeats reach
//     the control plane again" when one succeeds after failures;
//   - "the control plane no longer knows this node" on a 404 heartbeat.
// So an hour-long outage costs a handful of lines, not one per attempt.
//
// Must not: run its exchanges on the loop thread, log the API key (the Api
// never puts it in a message), or give up.
// Threading: start() and request_stop() from the loop thread; the report
// provider and the observers run on the agent's thread and must be
// thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/unique_fd.h"
#include "control/api.h"
#include "control/directory.h"
#include "control/schedule.h"

namespace sigma::control {

struct AgentOptions {
  int64_t interval_ms = 60000;  // AGENT_INTERVAL
  uint64_t seed = 0;            // the schedule's (random_seed() in the daemon)
  int64_t backoff_base_ms = kBackoffBaseMs;
  int64_t backoff_cap_ms = kBackoffCapMs;
};

// What the node reports now (host facts, addresses); called before each
// exchange on the agent's thread.
using ReportProvider = std::function<NodeReport()>;

class Agent final {
 public:
  // `on_registered(bool)`: the registered gauge; may be empty.
  // REQUIRES: api and state outlive the agent.
  Agent(const Api& api, RegistrationState& state, ReportProvider report, AgentOptions options,
        std::function<void(bool)> on_registered);
  ~Agent();  // request_stop() and join
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Starts the thread; the first registration attempt is made at once.
  // Failure: no eventfd or no thread (resources), fatal at start.
  [[nodiscard]] Status start();
  // Wakes the thread, abandons an exchange in flight and lets the thread
  // end; returns at once (the destructor joins). Idempotent.
  void request_stop();

 private:
  void run();
  // Sleeps up to delay_ms; false when asked to stop.
  bool wait(int64_t delay_ms);
  bool stopping() const;
  // One registration attempt; returns the delay until the next step.
  int64_t try_register();
  int64_t beat();

  const Api& api_;
  RegistrationState& state_;
  ReportProvider report_;
  AgentOptions options_;
  std::function<void(bool)> on_registered_;
  Schedule schedule_;
  UniqueFd cancel_fd_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mutex_

  // The agent thread's own bookkeeping (no lock: one thread).
  std::string id_;
  int64_t failing_since_ms_ = 0;    // first failure of the current outage, 0 when none
  std::string last_failure_kind_;   // "unreachable", "http 500", ...
  bool cap_logged_ = false;
  uint32_t heartbeat_failures_ = 0;
};

}  // namespace sigma::control
