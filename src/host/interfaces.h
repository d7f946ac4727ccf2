// The node's IP addresses from the kernel (getifaddrs(3), netlink inside
// glibc: no NSS, works in a static binary) and their SPEC §7 labels.
//
// Owns: listing the addresses of the interfaces that are up, and the pure
// classification that decides which are reported and how:
//   IPv4  127/8 loopback, 0/8, 169.254/16 link-local, 224/4 multicast,
//         240/4 reserved, and 172.16/12 (Docker bridges, SPEC §7): left out;
//         10/8, 192.168/16 and 100.64/10 (carrier-grade NAT, RFC 6598):
//         "internal"; everything else: public, label "".
//   IPv6  ::1, ::, fe80::/10 link-local (meaningless off the link, and
//         needs a zone), ff00::/8 multicast: left out; fc00::/7 unique
//         local (RFC 4193): "internal"; 2000::/3 global unicast: public,
//         label ""; IPv4-mapped ::ffff:a.b.c.d: as the IPv4 address;
//         anything else (documentation, NAT64 prefixes...): left out.
// first_public_address() is the node's public IP for query_metrics and the
// heartbeat: the first public IPv4 address, else the first public IPv6 one,
// else none (behind NAT the public address is not on any interface, and it
// is never guessed).
// Must not: contact anything outside the kernel, log, or cache.
// Threading: pure functions; list_interface_addresses() is safe from any
// thread (getifaddrs allocates its own list).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sigma::host {

inline constexpr std::string_view kInternalLabel = "internal";

// One address of an interface that is up, as the kernel lists it.
struct InterfaceAddress {
  std::string interface;  // "eth0"
  bool is_ipv6 = false;
  in_addr v4{};
  in6_addr v6{};
};

// An address that is reported, with its label ("internal" or "").
struct LabelledAddress {
  std::string ip;  // "10.0.0.5", "2001:db8::1" (inet_ntop form)
  std::string label;
};

// The label of one address, or nullopt when it is left out (rules above).
std::optional<std::string> ipv4_label(in_addr address);
std::optional<std::string> ipv6_label(const in6_addr& address);

// The reported addresses, in the kernel's order, each once.
std::vector<LabelledAddress> label_addresses(const std::vector<InterfaceAddress>& addresses);

// The rule above: first public IPv4, else first public IPv6, else nullopt.
std::optional<std::string> first_public_address(const std::vector<LabelledAddress>& addresses);

// getifaddrs(3): every IPv4 and IPv6 address of the interfaces that are up
// (IFF_UP). Failure: "getifaddrs: <strerror>".
Result<std::vector<InterfaceAddress>> list_interface_addresses();

}  // namespace sigma::host
