#include "app/control_plane.h"

#include <ctime>
#include <utility>

namespace sigma::app {

ControlPlane::ControlPlane(const config::Config& config, const auth::SecretSource& api_key) {
  if (!config.api_url_parsed) {
    return;
  }
  control::ApiOptions options;
  options.request_timeout_ms = config.api_timeout_s * 1000;
  api_ = std::make_unique<control::Api>(
      *config.api_url_parsed, [&api_key] { return api_key.current(); }, options,
      [this](control::Operation operation, control::Outcome outcome) {
        if (metrics::Registry* registry = metrics_.load()) {
          registry->inc_control_plane_request(control::operation_name(operation), control::outcome_name(outcome),
                                              static_cast<int64_t>(std::time(nullptr)));
        }
      });
  directory_ = std::make_unique<control::ApiDirectory>(*api_, state_);
}

control::NodeReport collect_node_report(const config::Config& config, const host::HostOps& host) {
  const host::HostSnapshot snapshot = host::collect(host, "/", config.hostname.value_or(""));
  control::NodeReport report;
  report.hostname = snapshot.hostname.value_or("");
  report.alias = config.alias;
  report.ssh_port = config.ssh_port;
  std::vector<host::LabelledAddress> labelled;
  if (Result<std::vector<host::InterfaceAddress>> addresses = host.interface_addresses(); addresses) {
    labelled = host::label_addresses(*addresses);
  }
  control::SystemInfo& info = report.system_info;
  info.public_ip = host::first_public_address(labelled);
  for (host::LabelledAddress& a : labelled) {
    report.ip_addresses.push_back({std::move(a.ip), std::move(a.label)});
  }
  info.cpu_cores = snapshot.cpu_cores;
  info.ram_mb = snapshot.ram_total_mb;
  if (snapshot.disk) {
    info.disk_gb = snapshot.disk->total_gb;
    info.disk_used_gb = snapshot.disk->used_gb;
  }
  info.uptime_seconds = snapshot.uptime_seconds;
  if (snapshot.load_avg) {
    info.load_1 = snapshot.load_avg->one_min;
    info.load_5 = snapshot.load_avg->five_min;
    info.load_15 = snapshot.load_avg->fifteen_min;
  }
  if (config.metrics_port != 0) {
    info.metrics_port = config.metrics_port;
  }
  return report;
}

namespace {

// The SPEC §7 cap is stated in both places a default lives; they must agree.
static_assert(config::kDefaultApiRetryMaxSeconds * 1000 == control::kBackoffCapMs);

control::AgentOptions agent_options(const config::Config& config) {
  control::AgentOptions options;
  options.interval_ms = config.interval_s * 1000;
  options.backoff_cap_ms = config.api_retry_max_s * 1000;
  options.seed = control::random_seed();
  return options;
}

}  // namespace

ControlPlaneService::ControlPlaneService(ControlPlane& plane, const config::Config& config)
    : host_(config.host_proc),
      agent_(plane.api(), plane.state(),
             [this, &config] { return collect_node_report(config, host_); }, agent_options(config),
             [&plane](bool registered) {
               if (metrics::Registry* registry = plane.metrics()) {
                 registry->set_control_plane_registered(registered);
               }
             }) {}

}  // namespace sigma::app
