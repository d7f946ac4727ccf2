#include "host/interfaces.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace sigma::host {
namespace {

InterfaceAddress address(const char* text) {
  InterfaceAddress a;
  a.interface = "eth0";
  if (inet_pton(AF_INET, text, &a.v4) != 1) {
    a.is_ipv6 = true;
    REQUIRE(inet_pton(AF_INET6, text, &a.v6) == 1);
  }
  return a;
}

std::optional<std::string> label_of(const char* text) {
  InterfaceAddress a = address(text);
  return a.is_ipv6 ? ipv6_label(a.v6) : ipv4_label(a.v4);
}

TEST_CASE("addresses are labelled as SPEC 7 says, and loopback, link-local and Docker bridges are left out") {
  struct Case {
    const char* ip;
    const char* label;  // nullptr: left out
  };
  const Case cases[] = {
      {"127.0.0.1", nullptr},      {"127.255.0.9", nullptr},   {"0.0.0.0", nullptr},
      {"169.254.10.1", nullptr},   {"224.0.0.1", nullptr},     {"255.255.255.255", nullptr},
      {"172.16.0.1", nullptr},     {"172.17.0.1", nullptr},    {"172.31.255.254", nullptr},
      {"172.32.0.1", ""},          {"172.15.255.1", ""},       {"10.1.2.3", "internal"},
      {"192.168.1.10", "internal"}, {"100.64.0.1", "internal"}, {"100.128.0.1", ""},
      {"203.0.113.7", ""},         {"8.8.8.8", ""},            {"::1", nullptr},
      {"::", nullptr},             {"fe80::1", nullptr},       {"febf::1", nullptr},
      {"ff02::1", nullptr},        {"fd12:3456::1", "internal"}, {"fc00::1", "internal"},
      {"2001:db8::1", ""},         {"2a01:4f8::2", ""},        {"::ffff:10.0.0.1", "internal"},
      {"::ffff:127.0.0.1", nullptr}, {"::ffff:203.0.113.9", ""}, {"64:ff9b::1", nullptr},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ip);
    std::optional<std::string> got = label_of(c.ip);
    if (c.label == nullptr) {
      CHECK_FALSE(got.has_value());
    } else {
      REQUIRE(got.has_value());
      CHECK(*got == c.label);
    }
  }
}

TEST_CASE("label_addresses keeps the kernel's order, drops what is left out and repeats") {
  std::vector<InterfaceAddress> in = {address("127.0.0.1"), address("10.0.0.5"), address("172.17.0.1"),
                                      address("2001:db8::5"), address("10.0.0.5"), address("203.0.113.7")};
  std::vector<LabelledAddress> out = label_addresses(in);
  REQUIRE(out.size() == 3);
  CHECK(out[0].ip == "10.0.0.5");
  CHECK(out[0].label == "internal");
  CHECK(out[1].ip == "2001:db8::5");
  CHECK(out[1].label == "");
  CHECK(out[2].ip == "203.0.113.7");
}

TEST_CASE("the public address is the first public IPv4, else the first public IPv6, else none") {
  CHECK(first_public_address(label_addresses({address("10.0.0.5"), address("192.168.0.2")})) == std::nullopt);
  CHECK(first_public_address(label_addresses({address("10.0.0.5"), address("2001:db8::5")})) ==
        std::optional<std::string>("2001:db8::5"));
  CHECK(first_public_address(label_addresses({address("2001:db8::5"), address("198.51.100.4"),
                                              address("203.0.113.7")})) ==
        std::optional<std::string>("198.51.100.4"));
}

TEST_CASE("the kernel lists at least the loopback interface, which is then left out") {
  Result<std::vector<InterfaceAddress>> listed = list_interface_addresses();
  REQUIRE(listed.is_ok());
  bool has_loopback = false;
  for (const InterfaceAddress& a : *listed) {
    has_loopback = has_loopback || (!a.is_ipv6 && ntohl(a.v4.s_addr) == 0x7F000001);
  }
  CHECK(has_loopback);
  for (const LabelledAddress& a : label_addresses(*listed)) {
    CHECK(a.ip != "127.0.0.1");
  }
}

}  // namespace
}  // namespace sigma::host
