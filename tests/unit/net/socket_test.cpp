#include "net/socket.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace sigma::net {
namespace {

SocketAddress v4(const char* text, uint16_t port = 0) {
  SocketAddress a;
  auto* sin = reinterpret_cast<sockaddr_in*>(&a.storage);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  REQUIRE(inet_pton(AF_INET, text, &sin->sin_addr) == 1);
  a.length = sizeof(sockaddr_in);
  return a;
}

SocketAddress v6(const char* text, uint16_t port = 0) {
  SocketAddress a;
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  REQUIRE(inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1);
  a.length = sizeof(sockaddr_in6);
  return a;
}

TEST_CASE("is_loopback is true only for 127/8, ::1 and ::ffff:127/104") {
  struct Case {
    SocketAddress address;
    bool loopback;
    const char* name;
  };
  const Case cases[] = {
      {v4("127.0.0.1"), true, "127.0.0.1"},
      {v4("127.255.255.254"), true, "127.255.255.254"},
      {v4("127.5.5.5"), true, "127.5.5.5"},
      {v6("::1"), true, "::1"},
      {v6("::ffff:127.0.0.1"), true, "::ffff:127.0.0.1"},
      {v6("::ffff:127.9.8.7"), true, "::ffff:127.9.8.7"},
      {v4("0.0.0.0"), false, "0.0.0.0"},
      {v4("10.1.2.3"), false, "10.1.2.3"},
      {v4("128.0.0.1"), false, "128.0.0.1"},
      {v4("126.255.255.255"), false, "126.255.255.255"},
      {v4("8.8.8.8"), false, "8.8.8.8"},
      {v6("::"), false, "::"},
      {v6("::ffff:0.0.0.0"), false, "::ffff:0.0.0.0"},
      {v6("::ffff:10.0.0.1"), false, "::ffff:10.0.0.1"},
      {v6("::127.0.0.1"), false, "::127.0.0.1 (deprecated v4-compatible)"},
      {v6("::2"), false, "::2"},
      {v6("fe80::1"), false, "fe80::1"},
      {v6("2001:db8::1"), false, "2001:db8::1"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) { CHECK(is_loopback(c.address) == c.loopback); }
  }
  SUBCASE("an empty or truncated address is not loopback") {
    SocketAddress empty;
    CHECK_FALSE(is_loopback(empty));
    SocketAddress truncated = v4("127.0.0.1");
    truncated.length = 2;
    CHECK_FALSE(is_loopback(truncated));
  }
}

TEST_CASE("SocketAddress::to_string brackets IPv6 and prints the port") {
  CHECK(v4("127.0.0.1", 9103).to_string() == "127.0.0.1:9103");
  CHECK(v6("::1", 9103).to_string() == "[::1]:9103");
  CHECK(v6("::ffff:127.0.0.1", 80).to_string() == "[::ffff:127.0.0.1]:80");
}

TEST_CASE("resolve_bind answers literals and localhost without the name service, classifying each address") {
  struct Case {
    const char* host;
    Resolver resolver;
    std::vector<std::string> addresses;
    bool loopback;
    bool wildcard;
  };
  const Case cases[] = {
      {"127.0.0.1", Resolver::kNumeric, {"127.0.0.1:9103"}, true, false},
      {"127.0.0.2", Resolver::kNumeric, {"127.0.0.2:9103"}, true, false},
      {"::1", Resolver::kNumeric, {"[::1]:9103"}, true, false},
      {"::ffff:127.0.0.1", Resolver::kNumeric, {"127.0.0.1:9103"}, true, false},
      {"localhost", Resolver::kLocalhost, {"127.0.0.1:9103", "[::1]:9103"}, true, false},
      {"LocalHost", Resolver::kLocalhost, {"127.0.0.1:9103", "[::1]:9103"}, true, false},
      {"0.0.0.0", Resolver::kNumeric, {"0.0.0.0:9103"}, false, true},
      {"::", Resolver::kNumeric, {"[::]:9103"}, false, true},
      {"::ffff:0.0.0.0", Resolver::kNumeric, {"0.0.0.0:9103"}, false, true},
      {"10.1.2.3", Resolver::kNumeric, {"10.1.2.3:9103"}, false, false},
      {"::ffff:10.1.2.3", Resolver::kNumeric, {"10.1.2.3:9103"}, false, false},
  };
  for (const Case& c : cases) {
    SUBCASE(c.host) {
      BindResolution r = resolve_bind(HostPort{c.host, 9103});
      CHECK(r.resolver == c.resolver);
      CHECK(r.error.empty());
      REQUIRE(r.addresses.size() == c.addresses.size());
      for (size_t i = 0; i < r.addresses.size(); ++i) {
        CHECK(r.addresses[i].address.to_string() == c.addresses[i]);
        CHECK(r.addresses[i].is_loopback == c.loopback);
        CHECK(r.addresses[i].is_wildcard == c.wildcard);
      }
    }
  }
}

TEST_CASE("resolve_bind gives no address and a reason for what does not resolve") {
  BindResolution empty = resolve_bind(HostPort{"", 9103});
  CHECK(empty.addresses.empty());
  CHECK(empty.error.find("empty") != std::string::npos);

  BindResolution unknown = resolve_bind(HostPort{"no-such-host.invalid", 9103});
  CHECK(unknown.resolver == Resolver::kNameService);
  CHECK(unknown.addresses.empty());
  CHECK(unknown.error.find("no-such-host.invalid cannot be resolved") == 0);

  // An unknown IPv6 zone is not a literal; it goes to the name service,
  // which cannot resolve it either.
  BindResolution zone = resolve_bind(HostPort{"fe80::1%no-such-if0", 9103});
  CHECK(zone.addresses.empty());
}

TEST_CASE("numeric_address takes dotted quads and IPv6 with a zone, nothing else") {
  CHECK(numeric_address("192.0.2.1", 1).has_value());
  CHECK(numeric_address("fe80::1%1", 1).has_value());
  CHECK(numeric_address("fe80::1%lo", 1).has_value());
  CHECK_FALSE(numeric_address("fe80::1%", 1).has_value());
  CHECK_FALSE(numeric_address("127.1", 1).has_value());
  CHECK_FALSE(numeric_address("localhost", 1).has_value());
  CHECK_FALSE(numeric_address("", 1).has_value());
  CHECK(localhost_addresses(7).size() == 2);
}

TEST_CASE("listen_tcp on port 0 binds and local_address reports the chosen port") {
  SocketAddress any_port = v4("127.0.0.1", 0);
  Result<UniqueFd> fd = listen_tcp(any_port);
  REQUIRE_MESSAGE(fd.is_ok(), (fd.is_ok() ? "" : fd.error()));
  Result<SocketAddress> local = local_address(fd->get());
  REQUIRE(local.is_ok());
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&local->storage);
  CHECK(ntohs(sin->sin_port) != 0);
  CHECK(is_loopback(*local));

