// daemon/sd_notify against a real NOTIFY_SOCKET: a datagram socket the test
// binds, by path and in the abstract namespace, as systemd does.
#include "daemon/sd_notify.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>

#include "../../notify_listener.h"

namespace sigma::daemon {
namespace {

TEST_CASE("notify sends each state as one datagram to a path socket and an abstract one") {
  for (bool abstract : {false, true}) {
    SUBCASE(abstract ? "abstract" : "path") {
      sigma::test::NotifyListener listener(abstract);
      REQUIRE(notify("READY=1"));
      CHECK(listener.receive() == std::optional<std::string>("READY=1"));
      REQUIRE(notify("WATCHDOG=1"));
      REQUIRE(notify("STOPPING=1"));
      CHECK(listener.receive() == std::optional<std::string>("WATCHDOG=1"));
      CHECK(listener.receive() == std::optional<std::string>("STOPPING=1"));
      CHECK_FALSE(listener.receive(50).has_value());
    }
  }
}

TEST_CASE("without NOTIFY_SOCKET notify is a no-op; a bad address is an error, not a crash") {
  unsetenv("NOTIFY_SOCKET");
  CHECK(notify("READY=1"));
  setenv("NOTIFY_SOCKET", "relative/socket", 1);
  Status relative = notify("READY=1");
  CHECK_FALSE(relative);
  CHECK(relative.message() == "NOTIFY_SOCKET: unsupported address");
  setenv("NOTIFY_SOCKET", "/nonexistent/sigma-notify", 1);
  Status missing = notify("READY=1");
  CHECK_FALSE(missing);
  CHECK(missing.message().find("/nonexistent/sigma-notify") != std::string::npos);
  unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("the watchdog pings at half of WATCHDOG_USEC, only for the pid it names") {
  struct Case {
    const char* usec;
    const char* pid;  // nullptr: unset; "self": our pid
    int64_t ping_ms;
  };
  const Case cases[] = {
      {"2000000", nullptr, 1000}, {"2000000", "self", 1000}, {"2000000", "1", 0}, {"30000000", nullptr, 15000},
      {"1500", nullptr, 1},        {"0", nullptr, 0},         {"junk", nullptr, 0}, {nullptr, nullptr, 0},
  };
  for (const Case& c : cases) {
    if (c.usec != nullptr) {
      setenv("WATCHDOG_USEC", c.usec, 1);
    } else {
      unsetenv("WATCHDOG_USEC");
    }
    if (c.pid == nullptr) {
      unsetenv("WATCHDOG_PID");
    } else {
      const std::string pid = std::string(c.pid) == "self" ? std::to_string(::getpid()) : c.pid;
      setenv("WATCHDOG_PID", pid.c_str(), 1);
    }
    CHECK_MESSAGE(watchdog_ping_interval_ms() == c.ping_ms, (c.usec ? c.usec : "unset"));
  }
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
}

}  // namespace
}  // namespace sigma::daemon
