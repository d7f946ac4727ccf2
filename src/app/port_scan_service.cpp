#include "app/port_scan_service.h"

#include <memory>
#include <utility>

#include "base/log.h"

namespace sigma::app {

PortScanService::PortScanService(net::EventLoop& loop, Executor& executor, host::PortScanner& scanner,
                                 int64_t interval_ms)
    : loop_(loop), executor_(executor), scanner_(scanner), interval_ms_(interval_ms) {}

Status PortScanService::start() {
  scanner_.set_periodic(true);
  log_info("port scan started", {{"range", std::to_string(scanner_.first()) + "-" + std::to_string(scanner_.last())},
                                 {"interval_s", std::to_string(interval_ms_ / 1000)}});
  // The first pass runs now rather than one interval after start, so
  // query_metrics and /metrics have numbers within moments.
  run_pass();
  timer_ = loop_.add_periodic_timer(interval_ms_, [this] { run_pass(); });
  return Status::ok();
}

void PortScanService::run_pass() {
  if (running_ || stopping_) {
    return;  // a pass longer than the interval: this tick is skipped, not queued
  }
  running_ = true;
  auto snapshot = std::make_shared<host::PortScanSnapshot>();
  // The work touches only the scanner, which outlives the daemon's loop and
  // pool, never this service: a pass still queued when a shutdown's grace
  // ran out must not reach a destroyed service.
  host::PortScanner& scanner = scanner_;
  executor_.run([&scanner, snapshot] { *snapshot = scanner.scan(); },
                [this, snapshot] { finished(std::move(*snapshot)); });
}

void PortScanService::finished(host::PortScanSnapshot snapshot) {
  running_ = false;
  ++passes_;
  if (snapshot.notes != last_notes_) {
    for (const std::string& note : snapshot.notes) {
      log_warn("port scan: " + note, {{"setting", "AGENT_HOST_PROC"}});
    }
    last_notes_ = snapshot.notes;
  }
  if (passes_ == 1) {
    log_info("port scan finished its first pass",
             {{"in_use", std::to_string(snapshot.in_use)},
              {"available", std::to_string(snapshot.available)},
              {"duration_ms", std::to_string(static_cast<int64_t>(snapshot.scan_duration_seconds * 1000))}});
  }
  scanner_.publish(std::move(snapshot));
  if (on_drained_) {
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    done();
  }
}

void PortScanService::begin_shutdown(std::function<void()> done) {
  stopping_ = true;
  if (timer_ != 0) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
  if (running_) {
    on_drained_ = std::move(done);  // the pass in flight is bounded; its end drains us
    return;
  }
  done();
}

}  // namespace sigma::app
