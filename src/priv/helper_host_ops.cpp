#include "priv/helper_host_ops.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/log.h"
#include "priv/channel.h"
#include "priv/protocol.h"

namespace sigma::priv {
namespace {

// SO_RCVTIMEO bounds each read, so a helper that stopped answering cannot
// hold the scan (and the mutex) for ever.
Status read_reply(int fd, uint8_t* out, size_t size) {
  switch (read_exact(fd, out, size)) {
    case ChannelRead::kFull:
      return Status::ok();
    case ChannelRead::kEofAtStart:
    case ChannelRead::kEofInside:
      return Status::unavailable("privileged helper closed the channel");
    case ChannelRead::kTimedOut:
      return Status::deadline_exceeded("privileged helper did not answer in time");
    case ChannelRead::kError:
      break;
  }
  return Status::from_errno("privileged helper channel", errno);
}

}  // namespace

HelperHostOps::HelperHostOps(std::string proc_root, UniqueFd channel, int reply_timeout_ms)
    : local_(std::move(proc_root)), channel_(std::move(channel)) {
  timeval tv{};
  tv.tv_sec = reply_timeout_ms / 1000;
  tv.tv_usec = (reply_timeout_ms % 1000) * 1000;
  if (channel_.is_valid()) {
    (void)setsockopt(channel_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
}

Result<std::vector<uint64_t>> HelperHostOps::socket_inodes(int pid) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!channel_.is_valid()) {
    return Status::unavailable("privileged helper is gone");
  }
  std::vector<uint64_t> inodes;
  if (Status s = ask(pid, inodes); !s) {
    return s;
  }
  return inodes;
}

Status HelperHostOps::ask(int pid, std::vector<uint64_t>& out) const {
  if (pid <= 0) {
    return Status::error("no such process id");  // never sent: the helper would close the channel
  }
  if (!write_all(channel_.get(), encode_socket_inodes_request(pid))) {
    Status s = Status::from_errno("privileged helper channel", errno);
    give_up(s);
    return s;
  }
  uint8_t head[kHeaderSize];
  if (Status s = read_reply(channel_.get(), head, sizeof head); !s) {
    give_up(s);
    return s;
  }
  std::optional<Header> header = decode_reply_header(head, sizeof head);
  if (!header) {
    Status s = Status::error("privileged helper sent a malformed reply");
    give_up(s);
    return s;
  }
  if (header->type == MessageType::kCannotTell) {
    return Status::error("cannot read the sockets of process " + std::to_string(pid));
  }
  // decode_reply_header bounded body_length (8 MiB at most).
  std::string body(header->body_length, '\0');
  if (Status s = read_reply(channel_.get(), reinterpret_cast<uint8_t*>(body.data()), body.size()); !s) {
    give_up(s);
    return s;
  }
  std::optional<std::vector<uint64_t>> inodes =
      decode_socket_inodes_reply(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  if (!inodes) {
    Status s = Status::error("privileged helper sent a malformed reply");
    give_up(s);
    return s;
  }
  out = std::move(*inodes);
  return Status::ok();
}

void HelperHostOps::give_up(const Status& why) const {
  log_error("privileged helper lost; socket attribution is unknown from now on", {{"error", why.message()}});
  channel_.reset();
}

}  // namespace sigma::priv
