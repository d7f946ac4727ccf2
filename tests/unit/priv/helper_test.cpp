// priv/helper and priv/helper_host_ops over a real socketpair: the helper's
// loop answers what it may and closes the channel (returns kMalformed and
// writes nothing) on anything that fails a check.
#include "priv/helper.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "../fake_host_ops.h"
#include "priv/helper_host_ops.h"
#include "priv/protocol.h"

namespace sigma::priv {
namespace {

// Process 42 holds sockets 7 and 9; any other pid cannot be read.
class Fake final : public test::FakeHostOps {
 public:
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override {
    if (pid == 42) {
      return std::vector<uint64_t>{7, 9};
    }
    return Status::error("permission denied");
  }
};

struct Pair {
  int daemon_end = -1;
  int helper_end = -1;
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    daemon_end = fds[0];
    helper_end = fds[1];
  }
  ~Pair() {
    if (daemon_end >= 0) ::close(daemon_end);
    if (helper_end >= 0) ::close(helper_end);
  }
};

std::string header_bytes(uint32_t type, uint32_t length) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &type, 4);
  std::memcpy(out.data() + 4, &length, 4);
  return out;
}

// Sends `bytes`, half-closes, runs the helper loop to its end, and returns
// how it ended and every byte it wrote back.
std::pair<ServeEnd, std::string> serve_bytes(const std::string& bytes) {
  Pair p;
  REQUIRE(::write(p.daemon_end, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::shutdown(p.daemon_end, SHUT_WR);
  Fake fake;
  ServeEnd end = serve(p.helper_end, fake);
  ::close(p.helper_end);
  p.helper_end = -1;
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p.daemon_end, buf, sizeof buf)) > 0) {
    reply.append(buf, static_cast<size_t>(n));
  }
  return {end, reply};
}

TEST_CASE("a well-formed request is answered, then EOF ends the loop as the daemon's exit") {
  auto [end, reply] = serve_bytes(encode_socket_inodes_request(42));
  CHECK(end == ServeEnd::kPeerClosed);
  CHECK(reply == encode_socket_inodes_reply({7, 9}));
}

TEST_CASE("a process the helper cannot read gets kCannotTell and the channel stays open") {
  auto [end, reply] = serve_bytes(encode_socket_inodes_request(5) + encode_socket_inodes_request(42));
  CHECK(end == ServeEnd::kPeerClosed);
  CHECK(reply == encode_cannot_tell() + encode_socket_inodes_reply({7, 9}));
}

TEST_CASE("a malformed request closes the channel without any answer") {
  const std::string pid42 = encode_socket_inodes_request(42).substr(8);
  int32_t zero = 0, negative = -1;
  std::string zero_body(4, '\0'), negative_body(4, '\0');
  std::memcpy(zero_body.data(), &zero, 4);
  std::memcpy(negative_body.data(), &negative, 4);
  const std::pair<const char*, std::string> cases[] = {
      {"unknown type", header_bytes(99, 4) + pid42},
      {"a reply type sent as a request", header_bytes(2, 4) + pid42},
      {"body longer than the type's size", header_bytes(1, 5) + pid42 + "x"},
      {"body shorter than the type's size", header_bytes(1, 3) + pid42.substr(0, 3)},
      {"huge length", header_bytes(1, 0xffffffffu)},
      {"pid 0", header_bytes(1, 4) + zero_body},
      {"negative pid", header_bytes(1, 4) + negative_body},
      {"EOF inside the header", header_bytes(1, 4).substr(0, 5)},
      {"EOF inside the body", header_bytes(1, 4) + pid42.substr(0, 2)},
  };
  for (const auto& [name, bytes] : cases) {
    CAPTURE(name);
    auto [end, reply] = serve_bytes(bytes);
    CHECK(end == ServeEnd::kMalformed);
    CHECK(reply.empty());
  }
  // A good request before the bad one is answered; nothing after it is.
  auto [end, reply] = serve_bytes(encode_socket_inodes_request(42) + header_bytes(7, 0) +
                                  encode_socket_inodes_request(42));
  CHECK(end == ServeEnd::kMalformed);
  CHECK(reply == encode_socket_inodes_reply({7, 9}));
}

