// Monotonic and wall clocks in the units the daemon uses.
#pragma once

#include <cstdint>
#include <ctime>

namespace sigma {

// Milliseconds on CLOCK_MONOTONIC: for timeouts and durations, never for dates.
inline int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Seconds since the epoch on CLOCK_REALTIME, with fraction.
inline double wall_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace sigma