  SUBCASE("a second bind to the same port fails with a message naming the address") {
    Result<UniqueFd> again = listen_tcp(*local);
    REQUIRE_FALSE(again.is_ok());
    CHECK(again.error() == "bind " + local->to_string() + ": " + std::strerror(EADDRINUSE));
  }

  SUBCASE("accept_connection returns EAGAIN when idle, then the peer address") {
    SocketAddress peer;
    errno = 0;
    UniqueFd none = accept_connection(fd->get(), &peer);
    CHECK_FALSE(none.is_valid());
    CHECK((errno == EAGAIN || errno == EWOULDBLOCK));

    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(client.is_valid());
    REQUIRE(connect(client.get(), reinterpret_cast<const sockaddr*>(&local->storage),
                    local->length) == 0);
    UniqueFd conn;
    for (int i = 0; i < 200 && !conn.is_valid(); ++i) {
      conn = accept_connection(fd->get(), &peer);
      if (!conn.is_valid()) {
        usleep(5000);
      }
    }
    REQUIRE(conn.is_valid());
    CHECK(is_loopback(peer));
    CHECK((fcntl(conn.get(), F_GETFL) & O_NONBLOCK) != 0);
    CHECK((fcntl(conn.get(), F_GETFD) & FD_CLOEXEC) != 0);
  }
}

TEST_CASE("listen_tcp on [::1] is IPv6-only") {
  Result<UniqueFd> fd = listen_tcp(v6("::1", 0));
  if (!fd.is_ok()) {
    MESSAGE("no IPv6 loopback here: " << fd.error());
    return;
  }
  int v6only = 0;
  socklen_t len = sizeof(v6only);
  REQUIRE(getsockopt(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) == 0);
  CHECK(v6only == 1);
}

TEST_CASE("listen_tcp refuses an empty address") {
  SocketAddress empty;
  Result<UniqueFd> fd = listen_tcp(empty);
  CHECK_FALSE(fd.is_ok());
}

}  // namespace
}  // namespace sigma::net
