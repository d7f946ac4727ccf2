// daemon::Lifecycle with fake services on a real event loop. Signals are not
// exercised here (they would stay blocked in the test process); the
// integration tests send real ones to the real binary.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "../net/loop_fixture.h"
#include "daemon/lifecycle.h"

using sigma::Status;
using sigma::daemon::Lifecycle;
using sigma::daemon::LifecycleOptions;
using sigma::net::test::add_watchdog;
using sigma::net::test::make_loop;

namespace {

struct FakeService final : sigma::daemon::Service {
  FakeService(std::string n, std::vector<std::string>& journal) : service_name(std::move(n)), events(journal) {}
  std::string name() const override { return service_name; }
  Status start() override {
    events.push_back("start " + service_name);
    return fail_start ? Status::error("address in use") : Status::ok();
  }
  void begin_shutdown(std::function<void()> done) override {
    events.push_back("shutdown " + service_name);
    if (finish_at_once) {
      done();
    } else {
      pending = std::move(done);
    }
  }
  std::string service_name;
  std::vector<std::string>& events;
  bool fail_start = false;
  bool finish_at_once = true;
  std::function<void()> pending;
};

}  // namespace

TEST_CASE("services start in the order they were added") {
  auto loop = make_loop();
  Lifecycle lifecycle(*loop, {});
  std::vector<std::string> events;
  FakeService a("a", events), b("b", events);
  lifecycle.add(a);
  lifecycle.add(b);
  REQUIRE(lifecycle.start_services().is_ok());
  CHECK(events == std::vector<std::string>{"start a", "start b"});
}

TEST_CASE("a service that fails to start is named and the ones after it are not started") {
  auto loop = make_loop();
  Lifecycle lifecycle(*loop, {});
  std::vector<std::string> events;
  FakeService a("metrics listener", events), b("b", events);
  a.fail_start = true;
  lifecycle.add(a);
  lifecycle.add(b);
  Status s = lifecycle.start_services();
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message() == "metrics listener: address in use");
  CHECK(events == std::vector<std::string>{"start metrics listener"});
}

TEST_CASE("shutdown asks every service to stop and the loop ends when all are done") {
  auto loop = make_loop();
  Lifecycle lifecycle(*loop, {});
  std::vector<std::string> events;
  FakeService a("a", events), b("b", events);
  b.finish_at_once = false;
  lifecycle.add(a);
  lifecycle.add(b);
  REQUIRE(lifecycle.start_services().is_ok());
  add_watchdog(*loop);
  loop->add_timer(1, [&] { lifecycle.shutdown(); });
  // b finishes its in-flight work a little later; until then the loop runs.
  loop->add_timer(30, [&] {
    REQUIRE(b.pending);
    events.push_back("b drained");
    b.pending();
  });
  lifecycle.run();
  CHECK(lifecycle.is_stopping());
  CHECK(events == std::vector<std::string>{"start a", "start b", "shutdown a", "shutdown b", "b drained"});
}

TEST_CASE("a second shutdown request does not ask the services again") {
  auto loop = make_loop();
  Lifecycle lifecycle(*loop, {});
  std::vector<std::string> events;
  FakeService a("a", events);
  a.finish_at_once = false;
  lifecycle.add(a);
  REQUIRE(lifecycle.start_services().is_ok());
  add_watchdog(*loop);
  loop->add_timer(1, [&] {
    lifecycle.shutdown();
    lifecycle.shutdown();
    a.pending();
  });
  lifecycle.run();
  CHECK(events == std::vector<std::string>{"start a", "shutdown a"});
}

TEST_CASE("the grace period ends a shutdown whose service never drains") {
  auto loop = make_loop();
  LifecycleOptions options;
  options.shutdown_grace_ms = 50;
  Lifecycle lifecycle(*loop, options);
  std::vector<std::string> events;
  FakeService stuck("stuck", events);
  stuck.finish_at_once = false;
  lifecycle.add(stuck);
  REQUIRE(lifecycle.start_services().is_ok());
  add_watchdog(*loop, 3000);  // fails the test if the grace timer did not stop the loop
  loop->add_timer(1, [&] { lifecycle.shutdown(); });
  lifecycle.run();
  CHECK(events == std::vector<std::string>{"start stuck", "shutdown stuck"});
}

TEST_CASE("with no services a shutdown stops the loop at once") {
  auto loop = make_loop();
  Lifecycle lifecycle(*loop, {});
  REQUIRE(lifecycle.start_services().is_ok());
  add_watchdog(*loop);
  loop->add_timer(1, [&] { lifecycle.shutdown(); });
  lifecycle.run();
  CHECK(lifecycle.is_stopping());
}
