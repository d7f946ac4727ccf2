// net::connect_tcp on loopback: success, localhost without the resolver,
// refusal, the deadline, and what each failure says about retrying.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "base/clock.h"
#include "net/socket.h"

namespace sigma::net {
namespace {

SocketAddress loopback_v4() {
  SocketAddress address;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::memcpy(&address.storage, &sin, sizeof(sin));
  address.length = sizeof(sin);
  return address;
}

uint16_t port_of(int fd) {
  auto local = local_address(fd);
  REQUIRE(local.is_ok());
  return ntohs(reinterpret_cast<const sockaddr_in*>(&local->storage)->sin_port);
}

TEST_CASE("connect_tcp reaches a numeric loopback listener and returns a non-blocking socket") {
  auto listener = listen_tcp(loopback_v4());
  REQUIRE(listener.is_ok());
  const uint16_t port = port_of(listener->get());
  HostPort server;
  server.host = "127.0.0.1";
  server.port = port;
  auto fd = connect_tcp(server, monotonic_ms() + 2000);
  REQUIRE_MESSAGE(fd.is_ok(), fd.error());
  CHECK((fcntl(fd->get(), F_GETFL) & O_NONBLOCK) != 0);
  CHECK((fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("connect_tcp maps localhost in any case to loopback without the resolver") {
  auto listener = listen_tcp(loopback_v4());
  REQUIRE(listener.is_ok());
  auto fd = connect_tcp("LocalHost", port_of(listener->get()), monotonic_ms() + 2000);
  REQUIRE_MESSAGE(fd.is_ok(), fd.error());
}

TEST_CASE("a refused connect is retryable and names the address") {
  uint16_t port = 0;
  {
    auto listener = listen_tcp(loopback_v4());
    REQUIRE(listener.is_ok());
    port = port_of(listener->get());
  }
  auto fd = connect_tcp("127.0.0.1", port, monotonic_ms() + 2000);
  REQUIRE_FALSE(fd.is_ok());
  CHECK(fd.status().code() == Status::Code::kUnavailable);
  CHECK(fd.status().is_retryable());
  CHECK(fd.error() == "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_CASE("a connect that does not complete by the deadline fails with deadline exceeded") {
  // A listener that never accepts and has a full backlog drops further SYNs,
  // so the next connect hangs until its deadline.
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.is_valid());
  SocketAddress address = loopback_v4();
  REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0);
  REQUIRE(::listen(fd.get(), 0) == 0);
  const uint16_t port = port_of(fd.get());
  std::vector<UniqueFd> fillers;
  bool hung = false;
  for (int i = 0; i < 8 && !hung; ++i) {
    const int64_t start = monotonic_ms();
    auto c = connect_tcp("127.0.0.1", port, start + 200);
    if (c.is_ok()) {
      fillers.push_back(std::move(c.value()));
      continue;
    }
    CHECK(c.status().is_deadline_exceeded());
    CHECK(c.status().is_retryable());
    const int64_t elapsed = monotonic_ms() - start;
    CHECK(elapsed >= 190);
    CHECK(elapsed < 1500);
    hung = true;
  }
  CHECK(hung);
}

TEST_CASE("a deadline already past fails before any connect") {
  auto fd = connect_tcp("127.0.0.1", 1, monotonic_ms() - 1);
  REQUIRE_FALSE(fd.is_ok());
  CHECK(fd.status().is_deadline_exceeded());
}

TEST_CASE("an IPv6 literal is connected to without the resolver") {
  SocketAddress address;
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  std::memcpy(&address.storage, &sin6, sizeof(sin6));
  address.length = sizeof(sin6);
  auto listener = listen_tcp(address);
  if (!listener.is_ok()) {
    MESSAGE("no IPv6 loopback here: " << listener.error());
    return;
  }
  auto local = local_address(listener->get());
  REQUIRE(local.is_ok());
  const uint16_t port = ntohs(reinterpret_cast<const sockaddr_in6*>(&local->storage)->sin6_port);
  HostPort server;
  server.host = "::1";
  server.port = port;
  server.is_ipv6_literal = true;
  auto fd = connect_tcp(server, monotonic_ms() + 2000);
  REQUIRE_MESSAGE(fd.is_ok(), fd.error());
}

}  // namespace
}  // namespace sigma::net
