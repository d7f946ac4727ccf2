#include "host/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include <cstddef>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>

namespace sigma::host {
namespace {

constexpr std::string_view kStateNames[] = {
    "unknown",    "established", "syn_sent",   "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
    "close",      "close_wait",  "last_ack",   "listen",   "closing",   "new_syn_recv",
};

template <typename T>
T load(const uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof value);  // netlink payloads carry no alignment promise for us
  return value;
}

template <typename T>
void append(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

uint16_t from_be16(uint16_t v) { return static_cast<uint16_t>((v >> 8) | (v << 8)); }

// A field of struct tcp_info, when `length` bytes of it reach its end.
template <typename T>
std::optional<T> info_field(const uint8_t* info, size_t length, size_t offset) {
  if (offset + sizeof(T) > length) {
    return std::nullopt;
  }
  return load<T>(info + offset);
}

}  // namespace

std::string_view tcp_state_name(uint8_t state) {
  return state < std::size(kStateNames) ? kStateNames[state] : kStateNames[0];
}

std::optional<uint8_t> parse_tcp_state(std::string_view name) {
  for (size_t i = 1; i < std::size(kStateNames); ++i) {
    if (kStateNames[i] == name) {
      return static_cast<uint8_t>(i);
    }
  }
  return std::nullopt;
}

std::string build_sock_diag_request(const SockDiagQuery& query, uint32_t seq) {
  inet_diag_req_v2 req{};
  req.sdiag_family = query.family;
  req.sdiag_protocol = query.protocol;
  req.idiag_states = query.states;
  if (query.tcp_info) {
    req.idiag_ext = static_cast<uint8_t>(1u << (INET_DIAG_INFO - 1));
  }

  // "local port == P or remote port == P", as ss(8) encodes an "or": the
  // kernel's audit follows only "yes" offsets, so every "yes" falls through
  // to the next op and the jumps are "no" offsets. [S_COND P] fails to the
  // second condition; when it holds, the JMP (always "no") skips past the
  // end, which accepts. [D_COND P] fails 4 bytes beyond the end: reject.
  std::string bytecode;
  if (query.port != 0) {
    constexpr uint16_t kCond = sizeof(inet_diag_bc_op) + sizeof(inet_diag_hostcond);
    constexpr uint16_t kJmp = sizeof(inet_diag_bc_op);
    inet_diag_hostcond cond{};
    cond.family = AF_UNSPEC;
    cond.prefix_len = 0;
    cond.port = query.port;
    append(bytecode, inet_diag_bc_op{INET_DIAG_BC_S_COND, kCond, kCond + kJmp});
    append(bytecode, cond);
    append(bytecode, inet_diag_bc_op{INET_DIAG_BC_JMP, kJmp, kCond + kJmp});
    append(bytecode, inet_diag_bc_op{INET_DIAG_BC_D_COND, kCond, kCond + 4});
    append(bytecode, cond);
  }

  std::string attr;
  if (!bytecode.empty()) {
    rtattr rta{};
    rta.rta_type = INET_DIAG_REQ_BYTECODE;
    rta.rta_len = static_cast<unsigned short>(RTA_LENGTH(bytecode.size()));
    append(attr, rta);
    attr += bytecode;  // a multiple of 4: no padding
  }

  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(sizeof req) + attr.size());
  h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h.nlmsg_seq = seq;
  std::string out;
  append(out, h);
  out.append(NLMSG_LENGTH(0) - sizeof h, '\0');
  append(out, req);
  out += attr;
  return out;
}

std::string format_endpoint(uint8_t family, const std::array<uint8_t, 16>& addr, uint16_t port) {
  std::string out;
  char buf[8];
  if (family == AF_INET) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) {
        out += '.';
      }
      out += std::to_string(addr[i]);
    }
  } else {
    // Full form without zero compression: unambiguous and cheap; the
    // v4-mapped form keeps its dotted tail readable.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    out += '[';
    if (std::memcmp(addr.data(), kMapped, 12) == 0) {
      out += "::ffff:" + std::to_string(addr[12]) + "." + std::to_string(addr[13]) + "." +
             std::to_string(addr[14]) + "." + std::to_string(addr[15]);
    } else {
      // Longest run of zero groups becomes "::" (RFC 5952).
      uint16_t g[8];
      for (int i = 0; i < 8; ++i) {
        g[i] = static_cast<uint16_t>(addr[2 * i] << 8 | addr[2 * i + 1]);
      }
      int best = -1, best_len = 0;
      for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0) {
          ++j;
        }
        if (j - i > best_len && j - i >= 2) {
          best = i;
          best_len = j - i;
        }
        i = j == i ? i + 1 : j;
      }
      bool need_colon = false;
      for (int i = 0; i < 8; ++i) {
        if (i == best) {
          out += "::";
          i += best_len - 1;
          need_colon = false;
          continue;
        }
        if (need_colon) {
          out += ':';
        }
        std::snprintf(buf, sizeof buf, "%x", g[i]);
        out += buf;
        need_colon = true;
      }
    }
    out += ']';
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

