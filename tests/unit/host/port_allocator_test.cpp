#include "host/port_allocator.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"

namespace sigma::host {
namespace {

// The error text of a failed result, for test messages; empty on success.
template <typename T>
std::string error_of(const Result<T>& result) {
  return result.is_ok() ? std::string() : result.error();
}

// A 500-port block chosen from the pid, so parallel test runs rarely probe
// the same ports. It lies above the Linux default ephemeral range
// (32768-60999), where outgoing connections and their TIME_WAIT leftovers
// would make "free" counts flaky, and away from the default scan range.
uint16_t test_block_start() { return static_cast<uint16_t>(61000 + (getpid() % 9) * 500); }

std::string range_text(uint16_t start, uint16_t end) { return std::to_string(start) + "-" + std::to_string(end); }

// Binds (and for TCP listens on) 0.0.0.0:port; invalid fd when it cannot.
UniqueFd hold_v4(uint16_t port, int type) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return UniqueFd();
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 1) != 0) {
    return UniqueFd();
  }
  return fd;
}

// Binds [::]:port with IPV6_V6ONLY; invalid fd when IPv6 is unavailable or the bind fails.
UniqueFd hold_v6_only(uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.is_valid()) {
    return fd;
  }
  const int on = 1;
  setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  addr.sin6_addr = in6addr_any;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 1) != 0) {
    return UniqueFd();
  }
  return fd;
}

bool all_distinct(std::vector<uint16_t> ports) {
  std::sort(ports.begin(), ports.end());
  return std::adjacent_find(ports.begin(), ports.end()) == ports.end();
}

bool disjoint(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
  const std::set<uint16_t> left(a.begin(), a.end());
  return std::none_of(b.begin(), b.end(), [&](uint16_t p) { return left.count(p) != 0; });
}

TEST_CASE("protocol names round-trip and nothing else parses") {
  CHECK(protocol_name(Protocol::kTcp) == "tcp");
  CHECK(protocol_name(Protocol::kUdp) == "udp");
  CHECK(parse_protocol("tcp") == Protocol::kTcp);
  CHECK(parse_protocol("udp") == Protocol::kUdp);
  CHECK_FALSE(parse_protocol("TCP").has_value());
  CHECK_FALSE(parse_protocol("sctp").has_value());
  CHECK_FALSE(parse_protocol("").has_value());
}

TEST_CASE("the bind test reports a held port as taken and a released one as free") {
  const uint16_t port = static_cast<uint16_t>(test_block_start() + 450);
  {
    UniqueFd held = hold_v4(port, SOCK_STREAM);
    REQUIRE(held.is_valid());
    Result<bool> tcp = is_port_free(port, Protocol::kTcp);
    REQUIRE(tcp.is_ok());
    CHECK_FALSE(*tcp);
    // TCP and UDP are separate port spaces.
    Result<bool> udp = is_port_free(port, Protocol::kUdp);
    REQUIRE(udp.is_ok());
    CHECK(*udp);
  }
  Result<bool> after = is_port_free(port, Protocol::kTcp);
  REQUIRE(after.is_ok());
  CHECK(*after);
}

TEST_CASE("the bind test sees an IPv6-only holder that an IPv4 bind alone would miss") {
  const uint16_t port = static_cast<uint16_t>(test_block_start() + 451);
  UniqueFd held = hold_v6_only(port);
  if (!held.is_valid()) {
    MESSAGE("IPv6 unavailable here; skipped");
    return;
  }
  Result<bool> free = is_port_free(port, Protocol::kTcp);
  REQUIRE(free.is_ok());
  CHECK_FALSE(*free);
}

TEST_CASE("five ports are distinct, in range, ascending and bindable right after") {
  const uint16_t start = test_block_start();
  const uint16_t end = static_cast<uint16_t>(start + 399);
  PortAllocator allocator(start, end, 60000);
  Result<std::vector<uint16_t>> ports = allocator.allocate(5, Protocol::kTcp);
  REQUIRE_MESSAGE(ports.is_ok(), error_of(ports));
  REQUIRE(ports->size() == 5);
  CHECK(all_distinct(*ports));
  CHECK(std::is_sorted(ports->begin(), ports->end()));
  for (const uint16_t port : *ports) {
    CAPTURE(port);
    CHECK(port >= start);
    CHECK(port <= end);
    CHECK(hold_v4(port, SOCK_STREAM).is_valid());
  }
}

