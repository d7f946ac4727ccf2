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
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

  // Streams the file to `sink` in pieces of at most `chunk_bytes` (any
  // split; one buffer, so a table of many MiB costs no more memory than a
  // small one). Failure: "<root>/net/tcp: No such file or directory".
  // REQUIRES: chunk_bytes > 0.
  using ChunkSink = std::function<void(std::string_view chunk)>;
  Status read_chunks(std::string_view relative_path, size_t chunk_bytes, const ChunkSink& sink) const;

  // The numeric entries of the root: the thread-group ids of the pid
  // namespace the procfs belongs to, ascending.
  // Failure: "<root>: Permission denied".
  Result<std::vector<int>> list_pids() const;

  // The inodes of the sockets process `pid` holds open: every
  // "<root>/<pid>/fd/N" whose link reads "socket:[INODE]", at most
  // max_fds entries looked at. Reading another user's fd directory needs
  // ptrace access (root or CAP_SYS_PTRACE).
  // Failure: "<root>/1/fd: Permission denied", or
  // "<root>/77/fd: No such file or directory" for a process that just ended.
  Result<std::vector<uint64_t>> socket_inodes(int pid, size_t max_fds = kDefaultMaxFdsPerProcess) const;

  // fds looked at per process; the kernel's own fs.nr_open default is 1<<20.
  static constexpr size_t kDefaultMaxFdsPerProcess = 1 << 20;

 private:
  std::string root_;
  size_t max_read_bytes_;
};

}  // namespace sigma::host
