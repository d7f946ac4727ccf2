#include "net/socket.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "base/clock.h"

#include "base/strings.h"

namespace sigma::net {

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

std::optional<SocketAddress> numeric_address(std::string_view host, uint16_t port) {
  // inet_pton needs NUL-terminated text; it reads no name service. AF_INET
  // accepts only the dotted quad ("127.1" and "0x7f.1" go to getaddrinfo,
  // whose own numeric forms are still classified by address).
  SocketAddress out;
  std::string text(host);
  auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (text.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, text.c_str(), &sin->sin_addr) != 1) {
      return std::nullopt;
    }
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return out;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  size_t percent = text.find('%');
  std::string address = text.substr(0, percent);
  if (inet_pton(AF_INET6, address.c_str(), &sin6->sin6_addr) != 1) {
    return std::nullopt;
  }
  if (percent != std::string::npos) {
    // RFC 6874: the zone is an interface name or index.
    std::string zone = text.substr(percent + 1);
    if (zone.empty()) {
      return std::nullopt;
    }
    uint32_t index = 0;
    bool all_digits = zone.size() <= 9;
    for (char c : zone) {
      if (c < '0' || c > '9') {
        all_digits = false;
        break;
      }
      index = index * 10 + static_cast<uint32_t>(c - '0');
    }
    if (!all_digits) {
      // if_nametoindex asks the kernel (ioctl), not NSS.
      index = if_nametoindex(zone.c_str());
    }
    if (index == 0) {
      return std::nullopt;
    }
    sin6->sin6_scope_id = index;
  }
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  out.length = sizeof(sockaddr_in6);
  return out;
}

std::vector<SocketAddress> localhost_addresses(uint16_t port) {
  // RFC 6761 §6.3: IPv4 first, as the default bind 127.0.0.1 is.
  std::vector<SocketAddress> out;
  for (const char* literal : {"127.0.0.1", "::1"}) {
    if (std::optional<SocketAddress> a = numeric_address(literal, port)) {
      out.push_back(*a);
    }
  }
  return out;
}

BindAddress classify_address(const SocketAddress& address) {
  BindAddress out;
  out.address = address;
  out.is_loopback = is_loopback(address);
  out.is_wildcard = is_wildcard(address);
  return out;
}

namespace {

// ::ffff:a.b.c.d as the IPv4 address a.b.c.d: listeners open IPv6 sockets
// with IPV6_V6ONLY, which cannot bind a v4-mapped address, and what it names
// is the IPv4 address anyway (RFC 4291 §2.5.5.2).
SocketAddress unmap_v4(const SocketAddress& address) {
  if (address.storage.ss_family != AF_INET6) {
    return address;
  }
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
  if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
    return address;
  }
  SocketAddress out;
  auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
  sin->sin_family = AF_INET;
  sin->sin_port = sin6->sin6_port;
  std::memcpy(&sin->sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
  out.length = sizeof(sockaddr_in);
  return out;
}

}  // namespace

BindResolution resolve_bind(const HostPort& bind) {
  BindResolution result;
  if (bind.host.empty()) {
    result.error = "empty bind host (would mean every interface)";
    return result;
  }
  if (std::optional<SocketAddress> numeric = numeric_address(bind.host, bind.port)) {
    result.resolver = Resolver::kNumeric;
    result.addresses.push_back(classify_address(unmap_v4(*numeric)));
    return result;
  }
  if (iequals(bind.host, "localhost")) {
    // RFC 6761 §6.3: localhost names resolve to loopback without asking any
    // name server. IPv4 first, as the default bind 127.0.0.1 is.
    result.resolver = Resolver::kLocalhost;
    for (const SocketAddress& a : localhost_addresses(bind.port)) {
      result.addresses.push_back(classify_address(a));
    }
    return result;
  }
  result.resolver = Resolver::kNameService;
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
    result.error = bind.host + " cannot be resolved (" + why + ")";
    return result;
  }
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addr == nullptr || ai->ai_addrlen > sizeof(sockaddr_storage)) {
      continue;
    }
    SocketAddress address;
    std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
    address.length = ai->ai_addrlen;
    result.addresses.push_back(classify_address(unmap_v4(address)));
  }
  freeaddrinfo(list);
  if (result.addresses.empty()) {
    result.error = bind.host + " resolves to no usable address";
  }
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

