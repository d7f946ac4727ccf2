#include "host/interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>

namespace sigma::host {
namespace {

bool in_v4(uint32_t address, uint32_t network, int prefix) {
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (address & mask) == (network & mask);
}

constexpr uint32_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

std::string text_of(int family, const void* address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, address, buffer, sizeof(buffer)) == nullptr) {
    return std::string();
  }
  return buffer;
}

}  // namespace

std::optional<std::string> ipv4_label(in_addr address) {
  const uint32_t a = ntohl(address.s_addr);
  // Left out: not reachable as this node from elsewhere, or Docker's.
  if (in_v4(a, v4(0, 0, 0, 0), 8) || in_v4(a, v4(127, 0, 0, 0), 8) || in_v4(a, v4(169, 254, 0, 0), 16) ||
      in_v4(a, v4(224, 0, 0, 0), 4) || in_v4(a, v4(240, 0, 0, 0), 4) || in_v4(a, v4(172, 16, 0, 0), 12)) {
    return std::nullopt;
  }
  if (in_v4(a, v4(10, 0, 0, 0), 8) || in_v4(a, v4(192, 168, 0, 0), 16) || in_v4(a, v4(100, 64, 0, 0), 10)) {
    return std::string(kInternalLabel);
  }
  return std::string();
}

std::optional<std::string> ipv6_label(const in6_addr& address) {
  const uint8_t* b = address.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&address)) {
    in_addr mapped{};
    std::memcpy(&mapped.s_addr, b + 12, 4);
    return ipv4_label(mapped);
  }
  if ((b[0] & 0xFE) == 0xFC) {
    return std::string(kInternalLabel);  // fc00::/7, RFC 4193
  }
  if ((b[0] & 0xE0) == 0x20) {
    return std::string();  // 2000::/3 global unicast
  }
  return std::nullopt;  // ::1, ::, fe80::/10, ff00::/8 and the rest
}

std::vector<LabelledAddress> label_addresses(const std::vector<InterfaceAddress>& addresses) {
  std::vector<LabelledAddress> out;
  for (const InterfaceAddress& a : addresses) {
    std::optional<std::string> label = a.is_ipv6 ? ipv6_label(a.v6) : ipv4_label(a.v4);
    if (!label) {
      continue;
    }
    std::string ip = a.is_ipv6 ? text_of(AF_INET6, &a.v6) : text_of(AF_INET, &a.v4);
    if (ip.empty()) {
      continue;
    }
    bool seen = false;
    for (const LabelledAddress& o : out) {
      seen = seen || o.ip == ip;
    }
    if (!seen) {
      out.push_back({std::move(ip), std::move(*label)});
    }
  }
  return out;
}

std::optional<std::string> first_public_address(const std::vector<LabelledAddress>& addresses) {
  for (const LabelledAddress& a : addresses) {
    if (a.label.empty() && a.ip.find(':') == std::string::npos) {
      return a.ip;
    }
  }
  for (const LabelledAddress& a : addresses) {
    if (a.label.empty()) {
      return a.ip;
    }
  }
  return std::nullopt;
}

Result<std::vector<InterfaceAddress>> list_interface_addresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    return Status::from_errno("getifaddrs", errno);
  }
  std::vector<InterfaceAddress> out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) {
      continue;
    }
    InterfaceAddress a;
    a.interface = i->ifa_name != nullptr ? i->ifa_name : "";
    if (i->ifa_addr->sa_family == AF_INET) {
      a.v4 = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      a.is_ipv6 = true;
      a.v6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr;
    } else {
      continue;
    }
    out.push_back(std::move(a));
  }
  freeifaddrs(list);
  return out;
}

}  // namespace sigma::host
