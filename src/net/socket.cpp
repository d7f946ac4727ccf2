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

namespace sigma::net {
namespace {

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

namespace {

SocketAddress ipv4_address(const in_addr& addr, uint16_t port) {
  SocketAddress address;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr = addr;
  std::memcpy(&address.storage, &sin, sizeof(sin));
  address.length = sizeof(sin);
  return address;
}

SocketAddress ipv6_address(const in6_addr& addr, uint32_t scope_id, uint16_t port) {
  SocketAddress address;
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  sin6.sin6_addr = addr;
  sin6.sin6_scope_id = scope_id;
  std::memcpy(&address.storage, &sin6, sizeof(sin6));
  address.length = sizeof(sin6);
  return address;
}

bool iequals_ascii(const std::string& a, const char* b) {
  size_t n = std::strlen(b);
  if (a.size() != n) {
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != b[i]) {
      return false;
    }
  }
  return true;
}

// The addresses to try for host:port, numeric and localhost without NSS.
Result<std::vector<SocketAddress>> resolve_for_connect(const std::string& host, uint16_t port,
                                                       const std::string& where) {
  std::vector<SocketAddress> out;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    out.push_back(ipv4_address(v4, port));
    return out;
  }
  const size_t percent = host.find('%');
  const std::string bare = host.substr(0, percent);
  if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    uint32_t scope = 0;
    if (percent != std::string::npos) {
      scope = if_nametoindex(host.c_str() + percent + 1);
      if (scope == 0) {
        return Status::error(where + ": unknown IPv6 zone");
      }
    }
    out.push_back(ipv6_address(v6, scope, port));
    return out;
  }
  if (iequals_ascii(host, "localhost")) {
    v4.s_addr = htonl(INADDR_LOOPBACK);
    out.push_back(ipv4_address(v4, port));
    out.push_back(ipv6_address(in6addr_loopback, 0, port));
    return out;
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

// One attempt; on failure sets *errnum (0 for the deadline).
UniqueFd connect_one(const SocketAddress& address, int64_t deadline_ms, int* errnum) {
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
    pollfd p{fd.get(), POLLOUT, 0};
    int rc = ::poll(&p, 1, timeout);
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

Result<UniqueFd> connect_tcp(const std::string& host, uint16_t port, int64_t deadline_ms) {
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
    UniqueFd fd = connect_one(address, deadline_ms, &errnum);
    if (fd.is_valid()) {
      return Result<UniqueFd>(std::move(fd));
    }
    if (errnum == 0) {
      return Status::deadline_exceeded(where + ": deadline exceeded");
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

Result<UniqueFd> connect_tcp(const HostPort& server, int64_t deadline_ms) {
  return connect_tcp(server.host, server.port, deadline_ms);
}

}  // namespace sigma::net
