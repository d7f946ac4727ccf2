// EventLoop: one epoll instance with timers (one timerfd), signals (signalfd)
// and cross-thread wake-ups (eventfd). Modelled on redis `ae`: register an fd
// with an interest set and a handler; timers on the monotonic clock; removal is
// deferred so a handler may remove itself or any other fd safely.
//
// Must not: busy-poll, block in a handler, or own the fds it watches.
// Threading: every member is for the loop thread only, except post() and
// stop(), which any thread may call.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>

#include "base/status.h"

namespace sigma::net {

// Interest and event bits.
inline constexpr uint32_t kReadable = 1u << 0;
inline constexpr uint32_t kWritable = 1u << 1;
// Event-only bits: peer hung up / socket error (always reported).
inline constexpr uint32_t kHangup = 1u << 2;
inline constexpr uint32_t kError = 1u << 3;

using IoHandler = std::function<void(uint32_t events)>;
using TimerId = uint64_t;

class EventLoop final {
 public:
  // Creates the epoll fd, the timerfd and the wake-up eventfd.
  static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts watching `fd` for `interest` (kReadable|kWritable). The loop does
  // not own `fd`. Fails when fd is already registered.
  Status add(int fd, uint32_t interest, IoHandler handler);
  // Changes the interest set of a registered fd.
  Status modify(int fd, uint32_t interest);
  // Stops watching `fd`; its handler will not be called again, even for events
  // already collected in this iteration. Safe from inside any handler.
  // Call before closing the fd.
  void remove(int fd);

  // One-shot timer after `delay_ms` (monotonic). Returns an id for cancel_timer.
  TimerId add_timer(int64_t delay_ms, std::function<void()> callback);
  // Repeating timer: first after `period_ms`, then every `period_ms` (values
  // below 1 count as 1) until cancel_timer(). Ticks missed while the loop was
  // busy are skipped, not replayed. The callback may cancel its own timer.
  TimerId add_periodic_timer(int64_t period_ms, std::function<void()> callback);
  // Cancelling an unknown or already-fired id is a no-op. Safe inside callbacks.
  void cancel_timer(TimerId id);

  // Blocks `signals` for the process (call before starting threads) and
  // delivers them through a signalfd to `handler` on the loop thread.
  Status watch_signals(std::initializer_list<int> signals, std::function<void(int signo)> handler);

  // Thread-safe: queues `fn` to run on the loop thread and wakes the loop.
  void post(std::function<void()> fn);

  // Runs until stop(). Sleeps in epoll_wait when there is nothing to do.
  void run();
  // Thread-safe: makes run() return after the current iteration.
  void stop();

 private:
  EventLoop();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigma::net
