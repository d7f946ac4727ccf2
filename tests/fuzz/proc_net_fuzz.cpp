// libFuzzer harness for the /proc/net/{tcp,udp}[6] socket-table parser.
//
// The first input byte picks the table and a chunk size; the rest is the
// table. Parsing it whole and in chunks must give the same sockets and
// counts; every kept port must lie in the range; counts stay consistent.
// A violation traps so the fuzzer records the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/proc_net.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  using sigma::host::ProcNetParser;
  using sigma::host::SocketTable;
  const SocketTable table = static_cast<SocketTable>(data[0] & 3);
  const size_t chunk = 1 + (data[0] >> 2);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr uint16_t kFirst = 1000;
  constexpr uint16_t kLast = 40000;

  ProcNetParser whole(table, kFirst, kLast);
  whole.feed(text);
  whole.finish();
  ProcNetParser pieces(table, kFirst, kLast);
  for (size_t at = 0; at < text.size(); at += chunk) {
    pieces.feed(text.substr(at, chunk));
  }
  pieces.finish();

  if (whole.entries().size() != pieces.entries().size() || whole.stats().lines != pieces.stats().lines ||
      whole.stats().malformed != pieces.stats().malformed) {
    __builtin_trap();
  }
  for (size_t i = 0; i < whole.entries().size(); ++i) {
    const auto& a = whole.entries()[i];
    const auto& b = pieces.entries()[i];
    if (a.port != b.port || a.inode != b.inode || a.port < kFirst || a.port > kLast) {
      __builtin_trap();
    }
  }
  if (whole.stats().malformed > whole.stats().lines || whole.entries().size() > whole.stats().lines) {
    __builtin_trap();
  }
  (void)sigma::host::socket_inode_of_link(text.substr(0, 64));
  return 0;
}
