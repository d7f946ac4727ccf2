#include "control/schedule.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

namespace sigma::control {
namespace {

// Fixed and printed, so a failure replays exactly (STYLE.md: randomness
// takes a printed seed).
constexpr uint64_t kSeed = 20261208;

TEST_CASE("the backoff ceiling starts at 1 s, doubles, and stops at 5 min") {
  Schedule schedule(kSeed, 60000);
  CHECK(schedule.ceiling_ms(1) == 1000);
  CHECK(schedule.ceiling_ms(2) == 2000);
  CHECK(schedule.ceiling_ms(3) == 4000);
  CHECK(schedule.ceiling_ms(9) == 256000);
  CHECK(schedule.ceiling_ms(10) == kBackoffCapMs);
  CHECK(schedule.ceiling_ms(1000000) == kBackoffCapMs);
  CHECK(schedule.ceiling_ms(UINT32_MAX) == kBackoffCapMs);
}

TEST_CASE("each retry delay is drawn in [0, ceiling] and the ceiling grows with the failures") {
  std::printf("schedule seed %llu\n", static_cast<unsigned long long>(kSeed));
  Schedule schedule(kSeed, 60000);
  int64_t previous_ceiling = 0;
  for (int attempt = 1; attempt <= 40; ++attempt) {
    const int64_t delay = schedule.next_retry_delay_ms();
    CHECK(schedule.failures() == static_cast<uint32_t>(attempt));
    CHECK(delay >= 0);
    CHECK(delay <= schedule.last_ceiling_ms());
    CHECK(schedule.last_ceiling_ms() >= previous_ceiling);
    CHECK(schedule.last_ceiling_ms() <= kBackoffCapMs);
    previous_ceiling = schedule.last_ceiling_ms();
  }
  CHECK(previous_ceiling == kBackoffCapMs);
  schedule.reset();
  CHECK(schedule.failures() == 0);
  schedule.next_retry_delay_ms();
  CHECK(schedule.last_ceiling_ms() == kBackoffBaseMs);
}

TEST_CASE("at the cap the retries still spread over the whole window (full jitter)") {
  Schedule schedule(kSeed, 60000);
  for (int i = 0; i < 20; ++i) {
    schedule.next_retry_delay_ms();
  }
  // 1000 draws under the 5 min ceiling: every fifth of the window is hit.
  std::array<int, 5> buckets{};
  for (int i = 0; i < 1000; ++i) {
    const int64_t delay = schedule.next_retry_delay_ms();
    REQUIRE(delay <= kBackoffCapMs);
    buckets[static_cast<size_t>(std::min<int64_t>(4, delay * 5 / kBackoffCapMs))]++;
  }
  for (int count : buckets) {
    CHECK(count > 100);
  }
}

TEST_CASE("the same seed gives the same schedule, another seed another") {
  Schedule a(kSeed, 60000), b(kSeed, 60000), c(kSeed + 1, 60000);
  std::vector<int64_t> da, db, dc;
  for (int i = 0; i < 10; ++i) {
    da.push_back(a.next_retry_delay_ms());
    db.push_back(b.next_retry_delay_ms());
    dc.push_back(c.next_retry_delay_ms());
  }
  CHECK(da == db);
  CHECK(da != dc);
}

TEST_CASE("heartbeat intervals stay within 10 % of AGENT_INTERVAL and are not all equal") {
  Schedule schedule(kSeed, 60000);
  int64_t low = INT64_MAX, high = 0;
  for (int i = 0; i < 1000; ++i) {
    const int64_t d = schedule.heartbeat_delay_ms();
    low = std::min(low, d);
    high = std::max(high, d);
  }
  CHECK(low >= 54000);
  CHECK(high <= 66000);
  CHECK(high - low > 10000);  // the jitter uses its range
  Schedule one_second(kSeed, 1000);
  for (int i = 0; i < 100; ++i) {
    const int64_t d = one_second.heartbeat_delay_ms();
    CHECK(d >= 900);
    CHECK(d <= 1100);
  }
}

TEST_CASE("1000 agents started together spread their first heartbeats over the interval") {
  // Each agent has its own seed (random_seed() in the daemon); here they
  // are kSeed, kSeed+1, ... so the test is fixed. With one interval cut in
  // ten slots, a spread schedule puts about 100 agents in each; agents
  // beating in lockstep would put all 1000 in one.
  std::printf("first-heartbeat seeds %llu..%llu\n", static_cast<unsigned long long>(kSeed),
              static_cast<unsigned long long>(kSeed + 999));
  constexpr int64_t kInterval = 60000;
  std::array<int, 10> slots{};
  for (uint64_t agent = 0; agent < 1000; ++agent) {
    Schedule schedule(kSeed + agent, kInterval);
    const int64_t first = schedule.first_heartbeat_delay_ms();
    REQUIRE(first >= 1);
    REQUIRE(first <= kInterval);
    slots[static_cast<size_t>(std::min<int64_t>(9, (first - 1) * 10 / kInterval))]++;
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    CAPTURE(i);
    CHECK(slots[i] >= 60);
    CHECK(slots[i] <= 140);
  }
}

}  // namespace
}  // namespace sigma::control
