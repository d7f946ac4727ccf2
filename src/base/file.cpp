#include "base/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace sigma {

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) {
    p[i] = 0;
  }
  s.clear();
}

Result<std::string> read_to_end(const UniqueFd& fd, const std::string& name, size_t max_bytes, FileContent content) {
  constexpr size_t kChunkBytes = 4096;
  std::string data;
  const bool secret = content == FileContent::kSecret;
  // One byte past the bound tells "exactly max_bytes" from "more".
  const size_t capacity = max_bytes + 1;
  if (secret) {
    data.resize(capacity);
  }
  size_t used = 0;
  char chunk[kChunkBytes];
  auto fail = [&](Status status) -> Result<std::string> {
    if (secret) {
      wipe(data);
    }
    return status;
  };
  while (true) {
    ssize_t n;
    if (secret) {
      n = ::read(fd.get(), data.data() + used, capacity - used);
    } else {
      const size_t want = capacity - used < kChunkBytes ? capacity - used : kChunkBytes;
      n = ::read(fd.get(), chunk, want);
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Status::from_errno(name, errno));
    }
    if (n == 0) {
      break;
    }
    if (!secret) {
      data.append(chunk, static_cast<size_t>(n));
    }
    used += static_cast<size_t>(n);
    if (used > max_bytes) {
      return fail(Status::error(name + ": larger than " + std::to_string(max_bytes) + " bytes"));
    }
  }
  data.resize(used);
  return data;
}

Result<std::string> read_file(const std::string& path, size_t max_bytes, FileContent content) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.is_valid()) {
    return Status::from_errno(path, errno);
  }
  return read_to_end(fd, path, max_bytes, content);
}

}  // namespace sigma
