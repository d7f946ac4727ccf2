#include "host/sock_diag_io.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace sigma::host {
namespace {

// The kernel fills a dump datagram up to about one page (or 32 KiB with
// large pages); 64 KiB holds any of them, and MSG_TRUNC catches one that
// would not fit instead of parsing half of it.
constexpr size_t kReceiveBytes = 64 * 1024;
constexpr int kReceiveTimeoutMs = 5000;
constexpr int kMaxAttempts = 4;

Result<SockDiagDump> dump_once(const SockDiagQuery& query, size_t max_sockets, uint32_t seq, bool& interrupted) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd.is_valid()) {
    return Status::from_errno("sock_diag: socket(NETLINK_SOCK_DIAG)", errno);
  }
  timeval tv{};
  tv.tv_sec = kReceiveTimeoutMs / 1000;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string request = build_sock_diag_request(query, seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(request.size())) {
    return Status::from_errno("sock_diag: send", errno);
  }
  SockDiagParser parser(seq, max_sockets, query.count_only);
  std::vector<char> buffer(kReceiveBytes);
  while (!parser.done()) {
    const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Status::unavailable("sock_diag: no reply from the kernel within 5 s");
      }
      return Status::from_errno("sock_diag: recv", errno);
    }
    if (n == 0) {
      return Status::unavailable("sock_diag: the dump ended without NLMSG_DONE");
    }
    if (static_cast<size_t>(n) > buffer.size()) {
      return Status::error("sock_diag: a reply datagram was larger than the receive buffer");
    }
    if (Status s = parser.feed(std::string_view(buffer.data(), static_cast<size_t>(n))); !s) {
      return s;
    }
  }
  interrupted = parser.interrupted();
  SockDiagDump dump;
  dump.sockets = std::move(parser.sockets());
  dump.seen = parser.seen();
  dump.dropped = parser.dropped();
  return dump;
}

}  // namespace

Result<SockDiagDump> sock_diag_dump(const SockDiagQuery& query, size_t max_sockets) {
  Result<SockDiagDump> last = Status::error("sock_diag: no attempt");
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    bool interrupted = false;
    last = dump_once(query, max_sockets, static_cast<uint32_t>(attempt), interrupted);
    if (!last || !interrupted) {
      return last;
    }
  }
  return last;  // still interrupted after every retry: the best view there is
}

}  // namespace sigma::host
