#include "daemon/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/strings.h"
#include "base/unique_fd.h"

namespace sigma::daemon {

Status notify(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') {
    return Status::ok();
  }
  size_t len = std::strlen(path);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // '@' names a socket in the abstract namespace (sd_notify(3)).
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
    return Status::error("NOTIFY_SOCKET: unsupported address");
  }
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') {
    addr.sun_path[0] = '\0';
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.is_valid()) {
    return Status::from_errno("NOTIFY_SOCKET socket", errno);
  }
  auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  ssize_t n = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
                       addr_len);
  if (n < 0) {
    return Status::from_errno(std::string("NOTIFY_SOCKET ") + path, errno);
  }
  return Status::ok();
}

int64_t watchdog_ping_interval_ms() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr) {
    return 0;
  }
  const char* wpid = std::getenv("WATCHDOG_PID");
  if (wpid != nullptr) {
    auto pid = parse_u64(wpid);
    if (!pid || *pid != static_cast<uint64_t>(::getpid())) {
      return 0;
    }
  }
  auto value = parse_u64(usec);
  if (!value || *value == 0) {
    return 0;
  }
  // Ping at half the timeout, as sd_watchdog_enabled(3) recommends; a
  // timeout under 2 ms still gets pings, every millisecond.
  const auto half_ms = static_cast<int64_t>(*value / 2000);
  return half_ms > 0 ? half_ms : 1;
}

}  // namespace sigma::daemon
