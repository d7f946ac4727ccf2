#include "priv/helper.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "base/log.h"
#include "priv/channel.h"
#include "priv/protocol.h"

namespace sigma::priv {

ServeEnd serve(int channel, const host::HostOps& host) {
  for (;;) {
    uint8_t head[kHeaderSize];
    switch (read_exact(channel, head, sizeof head)) {
      case ChannelRead::kFull: break;
      case ChannelRead::kEofAtStart: return ServeEnd::kPeerClosed;
      case ChannelRead::kEofInside: return ServeEnd::kMalformed;
      case ChannelRead::kTimedOut:
      case ChannelRead::kError: return ServeEnd::kIoError;
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
      case ChannelRead::kFull: break;
      case ChannelRead::kEofAtStart:
      case ChannelRead::kEofInside: return ServeEnd::kMalformed;
      case ChannelRead::kTimedOut:
      case ChannelRead::kError: return ServeEnd::kIoError;
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
