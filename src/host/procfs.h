// ProcFs: bounded reads of files under an injectable procfs root.
//
// Owns: turning "<root>/<relative path>" into the file's bytes, with a hard
// size bound so a hostile or runaway file cannot exhaust memory. The root is
// "/proc" in production, AGENT_HOST_PROC when the host's /proc is mounted
// into a container, and a fixture tree in tests.
// Must not: parse anything, cache anything, or know about JSON.
// Threading: immutable after construction; read() is safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sigma::host {

// The largest file read() returns. procfs files the agent reads are a few KiB;
// /proc/cpuinfo on a 256-CPU host is about 300 KiB.
inline constexpr size_t kDefaultProcMaxReadBytes = 1 << 20;

class ProcFs final {
 public:
  // `root` is used as given, without a trailing slash ("/proc", "tests/fixtures/proc/normal").
  explicit ProcFs(std::string root, size_t max_read_bytes = kDefaultProcMaxReadBytes);

  const std::string& root() const { return root_; }

  // "<root>/<relative_path>": the name used in error messages and notes.
  std::string path(std::string_view relative_path) const;

  // The whole file. procfs files report st_size 0, so this reads until EOF.
  // Success: the bytes (possibly empty, possibly containing NULs).
  // Failure: "<root>/meminfo: No such file or directory", or
  // "<root>/meminfo: larger than 1048576 bytes" when the bound is exceeded.
  // REQUIRES: relative_path names a file below root (no leading '/', no "..").
  Result<std::string> read(std::string_view relative_path) const;

 private:
  std::string root_;
  size_t max_read_bytes_;
};

}  // namespace sigma::host
