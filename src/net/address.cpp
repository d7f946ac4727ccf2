#include "net/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "base/strings.h"

namespace sigma::net {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'; }

bool is_control_or_space(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

// 1 to 5 decimal digits, 0..65535. No sign, no space: from_chars-style
// parsers accept neither, but they do accept any number of leading zeros.
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

// The shared core of both parsers: an RFC 3986 authority without user
// information. On failure `why` says what is wrong, in a few words.
std::optional<HostPort> parse_authority(std::string_view text, int default_port, std::string& why) {
  if (text.empty()) {
    why = "the value is empty";
    return std::nullopt;
  }
  HostPort result;
  std::string_view port;
  bool has_port = false;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      why = "the '[' is not closed";
      return std::nullopt;
    }
    std::string_view host = text.substr(1, close - 1);
    if (!is_valid_ipv6_literal(host)) {
      why = "brackets must hold an IPv6 address";
      return std::nullopt;
    }
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "only ':port' may follow ']'";
        return std::nullopt;
      }
      has_port = true;
      port = after.substr(1);
    }
    result.host = std::string(host);
    result.is_ipv6_literal = true;
  } else {
    size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      why = "IPv6 addresses must be bracketed, as in [::1]:9103";
      return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    if (host.empty()) {
      why = "the host is missing (use 0.0.0.0 or [::] for every address)";
      return std::nullopt;
    }
    if (!is_valid_host_name(host)) {
      why = "the host must be a name or an IP address";
      return std::nullopt;
    }
    if (colon != std::string_view::npos) {
      has_port = true;
      port = text.substr(colon + 1);
    }
    result.host = std::string(host);
  }
  if (!has_port) {
    if (default_port < 0) {
      why = "the port is missing";
      return std::nullopt;
    }
    result.port = static_cast<uint16_t>(default_port);
    return result;
  }
  std::optional<uint16_t> p = parse_port(port);
  if (!p) {
    why = port.empty() ? "the port is missing" : "the port is not a number between 0 and 65535";
    return std::nullopt;
  }
  result.port = *p;
  return result;
}

// RFC 3986 §3.3: path = *( "/" / pchar ), pchar = unreserved / pct-encoded /
// sub-delims / ":" / "@".
bool is_valid_path(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (is_alpha(c) || is_digit(c)) {
      continue;
    }
    if (c == '%') {
      if (i + 2 >= path.size() || hex_digit_value(path[i + 1]) < 0 || hex_digit_value(path[i + 2]) < 0) {
        return false;
      }
      i += 2;
      continue;
    }
    if (std::string_view("/-._~!$&'()*+,;=:@").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_valid_host_name(std::string_view text) {
  return !text.empty() && text.size() <= kMaxHostNameBytes && std::all_of(text.begin(), text.end(), is_name_char);
}

bool is_valid_ipv6_literal(std::string_view text) {
  size_t percent = text.find('%');
  std::string address(text.substr(0, percent));
  in6_addr parsed{};
  // inet_pton needs a NUL-terminated copy; it reads no name service.
  if (address.find(':') == std::string::npos || inet_pton(AF_INET6, address.c_str(), &parsed) != 1) {
    return false;
  }
  if (percent != std::string_view::npos) {
    std::string_view zone = text.substr(percent + 1);
    return !zone.empty() && zone.size() <= kMaxHostNameBytes && std::all_of(zone.begin(), zone.end(), is_name_char);
  }
  return true;
}

Result<HostPort> parse_host_port(std::string_view text, int default_port) {
  std::string expected = default_port < 0
                             ? "host:port or [IPv6]:port with a port between 0 and 65535, such as 127.0.0.1:9103 "
                               "or [::1]:9103; "
                             : "host[:port] or [IPv6][:port] with a port between 0 and 65535, such as "
                               "127.0.0.1:9103 or [::1]:9103; ";
  if (default_port > 65535) {
    return Status::error(expected + "the default port is outside 0..65535");
  }
  std::string why;
  std::optional<HostPort> result = parse_authority(text, default_port, why);
  if (!result) {
    return Status::error(expected + why);
  }
  return std::move(*result);
}

std::string format_host_port(const HostPort& address) {
  std::string out = address.is_ipv6_literal ? "[" + address.host + "]" : address.host;
  return out + ":" + std::to_string(address.port);
}

Result<HttpUrl> parse_http_url(std::string_view text) {
  const std::string expected = "an http:// URL such as http://10.0.0.1:8080 or http://api.internal/sigma";
  auto fail = [&](std::string_view why) { return Status::error(expected + " (" + std::string(why) + ")"); };
  if (istarts_with(text, "https://")) {
    // SPEC §7: the binary links no TLS library.
    return Status::error(
        "an http:// URL; https:// is refused because sigma-agent links no TLS library: run a local TLS "
        "forwarder and point the URL at it, or reach the API over the fleet's private network");
  }
  if (!istarts_with(text, "http://")) {
    return Status::error(expected);
  }
  if (std::any_of(text.begin(), text.end(), is_control_or_space)) {
    return fail("no spaces or control characters");
  }
  std::string_view rest = text.substr(7);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail("no query or fragment");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return fail("no user name or password in the URL");
  }
  if (authority.empty()) {
    return fail("with a host");
  }
  std::string why;
  std::optional<HostPort> hp = parse_authority(authority, kDefaultHttpPort, why);
  if (!hp && why.rfind("the port", 0) == 0) {
    return fail("a port between 1 and 65535");
  }
  if (!hp) {
    return fail(why);
  }
  if (hp->port == 0) {
    return fail("a port between 1 and 65535");
  }
  if (hp->is_ipv6_literal && hp->host.find('%') != std::string::npos) {
    return fail("no IPv6 zone");
  }
  if (!is_valid_path(path)) {
    return fail("the path may hold only letters, digits, %XX escapes and - . _ ~ ! $ & ' ( ) * + , ; = : @ /");
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  HttpUrl url;
  url.host = std::move(hp->host);
  url.port = hp->port;
  url.is_ipv6_literal = hp->is_ipv6_literal;
  url.path = std::string(path);
  return url;
}

}  // namespace sigma::net
