#include "host/procfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/unique_fd.h"

namespace sigma::host {

ProcFs::ProcFs(std::string root, size_t max_read_bytes)
    : root_(std::move(root)), max_read_bytes_(max_read_bytes) {}

std::string ProcFs::path(std::string_view relative_path) const {
  std::string full = root_;
  if (full.empty() || full.back() != '/') {
    full.push_back('/');
  }
  full.append(relative_path);
  return full;
}

Result<std::string> ProcFs::read(std::string_view relative_path) const {
  const std::string full = path(relative_path);
  // O_NOFOLLOW is deliberately absent: /proc/self and /proc/mounts are symlinks.
  UniqueFd fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.is_valid()) {
    return Status::from_errno(full, errno);
  }
  std::string data;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Status::from_errno(full, errno);
    }
    if (n == 0) {
      return data;
    }
    if (data.size() + static_cast<size_t>(n) > max_read_bytes_) {
      return Status::error(full + ": larger than " + std::to_string(max_read_bytes_) + " bytes");
    }
    data.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace sigma::host
