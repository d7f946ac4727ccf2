// LogThrottle: a bound on how often one kind of line is written, so a client
// that makes the daemon refuse 2 000 requests gets a handful of lines, not
// 2 000, and nothing is hidden: the next line written says how many were
// held back.
//
// Owns: a token bucket (a burst, then one line per interval) and the count of
// lines it refused since the last one it admitted.
// Must not: write anything itself (the caller logs, adding the count).
// Threading: safe from any thread (a mutex around two integers).
#pragma once

#include <cstdint>
#include <mutex>

namespace sigma {

class LogThrottle final {
 public:
  // REQUIRES: burst >= 1, interval_ms >= 1.
  LogThrottle(int burst, int64_t interval_ms) : burst_(burst), interval_ms_(interval_ms), tokens_(burst) {}

  // True when a line may be written at `now_ms` (monotonic); `*suppressed`
  // is then set to the number of lines refused since the last admitted one.
  bool admit(int64_t now_ms, uint64_t* suppressed) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_refill_ms_ < 0) {
      last_refill_ms_ = now_ms;
    }
    if (now_ms > last_refill_ms_) {
      const int64_t earned = (now_ms - last_refill_ms_) / interval_ms_;
      if (earned > 0) {
        tokens_ = earned >= burst_ - tokens_ ? burst_ : tokens_ + static_cast<int>(earned);
        last_refill_ms_ += earned * interval_ms_;
      }
    }
    if (tokens_ == 0) {
      ++suppressed_;
      return false;
    }
    --tokens_;
    *suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  const int burst_;
  const int64_t interval_ms_;
  std::mutex mutex_;
  int tokens_;
  int64_t last_refill_ms_ = -1;
  uint64_t suppressed_ = 0;
};

}  // namespace sigma
