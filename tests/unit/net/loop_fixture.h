// Test helpers shared by the event-loop and worker-pool tests: a loop that
// must exist, and a watchdog timer so a broken loop fails instead of hanging.
#pragma once

#include <doctest/doctest.h>

#include <memory>

#include "net/event_loop.h"

namespace sigma::net::test {

inline std::unique_ptr<EventLoop> make_loop() {
  auto loop = EventLoop::create();
  REQUIRE(loop.is_ok());
  return std::move(loop).value();
}

// Stops the loop after `ms` and fails the running test.
inline TimerId add_watchdog(EventLoop& loop, int64_t ms = 5000) {
  return loop.add_timer(ms, [&loop] {
    FAIL_CHECK("event loop watchdog fired");
    loop.stop();
  });
}

}  // namespace sigma::net::test
