// ProcNetParser: the socket tables of /proc/net/{tcp,tcp6,udp,udp6}.
//
// Owns: the line syntax of those files (Linux net/ipv4/tcp_ipv4.c
// get_tcp4_sock, tcp6 and udp alike):
//   "  sl  local_address rem_address   st tx_queue ... uid  timeout inode ..."
//   "   0: 0100007F:2710 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 18639 1 ..."
// and the choice of which sockets hold a port: a TCP socket in state LISTEN
// (0A), and any UDP socket with a local port (UDP has no listen state; a
// bound socket is state 07, a connected one 01). Only sockets whose local
// port lies in the requested range are kept, so the caller's map stays as
// small as the answer.
// The parser is incremental (feed() any split of the bytes, then finish())
// so a table of a busy host is read in one pass with a fixed buffer, and it is
// bounded: a line longer than kMaxProcNetLineBytes is skipped whole and
// counted as malformed, and at most max_entries sockets are kept.
// Must not: do I/O, allocate per line beyond the partial-line buffer.
// Threading: one parser per pass; not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sigma::host {

// Lines of these files are about 150 bytes (tcp6: about 180).
inline constexpr size_t kMaxProcNetLineBytes = 512;
// Sockets kept per table; a port range holds at most 65535 ports, and one port
// may carry a few sockets (v4/v6, SO_REUSEPORT).
inline constexpr size_t kDefaultMaxProcNetEntries = 262144;

enum class SocketTable { kTcp, kTcp6, kUdp, kUdp6 };

// "net/tcp", "net/tcp6", "net/udp", "net/udp6": the path below the procfs root.
std::string_view socket_table_path(SocketTable table);
bool is_tcp_table(SocketTable table);

struct SocketEntry {
  uint16_t port = 0;   // local port
  uint64_t inode = 0;  // socket inode ("socket:[inode]" under /proc/PID/fd); 0 = none
};

struct ProcNetStats {
  size_t lines = 0;      // data lines seen (the header line excluded)
  size_t malformed = 0;  // data lines that did not parse (skipped)
  size_t dropped = 0;    // matching sockets beyond max_entries (not kept)
};

class ProcNetParser final {
 public:
  // Keeps sockets of `table`'s kind whose local port is in [first, last].
  ProcNetParser(SocketTable table, uint16_t first, uint16_t last,
                size_t max_entries = kDefaultMaxProcNetEntries);

  // Any split of the file's bytes, in order.
  void feed(std::string_view bytes);
  // Parses a last line without its newline. Call once after the last feed().
  void finish();

  const std::vector<SocketEntry>& entries() const { return entries_; }
  std::vector<SocketEntry>& entries() { return entries_; }
  const ProcNetStats& stats() const { return stats_; }

 private:
  void line(std::string_view text);

  const bool tcp_;
  const uint16_t first_;
  const uint16_t last_;
  const size_t max_entries_;
  bool header_seen_ = false;
  bool overlong_ = false;  // the current line passed kMaxProcNetLineBytes
  std::string partial_;
  std::vector<SocketEntry> entries_;
  ProcNetStats stats_;
};

// One whole table at once (tests, the fuzz harness).
ProcNetParser parse_proc_net(std::string_view text, SocketTable table, uint16_t first, uint16_t last);

// The inode of a "/proc/PID/fd/N" link target "socket:[12345]"; 0 when the
// target is anything else (a file, a pipe, "anon_inode:[eventfd]").
uint64_t socket_inode_of_link(std::string_view target);

}  // namespace sigma::host
