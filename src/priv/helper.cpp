#include "priv/helper.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "base/log.h"
#include "priv/protocol.h"

namespace sigma::priv {
namespace {

enum class ReadEnd { kFull, kEofAtStart, kEofInside, kError };

ReadEnd read_exact(int fd, uint8_t* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, out + got, size - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n == 0) {
      return got == 0 ? ReadEnd::kEofAtStart : ReadEnd::kEofInside;
    } else if (errno != EINTR) {
      return ReadEnd::kError;
    }
  }
  return ReadEnd::kFull;
}

bool write_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return false;
    }
  }
  return true;
}

}  // namespace

ServeEnd serve(int channel, const host::HostOps& host) {
  for (;;) {
    uint8_t head[kHeaderSize];
    switch (read_exact(channel, head, sizeof head)) {
      case ReadEnd::kFull: break;
      case ReadEnd::kEofAtStart: return ServeEnd::kPeerClosed;
      case ReadEnd::kEofInside: return ServeEnd::kMalformed;
      case ReadEnd::kError: return ServeEnd::kIoError;
    }
    std::optional<Header> header = decode_request_header(head, sizeof head);
    if (!header) {
      return ServeEnd::kMalformed;
    }
    // The header check bounds the body to the exact size of its type.
    uint8_t body[sizeof(int32_t)];
    if (header->body_length != sizeof body) {
      return ServeEnd::kMalformed;
    }
    switch (read_exact(channel, body, sizeof body)) {
      case ReadEnd::kFull: break;
      case ReadEnd::kEofAtStart:
      case ReadEnd::kEofInside: return ServeEnd::kMalformed;
      case ReadEnd::kError: return ServeEnd::kIoError;
    }
    std::optional<int> pid = decode_socket_inodes_request(body, sizeof body);
    if (!pid) {
      return ServeEnd::kMalformed;
    }
    Result<std::vector<uint64_t>> inodes = host.socket_inodes(*pid);
    if (!write_all(channel, inodes ? encode_socket_inodes_reply(*inodes) : encode_cannot_tell())) {
      return ServeEnd::kIoError;
    }
  }
}

int helper_main(int channel, const host::HostOps& host) {
  ServeEnd end = serve(channel, host);
  ::close(channel);
  switch (end) {
    case ServeEnd::kPeerClosed: return 0;
    case ServeEnd::kMalformed: log_error("privileged helper: malformed request, channel closed"); return 1;
    case ServeEnd::kIoError: log_error("privileged helper: channel read or write failed"); return 1;
  }
  return 1;
}

}  // namespace sigma::priv