TEST_CASE("a port held bound by someone else is never returned") {
  const uint16_t start = static_cast<uint16_t>(test_block_start() + 400);
  const uint16_t end = static_cast<uint16_t>(start + 7);
  const uint16_t held_port = static_cast<uint16_t>(start + 3);
  UniqueFd held = hold_v4(held_port, SOCK_STREAM);
  REQUIRE(held.is_valid());

  SUBCASE("all the others can be had") {
    PortAllocator allocator(start, end, 60000);
    Result<std::vector<uint16_t>> ports = allocator.allocate(7, Protocol::kTcp);
    REQUIRE_MESSAGE(ports.is_ok(), error_of(ports));
    CHECK(std::find(ports->begin(), ports->end(), held_port) == ports->end());
  }
  SUBCASE("asking for the whole range fails and names the setting") {
    PortAllocator allocator(start, end, 60000);
    Result<std::vector<uint16_t>> ports = allocator.allocate(8, Protocol::kTcp);
    REQUIRE_FALSE(ports.is_ok());
    CHECK(ports.error() == "only 7 of 8 requested tcp ports are free in AGENT_PORT_SCAN_RANGE " +
                               range_text(start, end) + "; widen the range or ask for fewer");
    // The failed call reserved nothing: the seven free ports are still there.
    Result<std::vector<uint16_t>> retry = allocator.allocate(7, Protocol::kTcp);
    CHECK(retry.is_ok());
  }
  SUBCASE("udp is a separate port space") {
    PortAllocator allocator(start, end, 60000);
    Result<std::vector<uint16_t>> ports = allocator.allocate(8, Protocol::kUdp);
    REQUIRE_MESSAGE(ports.is_ok(), error_of(ports));
    CHECK(std::find(ports->begin(), ports->end(), held_port) != ports->end());
  }
}

TEST_CASE("consecutive allocations never overlap until the reservation lapses") {
  const uint16_t start = static_cast<uint16_t>(test_block_start() + 410);
  const uint16_t end = static_cast<uint16_t>(start + 9);
  std::atomic<int64_t> now_ms{1000000};
  PortAllocator allocator(start, end, 5000, [&] { return now_ms.load(); });

  Result<std::vector<uint16_t>> first = allocator.allocate(4, Protocol::kTcp);
  Result<std::vector<uint16_t>> second = allocator.allocate(4, Protocol::kTcp);
  REQUIRE(first.is_ok());
  REQUIRE(second.is_ok());
  CHECK(disjoint(*first, *second));

  // Two ports are left unreserved: four more cannot be had.
  Result<std::vector<uint16_t>> third = allocator.allocate(4, Protocol::kTcp);
  REQUIRE_FALSE(third.is_ok());
  CHECK(third.error() == "only 2 of 4 requested tcp ports are free in AGENT_PORT_SCAN_RANGE " +
                             range_text(start, end) + "; widen the range or ask for fewer");

  now_ms += 4999;
  CHECK_FALSE(allocator.allocate(4, Protocol::kTcp).is_ok());
  // Reservations are per protocol.
  CHECK(allocator.allocate(10, Protocol::kUdp).is_ok());

  now_ms += 1;
  Result<std::vector<uint16_t>> after = allocator.allocate(10, Protocol::kTcp);
  REQUIRE_MESSAGE(after.is_ok(), error_of(after));
  CHECK(after->size() == 10);
}

TEST_CASE("consecutive calls spread over the range instead of restarting at its start") {
  const uint16_t start = static_cast<uint16_t>(test_block_start() + 420);
  const uint16_t end = static_cast<uint16_t>(start + 9);
  PortAllocator allocator(start, end, 0);  // no reservation: only the cursor moves them
  Result<std::vector<uint16_t>> first = allocator.allocate(3, Protocol::kTcp);
  Result<std::vector<uint16_t>> second = allocator.allocate(3, Protocol::kTcp);
  REQUIRE(first.is_ok());
  REQUIRE(second.is_ok());
  CHECK(disjoint(*first, *second));
  CHECK(second->front() > first->back());
}

TEST_CASE("eight threads allocating twenty ports each at once get 160 distinct ports") {
  const uint16_t start = test_block_start();
  const uint16_t end = static_cast<uint16_t>(start + 399);
  PortAllocator allocator(start, end, 60000);
  constexpr int kThreads = 8;
  constexpr size_t kEach = 20;
  std::vector<Result<std::vector<uint16_t>>> results(kThreads, Status::error("not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) {
        std::this_thread::yield();
      }
      results[static_cast<size_t>(i)] = allocator.allocate(kEach, Protocol::kTcp);
    });
  }
  go = true;
  for (std::thread& t : threads) {
    t.join();
  }
  std::vector<uint16_t> all;
  for (const auto& result : results) {
    REQUIRE_MESSAGE(result.is_ok(), error_of(result));
    CHECK(result->size() == kEach);
    all.insert(all.end(), result->begin(), result->end());
  }
  CHECK(all.size() == kThreads * kEach);
  CHECK(all_distinct(all));
  CHECK(std::all_of(all.begin(), all.end(), [&](uint16_t p) { return p >= start && p <= end; }));
}

