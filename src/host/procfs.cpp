#include "host/procfs.h"

#include <utility>

#include "base/file.h"

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
  // O_NOFOLLOW is deliberately absent: /proc/self and /proc/mounts are symlinks.
  return read_file(path(relative_path), max_read_bytes_);
}

}  // namespace sigma::host
