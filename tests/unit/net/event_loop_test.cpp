#include "net/event_loop.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/unique_fd.h"
#include "loop_fixture.h"

namespace sigma::net {
namespace {

using test::add_watchdog;
using test::make_loop;

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Pipe make_pipe() {
  int fds[2];
  REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void write_byte(int fd) { REQUIRE(::write(fd, "x", 1) == 1); }

void drain(int fd) {
  char buf[64];
  while (::read(fd, buf, sizeof(buf)) > 0) {
  }
}

int64_t thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

TEST_CASE("a readable fd calls its handler with kReadable") {
  auto loop = make_loop();
  Pipe p = make_pipe();
  uint32_t seen = 0;
  REQUIRE(loop->add(p.read_end.get(), kReadable, [&](uint32_t events) {
                seen = events;
                drain(p.read_end.get());
                loop->stop();
              }).is_ok());
  add_watchdog(*loop);
  write_byte(p.write_end.get());
  loop->run();
  CHECK((seen & kReadable) != 0);
  CHECK((seen & kWritable) == 0);
}

TEST_CASE("adding an fd twice fails and modifying an unknown fd fails") {
  auto loop = make_loop();
  Pipe p = make_pipe();
  REQUIRE(loop->add(p.read_end.get(), kReadable, [](uint32_t) {}).is_ok());
  CHECK_FALSE(loop->add(p.read_end.get(), kReadable, [](uint32_t) {}).is_ok());
  CHECK_FALSE(loop->modify(p.write_end.get(), kWritable).is_ok());
  CHECK_FALSE(loop->add(-1, kReadable, [](uint32_t) {}).is_ok());
  loop->remove(p.read_end.get());
  loop->remove(p.read_end.get());  // second remove is a no-op
  CHECK(loop->add(p.read_end.get(), kReadable, [](uint32_t) {}).is_ok());
}

TEST_CASE("a peer that closes its end is reported as kHangup") {
  auto loop = make_loop();
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd mine(sv[0]);
  UniqueFd peer(sv[1]);
  uint32_t seen = 0;
  REQUIRE(loop->add(mine.get(), kReadable, [&](uint32_t events) {
                seen = events;
                loop->remove(mine.get());
                loop->stop();
              }).is_ok());
  add_watchdog(*loop);
  peer.reset();
  loop->run();
  CHECK((seen & kHangup) != 0);
  CHECK((seen & kReadable) != 0);
}

TEST_CASE("modify switches the interest set between writable and readable") {
  auto loop = make_loop();
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd mine(sv[0]);
  UniqueFd peer(sv[1]);
  int writable_calls = 0;
  int readable_calls = 0;
  REQUIRE(loop->add(mine.get(), kWritable, [&](uint32_t events) {
                if ((events & kWritable) != 0) {
                  ++writable_calls;
                  // Level-triggered: without this the handler would fire forever.
                  REQUIRE(loop->modify(mine.get(), kReadable).is_ok());
                  write_byte(peer.get());
                }
                if ((events & kReadable) != 0) {
                  ++readable_calls;
                  drain(mine.get());
                  loop->stop();
                }
              }).is_ok());
  add_watchdog(*loop);
  loop->run();
  CHECK(writable_calls == 1);
  CHECK(readable_calls == 1);
}

TEST_CASE("an fd removed by another handler, and its number reused, is not called in the same iteration") {
  auto loop = make_loop();
  Pipe a = make_pipe();
  Pipe b = make_pipe();
  Pipe replacement = make_pipe();  // never written: its handler must never run
  int first_calls = 0;
  int stale_calls = 0;
  int replacement_calls = 0;
  int reused_number = -1;
  bool reused_same_number = false;

  // Both fds are readable before run(), so one epoll_wait returns both events.
  // Whichever handler runs first removes the other fd, closes it, puts a new
  // (empty) pipe on the same number and registers it. The stale event for the
  // old registration must reach neither the old nor the new handler.
  auto make_handler = [&](Pipe* self, Pipe* other) {
    return [&, self, other](uint32_t) {
      if (first_calls > 0) {
        ++stale_calls;
        return;
      }
      ++first_calls;
      drain(self->read_end.get());
      loop->remove(self->read_end.get());
      const int number = other->read_end.get();
      loop->remove(number);
      other->read_end.reset();
      REQUIRE(dup2(replacement.read_end.get(), number) == number);
      other->read_end.reset(number);
      reused_number = number;
      reused_same_number = true;
      REQUIRE(loop->add(number, kReadable, [&](uint32_t) { ++replacement_calls; }).is_ok());
      loop->add_timer(50, [&] { loop->stop(); });
    };
  };
  REQUIRE(loop->add(a.read_end.get(), kReadable, make_handler(&a, &b)).is_ok());
  REQUIRE(loop->add(b.read_end.get(), kReadable, make_handler(&b, &a)).is_ok());
  add_watchdog(*loop);
  write_byte(a.write_end.get());
  write_byte(b.write_end.get());
  loop->run();
  CHECK(first_calls == 1);
  CHECK(stale_calls == 0);
  CHECK(replacement_calls == 0);
  CHECK(reused_same_number);
  CHECK(reused_number >= 0);
}

TEST_CASE("a handler may remove itself and a handler may add a new fd") {
  auto loop = make_loop();
  Pipe a = make_pipe();
  Pipe b = make_pipe();
  int a_calls = 0;
  int b_calls = 0;
  REQUIRE(loop->add(a.read_end.get(), kReadable, [&, big = std::vector<char>(4096)](uint32_t) {
                ++a_calls;
                // Removing itself destroys the registration while its handler
                // (and captures) are still running: must be safe under ASan.
                loop->remove(a.read_end.get());
                CHECK(big.size() == 4096);
                REQUIRE(loop->add(b.read_end.get(), kReadable, [&](uint32_t) {
                              ++b_calls;
                              drain(b.read_end.get());
                              loop->stop();
                            }).is_ok());
                write_byte(b.write_end.get());
              }).is_ok());
  add_watchdog(*loop);
  write_byte(a.write_end.get());
  loop->run();
  CHECK(a_calls == 1);  // not drained, but removed: no second call
  CHECK(b_calls == 1);
}

TEST_CASE("timers fire in deadline order, equal deadlines in creation order") {
  auto loop = make_loop();
  std::vector<int> order;
  const int64_t start = monotonic_ms();
  int64_t fired_30_at = 0;
  loop->add_timer(30, [&] {
    order.push_back(30);
    fired_30_at = monotonic_ms();
    loop->stop();
  });
  loop->add_timer(10, [&] { order.push_back(10); });
  loop->add_timer(20, [&] { order.push_back(20); });
  loop->add_timer(0, [&] { order.push_back(1); });
  loop->add_timer(0, [&] { order.push_back(2); });
  add_watchdog(*loop);
  loop->run();
  CHECK(order == std::vector<int>{1, 2, 10, 20, 30});
  CHECK(fired_30_at - start >= 30);
}

TEST_CASE("a cancelled timer never fires, even when cancelled by a timer due in the same pass") {
  auto loop = make_loop();
  bool cancelled_fired = false;
  bool victim_fired = false;
  TimerId cancelled = loop->add_timer(10, [&] { cancelled_fired = true; });
  loop->cancel_timer(cancelled);
  loop->cancel_timer(cancelled);  // twice: no-op
  loop->cancel_timer(987654);     // unknown: no-op
  TimerId victim = 0;
  loop->add_timer(0, [&] { loop->cancel_timer(victim); });
  victim = loop->add_timer(0, [&] { victim_fired = true; });
  loop->add_timer(40, [&] { loop->stop(); });
  add_watchdog(*loop);
  loop->run();
  CHECK_FALSE(cancelled_fired);
  CHECK_FALSE(victim_fired);
}

TEST_CASE("a timer callback may add timers that fire later") {
  auto loop = make_loop();
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks == 5) {
      loop->stop();
      return;
    }
    loop->add_timer(1, tick);
  };
  loop->add_timer(1, tick);
  add_watchdog(*loop);
  loop->run();
  CHECK(ticks == 5);
}

TEST_CASE("a periodic timer fires repeatedly with one id until it cancels itself") {
  auto loop = make_loop();
  int ticks = 0;
  TimerId id = 0;
  id = loop->add_periodic_timer(2, [&] {
    if (++ticks == 4) {
      loop->cancel_timer(id);
      // Give a cancelled periodic timer the chance to fire again before stopping.
      loop->add_timer(20, [&] { loop->stop(); });
    }
  });
  add_watchdog(*loop);
  loop->run();
  CHECK(ticks == 4);
}

TEST_CASE("a periodic timer cancelled by another timer stops ticking") {
  auto loop = make_loop();
  int ticks = 0;
  TimerId periodic = loop->add_periodic_timer(1, [&] { ++ticks; });
  loop->add_timer(15, [&] {
    loop->cancel_timer(periodic);
    int seen = ticks;
    loop->add_timer(20, [&, seen] {
      CHECK(ticks == seen);
      loop->stop();
    });
  });
  add_watchdog(*loop);
  loop->run();
  CHECK(ticks >= 1);
}

TEST_CASE("a periodic timer that fell behind skips the missed ticks") {
  // Tick 1 blocks the loop for ten periods. Catching up would fire the missed
  // ticks back to back, before the loop looks at anything else; skipping them
  // re-arms one period ahead, so work posted from tick 2 runs before tick 3.
  // Only a stall of a whole period between tick 2 and the next poll could
  // reorder them, so the period is long enough for a loaded machine.
  constexpr int kPeriodMs = 50;
  auto loop = make_loop();
  std::vector<std::string> order;
  loop->add_periodic_timer(kPeriodMs, [&] {
    order.push_back("tick");
    if (order.size() == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10 * kPeriodMs));
    } else if (order.size() == 2) {
      loop->post([&] { order.push_back("posted"); });
    } else {
      loop->stop();
    }
  });
  add_watchdog(*loop);
  loop->run();
  CHECK(order == std::vector<std::string>{"tick", "tick", "posted", "tick"});
}

