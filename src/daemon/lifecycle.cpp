#include "daemon/lifecycle.h"

#include <signal.h>

#include <memory>
#include <utility>

#include "base/log.h"
#include "daemon/sd_notify.h"

namespace sigma::daemon {

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

Lifecycle::Lifecycle(net::EventLoop& loop, LifecycleOptions options) : loop_(loop), options_(std::move(options)) {}

Status Lifecycle::watch_signals() {
  ignore_sigpipe();
  return loop_.watch_signals({SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}, [this](int signo) {
    switch (signo) {
      case SIGHUP:
        log_info("SIGHUP: reloading secrets");
        if (options_.on_reload) {
          options_.on_reload();
        }
        break;
      case SIGUSR1:
      case SIGUSR2:
        log_debug("signal ignored", {{"signal", signo == SIGUSR1 ? "SIGUSR1" : "SIGUSR2"}});
        break;
      default:
        shutdown();
        break;
    }
  });
}

void Lifecycle::add(Service& service) { services_.push_back(&service); }

Status Lifecycle::start_services() {
  for (Service* service : services_) {
    if (Status s = service->start(); !s) {
      return Status::error(service->name() + ": " + s.message());
    }
  }
  return Status::ok();
}

void Lifecycle::run() {
  (void)notify("READY=1");
  if (int64_t ping_ms = watchdog_ping_interval_ms(); ping_ms > 0) {
    watchdog_timer_ = loop_.add_periodic_timer(ping_ms, [] { (void)notify("WATCHDOG=1"); });
  }
  loop_.run();
}

void Lifecycle::shutdown() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  log_info("shutting down: finishing in-flight work");
  (void)notify("STOPPING=1");
  auto remaining = std::make_shared<size_t>(services_.size());
  if (*remaining == 0) {
    loop_.stop();
    return;
  }
  for (Service* service : services_) {
    service->begin_shutdown([this, remaining] {
      if (--*remaining == 0) {
        loop_.stop();
      }
    });
  }
  loop_.add_timer(options_.shutdown_grace_ms, [this] {
    log_warn("shutdown grace period over; closing what remains");
    loop_.stop();
  });
}

}  // namespace sigma::daemon
