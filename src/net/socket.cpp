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

}  // namespace sigma::net
