// The one syntax for network addresses and URLs the daemon accepts from its
// operator: `host:port`, `[IPv6]:port` and `http://host[:port][/path]`.
//
// Owns: HostPort and HttpUrl, their parsers, and the host-name and IPv6
// literal shape checks that config and the listeners share.
// Must not: resolve names (resolve_bind in net/socket does, at start-up), open
// sockets, or put the input in an error message (the caller names the setting
// and shows the value, masked if it must be).
// Threading: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sigma::net {

// RFC 1035 §2.3.4: a domain name in text is at most 253 bytes.
inline constexpr size_t kMaxHostNameBytes = 253;
// RFC 9110 §4.2.1: the port of an http URI that names none.
inline constexpr uint16_t kDefaultHttpPort = 80;

// An address split into host and port. `host` has no brackets ("::1" for
// "[::1]:9103"); `is_ipv6_literal` remembers that it had them.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  bool is_ipv6_literal = false;
};

// A host name or IPv4 literal as the operator may write one: 1 to 253 letters,
// digits, '-', '.' or '_' (the last is not valid in DNS host names but appears
// in /etc/hosts and container names).
bool is_valid_host_name(std::string_view text);

// The inside of an IPv6 literal's brackets (RFC 3986 §3.2.2): an address
// inet_pton(3) accepts, optionally followed by an RFC 6874 zone ("%eth0") of
// name characters.
bool is_valid_ipv6_literal(std::string_view text);

// Parses "host:port" or "[v6]:port"; with default_port >= 0 also "host" and
// "[v6]" alone. The port is 1 to 5 decimal digits, 0..65535, with no sign or
// space. IPv6 literals must be bracketed ("::1:9103" is ambiguous).
// Success: host without brackets. Failure: a message that reads as what is
// expected ("host:port or [IPv6]:port … ; the port is missing"), without the
// input. A default_port above 65535 is a failure.
Result<HostPort> parse_host_port(std::string_view text, int default_port = -1);

// "127.0.0.1:9103", "[::1]:9103": the form parse_host_port reads back.
std::string format_host_port(const HostPort& address);

// A control-plane URL, parsed. http:// only.
struct HttpUrl {
  std::string host;  // without brackets
  uint16_t port = kDefaultHttpPort;
  bool is_ipv6_literal = false;
  // The base path with every trailing '/' removed: "/sigma" for
  // "http://api/sigma/", "" for "http://api" or "http://api/". A client
  // appends "/agent/register" and the like to it.
  std::string path;
};

// Parses `http://host[:port][/path]` (scheme case-insensitive). Refused, each
// with a message saying why: https:// (no TLS library is linked: SPEC §7), any
// other scheme, user information ("user:pw@"), a query or a fragment, an empty
// host, a port outside 1..65535, an IPv6 zone, spaces or control characters,
// and path bytes outside RFC 3986 pchar / "%" HEXDIG HEXDIG.
// Failure: the message reads as what is expected, without the input.
Result<HttpUrl> parse_http_url(std::string_view text);

}  // namespace sigma::net
