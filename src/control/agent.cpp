#include "control/agent.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "base/clock.h"
#include "base/log.h"

namespace sigma::control {
namespace {

// The kind of a failure, for "log again only when it changes".
std::string failure_kind(const ApiFailure& f) {
  std::string kind(outcome_name(f.outcome));
  if (f.http_status != 0) {
    kind += " " + std::to_string(f.http_status);
  }
  return kind;
}

std::string seconds_text(int64_t ms) { return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100); }

}  // namespace

Agent::Agent(const Api& api, RegistrationState& state, ReportProvider report, AgentOptions options,
             std::function<void(bool)> on_registered)
    : api_(api),
      state_(state),
      report_(std::move(report)),
      options_(options),
      on_registered_(std::move(on_registered)),
      schedule_(options.seed, options.interval_ms, options.backoff_base_ms, options.backoff_cap_ms) {}

Agent::~Agent() {
  request_stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

Status Agent::start() {
  cancel_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!cancel_fd_.is_valid()) {
    return Status::from_errno("eventfd", errno);
  }
  state_.set_agent_running();
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void Agent::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) {
      return;
    }
    stop_ = true;
  }
  wake_.notify_all();
  if (cancel_fd_.is_valid()) {
    // The eventfd stays readable from now on, so every wait of an exchange
    // in flight (and any later one) returns "cancelled" at once.
    uint64_t one = 1;
    ssize_t n = ::write(cancel_fd_.get(), &one, sizeof(one));
    (void)n;  // EAGAIN means the counter is already non-zero: readable anyway
  }
}

bool Agent::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

bool Agent::wait(int64_t delay_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(delay_ms < 0 ? 0 : delay_ms), [this] { return stop_; });
  return !stop_;
}

void Agent::run() {
  log_info("control plane: registering", {{"api", api_.base_text()}});
  int64_t delay_ms = 0;
  while (wait(delay_ms)) {
    delay_ms = id_.empty() ? try_register() : beat();
  }
}

int64_t Agent::try_register() {
  const NodeReport report = report_();
  ApiResult<Registration> r = api_.register_node(report, cancel_fd_.get());
  if (stopping()) {
    return 0;
  }
  if (r.ok()) {
    const uint32_t attempts = schedule_.failures() + 1;
    id_ = r.value->id;
    state_.set_id(id_);
    if (on_registered_) {
      on_registered_(true);
    }
    std::vector<LogField> fields = {{"id", id_}, {"hostname", report.hostname}, {"attempts", std::to_string(attempts)}};
    if (failing_since_ms_ != 0) {
      fields.push_back({"unreachable_for_s", seconds_text(monotonic_ms() - failing_since_ms_)});
    }
    log(LogLevel::kInfo, "registered with the control plane", fields);
    schedule_.reset();
    failing_since_ms_ = 0;
    last_failure_kind_.clear();
    cap_logged_ = false;
    heartbeat_failures_ = 0;
    return schedule_.first_heartbeat_delay_ms();
  }
  const ApiFailure& f = r.failure;
  const int64_t delay = schedule_.next_retry_delay_ms();
  const std::string kind = failure_kind(f);
  if (failing_since_ms_ == 0) {
    failing_since_ms_ = monotonic_ms();
  }
  const std::string attempt = std::to_string(schedule_.failures());
  log_debug("control plane: registration attempt failed",
            {{"attempt", attempt}, {"error", f.message}, {"retry_in_ms", std::to_string(delay)},
             {"ceiling_ms", std::to_string(schedule_.last_ceiling_ms())}});
  if (kind != last_failure_kind_) {
    last_failure_kind_ = kind;
    log_warn("cannot register with the control plane yet; retrying with backoff",
             {{"error", f.message}, {"attempt", attempt}, {"retry_in_s", seconds_text(delay)}});
  }
  if (!cap_logged_ && schedule_.last_ceiling_ms() >= options_.backoff_cap_ms) {
    cap_logged_ = true;
    log_info("control plane: registration backoff reached its cap; each wait is now at most cap_s",
             {{"attempts", attempt}, {"cap_s", seconds_text(options_.backoff_cap_ms)},
              {"unreachable_for_s", seconds_text(monotonic_ms() - failing_since_ms_)}});
  }
  return delay;
}

int64_t Agent::beat() {
  ApiResult<Empty> r = api_.heartbeat(report_(), cancel_fd_.get());
  if (stopping()) {
    return 0;
  }
  if (r.ok()) {
    if (heartbeat_failures_ != 0) {
      log_info("heartbeats reach the control plane again",
               {{"failed_heartbeats", std::to_string(heartbeat_failures_)},
                {"unreachable_for_s", seconds_text(monotonic_ms() - failing_since_ms_)}});
      heartbeat_failures_ = 0;
      failing_since_ms_ = 0;
      last_failure_kind_.clear();
    }
    log_debug("control plane: heartbeat delivered");
    return schedule_.heartbeat_delay_ms();
  }
  const ApiFailure& f = r.failure;
  if (f.http_status == 404) {
    log_warn("the control plane no longer knows this node; registering again",
             {{"id", id_}, {"error", f.message}});
    id_.clear();
    state_.set_id(std::string());
    if (on_registered_) {
      on_registered_(false);
    }
    heartbeat_failures_ = 0;
    failing_since_ms_ = 0;
    last_failure_kind_.clear();
    return 0;
  }
  ++heartbeat_failures_;
  log_debug("control plane: heartbeat failed", {{"error", f.message}});
  const std::string kind = failure_kind(f);
  if (heartbeat_failures_ == 1) {
    failing_since_ms_ = monotonic_ms();
  }
  if (kind != last_failure_kind_) {
    last_failure_kind_ = kind;
    log_warn("heartbeat failed; the agent keeps beating at its interval", {{"error", f.message}});
  }
  return schedule_.heartbeat_delay_ms();
}

}  // namespace sigma::control
