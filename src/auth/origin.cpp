#include "auth/origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "base/strings.h"

namespace sigma::auth {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// 1 to 5 digits, value 0..65535; -1 otherwise.
int parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) {
    return -1;
  }
  int value = 0;
  for (char c : text) {
    if (!is_digit(c)) {
      return -1;
    }
    value = value * 10 + (c - '0');
  }
  return value <= 65535 ? value : -1;
}

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool is_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s.front())) {
    return false;
  }
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// Host names as browsers serialize them (IDNA already applied): letters,
// digits, '-', '.', '_'. Percent-encoding and sub-delims are refused: no
// legitimate origin of ours needs them, and each is a parser-confusion risk.
bool is_reg_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

// "[" IPv6 "]": hex digits, ':' and '.' (embedded IPv4), validated by inet_pton.
bool parse_ipv6_literal(std::string_view bracketed, in6_addr* out) {
  if (bracketed.size() < 4 || bracketed.front() != '[' || bracketed.back() != ']') {
    return false;
  }
  std::string_view inner = bracketed.substr(1, bracketed.size() - 2);
  char buf[INET6_ADDRSTRLEN];
  if (inner.size() >= sizeof(buf)) {
    return false;
  }
  for (char c : inner) {
    if (!is_hex(c) && c != ':' && c != '.') {
      return false;
    }
  }
  std::memcpy(buf, inner.data(), inner.size());
  buf[inner.size()] = '\0';
  return inet_pton(AF_INET6, buf, out) == 1;
}

// Strict dotted quad: four decimal octets 0..255, no leading zeros (which
// some resolvers read as octal), no shorthand like "127.1".
bool parse_dotted_quad(std::string_view s, uint8_t octets[4]) {
  for (int i = 0; i < 4; ++i) {
    size_t end = 0;
    while (end < s.size() && is_digit(s[end])) {
      ++end;
    }
    if (end == 0 || end > 3 || (end > 1 && s[0] == '0')) {
      return false;
    }
    int value = 0;
    for (size_t k = 0; k < end; ++k) {
      value = value * 10 + (s[k] - '0');
    }
    if (value > 255) {
      return false;
    }
    octets[i] = static_cast<uint8_t>(value);
    s.remove_prefix(end);
    if (i < 3) {
      if (s.empty() || s.front() != '.') {
        return false;
      }
      s.remove_prefix(1);
    }
  }
  return s.empty();
}

bool is_valid_host(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    in6_addr addr{};
    return parse_ipv6_literal(host, &addr);
  }
  return is_reg_name(host);
}

}  // namespace

int OriginParts::effective_port() const {
  if (port >= 0) {
    return port;
  }
  if (iequals(scheme, "http")) {
    return 80;
  }
  if (iequals(scheme, "https")) {
    return 443;
  }
  return -1;
}

std::optional<OriginParts> parse_origin(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return std::nullopt;  // includes "null"
  }
  OriginParts out;
  out.scheme = text.substr(0, sep);
  if (!is_scheme(out.scheme)) {
    return std::nullopt;
  }
  std::string_view authority = text.substr(sep + 3);
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    out.host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return std::nullopt;
      }
      has_port = true;
      port_text = rest.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (!is_valid_host(out.host)) {
    return std::nullopt;
  }
  if (has_port) {
    out.port = parse_port(port_text);
    if (out.port < 0) {
      return std::nullopt;
    }
  }
  return out;
}

std::string serialize_origin(const OriginParts& origin) {
  std::string out = to_lower(origin.scheme);
  out += "://";
  out += to_lower(origin.host);
  if (origin.port >= 0) {
    out += ':';
    out += std::to_string(origin.port);
  }
  return out;
}

bool same_origin(const OriginParts& a, const OriginParts& b) {
  return iequals(a.scheme, b.scheme) && iequals(a.host, b.host) &&
         a.effective_port() == b.effective_port();
}

bool is_loopback_host_name(std::string_view host) {
  if (iequals(host, "localhost")) {
    return true;
  }
  if (!host.empty() && host.front() == '[') {
    in6_addr addr{};
    return parse_ipv6_literal(host, &addr) && IN6_IS_ADDR_LOOPBACK(&addr);
  }
  uint8_t octets[4];
  return parse_dotted_quad(host, octets) && octets[0] == 127;
}

bool is_loopback_host_header(std::string_view host_value) {
  std::string_view host = host_value;
  std::string_view port;
  bool has_port = false;
  if (!host_value.empty() && host_value.front() == '[') {
    size_t close = host_value.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = host_value.substr(0, close + 1);
    std::string_view rest = host_value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    size_t colon = host_value.find(':');
    if (colon != std::string_view::npos) {
      host = host_value.substr(0, colon);
      has_port = true;
      port = host_value.substr(colon + 1);
    }
  }
  if (has_port && parse_port(port) < 0) {
    return false;
  }
  return is_loopback_host_name(host);
}

bool is_loopback_origin(const OriginParts& origin, int port) {
  if (!iequals(origin.scheme, "http") && !iequals(origin.scheme, "https")) {
    return false;
  }
  if (!is_loopback_host_name(origin.host)) {
    return false;
  }
  return port < 0 || origin.effective_port() == port;
}

std::vector<std::string> default_allowed_origins(uint16_t mcp_port) {
  std::vector<std::string> out;
  const std::string port = ":" + std::to_string(mcp_port);
  for (const char* scheme : {"http://", "https://"}) {
    for (const char* host : {"localhost", "127.0.0.1", "[::1]"}) {
      out.push_back(std::string(scheme) + host + port);
      out.push_back(std::string(scheme) + host);
    }
  }
  return out;
}

bool origin_allowed(std::string_view origin_value, const std::vector<std::string>& allowed,
                    int loopback_port) {
  std::optional<OriginParts> origin = parse_origin(origin_value);
  if (!origin) {
    return false;  // "null", garbage, or an origin with a path
  }
  if (allowed.empty()) {
    return is_loopback_origin(*origin, loopback_port);
  }
  for (const std::string& entry : allowed) {
    std::optional<OriginParts> candidate = parse_origin(entry);
    if (candidate && same_origin(*origin, *candidate)) {
      return true;
    }
  }
  return false;
}

}  // namespace sigma::auth
