// Origin and Host checks against DNS rebinding (SPEC §4, MCP transport
// security: servers must validate Origin; loopback servers must not answer a
// Host that names another machine).
//
// Owns: a strict parser for serialized origins (RFC 6454 §6.2), origin
// matching, the loopback-host test for Host header values, and the default
// loopback origin list. Must not: resolve names (a Host check that called DNS
// would itself be rebindable).
// Threading: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigma::auth {

// A serialized origin `scheme "://" host [ ":" port ]`, as views into the
// parsed text. `host` keeps its brackets for IPv6 ("[::1]").
struct OriginParts {
  std::string_view scheme;
  std::string_view host;
  int port = -1;  // -1: not written

  // The port written, else the scheme's default (http 80, https 443), else -1.
  int effective_port() const;
};

// Parses one serialized origin. Strict: no path (not even "/"), no userinfo,
// no query, no whitespace; port 0..65535 in decimal. "null" (an opaque origin,
// RFC 6454 §7.3) is not an origin and yields nullopt.
std::optional<OriginParts> parse_origin(std::string_view text);

// "scheme://host[:port]" with scheme and host lower-cased.
std::string serialize_origin(const OriginParts& origin);

// Same origin (RFC 6454 §5): scheme and host compared case-insensitively,
// ports compared after applying the scheme default, so "http://localhost"
// and "http://localhost:80" match.
bool same_origin(const OriginParts& a, const OriginParts& b);

// True when `host` (an origin or URI host, brackets kept for IPv6) is a
// loopback name or literal: "localhost" in any case, 127.0.0.0/8 in strict
// dotted-quad form, or "[::1]" (any IPv6 spelling of it).
bool is_loopback_host_name(std::string_view host);

// True when a Host header value names a loopback host: is_loopback_host_name
// plus an optional ":port" of 1 to 5 digits (0..65535).
bool is_loopback_host_header(std::string_view host_value);

// True for an http or https origin whose host is loopback; `port` < 0 accepts
// any port, otherwise the effective port must equal it.
bool is_loopback_origin(const OriginParts& origin, int port = -1);

// The SPEC §3 "loopback origins" for an MCP listener on `mcp_port`:
// http and https, each for localhost, 127.0.0.1 and [::1], with ":mcp_port"
// and without a port -- 12 entries. Browsers send an Origin without the port
// only for the scheme's default port.
std::vector<std::string> default_allowed_origins(uint16_t mcp_port);

// Whether an Origin header value is allowed. "null" and malformed values never
// are. With a non-empty `allowed` list the origin must be the same origin as
// one parsable entry; with an empty list the default policy applies:
// is_loopback_origin(origin, loopback_port).
bool origin_allowed(std::string_view origin_value, const std::vector<std::string>& allowed,
                    int loopback_port = -1);

}  // namespace sigma::auth
