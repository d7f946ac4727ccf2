#include "net/socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

namespace sigma::net {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Host names and IPv4 literals: RFC 1123 labels, plus '_' which some private
// zones use. Anything else (spaces, '/', '@', '%') is a typo or an attack on
// the operator's config and is refused before getaddrinfo sees it.
bool is_name_char(char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; }

// Inside brackets: an IPv6 literal (hex, ':', '.' for an embedded IPv4) with an
// optional RFC 6874 zone id after '%'.
bool is_valid_bracketed(std::string_view host) {
  if (host.find(':') == std::string_view::npos) {
    return false;
  }
  size_t percent = host.find('%');
  std::string_view address = host.substr(0, percent);
  for (char c : address) {
    if (!is_hex(c) && c != ':' && c != '.') {
      return false;
    }
  }
  if (percent != std::string_view::npos) {
    std::string_view zone = host.substr(percent + 1);
    if (zone.empty()) {
      return false;
    }
    for (char c : zone) {
      if (!is_name_char(c)) {
        return false;
      }
    }
  }
  return true;
}

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

Status address_error(std::string_view text, std::string_view why) {
  std::string message = "invalid address \"";
  message.append(text);
  message.append("\": ");
  message.append(why);
  return Status::error(std::move(message));
}

bool is_wildcard(const SocketAddress& address) {
  if (address.storage.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&address.storage);
    return sin->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (address.storage.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
      return true;
    }
    // ::ffff:0.0.0.0
    return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && sin6->sin6_addr.s6_addr[12] == 0 &&
           sin6->sin6_addr.s6_addr[13] == 0 && sin6->sin6_addr.s6_addr[14] == 0 &&
           sin6->sin6_addr.s6_addr[15] == 0;
  }
  return false;
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text, int default_port) {
  if (default_port > 65535) {
    return address_error(text, "default port outside 0..65535");
  }
  if (text.empty()) {
    return address_error(text, "empty address");
  }
  HostPort result;
  std::string_view host;
  std::string_view rest;  // "" or ":port"
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return address_error(text, "missing ']' after the IPv6 address");
    }
    host = text.substr(1, close - 1);
    if (host.empty()) {
      return address_error(text, "empty host");
    }
    if (!is_valid_bracketed(host)) {
      return address_error(text, "brackets must contain an IPv6 address");
    }
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return address_error(text, "expected ':port' after ']'");
    }
  } else {
    size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return address_error(text, "an IPv6 address needs brackets, as in [::1]:9103");
    }
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    if (host.empty()) {
      return address_error(text, "empty host");
    }
    for (char c : host) {
      if (!is_name_char(c)) {
        return address_error(text, "host contains a character not allowed in a name or address");
      }
    }
  }
  if (rest.empty()) {
    if (default_port < 0) {
      return address_error(text, "missing ':port'");
    }
    result.port = static_cast<uint16_t>(default_port);
  } else {
    std::optional<uint16_t> port = parse_port(rest.substr(1));
    if (!port) {
      return address_error(text, "port must be a number 0..65535");
    }
    result.port = *port;
  }
  result.host.assign(host);
  return result;
}

std::string SocketAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(sin->sin_port));
  }
  if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    std::string out = "[";
    out += text;
    if (sin6->sin6_scope_id != 0) {
      out += "%" + std::to_string(sin6->sin6_scope_id);
    }
    out += "]:" + std::to_string(ntohs(sin6->sin6_port));
    return out;
  }
  return "(address family " + std::to_string(storage.ss_family) + ")";
}

bool is_loopback(const SocketAddress& address) {
  if (address.storage.ss_family == AF_INET && address.length >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&address.storage);
    return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
  }
  if (address.storage.ss_family == AF_INET6 && address.length >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
      return true;
    }
    // ::ffff:127.0.0.0/104: an IPv4 loopback address seen through a v6 socket.
    return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && sin6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

BindClassification classify_bind(const HostPort& bind) {
  BindClassification result;
  if (bind.host.empty()) {
    result.reason = "empty bind host (would mean every interface)";
    return result;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // AI_PASSIVE: we bind, not connect. AI_NUMERICSERV: the port is a number,
  // never a services(5) lookup.
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(bind.port);
  int rc = getaddrinfo(bind.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    const char* why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    result.reason = bind.host + " cannot be resolved (" + why + "); not loopback";
    return result;
  }
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addr == nullptr || ai->ai_addrlen > sizeof(sockaddr_storage)) {
      continue;
    }
    SocketAddress address;
    std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
    address.length = ai->ai_addrlen;
    result.addresses.push_back(address);
  }
  freeaddrinfo(list);
  if (result.addresses.empty()) {
    result.reason = bind.host + " resolves to no usable address; not loopback";
    return result;
  }
  // Every address must be loopback: a name with one public address among
  // loopback ones would expose the listener bound to that address.
  for (const SocketAddress& address : result.addresses) {
    if (is_wildcard(address)) {
      result.reason = bind.host + " is a wildcard address (" + address.to_string() +
                      " listens on every interface); not loopback";
      return result;
    }
    if (!is_loopback(address)) {
      result.reason = bind.host + " resolves to non-loopback address " + address.to_string() +
                      "; not loopback";
      return result;
    }
  }
  result.is_loopback = true;
  result.reason = bind.host + " resolves only to loopback (";
  for (size_t i = 0; i < result.addresses.size(); ++i) {
    if (i > 0) {
      result.reason += ", ";
    }
    result.reason += result.addresses[i].to_string();
  }
  result.reason += ")";
  return result;
}

Result<UniqueFd> listen_tcp(const SocketAddress& address, int backlog) {
  const std::string where = address.to_string();
  const int family = address.storage.ss_family;
  if ((family != AF_INET && family != AF_INET6) || address.length == 0) {
    return Status::error("listen " + where + ": unsupported address family");
  }
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.is_valid()) {
    return Status::from_errno("socket " + where, errno);
  }
  int one = 1;
  // SO_REUSEADDR: a restart must not fail while old connections sit in TIME_WAIT.
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return Status::from_errno("setsockopt SO_REUSEADDR " + where, errno);
  }
  // IPV6_V6ONLY: "[::]" or "[::1]" must mean exactly that, never IPv4 too,
  // whatever net.ipv6.bindv6only says; the classification was per address.
  if (family == AF_INET6 &&
      setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
    return Status::from_errno("setsockopt IPV6_V6ONLY " + where, errno);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    return Status::from_errno("bind " + where, errno);
  }
  if (::listen(fd.get(), backlog) != 0) {
    return Status::from_errno("listen " + where, errno);
  }
  return Result<UniqueFd>(std::move(fd));
}

UniqueFd accept_connection(int listen_fd, SocketAddress* peer) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&storage), &length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0 && peer != nullptr) {
    peer->storage = storage;
    peer->length = length;
  }
  return UniqueFd(fd);  // invalid (-1) on failure, errno untouched
}

Result<SocketAddress> local_address(int fd) {
  SocketAddress address;
  address.length = sizeof(address.storage);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address.storage), &address.length) != 0) {
    return Status::from_errno("getsockname", errno);
  }
  return address;
}

}  // namespace sigma::net
