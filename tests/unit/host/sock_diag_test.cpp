// The sock_diag request bytes and the reply parser, over messages built
// here: well-formed dumps, short tcp_info from an older kernel, kernel
// errors, interrupted dumps, and truncated or hostile lengths.
#include "host/sock_diag.h"

#include <doctest/doctest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace sigma::host {
namespace {

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void pad4(std::string& out) {
  while (out.size() % 4 != 0) {
    out += '\0';
  }
}

// One netlink message of `type` around `payload`.
std::string message(uint16_t type, const std::string& payload, uint32_t seq = 7, uint16_t flags = NLM_F_MULTI) {
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(payload.size()));
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = seq;
  std::string out;
  put(out, h);
  out += payload;
  pad4(out);
  return out;
}

// An inet_diag_msg for 127.0.0.1:lport -> 127.0.0.1:rport, with a tcp_info
// attribute of `info_bytes` bytes (0: none).
std::string socket_payload(uint16_t lport, uint16_t rport, uint64_t inode, size_t info_bytes, uint64_t acked = 0,
                           uint64_t received = 0) {
  inet_diag_msg m{};
  m.idiag_family = AF_INET;
  m.idiag_state = 1;
  m.id.idiag_sport = static_cast<uint16_t>((lport >> 8) | (lport << 8));
  m.id.idiag_dport = static_cast<uint16_t>((rport >> 8) | (rport << 8));
  const uint8_t lo[4] = {127, 0, 0, 1};
  std::memcpy(m.id.idiag_src, lo, 4);
  std::memcpy(m.id.idiag_dst, lo, 4);
  m.id.idiag_cookie[0] = static_cast<uint32_t>(inode * 3);
  m.idiag_inode = static_cast<uint32_t>(inode);
  std::string out;
  put(out, m);
  if (info_bytes > 0) {
    tcp_info info{};
    info.tcpi_rtt = 1500;
    info.tcpi_rttvar = 250;
    info.tcpi_total_retrans = 3;
    info.tcpi_bytes_acked = acked;
    info.tcpi_bytes_received = received;
    info.tcpi_delivery_rate = 9999;
    rtattr rta{};
    rta.rta_type = INET_DIAG_INFO;
    rta.rta_len = static_cast<unsigned short>(RTA_LENGTH(info_bytes));
    put(out, rta);
    out.append(reinterpret_cast<const char*>(&info), std::min(info_bytes, sizeof info));
    pad4(out);
  }
  return out;
}

std::string done(uint32_t seq = 7) { return message(NLMSG_DONE, std::string(4, '\0'), seq); }

std::string error_message(int code, uint32_t seq = 7) {
  nlmsgerr e{};
  e.error = code;
  std::string p;
  put(p, e);
  return message(NLMSG_ERROR, p, seq);
}

}  // namespace

TEST_CASE("a dump of two sockets with full tcp_info, then DONE") {
  SockDiagParser p(7, 100, false);
  std::string dgram = message(SOCK_DIAG_BY_FAMILY, socket_payload(80, 5000, 11, sizeof(tcp_info), 1234, 5678)) +
                      message(SOCK_DIAG_BY_FAMILY, socket_payload(443, 6000, 12, 0));
  REQUIRE(p.feed(dgram));
  CHECK_FALSE(p.done());
  REQUIRE(p.feed(done()));
  CHECK(p.done());
  CHECK_FALSE(p.interrupted());
  REQUIRE(p.sockets().size() == 2);
  const DiagSocket& a = p.sockets()[0];
  CHECK(a.local_port == 80);
  CHECK(a.remote_port == 5000);
  CHECK(a.inode == 11);
  CHECK(a.cookie == 33);
  CHECK(format_endpoint(a.family, a.local_addr, a.local_port) == "127.0.0.1:80");
  REQUIRE(a.info);
  CHECK(*a.info->rtt_us == 1500);
  CHECK(*a.info->rttvar_us == 250);
  CHECK(*a.info->total_retrans == 3);
  CHECK(*a.info->bytes_acked == 1234);
  CHECK(*a.info->bytes_received == 5678);
  CHECK(*a.info->delivery_rate == 9999);
  CHECK_FALSE(p.sockets()[1].info);
  CHECK(p.seen() == 2);
  CHECK(p.dropped() == 0);
}

TEST_CASE("a short tcp_info (older kernel) gives only the fields it reaches") {
  SockDiagParser p(7, 100, false);
  // Ends just before tcpi_bytes_acked: rtt and retransmits are there, bytes are not.
  REQUIRE(p.feed(message(SOCK_DIAG_BY_FAMILY, socket_payload(80, 1, 1, offsetof(tcp_info, tcpi_bytes_acked), 5, 6))));
  REQUIRE(p.sockets().size() == 1);
  const TcpInfo& info = *p.sockets()[0].info;
  CHECK(info.rtt_us);
  CHECK(info.total_retrans);
  CHECK_FALSE(info.bytes_acked);
  CHECK_FALSE(info.bytes_received);
  CHECK_FALSE(info.delivery_rate);
  // Reaching bytes_acked but not bytes_received.
  SockDiagParser q(7, 100, false);
  REQUIRE(q.feed(message(SOCK_DIAG_BY_FAMILY, socket_payload(80, 1, 1, offsetof(tcp_info, tcpi_bytes_received), 5, 6))));
  CHECK(*q.sockets()[0].info->bytes_acked == 5);
  CHECK_FALSE(q.sockets()[0].info->bytes_received);
}

