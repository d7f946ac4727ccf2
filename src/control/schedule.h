// The control-plane client's timing as arithmetic: registration backoff with
// full jitter, the first heartbeat's offset and the jittered heartbeat
// interval. No clock, no thread: the agent asks "how long until the next
// attempt?" and sleeps that long.
//
// Owns: the random generator (seeded by the caller, so a test replays a
// schedule exactly) and the consecutive-failure count.
// Must not: read a clock, sleep, or do I/O.
// Threading: one owner (the agent's thread); not synchronised.
//
// Why full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog,
// 2015): a fleet whose API comes back after an outage must not retry in
// lockstep; a delay drawn uniformly from [0, ceiling] spreads the retries
// over the whole window while the ceiling still doubles.
#pragma once

#include <cstdint>
#include <random>

namespace sigma::control {

// Registration retries: the ceiling starts at 1 s and doubles up to 5 min.
inline constexpr int64_t kBackoffBaseMs = 1000;
inline constexpr int64_t kBackoffCapMs = 5 * 60 * 1000;
// Heartbeats: each interval is drawn from [90 %, 110 %] of AGENT_INTERVAL.
inline constexpr int kHeartbeatJitterPercent = 10;

class Schedule final {
 public:
  // REQUIRES: interval_ms >= 1, 1 <= base_ms <= cap_ms.
  Schedule(uint64_t seed, int64_t interval_ms, int64_t base_ms = kBackoffBaseMs, int64_t cap_ms = kBackoffCapMs);

  // A registration attempt failed: returns the delay before the next one,
  // uniform in [0, ceiling], where the ceiling is base * 2^(failures so far)
  // capped at cap (the failure is counted before the draw, so the first
  // retry waits up to base).
  int64_t next_retry_delay_ms();
  // The ceiling the last next_retry_delay_ms() drew under (0 before any).
  int64_t last_ceiling_ms() const { return last_ceiling_ms_; }
  // Consecutive failed attempts since the last reset().
  uint32_t failures() const { return failures_; }
  // Registration succeeded: the next failure starts again at base.
  void reset() { failures_ = 0; last_ceiling_ms_ = 0; }

  // After registering: the delay to the first heartbeat, uniform in
  // [1, interval], so agents started together (a fleet rebooted at once)
  // spread their beats over a whole interval instead of beating together.
  int64_t first_heartbeat_delay_ms();
  // Between heartbeats: interval ± 10 %, uniform, at least 1 ms.
  int64_t heartbeat_delay_ms();

  // The ceiling for `failures` consecutive failures (>= 1), for tests and logs.
  int64_t ceiling_ms(uint32_t failures) const;

 private:
  int64_t uniform(int64_t low, int64_t high);  // inclusive

  std::mt19937_64 rng_;
  int64_t interval_ms_;
  int64_t base_ms_;
  int64_t cap_ms_;
  uint32_t failures_ = 0;
  int64_t last_ceiling_ms_ = 0;
};

// A seed from the kernel (getrandom), falling back to the clock and the pid:
// two agents on one host must not share a schedule, and nothing here is a
// secret.
uint64_t random_seed();

}  // namespace sigma::control
