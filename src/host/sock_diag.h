// sock_diag: the NETLINK_SOCK_DIAG inet dump as pure functions -- the
// request bytes (family, protocol, state bitmask, an optional kernel-side
// port filter, INET_DIAG_INFO for TCP) and a bounded parser of the reply
// datagrams. The socket I/O is sock_diag_io.h; keeping it apart lets the
// parser be fuzzed and tested with hostile bytes.
//
// Owns: the wire layout of inet_diag_req_v2 / inet_diag_msg and the fields
// of struct tcp_info the tools report. A tcp_info field is read only when
// the attribute the kernel returned is long enough to hold it (older
// kernels return a shorter struct); a missing field stays nullopt.
// Must not: do I/O, trust any length it has not checked against the bytes
// it holds, or keep more than max_sockets sockets.
// Threading: plain values and a parser object owned by one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sigma::host {

// TCP states as the kernel numbers them (include/net/tcp_states.h).
enum class TcpState : uint8_t {
  kEstablished = 1, kSynSent, kSynRecv, kFinWait1, kFinWait2, kTimeWait,
  kClose, kCloseWait, kLastAck, kListen, kClosing, kNewSynRecv,
};
inline constexpr uint32_t kAllTcpStates = 0xfff;  // bits 0..11, as `ss` asks
// "established", "time_wait", ... ; "unknown" outside the enum.
std::string_view tcp_state_name(uint8_t state);
// The inverse of tcp_state_name; nullopt for any other text.
std::optional<uint8_t> parse_tcp_state(std::string_view name);

struct SockDiagQuery {
  uint8_t family = 2;     // AF_INET or AF_INET6
  uint8_t protocol = 6;   // IPPROTO_TCP or IPPROTO_UDP
  uint32_t states = kAllTcpStates;  // bit (1 << state)
  // Non-zero: only sockets whose local or remote port is this one, filtered
  // in the kernel (INET_DIAG_REQ_BYTECODE), so a busy host sends less.
  uint16_t port = 0;
  bool tcp_info = false;  // ask for INET_DIAG_INFO
  // Keep only the count, not the sockets (UDP totals).
  bool count_only = false;
};

// The request datagram (nlmsghdr + inet_diag_req_v2 [+ bytecode]), with
// NLM_F_REQUEST | NLM_F_DUMP and sequence number `seq`.
std::string build_sock_diag_request(const SockDiagQuery& query, uint32_t seq);

// The tcp_info fields the tools report, each present only when the
// kernel's struct reached it.
struct TcpInfo {
  std::optional<uint32_t> rtt_us;
  std::optional<uint32_t> rttvar_us;
  std::optional<uint32_t> total_retrans;
  std::optional<uint64_t> bytes_acked;      // Linux 4.1+: sent and acknowledged
  std::optional<uint64_t> bytes_received;   // Linux 4.1+
  std::optional<uint64_t> delivery_rate;    // Linux 4.13+, bytes per second
};

struct DiagSocket {
  uint8_t family = 0;
  uint8_t state = 0;
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  std::array<uint8_t, 16> local_addr{};   // 4 bytes used for AF_INET
  std::array<uint8_t, 16> remote_addr{};
  uint32_t uid = 0;
  uint64_t inode = 0;   // 0 for sockets no process holds (TIME_WAIT)
  uint64_t cookie = 0;  // the kernel's socket id, stable over the socket's life
  std::optional<TcpInfo> info;
};

// "127.0.0.1:80" or "[::1]:80".
std::string format_endpoint(uint8_t family, const std::array<uint8_t, 16>& addr, uint16_t port);

// Parses the reply datagrams of one dump. feed() each datagram as read;
// done() is set by NLMSG_DONE; a kernel error (NLMSG_ERROR with a code) or a
// malformed message fails the feed and the whole dump.
class SockDiagParser final {
 public:
  // `seq`: the request's; messages of another sequence are ignored.
  SockDiagParser(uint32_t seq, size_t max_sockets, bool count_only)
      : seq_(seq), max_sockets_(max_sockets), count_only_(count_only) {}

  Status feed(std::string_view datagram);

  bool done() const { return done_; }
  // NLM_F_DUMP_INTR was set on a message: the table changed during the
  // dump, which may have skipped or repeated sockets; the caller retries.
  bool interrupted() const { return interrupted_; }
  size_t seen() const { return seen_; }        // sockets in the reply
  size_t dropped() const { return dropped_; }  // seen beyond max_sockets (or all, count_only)
  std::vector<DiagSocket>& sockets() { return sockets_; }

 private:
  Status parse_socket(const uint8_t* payload, size_t length);
  uint32_t seq_;
  size_t max_sockets_;
  bool count_only_;
  bool done_ = false;
  bool interrupted_ = false;
  size_t seen_ = 0;
  size_t dropped_ = 0;
  std::vector<DiagSocket> sockets_;
};

// What one dump found (HostOps::sock_diag_dump).
struct SockDiagDump {
  std::vector<DiagSocket> sockets;
  size_t seen = 0;     // every socket the kernel reported
  size_t dropped = 0;  // seen but not kept (the bound, or count_only)
};

}  // namespace sigma::host
