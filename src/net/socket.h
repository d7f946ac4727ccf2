// Socket helpers (redis `anet` style) and the resolution of bind hosts.
//
// Owns: resolving a HostPort (net/address) to every address it names, each
// classified as loopback or wildcard, opening non-blocking listeners, and
// outgoing connections bounded by a deadline.
// Numeric addresses and `localhost` are resolved here without the system's
// name service: the binary is static, and glibc's getaddrinfo then needs NSS
// modules of the same glibc at run time, which a minimal host or a chroot
// lacks. Other names go through getaddrinfo.
// Must not: decide whether a listener may serve (auth/listener_policy applies
// SPEC §4 to what resolve_bind returns).
// Threading: pure functions, except that resolution may block (DNS) for a
// name, so the daemon calls resolve_bind() at start-up only and connect_tcp()
// only from worker threads.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <optional>
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

// True for the wildcards 0.0.0.0, :: and ::ffff:0.0.0.0 (every interface).
bool is_wildcard(const SocketAddress& address);

// A numeric IPv4 address in dotted-quad form, or an IPv6 address (without
// brackets) optionally followed by an RFC 6874 zone ("fe80::1%eth0" or
// "%2"), as a socket address with `port`. Uses inet_pton and, for a named
// zone, if_nametoindex: never the name service. nullopt when `host` is not
// such an address or names an unknown interface.
std::optional<SocketAddress> numeric_address(std::string_view host, uint16_t port);

// 127.0.0.1 then ::1 with `port`: what `localhost` in any case names
// (RFC 6761 §6.3), answered without a lookup for listeners and connections.
std::vector<SocketAddress> localhost_addresses(uint16_t port);

// One address a bind host resolved to, classified.
struct BindAddress {
  SocketAddress address;
  bool is_loopback = false;  // is_loopback(address)
  bool is_wildcard = false;  // is_wildcard(address)
};

BindAddress classify_address(const SocketAddress& address);

// How a bind host was turned into addresses.
enum class Resolver {
  kNumeric,      // an IP literal, by inet_pton
  kLocalhost,    // the name localhost (any case): RFC 6761 §6.3, no lookup
  kNameService,  // any other name, by getaddrinfo (needs NSS in a static binary)
};

struct BindResolution {
  Resolver resolver = Resolver::kNumeric;
  // Every address, in resolution order; empty when the host does not resolve.
  // A listener binds these and no other: they are what was classified.
  std::vector<BindAddress> addresses;
  // When `addresses` is empty: why, beginning with the host
  // ("db.internal cannot be resolved (Name or service not known)").
  std::string error;
};

// Resolves `bind.host` for a listener on `bind.port` (an IPv4-mapped IPv6
// address comes back as the IPv4 address it maps, which is what a listener
// can bind):
// - an IPv4 or IPv6 literal (numeric_address) → that one address;
// - `localhost` in any case → 127.0.0.1 then ::1, as RFC 6761 §6.3 lets a
//   resolver answer without a lookup;
// - any other name → getaddrinfo (AI_PASSIVE, numeric port, SOCK_STREAM),
//   every address it returns. A failure (including a missing name service)
//   leaves `addresses` empty: the caller must treat that as not loopback.
// An empty host resolves to nothing (it would mean every interface).
BindResolution resolve_bind(const HostPort& bind);

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
// `cancel_fd` (optional, the caller's): when it becomes readable the attempt
// is abandoned at once with kUnavailable "cancelled" (a shutdown must not wait
// for a connect's deadline). Name resolution itself cannot be interrupted.
Result<UniqueFd> connect_tcp(const HostPort& server, int64_t deadline_ms, int cancel_fd = -1);
Result<UniqueFd> connect_tcp(const std::string& host, uint16_t port, int64_t deadline_ms, int cancel_fd = -1);

}  // namespace sigma::net
