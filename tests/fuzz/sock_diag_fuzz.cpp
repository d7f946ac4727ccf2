// libFuzzer harness for the NETLINK_SOCK_DIAG reply parser.
//
// The input is one reply datagram (the seed corpus is datagrams recorded
// from real TCP and UDP dumps, sequence 1), fed to a parser that keeps
// sockets and to one that only counts them: every kept socket must be
// within the bound and of a known family, the counts consistent, every
// socket printable, and a failed feed never a finished dump. A violation
// traps so the fuzzer records the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/sock_diag.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sigma::host::SockDiagParser;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr size_t kBound = 64;
  for (bool count_only : {false, true}) {
    SockDiagParser p(1, kBound, count_only);
    const sigma::Status s = p.feed(bytes);
    if (p.sockets().size() > kBound || p.sockets().size() + p.dropped() != p.seen()) {
      __builtin_trap();
    }
    if (count_only && !p.sockets().empty()) {
      __builtin_trap();
    }
    for (const sigma::host::DiagSocket& sock : p.sockets()) {
      if (sock.family != 2 && sock.family != 10) {
        __builtin_trap();
      }
      const std::string local = sigma::host::format_endpoint(sock.family, sock.local_addr, sock.local_port);
      if (local.empty() || sigma::host::tcp_state_name(sock.state).empty()) {
        __builtin_trap();
      }
    }
    if (!s && p.done()) {
      __builtin_trap();  // a failed feed never reports a finished dump
    }
  }
  return 0;
}