TEST_CASE("NLMSG_ERROR: an ack is skipped, a code fails with the errno text") {
  SockDiagParser ack(7, 100, false);
  CHECK(ack.feed(error_message(0)));
  SockDiagParser p(7, 100, false);
  Status s = p.feed(error_message(-EACCES));
  REQUIRE_FALSE(s);
  CHECK(s.message().find("Permission denied") != std::string::npos);
  SockDiagParser truncated(7, 100, false);
  CHECK_FALSE(truncated.feed(message(NLMSG_ERROR, "ab")));
}

TEST_CASE("NLM_F_DUMP_INTR marks the dump interrupted; other sequences are ignored") {
  SockDiagParser p(7, 100, false);
  REQUIRE(p.feed(message(SOCK_DIAG_BY_FAMILY, socket_payload(1, 2, 3, 0), 7, NLM_F_MULTI | NLM_F_DUMP_INTR)));
  REQUIRE(p.feed(message(SOCK_DIAG_BY_FAMILY, socket_payload(1, 2, 4, 0), 99)));
  REQUIRE(p.feed(done(99)));
  CHECK_FALSE(p.done());
  REQUIRE(p.feed(done()));
  CHECK(p.interrupted());
  CHECK(p.sockets().size() == 1);
}

TEST_CASE("the bound keeps max_sockets and counts the rest; count_only keeps none") {
  std::string dgram;
  for (uint64_t i = 1; i <= 5; ++i) {
    dgram += message(SOCK_DIAG_BY_FAMILY, socket_payload(1, 2, i, 0));
  }
  SockDiagParser p(7, 3, false);
  REQUIRE(p.feed(dgram));
  CHECK(p.sockets().size() == 3);
  CHECK(p.seen() == 5);
  CHECK(p.dropped() == 2);
  SockDiagParser c(7, 3, true);
  REQUIRE(c.feed(dgram));
  CHECK(c.sockets().empty());
  CHECK(c.seen() == 5);
}

TEST_CASE("truncated and hostile lengths fail without reading past the datagram") {
  const std::string good = message(SOCK_DIAG_BY_FAMILY, socket_payload(80, 1, 1, sizeof(tcp_info), 1, 2));
  SUBCASE("every truncation of a good message fails or stops cleanly") {
    for (size_t n = 1; n < good.size(); ++n) {
      // A fresh copy of exactly n bytes, so ASan sees any read past it.
      std::string cut = good.substr(0, n);
      SockDiagParser p(7, 100, false);
      CHECK_FALSE(p.feed(cut));
      CHECK(p.sockets().empty());
    }
  }
  SUBCASE("nlmsg_len larger than the datagram") {
    std::string bad = good;
    const uint32_t len = static_cast<uint32_t>(good.size() + 100);
    std::memcpy(bad.data(), &len, 4);
    SockDiagParser p(7, 100, false);
    CHECK_FALSE(p.feed(bad));
  }
  SUBCASE("nlmsg_len smaller than a header") {
    std::string bad = good;
    const uint32_t len = 3;
    std::memcpy(bad.data(), &len, 4);
    SockDiagParser p(7, 100, false);
    CHECK_FALSE(p.feed(bad));
  }
  SUBCASE("attribute length beyond the message or below its header") {
    for (uint16_t rta_len : {uint16_t{2}, uint16_t{0xffff}}) {
      std::string bad = good;
      const size_t at = NLMSG_LENGTH(0) + NLMSG_ALIGN(sizeof(inet_diag_msg));
      std::memcpy(bad.data() + at, &rta_len, 2);
      SockDiagParser p(7, 100, false);
      CHECK_FALSE(p.feed(bad));
      CHECK(p.seen() == 0);  // a socket that failed is not counted either
    }
  }
  SUBCASE("a socket message shorter than inet_diag_msg") {
    SockDiagParser p(7, 100, false);
    CHECK_FALSE(p.feed(message(SOCK_DIAG_BY_FAMILY, std::string(10, 'x'))));
  }
  SUBCASE("a socket of an unknown family") {
    std::string payload = socket_payload(1, 2, 3, 0);
    payload[0] = 99;
    SockDiagParser p(7, 100, false);
    CHECK_FALSE(p.feed(message(SOCK_DIAG_BY_FAMILY, payload)));
  }
  SUBCASE("a socket after DONE in the same datagram") {
    SockDiagParser p(7, 100, false);
    REQUIRE(p.feed(done() + good));  // parsing stops at DONE
    CHECK(p.done());
    CHECK(p.sockets().empty());
  }
}

