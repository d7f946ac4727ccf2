#include "host/proc_net.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../guard_page.h"
#include "host/procfs.h"

namespace sigma::host {
namespace {

std::string fixture(const std::string& tree, const std::string& file) {
  Result<std::string> text = ProcFs("tests/fixtures/proc/" + tree).read("net/" + file);
  REQUIRE(text.is_ok());
  return *text;
}

std::vector<uint16_t> ports_of(const ProcNetParser& parser) {
  std::vector<uint16_t> ports;
  for (const SocketEntry& e : parser.entries()) {
    ports.push_back(e.port);
  }
  return ports;
}

// The same bytes whole, one byte at a time, and ending at a guard page must
// give the same answer.
void check_all_splits(const std::string& text, SocketTable table, uint16_t first, uint16_t last,
                      const std::vector<uint16_t>& expected_ports, const ProcNetStats& expected_stats) {
  auto check = [&](const ProcNetParser& p) {
    CHECK(ports_of(p) == expected_ports);
    CHECK(p.stats().lines == expected_stats.lines);
    CHECK(p.stats().malformed == expected_stats.malformed);
    CHECK(p.stats().dropped == expected_stats.dropped);
  };
  SUBCASE("whole") { check(parse_proc_net(text, table, first, last)); }
  SUBCASE("byte by byte") {
    ProcNetParser p(table, first, last);
    for (char c : text) {
      p.feed(std::string_view(&c, 1));
    }
    p.finish();
    check(p);
  }
  SUBCASE("ending at a guard page") {
    test::GuardPage page(text);
    check(parse_proc_net(page.view(), table, first, last));
  }
}

TEST_CASE("listening TCP sockets in the range are kept with their inodes; others are not") {
  const std::string text = fixture("sockets", "tcp");
  // 10022, 10080, 10043, 10081, 10090, 10099 listen in range; 10092 is an
  // established connection, 10095 TIME_WAIT, 22 / 9999 / 30001 out of range.
  check_all_splits(text, SocketTable::kTcp, 10000, 10100, {10022, 10080, 10043, 10081, 10090, 10099},
                   {11, 0, 0});
  ProcNetParser p = parse_proc_net(text, SocketTable::kTcp, 10000, 10100);
  REQUIRE(p.entries().size() == 6);
  CHECK(p.entries()[0].inode == 1001);
  CHECK(p.entries()[5].inode == 9999);
}

TEST_CASE("IPv6 tables use 32-digit addresses") {
  check_all_splits(fixture("sockets", "tcp6"), SocketTable::kTcp6, 10000, 10100, {10080, 10100}, {2, 0, 0});
  check_all_splits(fixture("sockets", "udp6"), SocketTable::kUdp6, 10000, 10100, {10054}, {1, 0, 0});
}

TEST_CASE("every bound UDP socket holds its port, connected ones too") {
  check_all_splits(fixture("sockets", "udp"), SocketTable::kUdp, 10000, 10100, {10053, 10091, 10096}, {4, 0, 0});
}

TEST_CASE("the range bounds are inclusive") {
  const std::string text = fixture("sockets", "tcp");
  CHECK(ports_of(parse_proc_net(text, SocketTable::kTcp, 10022, 10022)) == std::vector<uint16_t>{10022});
  CHECK(ports_of(parse_proc_net(text, SocketTable::kTcp, 9999, 9999)) == std::vector<uint16_t>{9999});
  CHECK(ports_of(parse_proc_net(text, SocketTable::kTcp, 30001, 65535)) == std::vector<uint16_t>{30001});
  CHECK(parse_proc_net(text, SocketTable::kTcp, 10101, 10200).entries().empty());
}

TEST_CASE("hostile lines are skipped and counted; good lines around them still count") {
  // Bad hex, cut after the state, a 7-digit address, a negative inode, a
  // 5-digit port, an overflowing inode, no colon after the slot, a 600-byte
  // line, binary junk: nine malformed of twelve; port 0 is ignored.
  check_all_splits(fixture("hostile", "tcp"), SocketTable::kTcp, 10000, 10100, {10001, 10009}, {12, 9, 0});
}

TEST_CASE("a table cut mid-line keeps what came before the cut") {
  check_all_splits(fixture("truncated", "tcp"), SocketTable::kTcp, 10000, 10100, {10001}, {2, 1, 0});
}

TEST_CASE("an empty table, a header alone and a header without newline hold nothing") {
  for (std::string_view text : {std::string_view(""), std::string_view("  sl  local_address\n"),
                                std::string_view("  sl  local_address")}) {
    ProcNetParser p = parse_proc_net(text, SocketTable::kTcp, 1, 65535);
    CHECK(p.entries().empty());
    CHECK(p.stats().lines == 0);
  }
}

TEST_CASE("sockets beyond the entry bound are dropped and counted") {
  ProcNetParser p(SocketTable::kTcp, 10000, 10100, 2);
  p.feed(fixture("sockets", "tcp"));
  p.finish();
  CHECK(p.entries().size() == 2);
  CHECK(p.stats().dropped == 4);
}

TEST_CASE("an overlong line split across chunks is skipped whole and the next line parses") {
  std::string text = "header\n   0: " + std::string(2000, 'F') + "\n" +
                     "   1: 00000000:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1\n";
  ProcNetParser p(SocketTable::kTcp, 1, 65535);
  for (size_t i = 0; i < text.size(); i += 100) {
    p.feed(std::string_view(text).substr(i, 100));
  }
  p.finish();
  CHECK(ports_of(p) == std::vector<uint16_t>{10001});
  CHECK(p.stats().malformed == 1);
  CHECK(p.stats().lines == 2);
}

TEST_CASE("socket link targets give their inode; anything else gives 0") {
  CHECK(socket_inode_of_link("socket:[18639]") == 18639);
  CHECK(socket_inode_of_link("socket:[0]") == 0);
  CHECK(socket_inode_of_link("socket:[]") == 0);
  CHECK(socket_inode_of_link("socket:[12") == 0);
  CHECK(socket_inode_of_link("socket:[1x2]") == 0);
  CHECK(socket_inode_of_link("pipe:[18639]") == 0);
  CHECK(socket_inode_of_link("/dev/null") == 0);
  CHECK(socket_inode_of_link("socket:[99999999999999999999]") == 0);
}

}  // namespace
}  // namespace sigma::host
