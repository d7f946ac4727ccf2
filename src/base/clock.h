// The monotonic clock in the unit the daemon uses.
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

}  // namespace sigma
