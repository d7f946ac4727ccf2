#include "net/worker_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "loop_fixture.h"

namespace sigma::net {
namespace {

using test::add_watchdog;
using test::make_loop;

TEST_CASE("work runs on a pool thread and done runs on the loop thread") {
  auto loop = make_loop();
  WorkerPool pool(*loop, 2);
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id work_thread;
  std::thread::id done_thread;
  pool.run([&] { work_thread = std::this_thread::get_id(); },
           [&] {
             done_thread = std::this_thread::get_id();
             loop->stop();
           });
  add_watchdog(*loop);
  loop->run();
  CHECK((work_thread != std::thread::id()));
  CHECK((work_thread != loop_thread));
  CHECK((done_thread == loop_thread));
}

TEST_CASE("two work items run concurrently on a two-thread pool") {
  auto loop = make_loop();
  WorkerPool pool(*loop, 2);
  std::atomic<int> arrived{0};
  std::atomic<int> met{0};
  int done_count = 0;
  // Each item waits until the other has started: only possible if both run
  // at the same time. The deadline keeps a broken pool from hanging the test.
  auto work = [&] {
    arrived.fetch_add(1);
    const int64_t deadline = monotonic_ms() + 2000;
    while (arrived.load() < 2 && monotonic_ms() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (arrived.load() >= 2) {
      met.fetch_add(1);
    }
  };
  size_t pending_in_last_done = 99;
  auto done = [&] {
    if (++done_count == 2) {
      pending_in_last_done = pool.pending();
      loop->stop();
    }
  };
  pool.run(work, done);
  pool.run(work, done);
  add_watchdog(*loop);
  loop->run();
  CHECK(met.load() == 2);
  CHECK(done_count == 2);
  CHECK(pending_in_last_done == 0);
}

TEST_CASE("pending counts queued and running work") {
  auto loop = make_loop();
  WorkerPool pool(*loop, 1);
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  pool.run(
      [&] {
        started = true;
        while (!release.load()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      },
      [] {});
  pool.run([] {}, [] {});
  pool.run([] {}, [] {});
  const int64_t deadline = monotonic_ms() + 2000;
  while (!started.load() && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(pool.pending() == 3);
  release = true;
  while (pool.pending() != 0 && monotonic_ms() < deadline + 2000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(pool.pending() == 0);
}

TEST_CASE("the destructor finishes queued work before joining") {
  auto loop = make_loop();
  std::atomic<int> worked{0};
  int done_count = 0;
  {
    WorkerPool pool(*loop, 1);
    for (int i = 0; i < 10; ++i) {
      pool.run(
          [&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            worked.fetch_add(1);
          },
          [&] { ++done_count; });
    }
  }
  CHECK(worked.load() == 10);
  // Every done was posted before the destructor returned; the loop runs them.
  loop->post([&] { loop->stop(); });
  add_watchdog(*loop);
  loop->run();
  CHECK(done_count == 10);
}

TEST_CASE("a throwing work item still gets its done and the pool keeps working") {
  log_set_level(LogLevel::kError);
  auto loop = make_loop();
  WorkerPool pool(*loop, 1);
  int done_count = 0;
  bool later_ran = false;
  pool.run([] { throw std::runtime_error("boom"); }, [&] { ++done_count; });
  pool.run([] { throw 42; }, [&] { ++done_count; });
  pool.run([&] { later_ran = true; },
           [&] {
             ++done_count;
             loop->stop();
           });
  add_watchdog(*loop);
  loop->run();
  CHECK(done_count == 3);
  CHECK(later_ran);
  log_set_level(LogLevel::kInfo);
}

}  // namespace
}  // namespace sigma::net