TEST_CASE("post from another thread runs on the loop thread in order") {
  auto loop = make_loop();
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> seen;
  bool all_on_loop_thread = true;
  std::thread poster([&] {
    for (int i = 0; i < 1000; ++i) {
      loop->post([&, i] {
        seen.push_back(i);
        all_on_loop_thread = all_on_loop_thread && std::this_thread::get_id() == loop_thread;
        if (i == 999) {
          loop->stop();
        }
      });
    }
  });
  add_watchdog(*loop);
  loop->run();
  poster.join();
  REQUIRE(seen.size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    CHECK(seen[static_cast<size_t>(i)] == i);
  }
  CHECK(all_on_loop_thread);
}

TEST_CASE("a watched signal is delivered to the handler on the loop thread") {
  sigset_t saved;
  REQUIRE(pthread_sigmask(SIG_SETMASK, nullptr, &saved) == 0);
  {
    auto loop = make_loop();
    int received = 0;
    int calls = 0;
    REQUIRE(loop->watch_signals({SIGUSR1, SIGUSR2}, [&](int signo) {
                  received = signo;
                  ++calls;
                  loop->stop();
                }).is_ok());
    // Blocked now, so raise() leaves it pending for the signalfd instead of
    // killing the test binary with the default action.
    sigset_t now;
    REQUIRE(pthread_sigmask(SIG_SETMASK, nullptr, &now) == 0);
    CHECK(sigismember(&now, SIGUSR1) == 1);
    loop->post([] { raise(SIGUSR2); });
    add_watchdog(*loop);
    loop->run();
    CHECK(received == SIGUSR2);
    CHECK(calls == 1);
  }
  REQUIRE(pthread_sigmask(SIG_SETMASK, &saved, nullptr) == 0);
}