TEST_CASE("HelperHostOps asks the helper for socket inodes and does the rest itself") {
  Pair p;
  Fake fake;
  std::thread helper([&] { serve(p.helper_end, fake); });
  {
    HelperHostOps ops("/proc", UniqueFd(p.daemon_end));
    p.daemon_end = -1;
    Result<std::vector<uint64_t>> inodes = ops.socket_inodes(42);
    REQUIRE(inodes);
    CHECK(*inodes == std::vector<uint64_t>{7, 9});
    CHECK_FALSE(ops.socket_inodes(5));  // cannot tell
    CHECK(ops.socket_inodes(42));       // the channel survived it
    CHECK_FALSE(ops.socket_inodes(0));  // never sent
    CHECK(ops.socket_inodes(42));
    // Unprivileged reads stay local: this process's own /proc entries.
    CHECK(ops.read_proc("self/comm"));
    CHECK(ops.proc_path("self/comm") == "/proc/self/comm");
  }  // closing the channel ends the helper's loop
  helper.join();
}

TEST_CASE("when the helper is gone, socket_inodes says cannot tell and never blocks again") {
  Pair p;
  ::close(p.helper_end);  // the helper died
  p.helper_end = -1;
  HelperHostOps ops("/proc", UniqueFd(p.daemon_end));
  p.daemon_end = -1;
  Result<std::vector<uint64_t>> first = ops.socket_inodes(42);
  REQUIRE_FALSE(first);
  Result<std::vector<uint64_t>> second = ops.socket_inodes(42);
  REQUIRE_FALSE(second);
  CHECK(second.status().message().find("gone") != std::string::npos);
}

TEST_CASE("a malformed reply makes the network process give the channel up") {
  Pair p;
  // A reply whose count disagrees with its length.
  std::string bad = header_bytes(2, 12);
  uint32_t count = 2;
  bad.append(reinterpret_cast<const char*>(&count), 4);
  bad.append(8, '\0');
  REQUIRE(::write(p.helper_end, bad.data(), bad.size()) == static_cast<ssize_t>(bad.size()));
  HelperHostOps ops("/proc", UniqueFd(p.daemon_end));
  p.daemon_end = -1;
  CHECK_FALSE(ops.socket_inodes(42));
  Result<std::vector<uint64_t>> after = ops.socket_inodes(42);
  REQUIRE_FALSE(after);
  CHECK(after.status().message().find("gone") != std::string::npos);
}

TEST_CASE("reply decoding checks every length against its bound") {
  const std::string good = encode_socket_inodes_reply({1, 2, 3});
  auto h = decode_reply_header(reinterpret_cast<const uint8_t*>(good.data()), 8);
  REQUIRE(h);
  CHECK(h->body_length == 4 + 24);
  auto inodes = decode_socket_inodes_reply(reinterpret_cast<const uint8_t*>(good.data()) + 8, good.size() - 8);
  REQUIRE(inodes);
  CHECK(*inodes == std::vector<uint64_t>{1, 2, 3});
  CHECK_FALSE(decode_socket_inodes_reply(reinterpret_cast<const uint8_t*>(good.data()) + 8, good.size() - 9));
  std::string too_big = header_bytes(2, 4 + 8 * (kMaxInodesPerReply + 1));
  CHECK_FALSE(decode_reply_header(reinterpret_cast<const uint8_t*>(too_big.data()), 8));
  std::string not_multiple = header_bytes(2, 4 + 7);
  CHECK_FALSE(decode_reply_header(reinterpret_cast<const uint8_t*>(not_multiple.data()), 8));
  std::string cannot_tell_with_body = header_bytes(3, 1);
  CHECK_FALSE(decode_reply_header(reinterpret_cast<const uint8_t*>(cannot_tell_with_body.data()), 8));
  CHECK_FALSE(decode_reply_header(reinterpret_cast<const uint8_t*>(good.data()), 7));
}

}  // namespace
}  // namespace sigma::priv
