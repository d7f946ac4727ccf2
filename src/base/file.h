// Bounded whole-file reads: the one reader behind procfs files, secret files
// and the configuration file.
//
// Owns: reading a descriptor until EOF (procfs files report st_size 0, so
// the size is never trusted) with a hard bound, and the error wording.
// Must not: parse the bytes, follow policy on modes or owners (callers check
// what they need with fstat between opening and reading), or log.
// Threading: pure functions apart from the I/O; safe from any thread.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"
#include "base/unique_fd.h"

namespace sigma {

enum class FileContent {
  kPlain,
  // A secret: the buffer is sized once up front, so appending never leaves
  // copies in freed memory, and bytes read are zeroed before a failure
  // returns (the caller wipes what it keeps).
  kSecret,
};

// Everything `fd` yields until EOF, at most `max_bytes`.
// Failure: "<name>: <strerror>", or "<name>: larger than <max_bytes> bytes"
// as soon as more than max_bytes arrive (the rest is never read).
Result<std::string> read_to_end(const UniqueFd& fd, const std::string& name, size_t max_bytes,
                                FileContent content = FileContent::kPlain);

// open(2) `path` read-only (close-on-exec, no controlling tty) and
// read_to_end; messages are named by the path.
Result<std::string> read_file(const std::string& path, size_t max_bytes, FileContent content = FileContent::kPlain);

// Overwrites `s` with zeros (through a volatile pointer, so it is not
// optimised away) and empties it.
void wipe(std::string& s);

}  // namespace sigma