TEST_CASE("concurrent callers that exhaust the range leave nothing for the next caller") {
  const uint16_t start = test_block_start();
  const uint16_t end = static_cast<uint16_t>(start + 159);
  PortAllocator allocator(start, end, 60000);
  std::vector<Result<std::vector<uint16_t>>> results(8, Status::error("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = allocator.allocate(20, Protocol::kTcp); });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  std::vector<uint16_t> all;
  for (const auto& result : results) {
    REQUIRE_MESSAGE(result.is_ok(), error_of(result));
    all.insert(all.end(), result->begin(), result->end());
  }
  CHECK(all.size() == 160);
  CHECK(all_distinct(all));
  // The cursor has wrapped to ports that are all reserved now.
  Result<std::vector<uint16_t>> next = allocator.allocate(1, Protocol::kTcp);
  REQUIRE_FALSE(next.is_ok());
  CHECK(next.error() == "only 0 of 1 requested tcp ports are free in AGENT_PORT_SCAN_RANGE " +
                            range_text(start, end) + "; widen the range or ask for fewer");
}

TEST_CASE("asking for more ports than the range holds fails without testing any") {
  const uint16_t start = static_cast<uint16_t>(test_block_start() + 430);
  const uint16_t end = static_cast<uint16_t>(start + 4);
  PortAllocator allocator(start, end, 1000);
  Result<std::vector<uint16_t>> ports = allocator.allocate(10, Protocol::kUdp);
  REQUIRE_FALSE(ports.is_ok());
  CHECK(ports.error() == "10 udp ports requested but AGENT_PORT_SCAN_RANGE " + range_text(start, end) +
                             " holds only 5; widen the range or ask for fewer");
}

TEST_CASE("a zero count yields no ports and an invalid range is narrowed, not trusted") {
  PortAllocator allocator(0, 0, -5);
  CHECK(allocator.range_start() == 1);
  CHECK(allocator.range_end() == 1);
  CHECK(allocator.reserve_ms() == 0);
  Result<std::vector<uint16_t>> none = allocator.allocate(0, Protocol::kTcp);
  REQUIRE(none.is_ok());
  CHECK(none->empty());
  PortAllocator reversed(50000, 40000, 1000);
  CHECK(reversed.range_start() == 50000);
  CHECK(reversed.range_end() == 50000);
}

TEST_CASE("a stop check that fails mid-call ends it and releases every port it had reserved") {
  const uint16_t start = test_block_start();
  const uint16_t end = static_cast<uint16_t>(start + 99);
  PortAllocator allocator(start, end, 60000);
  int checks = 0;
  Result<std::vector<uint16_t>> stopped = allocator.allocate(80, Protocol::kTcp, [&checks] {
    return ++checks > 40 ? Status::error("cancelled by the client") : Status::ok();
  });
  REQUIRE_FALSE(stopped.is_ok());
  CHECK(stopped.error() == "cancelled by the client");
  CHECK(checks == 41);  // asked before each bind test, and no further
  // Nothing of the stopped call stays reserved: the whole range is
  // available to the next caller (less ports other processes hold).
  Result<std::vector<uint16_t>> all = allocator.allocate(90, Protocol::kTcp);
  CHECK_MESSAGE(all.is_ok(), error_of(all));
}

TEST_CASE("release gives back returned ports before their reservation lapses") {
  const uint16_t start = test_block_start();
  PortAllocator allocator(start, static_cast<uint16_t>(start + 9), 60000);
  Result<std::vector<uint16_t>> first = allocator.allocate(8, Protocol::kUdp);
  REQUIRE_MESSAGE(first.is_ok(), error_of(first));
  CHECK_FALSE(allocator.allocate(8, Protocol::kUdp).is_ok());  // still reserved
  allocator.release(*first, Protocol::kUdp);
  Result<std::vector<uint16_t>> again = allocator.allocate(8, Protocol::kUdp);
  CHECK_MESSAGE(again.is_ok(), error_of(again));
}

TEST_CASE("the bind test is injectable: the allocator returns only what it calls free") {
  std::atomic<int> tests{0};
  PortAllocator allocator(20000, 20019, 60000, {}, [&tests](uint16_t port, Protocol) -> Result<bool> {
    ++tests;
    return port % 2 == 0;  // odd ports are "taken"
  });
  Result<std::vector<uint16_t>> ports = allocator.allocate(10, Protocol::kTcp);
  REQUIRE_MESSAGE(ports.is_ok(), error_of(ports));
  for (uint16_t p : *ports) {
    CHECK(p % 2 == 0);
  }
  CHECK(tests.load() == 19);  // it stops at the tenth even port, 20018
  PortAllocator broken(20000, 20019, 60000, {}, [](uint16_t, Protocol) -> Result<bool> {
    return Status::error("socket(AF_INET): Too many open files");
  });
  Result<std::vector<uint16_t>> none = broken.allocate(1, Protocol::kTcp);
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.error() == "bind test: socket(AF_INET): Too many open files");
}

TEST_CASE("under contention every caller that could be served is: 25 callers of 4 over 92 free ports, 23 served") {
  // Slow bind tests widen the window in which callers overlap.
  PortAllocator allocator(30000, 30091, 60000, {}, [](uint16_t, Protocol) -> Result<bool> {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return true;
  });
  std::atomic<int> served{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 25; ++i) {
    callers.emplace_back([&] {
      if (allocator.allocate(4, Protocol::kTcp).is_ok()) {
        ++served;
      }
    });
  }
  for (std::thread& t : callers) {
    t.join();
  }
  CHECK(served.load() == 23);
}

}  // namespace
}  // namespace sigma::host
