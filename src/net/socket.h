// Socket helpers (redis `anet` style) and the bind classification of SPEC §4.
//
// Owns: resolving a HostPort (net/address) with getaddrinfo, deciding whether
// every resolved address is loopback, opening non-blocking listeners, and
// outgoing connections bounded by a deadline.
// Threading: pure functions, except that resolution may block (DNS), so the
// daemon calls classify_bind() at start-up only and connect_tcp() only from
// worker threads.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "net/address.h"

namespace sigma::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string to_string() const;  // "127.0.0.1:9103" / "[::1]:9103"
};

// True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
bool is_loopback(const SocketAddress& address);

struct BindClassification {
  bool is_loopback = false;               // every resolved address is loopback
  std::vector<SocketAddress> addresses;   // in getaddrinfo order; empty when unresolvable
  std::string reason;                     // why it is or is not loopback, for logs and --check-config
};

// Resolves `bind.host` with getaddrinfo (AI_PASSIVE, SOCK_STREAM) and classifies
// it. `localhost` in any case counts as loopback only if it resolves to loopback
// addresses. Anything unresolvable is not loopback (fail closed).
BindClassification classify_bind(const HostPort& bind);

// socket + SO_REUSEADDR + bind + listen, non-blocking and close-on-exec.
// IPv6 sockets get IPV6_V6ONLY so "[::1]" never also binds IPv4.
Result<UniqueFd> listen_tcp(const SocketAddress& address, int backlog = 511);

// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. Returns an invalid fd with errno
// set to EAGAIN when nothing is pending.
UniqueFd accept_connection(int listen_fd, SocketAddress* peer);

// The local address a socket is bound to (to learn the port chosen for :0).
Result<SocketAddress> local_address(int fd);

// Connects to `server` over TCP, giving up at `deadline_ms` (absolute, on
// base/clock's monotonic_ms()). A numeric IPv4 or IPv6 address is used as is
// and `localhost` (any case, RFC 6761) means 127.0.0.1 then ::1, both without
// the resolver; other names go through getaddrinfo, which blocks for as long
// as resolv.conf(5) allows and is not bounded by the deadline. Each address
// is tried in turn until one connects or the deadline passes.
// Success: a connected socket, non-blocking and close-on-exec.
// Failure: "connect HOST:PORT: why", with the code of Status: deadline
// exceeded; unavailable (retryable) for refused, unreachable, reset and a
// temporary resolver failure; error for a name that does not resolve.
Result<UniqueFd> connect_tcp(const HostPort& server, int64_t deadline_ms);
Result<UniqueFd> connect_tcp(const std::string& host, uint16_t port, int64_t deadline_ms);

}  // namespace sigma::net
