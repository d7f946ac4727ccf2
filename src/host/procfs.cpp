#include "host/procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "base/file.h"
#include "base/unique_fd.h"
#include "host/proc_net.h"

namespace sigma::host {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

// A pid directory name: 1..10 decimal digits, no sign, no leading zero.
bool parse_pid(const char* name, int& pid) {
  if (name[0] < '1' || name[0] > '9') {
    return false;
  }
  int64_t v = 0;
  for (const char* p = name; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || p - name >= 10) {
      return false;
    }
    v = v * 10 + (*p - '0');
  }
  if (v > 0x7fffffff) {
    return false;
  }
  pid = static_cast<int>(v);
  return true;
}

}  // namespace

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

Status ProcFs::read_chunks(std::string_view relative_path, size_t chunk_bytes, const ChunkSink& sink) const {
  const std::string name = path(relative_path);
  UniqueFd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.is_valid()) {
    return Status::from_errno(name, errno);
  }
  std::unique_ptr<char[]> buffer(new char[chunk_bytes]);
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.get(), chunk_bytes);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Status::from_errno(name, errno);
    }
    if (n == 0) {
      return Status::ok();
    }
    sink(std::string_view(buffer.get(), static_cast<size_t>(n)));
  }
}

Result<std::vector<int>> ProcFs::list_pids() const {
  DirPtr dir(opendir(root_.c_str()));
  if (!dir) {
    return Status::from_errno(root_, errno);
  }
  std::vector<int> pids;
  while (dirent* entry = readdir(dir.get())) {
    int pid = 0;
    if (parse_pid(entry->d_name, pid)) {
      pids.push_back(pid);
    }
  }
  return pids;
}

Result<std::vector<uint64_t>> ProcFs::socket_inodes(int pid, size_t max_fds) const {
  const std::string name = path(std::to_string(pid) + "/fd");
  int dfd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    return Status::from_errno(name, errno);
  }
  DirPtr dir(fdopendir(dfd));  // owns dfd from here on
  if (!dir) {
    int saved = errno;
    ::close(dfd);
    return Status::from_errno(name, saved);
  }
  std::vector<uint64_t> inodes;
  size_t seen = 0;
  // "socket:[18446744073709551615]" is 29 bytes; anything longer is not a socket.
  char target[40];
  while (dirent* entry = readdir(dir.get())) {
    if (entry->d_name[0] == '.') {
      continue;
    }
    if (++seen > max_fds) {
      break;
    }
    ssize_t n = readlinkat(dirfd(dir.get()), entry->d_name, target, sizeof target);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof target) {
      continue;  // closed meanwhile, or a long path: not a socket
    }
    if (uint64_t inode = socket_inode_of_link(std::string_view(target, static_cast<size_t>(n)))) {
      inodes.push_back(inode);
    }
  }
  return inodes;
}

}  // namespace sigma::host
