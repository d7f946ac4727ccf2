#include "control/schedule.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

namespace sigma::control {

Schedule::Schedule(uint64_t seed, int64_t interval_ms, int64_t base_ms, int64_t cap_ms)
    : rng_(seed),
      interval_ms_(interval_ms < 1 ? 1 : interval_ms),
      base_ms_(base_ms < 1 ? 1 : base_ms),
      cap_ms_(cap_ms < base_ms_ ? base_ms_ : cap_ms) {}

int64_t Schedule::uniform(int64_t low, int64_t high) {
  // std::uniform_int_distribution is portable in range but not in sequence
  // across standard libraries; the tests only need a fixed libstdc++.
  std::uniform_int_distribution<int64_t> pick(low, high);
  return pick(rng_);
}

int64_t Schedule::ceiling_ms(uint32_t failures) const {
  int64_t ceiling = base_ms_;
  // Doubling stops at the cap, so no shift can overflow.
  for (uint32_t i = 1; i < failures && ceiling < cap_ms_; ++i) {
    ceiling *= 2;
  }
  return ceiling < cap_ms_ ? ceiling : cap_ms_;
}

int64_t Schedule::next_retry_delay_ms() {
  if (failures_ < UINT32_MAX) {
    ++failures_;
  }
  last_ceiling_ms_ = ceiling_ms(failures_);
  return uniform(0, last_ceiling_ms_);
}

int64_t Schedule::first_heartbeat_delay_ms() { return uniform(1, interval_ms_); }

int64_t Schedule::heartbeat_delay_ms() {
  const int64_t spread = interval_ms_ * kHeartbeatJitterPercent / 100;
  const int64_t delay = uniform(interval_ms_ - spread, interval_ms_ + spread);
  return delay < 1 ? 1 : delay;
}

uint64_t random_seed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == static_cast<ssize_t>(sizeof(seed))) {
    return seed;
  }
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return (static_cast<uint64_t>(ts.tv_sec) * 1000000007u) ^ static_cast<uint64_t>(ts.tv_nsec) ^
         (static_cast<uint64_t>(getpid()) << 32);
}

}  // namespace sigma::control
