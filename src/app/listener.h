// A listener as a daemon service: opens one HTTP server per address and, when
// an address cannot be bound (a VPN interface that comes up later, a port
// that is taken), keeps the rest of the daemon running and retries with a
// capped exponential backoff.
//
// Owns: the listening sockets and their http::Server instances, the retry
// timer, and the "listening" / "cannot open" log lines (one per state change:
// a repeated identical failure is logged at debug only).
// Must not: decide whether the listener may open at all (auth/listener_policy
// does), or know what the handlers serve.
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/lifecycle.h"
#include "http/server.h"
#include "net/event_loop.h"
#include "net/socket.h"

namespace sigma::app {

inline constexpr int64_t kListenerRetryInitialMs = 1000;
inline constexpr int64_t kListenerRetryMaxMs = 30000;

struct ListenerSpec {
  std::string name;     // "mcp", "metrics": log lines read "<name> listening"
  std::string setting;  // the setting that names the address, for error lines
  std::vector<net::SocketAddress> addresses;  // each gets its own server
  http::ServerOptions server_options;
  http::HeadHandler head_handler;
  http::RequestHandler request_handler;
  // Extra fields for the "listening" line (e.g. {"auth", "bearer"}).
  std::vector<std::pair<std::string, std::string>> log_fields;
  // Called with true once every address is served, false at start and while
  // any is not. May be empty.
  std::function<void(bool up)> on_state;
  int64_t retry_initial_ms = kListenerRetryInitialMs;
  int64_t retry_max_ms = kListenerRetryMaxMs;
};

// A spec whose handlers are `endpoint`'s on_head and on_request.
// REQUIRES: `endpoint` outlives the listener.
template <typename Endpoint>
ListenerSpec endpoint_listener(std::string name, std::string setting, std::vector<net::SocketAddress> addresses,
                               http::ServerOptions options, Endpoint& endpoint) {
  ListenerSpec spec;
  spec.name = std::move(name);
  spec.setting = std::move(setting);
  spec.addresses = std::move(addresses);
  spec.server_options = options;
  spec.head_handler = [&endpoint](const http::Request& r) { return endpoint.on_head(r); };
  spec.request_handler = [&endpoint](http::Request&& r, http::Respond respond) {
    endpoint.on_request(std::move(r), std::move(respond));
  };
  return spec;
}

class ListenerService final : public daemon::Service {
 public:
  // REQUIRES: `loop` outlives the service; spec.addresses not empty.
  ListenerService(net::EventLoop& loop, ListenerSpec spec);
  ~ListenerService() override;

  std::string name() const override { return spec_.name + " listener"; }
  // Tries every address once and schedules retries for those that failed.
  // Always Ok: a bind failure is a state, not a fatal error.
  Status start() override;
  void begin_shutdown(std::function<void()> done) override;

  bool is_up() const;

 private:
  struct Slot {
    net::SocketAddress address;
    std::unique_ptr<http::Server> server;
    std::string last_error;  // the failure last logged, to log changes only
  };
  void try_open();
  void schedule_retry();

  net::EventLoop& loop_;
  ListenerSpec spec_;
  std::vector<Slot> slots_;
  int64_t next_delay_ms_;
  net::TimerId retry_timer_ = 0;
  bool stopping_ = false;
};

}  // namespace sigma::app
