// app::PortScanService on a real loop: a pass at start, passes on the timer,
// never two at once, and a shutdown that waits for the pass in flight.
#include <doctest/doctest.h>

#include <functional>
#include <utility>
#include <vector>

#include "../fake_host_ops.h"
#include "../net/loop_fixture.h"
#include "app/port_scan_service.h"

using sigma::app::PortScanService;
using sigma::host::LocalHostOps;
using sigma::host::PortScanner;
using sigma::net::test::add_watchdog;
using sigma::net::test::make_loop;

namespace {

constexpr const char* kSockets = "tests/fixtures/proc/sockets";

// Holds work until the test runs it: a pass "in flight" for as long as needed.
class ManualExecutor final : public sigma::Executor {
 public:
  void run(std::function<void()> work, std::function<void()> done) override {
    queued.emplace_back(std::move(work), std::move(done));
  }
  void finish_one() {
    REQUIRE_FALSE(queued.empty());
    auto [work, done] = std::move(queued.front());
    queued.erase(queued.begin());
    work();
    done();
  }
  std::vector<std::pair<std::function<void()>, std::function<void()>>> queued;
};

// Counts the socket-table reads: four per pass.
class CountingHost final : public sigma::test::ForwardingHostOps {
 public:
  using ForwardingHostOps::ForwardingHostOps;
  sigma::Status read_proc_chunks(std::string_view p, size_t n,
                                 const sigma::host::ProcFs::ChunkSink& sink) const override {
    ++table_reads;
    return ForwardingHostOps::read_proc_chunks(p, n, sink);
  }
  mutable int table_reads = 0;
};

}  // namespace

TEST_CASE("the first pass runs at start and its snapshot is published") {
  auto loop = make_loop();
  LocalHostOps host(kSockets);
  PortScanner scanner(host, 10000, 10100);
  sigma::InlineExecutor executor;
  PortScanService service(*loop, executor, scanner, 60000);
  REQUIRE(service.start().is_ok());
  REQUIRE(scanner.latest().has_value());
  CHECK(scanner.latest()->in_use == 11);
  // From now on query_metrics reads the service's snapshots, never scans itself.
  CHECK(scanner.current(0)->in_use == 11);
  bool done = false;
  service.begin_shutdown([&done] { done = true; });
  CHECK(done);
}

TEST_CASE("passes repeat on the timer") {
  auto loop = make_loop();
  LocalHostOps real(kSockets);
  CountingHost host(real);
  PortScanner scanner(host, 10000, 10100);
  sigma::InlineExecutor executor;
  PortScanService service(*loop, executor, scanner, 1);
  REQUIRE(service.start().is_ok());
  add_watchdog(*loop);
  sigma::net::TimerId poll = loop->add_periodic_timer(1, [&] {
    if (host.table_reads >= 3 * 4) {
      loop->stop();
    }
  });
  loop->run();
  loop->cancel_timer(poll);
  CHECK(host.table_reads >= 12);
  bool done = false;
  service.begin_shutdown([&done] { done = true; });
  CHECK(done);
}

TEST_CASE("a tick while a pass runs is skipped, and shutdown waits for that pass") {
  auto loop = make_loop();
  LocalHostOps host(kSockets);
  PortScanner scanner(host, 10000, 10100);
  ManualExecutor executor;
  PortScanService service(*loop, executor, scanner, 1);
  REQUIRE(service.start().is_ok());
  REQUIRE(executor.queued.size() == 1);
  // Let the timer tick several times while the first pass is still queued.
  add_watchdog(*loop);
  int ticks = 0;
  sigma::net::TimerId t = loop->add_periodic_timer(1, [&] {
    if (++ticks == 5) {
      loop->stop();
    }
  });
  loop->run();
  loop->cancel_timer(t);
  CHECK(executor.queued.size() == 1);
  CHECK_FALSE(scanner.latest().has_value());

  int done = 0;
  service.begin_shutdown([&done] { ++done; });
  CHECK(done == 0);
  executor.finish_one();
  CHECK(done == 1);
  CHECK(scanner.latest().has_value());
  CHECK(executor.queued.empty());
}