Status SockDiagParser::feed(std::string_view datagram) {
  const auto* data = reinterpret_cast<const uint8_t*>(datagram.data());
  size_t left = datagram.size();
  while (left > 0) {
    if (left < sizeof(nlmsghdr)) {
      return Status::error("sock_diag: truncated netlink header");
    }
    const nlmsghdr h = load<nlmsghdr>(data);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > left) {
      return Status::error("sock_diag: netlink message length out of bounds");
    }
    const uint8_t* payload = data + NLMSG_LENGTH(0);
    const size_t payload_len = h.nlmsg_len - NLMSG_LENGTH(0);
    // The last message of a datagram may end without its alignment padding.
    const size_t step = std::min<size_t>(NLMSG_ALIGN(h.nlmsg_len), left);
    data += step;
    left -= step;
    if (h.nlmsg_seq != seq_) {
      continue;  // not ours (a stale reply on a reused socket)
    }
    if (h.nlmsg_flags & NLM_F_DUMP_INTR) {
      interrupted_ = true;
    }
    if (h.nlmsg_type == NLMSG_DONE) {
      done_ = true;
      return Status::ok();
    }
    if (h.nlmsg_type == NLMSG_ERROR) {
      if (payload_len < sizeof(int)) {
        return Status::error("sock_diag: truncated netlink error");
      }
      const int code = load<int>(payload);
      if (code == 0) {
        continue;  // an acknowledgement
      }
      // The kernel's codes are negative errno; anything else is nonsense.
      return Status::from_errno("sock_diag: the kernel refused the dump", code < 0 && code > -4096 ? -code : 0);
    }
    if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY) {
      continue;  // NLMSG_NOOP and types this reader does not ask for
    }
    if (done_) {
      return Status::error("sock_diag: socket after the end of the dump");
    }
    if (Status s = parse_socket(payload, payload_len); !s) {
      return s;
    }
  }
  return Status::ok();
}

Status SockDiagParser::parse_socket(const uint8_t* payload, size_t length) {
  if (length < sizeof(inet_diag_msg)) {
    return Status::error("sock_diag: truncated socket message");
  }
  const inet_diag_msg msg = load<inet_diag_msg>(payload);
  if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6) {
    return Status::error("sock_diag: socket of unknown family " + std::to_string(msg.idiag_family));
  }
  // Counted once it is known good; seen == kept + dropped always. A socket
  // that is not kept needs none of its attributes, so they go unread.
  if (count_only_ || sockets_.size() >= max_sockets_) {
    ++seen_;
    ++dropped_;
    return Status::ok();
  }
  DiagSocket s;
  s.family = msg.idiag_family;
  s.state = msg.idiag_state;
  s.local_port = from_be16(msg.id.idiag_sport);
  s.remote_port = from_be16(msg.id.idiag_dport);
  const size_t addr_len = s.family == AF_INET ? 4 : 16;
  std::memcpy(s.local_addr.data(), msg.id.idiag_src, addr_len);
  std::memcpy(s.remote_addr.data(), msg.id.idiag_dst, addr_len);
  s.uid = msg.idiag_uid;
  s.inode = msg.idiag_inode;
  s.cookie = static_cast<uint64_t>(msg.id.idiag_cookie[1]) << 32 | msg.id.idiag_cookie[0];

  const size_t attrs_at = NLMSG_ALIGN(sizeof(inet_diag_msg));
  size_t left = length > attrs_at ? length - attrs_at : 0;
  const uint8_t* at = payload + (length > attrs_at ? attrs_at : length);
  while (left > 0) {
    if (left < sizeof(rtattr)) {
      return Status::error("sock_diag: truncated attribute header");
    }
    const rtattr rta = load<rtattr>(at);
    if (rta.rta_len < sizeof(rtattr) || rta.rta_len > left) {
      return Status::error("sock_diag: attribute length out of bounds");
    }
    if (rta.rta_type == INET_DIAG_INFO) {
      const uint8_t* info = at + RTA_LENGTH(0);
      const size_t n = rta.rta_len - RTA_LENGTH(0);
      TcpInfo t;
      t.rtt_us = info_field<uint32_t>(info, n, offsetof(tcp_info, tcpi_rtt));
      t.rttvar_us = info_field<uint32_t>(info, n, offsetof(tcp_info, tcpi_rttvar));
      t.total_retrans = info_field<uint32_t>(info, n, offsetof(tcp_info, tcpi_total_retrans));
      t.bytes_acked = info_field<uint64_t>(info, n, offsetof(tcp_info, tcpi_bytes_acked));
      t.bytes_received = info_field<uint64_t>(info, n, offsetof(tcp_info, tcpi_bytes_received));
      t.delivery_rate = info_field<uint64_t>(info, n, offsetof(tcp_info, tcpi_delivery_rate));
      s.info = t;
    }
    const size_t step = std::min<size_t>(RTA_ALIGN(rta.rta_len), left);
    at += step;
    left -= step;
  }
  ++seen_;
  sockets_.push_back(s);
  return Status::ok();
}

}  // namespace sigma::host
