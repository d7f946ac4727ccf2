// The control-plane client as the daemon uses it: the API, the registration
// state the tools read, what the node reports, and the agent as a daemon
// service.
//
// Owns: control::Api (built from SIGMA_API_URL, SIGMA_API_TIMEOUT and the API
// key's SecretSource), control::RegistrationState, the Directory handed to
// the tools, the mapping of host facts (host::collect, host/interfaces) to
// control::NodeReport, and the outcome observer that feeds the metrics.
// Must not: decide retry or timing policy (control/agent and control/schedule
// do) or log the API key (the Api never sees it in a message).
// Threading: built on the main thread before any other starts; set_metrics()
// before the service starts; afterwards the observers run on the agent's and
// the tools' threads (the registry is lock-free).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "auth/secret_source.h"
#include "config/config.h"
#include "control/agent.h"
#include "control/api.h"
#include "control/directory.h"
#include "daemon/lifecycle.h"
#include "host/ops.h"
#include "metrics/registry.h"

namespace sigma::app {

class ControlPlane final {
 public:
  // Standalone (nothing is built) when SIGMA_API_URL is unset.
  // REQUIRES: api_key outlives this.
  ControlPlane(const config::Config& config, const auth::SecretSource& api_key);
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  bool is_configured() const { return api_ != nullptr; }
  // For query_envoy_routes; nullptr when standalone.
  const control::Directory* directory() const { return directory_.get(); }
  // Counts every exchange in `registry` from now on. REQUIRES: registry
  // outlives this; called before any exchange.
  void set_metrics(metrics::Registry* registry) { metrics_.store(registry); }

  const control::Api& api() const { return *api_; }  // REQUIRES: is_configured()
  control::RegistrationState& state() { return state_; }
  metrics::Registry* metrics() const { return metrics_.load(); }

 private:
  std::atomic<metrics::Registry*> metrics_{nullptr};
  control::RegistrationState state_;
  std::unique_ptr<control::Api> api_;
  std::unique_ptr<control::ApiDirectory> directory_;
};

// What the node reports now: host::collect's facts, the interface addresses
// with their §7 labels, AGENT_ALIAS, AGENT_SSH_PORT, the metrics port when
// the listener is on, and the public IP when one is on an interface.
control::NodeReport collect_node_report(const config::Config& config, const host::HostOps& host);

// The agent (control/agent) as a daemon service: start() starts its thread,
// begin_shutdown() abandons an exchange in flight and is done at once (the
// thread is joined when the service is destroyed, which the cancel makes
// prompt).
class ControlPlaneService final : public daemon::Service {
 public:
  // REQUIRES: plane.is_configured(); everything outlives the service.
  ControlPlaneService(ControlPlane& plane, const config::Config& config);

  std::string name() const override { return "control plane"; }
  [[nodiscard]] Status start() override { return agent_.start(); }
  void begin_shutdown(std::function<void()> done) override {
    agent_.request_stop();
    done();
  }

 private:
  host::LocalHostOps host_;
  control::Agent agent_;
};

}  // namespace sigma::app
