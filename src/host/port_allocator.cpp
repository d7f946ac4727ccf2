#include "host/port_allocator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/unique_fd.h"

namespace sigma::host {
namespace {

enum class BindOutcome { kFree, kTaken, kSkipped };

bool is_taken_errno(int err) { return err == EADDRINUSE || err == EACCES; }

Result<BindOutcome> try_bind_v4(uint16_t port, int type) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd.is_valid()) {
    return Status::from_errno("socket(AF_INET)", errno);
  }
  // No SO_REUSEADDR: without it Linux refuses a port that any socket holds,
  // including a listener on a specific address and TIME_WAIT leftovers,
  // which is the conservative answer a caller about to bind needs.
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    return BindOutcome::kFree;
  }
  if (is_taken_errno(errno)) {
    return BindOutcome::kTaken;
  }
  return Status::from_errno("bind 0.0.0.0:" + std::to_string(port), errno);
}

Result<BindOutcome> try_bind_v6(uint16_t port, int type) {
  UniqueFd fd(::socket(AF_INET6, type | SOCK_CLOEXEC, 0));
  if (!fd.is_valid()) {
    if (errno == EAFNOSUPPORT) {
      return BindOutcome::kSkipped;  // kernel without IPv6 (ipv6.disable=1)
    }
    return Status::from_errno("socket(AF_INET6)", errno);
  }
  // V6ONLY so this bind tests the IPv6 port space alone: a v4-only holder was
  // already caught above, and a dual-stack [::] holder conflicts with both.
  const int on = 1;
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) {
    return Status::from_errno("setsockopt(IPV6_V6ONLY)", errno);
  }
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  addr.sin6_addr = in6addr_any;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    return BindOutcome::kFree;
  }
  if (is_taken_errno(errno)) {
    return BindOutcome::kTaken;
  }
  if (errno == EADDRNOTAVAIL) {
    return BindOutcome::kSkipped;  // IPv6 present but unusable here
  }
  return Status::from_errno("bind [::]:" + std::to_string(port), errno);
}

// A candidate under test never lapses, whatever reserve_ms is; its real
// expiry is set when the call hands it out.
constexpr int64_t kInFlight = INT64_MAX;

uint32_t reservation_key(Protocol protocol, uint16_t port) {
  return (protocol == Protocol::kUdp ? uint32_t{1} << 16 : 0) | port;
}

}  // namespace

std::string_view protocol_name(Protocol protocol) { return protocol == Protocol::kUdp ? "udp" : "tcp"; }

std::optional<Protocol> parse_protocol(std::string_view text) {
  if (text == "tcp") {
    return Protocol::kTcp;
  }
  if (text == "udp") {
    return Protocol::kUdp;
  }
  return std::nullopt;
}

Result<bool> is_port_free(uint16_t port, Protocol protocol) {
  const int type = protocol == Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  Result<BindOutcome> v4 = try_bind_v4(port, type);
  if (!v4) {
    return v4.status();
  }
  if (*v4 == BindOutcome::kTaken) {
    return false;
  }
  Result<BindOutcome> v6 = try_bind_v6(port, type);
  if (!v6) {
    return v6.status();
  }
  return *v6 != BindOutcome::kTaken;
}

PortAllocator::PortAllocator(uint16_t range_start, uint16_t range_end, int64_t reserve_ms, Clock clock,
                             BindTest bind_test)
    : range_start_(std::max<uint16_t>(range_start, 1)),
      range_end_(std::max(range_end, std::max<uint16_t>(range_start, 1))),
      reserve_ms_(std::max<int64_t>(reserve_ms, 0)),
      clock_(clock ? std::move(clock) : Clock(monotonic_ms)),
      bind_test_(bind_test ? std::move(bind_test) : BindTest(is_port_free)) {}

std::optional<uint16_t> PortAllocator::take_candidate(Protocol protocol, int64_t now_ms, size_t& budget) {
  const size_t size = range_size();
  while (budget > 0) {
    --budget;
    const auto port = static_cast<uint16_t>(range_start_ + cursor_);
    cursor_ = (cursor_ + 1) % size;
    auto [it, inserted] = reserved_until_ms_.try_emplace(reservation_key(protocol, port), kInFlight);
    if (inserted) {
      return port;
    }
    if (it->second <= now_ms) {  // lapsed but not purged yet: take it over
      it->second = kInFlight;
      return port;
    }
  }
  return std::nullopt;
}

void PortAllocator::release_locked(Protocol protocol, uint16_t port) {
  reserved_until_ms_.erase(reservation_key(protocol, port));
}

Result<std::vector<uint16_t>> PortAllocator::allocate(size_t count, Protocol protocol, const StopCheck& stop,
                                                     const ProgressReport& progress) {
  std::vector<uint16_t> ports;
  if (count == 0) {
    return ports;
  }
  const std::string range_text = std::to_string(range_start_) + "-" + std::to_string(range_end_);
  const std::string_view proto = protocol_name(protocol);
  if (count > range_size()) {
    return Status::error(std::to_string(count) + " " + std::string(proto) +
                         " ports requested but AGENT_PORT_SCAN_RANGE " + range_text + " holds only " +
                         std::to_string(range_size()) + "; widen the range or ask for fewer");
  }

  std::lock_guard<std::mutex> one_at_a_time(allocation_mutex_);
  const int64_t now_ms = clock_();
  size_t budget = range_size();  // never test more candidates than the range holds
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Lazy purge: the table only ever holds reservations of recent calls.
    for (auto it = reserved_until_ms_.begin(); it != reserved_until_ms_.end();) {
      it = it->second <= now_ms ? reserved_until_ms_.erase(it) : std::next(it);
    }
  }

  auto release_all = [&] {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const uint16_t port : ports) {
      release_locked(protocol, port);
    }
  };

  while (ports.size() < count) {
    if (stop) {
      if (Status s = stop(); !s) {
        release_all();
        return s;
      }
    }
    std::optional<uint16_t> candidate;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      candidate = take_candidate(protocol, now_ms, budget);
    }
    if (!candidate) {
      break;
    }
    // The bind test runs unlocked: the reservation already keeps every other
    // caller away from this port.
    Result<bool> free = bind_test_(*candidate, protocol);
    if (free && *free) {
      ports.push_back(*candidate);
      if (progress) {
        progress(ports.size(), count);
      }
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_locked(protocol, *candidate);
    }
    if (!free) {
      release_all();
      return Status::unavailable("bind test: " + free.error());
    }
  }

  if (ports.size() < count) {
    const size_t found = ports.size();
    release_all();
    return Status::error("only " + std::to_string(found) + " of " + std::to_string(count) + " requested " +
                         std::string(proto) + " ports are free in AGENT_PORT_SCAN_RANGE " + range_text +
                         "; widen the range or ask for fewer");
  }
  {
    // The caller is told "reserved for reserve_ms" when this returns, so the
    // reservations run from now, not from when the scan began.
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t until_ms = clock_() + reserve_ms_;
    for (const uint16_t port : ports) {
      reserved_until_ms_[reservation_key(protocol, port)] = until_ms;
    }
  }
  std::sort(ports.begin(), ports.end());
  return ports;
}

void PortAllocator::release(const std::vector<uint16_t>& ports, Protocol protocol) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const uint16_t port : ports) {
    release_locked(protocol, port);
  }
}

}  // namespace sigma::host
