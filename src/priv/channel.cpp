#include "priv/channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sigma::priv {

ChannelRead read_exact(int fd, uint8_t* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, out + got, size - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n == 0) {
      return got == 0 ? ChannelRead::kEofAtStart : ChannelRead::kEofInside;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return ChannelRead::kTimedOut;
    } else if (errno != EINTR) {
      return ChannelRead::kError;
    }
  }
  return ChannelRead::kFull;
}

bool write_all(int fd, std::string_view bytes) {
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

}  // namespace sigma::priv