namespace {

// The addresses to try for host:port, numeric and localhost without NSS.
Result<std::vector<SocketAddress>> resolve_for_connect(const std::string& host, uint16_t port,
                                                       const std::string& where) {
  std::vector<SocketAddress> out;
  if (std::optional<SocketAddress> numeric = numeric_address(host, port)) {
    out.push_back(*numeric);
    return out;
  }
  if (iequals(host, "localhost")) {
    return localhost_addresses(port);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    const char* why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    // EAI_AGAIN: the resolver could not answer now; a later try may succeed.
    if (rc == EAI_AGAIN) {
      return Status::unavailable(where + ": " + why);
    }
    return Status::error(where + ": " + why);
  }
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addr == nullptr || ai->ai_addrlen > sizeof(sockaddr_storage)) {
      continue;
    }
    SocketAddress address;
    std::memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
    address.length = ai->ai_addrlen;
    out.push_back(address);
  }
  freeaddrinfo(list);
  if (out.empty()) {
    return Status::error(where + ": resolves to no usable address");
  }
  return out;
}

// Errors after which another address, or a later attempt, may succeed.
bool is_transient_connect_errno(int errnum) {
  switch (errnum) {
    case ECONNREFUSED: case ECONNRESET: case ECONNABORTED: case ENETUNREACH: case EHOSTUNREACH:
    case ENETDOWN: case EHOSTDOWN: case ETIMEDOUT: case EADDRNOTAVAIL: case EAGAIN: case EPIPE:
      return true;
    default:
      return false;
  }
}

int poll_timeout_ms(int64_t deadline_ms) {
  int64_t left = deadline_ms - monotonic_ms();
  if (left <= 0) {
    return 0;
  }
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

// One attempt; on failure sets *errnum (0 for the deadline, ECANCELED when
// `cancel_fd` became readable).
UniqueFd connect_one(const SocketAddress& address, int64_t deadline_ms, int cancel_fd, int* errnum) {
  UniqueFd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.is_valid()) {
    *errnum = errno;
    return UniqueFd();
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0) {
    return fd;
  }
  if (errno != EINPROGRESS && errno != EINTR) {
    *errnum = errno;
    return UniqueFd();
  }
  for (;;) {
    const int timeout = poll_timeout_ms(deadline_ms);
    if (timeout == 0) {
      *errnum = 0;
      return UniqueFd();
    }
    pollfd p[2] = {{fd.get(), POLLOUT, 0}, {cancel_fd, POLLIN, 0}};
    int rc = ::poll(p, cancel_fd >= 0 ? 2 : 1, timeout);
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc < 0) {
      *errnum = errno;
      return UniqueFd();
    }
    if (rc == 0) {
      continue;  // re-checks the deadline
    }
    if (cancel_fd >= 0 && p[1].revents != 0) {
      *errnum = ECANCELED;
      return UniqueFd();
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
      *errnum = errno;
      return UniqueFd();
    }
    if (so_error != 0) {
      *errnum = so_error;
      return UniqueFd();
    }
    return fd;
  }
}

}  // namespace

Result<UniqueFd> connect_tcp(const std::string& host, uint16_t port, int64_t deadline_ms, int cancel_fd) {
  HostPort server;
  server.host = host;
  server.port = port;
  server.is_ipv6_literal = host.find(':') != std::string::npos;
  const std::string where = "connect " + format_host_port(server);
  if (poll_timeout_ms(deadline_ms) == 0) {
    return Status::deadline_exceeded(where + ": deadline exceeded");
  }
  Result<std::vector<SocketAddress>> addresses = resolve_for_connect(host, port, where);
  if (!addresses) {
    return addresses.status();
  }
  int last_errno = 0;
  for (const SocketAddress& address : *addresses) {
    int errnum = 0;
    UniqueFd fd = connect_one(address, deadline_ms, cancel_fd, &errnum);
    if (fd.is_valid()) {
      return Result<UniqueFd>(std::move(fd));
    }
    if (errnum == 0) {
      return Status::deadline_exceeded(where + ": deadline exceeded");
    }
    if (errnum == ECANCELED) {
      return Status::unavailable(where + ": cancelled");
    }
    last_errno = errnum;
    if (!is_transient_connect_errno(errnum) && errnum != EAFNOSUPPORT) {
      break;
    }
  }
  if (is_transient_connect_errno(last_errno) || last_errno == EAFNOSUPPORT) {
    return Status::unavailable(where + ": " + std::strerror(last_errno));
  }
  return Status::from_errno(where, last_errno);
}

Result<UniqueFd> connect_tcp(const HostPort& server, int64_t deadline_ms, int cancel_fd) {
  return connect_tcp(server.host, server.port, deadline_ms, cancel_fd);
}

}  // namespace sigma::net
