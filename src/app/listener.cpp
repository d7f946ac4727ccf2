#include "app/listener.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace sigma::app {

ListenerService::ListenerService(net::EventLoop& loop, ListenerSpec spec)
    : loop_(loop), spec_(std::move(spec)), next_delay_ms_(spec_.retry_initial_ms) {
  for (const net::SocketAddress& address : spec_.addresses) {
    slots_.push_back(Slot{address, nullptr, {}});
  }
}

ListenerService::~ListenerService() {
  if (retry_timer_ != 0) {
    loop_.cancel_timer(retry_timer_);
  }
}

bool ListenerService::is_up() const {
  return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.server != nullptr; });
}

Status ListenerService::start() {
  if (spec_.on_state) {
    spec_.on_state(false);
  }
  try_open();
  return Status::ok();
}

void ListenerService::try_open() {
  retry_timer_ = 0;
  if (stopping_) {
    return;
  }
  for (Slot& slot : slots_) {
    if (slot.server) {
      continue;
    }
    const std::string address = slot.address.to_string();
    Result<std::unique_ptr<http::Server>> server = [&]() -> Result<std::unique_ptr<http::Server>> {
      auto fd = net::listen_tcp(slot.address);
      if (!fd) {
        return fd.status();
      }
      auto local = net::local_address(fd->get());
      if (local) {
        slot.address = *local;  // learn the port chosen for :0
      }
      return http::Server::create(loop_, std::move(*fd), spec_.server_options, spec_.head_handler,
                                  spec_.request_handler);
    }();
    if (server) {
      slot.server = std::move(*server);
      const bool recovered = !slot.last_error.empty();
      slot.last_error.clear();
      std::vector<LogField> fields;
      fields.push_back({"address", slot.address.to_string()});
      for (const auto& [k, v] : spec_.log_fields) {
        fields.push_back({k, v});
      }
      if (recovered) {
        fields.push_back({"after", "retry"});
      }
      log(LogLevel::kInfo, spec_.name + " listening", fields);
      continue;
    }
    if (server.error() != slot.last_error) {
      slot.last_error = server.error();
      log_error("cannot open the " + spec_.name + " listener; the rest of the agent keeps running and the bind is "
                                                  "retried",
                {{"setting", spec_.setting},
                 {"address", address},
                 {"error", server.error()},
                 {"retry_in_ms", std::to_string(next_delay_ms_)}});
    } else {
      log_debug("listener bind retry failed", {{"listener", spec_.name}, {"address", address}});
    }
  }
  const bool up = is_up();
  if (spec_.on_state) {
    spec_.on_state(up);
  }
  if (up) {
    next_delay_ms_ = spec_.retry_initial_ms;
  } else {
    schedule_retry();
  }
}

void ListenerService::schedule_retry() {
  const int64_t delay = next_delay_ms_;
  next_delay_ms_ = std::min(next_delay_ms_ * 2, spec_.retry_max_ms);
  retry_timer_ = loop_.add_timer(delay, [this] { try_open(); });
}

void ListenerService::begin_shutdown(std::function<void()> done) {
  stopping_ = true;
  if (retry_timer_ != 0) {
    loop_.cancel_timer(retry_timer_);
    retry_timer_ = 0;
  }
  auto remaining = std::make_shared<size_t>(0);
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (Slot& slot : slots_) {
    if (slot.server) {
      ++*remaining;
    }
  }
  if (*remaining == 0) {
    (*shared_done)();
    return;
  }
  for (Slot& slot : slots_) {
    if (slot.server) {
      slot.server->begin_shutdown([remaining, shared_done] {
        if (--*remaining == 0) {
          (*shared_done)();
        }
      });
    }
  }
}

}  // namespace sigma::app
