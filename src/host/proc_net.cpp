#include "host/proc_net.h"

namespace sigma::host {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Next space-separated field of `rest`, advancing it; empty at the end.
std::string_view next_field(std::string_view& rest) {
  size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  size_t end = rest.find(' ');
  std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

bool parse_hex(std::string_view text, size_t max_digits, uint64_t& out) {
  if (text.empty() || text.size() > max_digits) {
    return false;
  }
  uint64_t v = 0;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0) {
      return false;
    }
    v = v << 4 | static_cast<uint64_t>(d);
  }
  out = v;
  return true;
}

bool parse_decimal(std::string_view text, uint64_t& out) {
  // 20 digits may overflow uint64; inodes are at most 2^64-1 but never that
  // large in practice, so 19 digits is the honest bound.
  if (text.empty() || text.size() > 19) {
    return false;
  }
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string_view socket_table_path(SocketTable table) {
  switch (table) {
    case SocketTable::kTcp:
      return "net/tcp";
    case SocketTable::kTcp6:
      return "net/tcp6";
    case SocketTable::kUdp:
      return "net/udp";
    case SocketTable::kUdp6:
      return "net/udp6";
  }
  return "net/tcp";
}

bool is_tcp_table(SocketTable table) { return table == SocketTable::kTcp || table == SocketTable::kTcp6; }

ProcNetParser::ProcNetParser(SocketTable table, uint16_t first, uint16_t last, size_t max_entries)
    : tcp_(is_tcp_table(table)), first_(first), last_(last), max_entries_(max_entries) {}

void ProcNetParser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    std::string_view piece = bytes.substr(0, nl);
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    if (!overlong_) {
      if (partial_.size() + piece.size() > kMaxProcNetLineBytes) {
        overlong_ = true;
        partial_.clear();
      } else if (nl == std::string_view::npos) {
        partial_.append(piece);
        return;
      }
    }
    if (nl == std::string_view::npos) {
      return;  // an overlong line continues in the next chunk
    }
    if (overlong_) {
      overlong_ = false;
      if (header_seen_) {
        ++stats_.lines;
        ++stats_.malformed;
      } else {
        header_seen_ = true;  // a header that long is odd, but it is still the first line
      }
      continue;
    }
    if (partial_.empty()) {
      line(piece);
    } else {
      partial_.append(piece);
      line(partial_);
      partial_.clear();
    }
  }
}

void ProcNetParser::finish() {
  if (overlong_) {
    overlong_ = false;
    if (header_seen_) {
      ++stats_.lines;
      ++stats_.malformed;
    }
    return;
  }
  if (!partial_.empty()) {
    std::string last;
    last.swap(partial_);
    line(last);
  }
}

void ProcNetParser::line(std::string_view text) {
  if (!header_seen_) {
    // The first line names the columns; it is never a socket.
    header_seen_ = true;
    return;
  }
  if (text.find_first_not_of(' ') == std::string_view::npos) {
    return;  // a blank line (none in practice): not a socket, not an error
  }
  ++stats_.lines;
  std::string_view rest = text;
  std::string_view slot = next_field(rest);
  std::string_view local = next_field(rest);
  next_field(rest);  // rem_address
  std::string_view state = next_field(rest);
  next_field(rest);  // tx_queue:rx_queue
  next_field(rest);  // tr:tm->when
  next_field(rest);  // retrnsmt
  next_field(rest);  // uid
  next_field(rest);  // timeout
  std::string_view inode_text = next_field(rest);

  uint64_t port = 0;
  uint64_t st = 0;
  uint64_t inode = 0;
  const size_t colon = local.rfind(':');
  // The address is 8 hex digits (tcp/udp) or 32 (tcp6/udp6).
  const bool address_ok = colon == 8 || colon == 32;
  if (slot.empty() || slot.back() != ':' || !address_ok ||
      !parse_hex(local.substr(colon + 1), 4, port) || !parse_hex(state, 2, st) ||
      !parse_decimal(inode_text, inode)) {
    ++stats_.malformed;
    return;
  }
  for (char c : local.substr(0, colon)) {
    if (hex_digit(c) < 0) {
      ++stats_.malformed;
      return;
    }
  }
  constexpr uint64_t kTcpListen = 0x0A;  // include/net/tcp_states.h TCP_LISTEN
  if (tcp_ && st != kTcpListen) {
    return;
  }
  if (port == 0 || port < first_ || port > last_) {
    return;
  }
  if (entries_.size() >= max_entries_) {
    ++stats_.dropped;
    return;
  }
  entries_.push_back({static_cast<uint16_t>(port), inode});
}

ProcNetParser parse_proc_net(std::string_view text, SocketTable table, uint16_t first, uint16_t last) {
  ProcNetParser parser(table, first, last);
  parser.feed(text);
  parser.finish();
  return parser;
}

uint64_t socket_inode_of_link(std::string_view target) {
  constexpr std::string_view kPrefix = "socket:[";
  if (target.size() <= kPrefix.size() + 1 || target.substr(0, kPrefix.size()) != kPrefix ||
      target.back() != ']') {
    return 0;
  }
  uint64_t inode = 0;
  if (!parse_decimal(target.substr(kPrefix.size(), target.size() - kPrefix.size() - 1), inode)) {
    return 0;
  }
  return inode;
}

}  // namespace sigma::host
