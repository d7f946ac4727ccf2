// Test helper: captures what the log sink writes, through a pipe.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/log.h"

// Captures what the log sink writes through a pipe, restoring the global
// sink state afterwards.
class CapturedLog final {
 public:
  CapturedLog() {
    REQUIRE(pipe2(fds_, O_NONBLOCK | O_CLOEXEC) == 0);
    sigma::log_set_fd(fds_[1]);
  }
  ~CapturedLog() {
    sigma::log_set_fd(2);
    sigma::log_set_level(sigma::LogLevel::kInfo);
    close(fds_[0]);
    close(fds_[1]);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  // Every write(2) is one read here while the pipe is not drained between
  // writes; returns everything written so far.
  std::string drain() {
    std::string out;
    char buf[4096];
    while (true) {
      const ssize_t n = read(fds_[0], buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};