TEST_CASE("the request: header, inet_diag_req_v2, and the port bytecode only when a port is set") {
  SockDiagQuery q;
  q.family = AF_INET6;
  q.protocol = 6;
  q.states = 1u << 1;
  q.tcp_info = true;
  std::string plain = build_sock_diag_request(q, 5);
  REQUIRE(plain.size() == NLMSG_LENGTH(sizeof(inet_diag_req_v2)));
  nlmsghdr h;
  std::memcpy(&h, plain.data(), sizeof h);
  CHECK(h.nlmsg_len == plain.size());
  CHECK(h.nlmsg_type == SOCK_DIAG_BY_FAMILY);
  CHECK(h.nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
  CHECK(h.nlmsg_seq == 5);
  inet_diag_req_v2 req;
  std::memcpy(&req, plain.data() + NLMSG_LENGTH(0), sizeof req);
  CHECK(req.sdiag_family == AF_INET6);
  CHECK(req.idiag_states == 2);
  CHECK(req.idiag_ext == (1 << (INET_DIAG_INFO - 1)));

  q.port = 443;
  std::string filtered = build_sock_diag_request(q, 5);
  REQUIRE(filtered.size() == plain.size() + RTA_LENGTH(28));
  std::memcpy(&h, filtered.data(), sizeof h);
  CHECK(h.nlmsg_len == filtered.size());
  rtattr rta;
  std::memcpy(&rta, filtered.data() + plain.size(), sizeof rta);
  CHECK(rta.rta_type == INET_DIAG_REQ_BYTECODE);
  inet_diag_bc_op op;
  std::memcpy(&op, filtered.data() + plain.size() + RTA_LENGTH(0), sizeof op);
  CHECK(op.code == INET_DIAG_BC_S_COND);
  inet_diag_hostcond cond;
  std::memcpy(&cond, filtered.data() + plain.size() + RTA_LENGTH(0) + sizeof op, sizeof cond);
  CHECK(cond.port == 443);
}

TEST_CASE("state names and endpoints") {
  CHECK(tcp_state_name(1) == "established");
  CHECK(tcp_state_name(10) == "listen");
  CHECK(tcp_state_name(200) == "unknown");
  CHECK(*parse_tcp_state("time_wait") == 6);
  CHECK_FALSE(parse_tcp_state("unknown"));
  CHECK_FALSE(parse_tcp_state("ESTABLISHED"));
  std::array<uint8_t, 16> a{};
  a[15] = 1;
  CHECK(format_endpoint(AF_INET6, a, 22) == "[::1]:22");
  a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
  CHECK(format_endpoint(AF_INET6, a, 80) == "[2001:db8::5]:80");
  a = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
  CHECK(format_endpoint(AF_INET6, a, 80) == "[::ffff:10.0.0.1]:80");
  a = {};
  CHECK(format_endpoint(AF_INET6, a, 0) == "[::]:0");
}

}  // namespace sigma::host

// The real kernel, through the I/O half: a loopback connection this test
// opens is in the dump with its bytes, and the port filter keeps it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "host/sock_diag_io.h"

namespace sigma::host {

TEST_CASE("sock_diag_dump: a loopback connection with its bytes, kept by the port filter") {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener.get(), 1) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const uint16_t port = ntohs(a.sin_port);
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  UniqueFd server(::accept(listener.get(), nullptr, nullptr));
  REQUIRE(server.is_valid());
  const std::string payload(3000, 'x');
  REQUIRE(::write(client.get(), payload.data(), payload.size()) == 3000);
  char buf[4096];
  size_t got = 0;
  while (got < 3000) {
    const ssize_t n = ::read(server.get(), buf, sizeof buf);
    REQUIRE(n > 0);
    got += static_cast<size_t>(n);
  }

  SockDiagQuery q;
  q.family = AF_INET;
  q.states = 1u << 1;  // established
  q.port = port;
  q.tcp_info = true;
  Result<SockDiagDump> dump = sock_diag_dump(q);
  REQUIRE(dump);
  // Both ends, and nothing else: the filter ran in the kernel.
  REQUIRE(dump->sockets.size() == 2);
  for (const DiagSocket& s : dump->sockets) {
    CHECK((s.local_port == port || s.remote_port == port));
    REQUIRE(s.info);
    if (s.remote_port == port) {  // the client: sent 3000
      CHECK(s.info->bytes_acked.value_or(0) >= 3000);
    } else {
      CHECK(s.info->bytes_received.value_or(0) >= 3000);
    }
  }
  q.count_only = true;
  Result<SockDiagDump> counted = sock_diag_dump(q);
  REQUIRE(counted);
  CHECK(counted->seen == 2);
  CHECK(counted->sockets.empty());
}

}  // namespace sigma::host