TEST_CASE("stop from another thread makes run return") {
  auto loop = make_loop();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    loop->stop();
  });
  TimerId watchdog = add_watchdog(*loop);
  const int64_t start = monotonic_ms();
  loop->run();
  stopper.join();
  loop->cancel_timer(watchdog);
  CHECK(monotonic_ms() - start >= 40);
  CHECK(monotonic_ms() - start < 4000);
}

TEST_CASE("stop before run makes run return at once, and run works again afterwards") {
  auto loop = make_loop();
  loop->stop();
  loop->run();  // would hang without the sticky stop request
  bool ran = false;
  loop->add_timer(5, [&] {
    ran = true;
    loop->stop();
  });
  add_watchdog(*loop);
  loop->run();
  CHECK(ran);
}

TEST_CASE("an idle loop does not spin: under 20 ms of CPU over 200 ms") {
  auto loop = make_loop();
  // A far timer keeps the timerfd armed, as in the daemon (heartbeat).
  TimerId far = loop->add_timer(60000, [] {});
  int64_t cpu_start_us = 0;
  int64_t cpu_used_us = -1;
  loop->post([&] { cpu_start_us = thread_cpu_us(); });
  loop->add_timer(200, [&] {
    cpu_used_us = thread_cpu_us() - cpu_start_us;
    loop->stop();
  });
  add_watchdog(*loop);
  loop->run();
  loop->cancel_timer(far);
  MESSAGE("idle loop CPU over 200 ms: " << cpu_used_us << " us");
  CHECK(cpu_used_us >= 0);
  CHECK(cpu_used_us < 20000);
}

}  // namespace
}  // namespace sigma::net
