// PortAllocator: hands out ports of AGENT_PORT_SCAN_RANGE that are free now.
//
// Owns: the bind test that decides "free" and the short-lived reservations
// that keep two callers from receiving the same port. It does not hold the
// ports open: the caller must bind them before the reservation lapses, and
// a process outside this agent may still take one in between.
// Must not: log, know about JSON, or keep sockets open after a call returns.
// Threading: allocate() is safe to call concurrently from worker threads.
// Allocations run one at a time (allocation_mutex_): a caller that overlapped
// another would skip the ports the other is still testing, and if the other
// then failed and gave them back, report "too few free" although enough were.
// mutex_ guards the cursor and the reservation table and is held only
// briefly, so release() never waits for a running allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace sigma::host {

enum class Protocol { kTcp, kUdp };

// "tcp" / "udp".
std::string_view protocol_name(Protocol protocol);
// Exactly "tcp" or "udp" (lower case, as the tool schema spells them).
std::optional<Protocol> parse_protocol(std::string_view text);

// One bind test: socket(AF_INET), bind 0.0.0.0:port without SO_REUSEADDR,
// then the same on [::]:port with IPV6_V6ONLY=1 when the kernel has IPv6.
// Success: true when both binds succeed, false when either reports the
// port taken (EADDRINUSE) or forbidden (EACCES).
// Failure: the test could not run ("socket(AF_INET): Too many open files").
// REQUIRES: port != 0 (port 0 asks the kernel for any port).
Result<bool> is_port_free(uint16_t port, Protocol protocol);

class PortAllocator final {
 public:
  using Clock = std::function<int64_t()>;  // monotonic milliseconds
  // Decides whether a port is free; the default is is_port_free. The daemon
  // passes HostOps::is_port_free (host/ops.h), tests may pass a fake.
  using BindTest = std::function<Result<bool>(uint16_t port, Protocol protocol)>;

  // REQUIRES: 1 <= range_start <= range_end, reserve_ms >= 0. A range that
  // breaks this is narrowed to a valid one rather than trusted. `clock` is
  // injectable for tests; the default is monotonic_ms().
  PortAllocator(uint16_t range_start, uint16_t range_end, int64_t reserve_ms, Clock clock = {},
                BindTest bind_test = {});

  PortAllocator(const PortAllocator&) = delete;
  PortAllocator& operator=(const PortAllocator&) = delete;

  // `count` distinct ports of the range, ascending, each free by a bind test
  // for `protocol` just now and reserved for reserve_ms against other calls
  // (TCP and UDP reservations are separate: they are separate port spaces).
  // Each call starts where the previous one stopped, so consecutive calls
  // spread over the range, and tests at most range_size() candidates.
  // Failure (nothing stays reserved):
  //   "only 3 of 10 requested tcp ports are free in AGENT_PORT_SCAN_RANGE
  //    10000-10010; widen the range or ask for fewer",
  //   (code kError), or the error of a bind test that could not run
  //   (code kUnavailable: it may succeed later, "bind test: socket(AF_INET):
  //   Too many open files").
  // count == 0 yields an empty list.
  // `stop`, when given, is asked before each bind test; a failure it returns
  // ends the call at once, with every reservation of the call released, and
  // is returned as is (cancellation and deadlines: mcp::CallContext).
  // `progress`, when given, is told (found, count) each time a bind test
  // finds a free port, on the calling thread.
  using StopCheck = std::function<Status()>;
  using ProgressReport = std::function<void(size_t found, size_t count)>;
  Result<std::vector<uint16_t>> allocate(size_t count, Protocol protocol, const StopCheck& stop = {},
                                         const ProgressReport& progress = {});

  // Gives back ports an allocate() call returned, before their reservation
  // lapses: for a caller that could not hand them on (cancelled at the end).
  void release(const std::vector<uint16_t>& ports, Protocol protocol);

  uint16_t range_start() const { return range_start_; }
  uint16_t range_end() const { return range_end_; }
  size_t range_size() const { return static_cast<size_t>(range_end_) - range_start_ + 1; }
  int64_t reserve_ms() const { return reserve_ms_; }

 private:
  // Under mutex_: the next port after the cursor that is not reserved for
  // `protocol`, now reserved; nullopt once `budget` candidates are used up.
  std::optional<uint16_t> take_candidate(Protocol protocol, int64_t now_ms, size_t& budget);
  void release_locked(Protocol protocol, uint16_t port);  // REQUIRES: mutex_ held

  const uint16_t range_start_;
  const uint16_t range_end_;
  const int64_t reserve_ms_;
  const Clock clock_;
  const BindTest bind_test_;

  std::mutex allocation_mutex_;  // held for a whole allocate()
  std::mutex mutex_;
  size_t cursor_ = 0;  // offset into the range of the next candidate
  // Key: protocol << 16 | port. Value: monotonic ms when the reservation
  // lapses; INT64_MAX while an allocate() call is still testing the port.
  std::unordered_map<uint32_t, int64_t> reserved_until_ms_;
};

}  // namespace sigma::host
