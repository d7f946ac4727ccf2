// libFuzzer harness for the privileged helper's message decoder: the input
// is what the network process (possibly compromised) writes on the channel.
// The helper's real loop (priv::serve) reads it from a socketpair; the
// harness checks that every reply it wrote answers a well-formed request,
// that it stopped at the first malformed one, and that the reply decoder of
// the other side reads its replies back. The same bytes also go through the
// reply decoder, which reads what the helper sends. A violation traps.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "host/ops.h"
#include "priv/helper.h"
#include "priv/protocol.h"

namespace {

using namespace sigma;

// Even pids hold one socket (inode = pid); odd ones cannot be read.
class Fake final : public host::HostOps {
 public:
  Result<std::string> read_proc(std::string_view) const override { __builtin_trap(); }
  std::string proc_path(std::string_view) const override { __builtin_trap(); }
  Result<host::DiskUsage> disk_usage(const std::string&) const override { __builtin_trap(); }
  Result<bool> is_port_free(uint16_t, host::Protocol) const override { __builtin_trap(); }
  Result<std::string> executable_path() const override { __builtin_trap(); }
  Result<std::optional<std::string>> dpkg_package_of(const std::string&) const override { __builtin_trap(); }
  Status read_proc_chunks(std::string_view, size_t, const host::ProcFs::ChunkSink&) const override {
    __builtin_trap();
  }
  Result<std::vector<int>> list_pids() const override { __builtin_trap(); }
  Result<std::vector<host::InterfaceAddress>> interface_addresses() const override { __builtin_trap(); }
  Result<host::SockDiagDump> sock_diag_dump(const host::SockDiagQuery&) const override { __builtin_trap(); }
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override {
    if (pid <= 0) {
      __builtin_trap();  // the decoder must have refused it
    }
    if (pid % 2 == 1) {
      return Status::error("cannot read");
    }
    return std::vector<uint64_t>{static_cast<uint64_t>(pid)};
  }
};

// The well-formed requests at the start of `data`, as the helper must see them.
std::vector<int> leading_requests(const uint8_t* data, size_t size, bool& all_valid) {
  std::vector<int> pids;
  size_t at = 0;
  all_valid = false;
  while (size - at >= priv::kHeaderSize) {
    std::optional<priv::Header> h = priv::decode_request_header(data + at, priv::kHeaderSize);
    if (!h || size - at - priv::kHeaderSize < h->body_length) {
      return pids;
    }
    std::optional<int> pid = priv::decode_socket_inodes_request(data + at + priv::kHeaderSize, h->body_length);
    if (!pid) {
      return pids;
    }
    pids.push_back(*pid);
    at += priv::kHeaderSize + h->body_length;
  }
  all_valid = at == size;
  return pids;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Replies to requests this long fit the socket buffer unread.
  if (size > 16384) {
    return 0;
  }
  // The reply decoder on the same bytes: no crash, and what it accepts is consistent.
  if (size >= priv::kHeaderSize) {
    if (std::optional<priv::Header> h = priv::decode_reply_header(data, priv::kHeaderSize)) {
      if (h->type == priv::MessageType::kSocketInodesReply && size - priv::kHeaderSize >= h->body_length) {
        std::optional<std::vector<uint64_t>> inodes =
            priv::decode_socket_inodes_reply(data + priv::kHeaderSize, h->body_length);
        if (inodes && 4 + 8 * inodes->size() != h->body_length) {
          __builtin_trap();
        }
      }
    }
  }

  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return 0;
  }
  if (size > 0 && ::write(fds[0], data, size) != static_cast<ssize_t>(size)) {
    __builtin_trap();
  }
  ::shutdown(fds[0], SHUT_WR);
  Fake fake;
  const priv::ServeEnd end = priv::serve(fds[1], fake);
  ::close(fds[1]);
  std::string replies;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
    replies.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);

  bool all_valid = false;
  const std::vector<int> pids = leading_requests(data, size, all_valid);
  if ((end == priv::ServeEnd::kPeerClosed) != all_valid || end == priv::ServeEnd::kIoError) {
    __builtin_trap();
  }
  std::string expected;
  for (int pid : pids) {
    expected += pid % 2 == 1 ? priv::encode_cannot_tell()
                             : priv::encode_socket_inodes_reply({static_cast<uint64_t>(pid)});
  }
  if (replies != expected) {
    __builtin_trap();
  }
  return 0;
}
