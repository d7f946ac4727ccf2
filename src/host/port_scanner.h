// PortScanner: which ports of AGENT_PORT_SCAN_RANGE are in use, and by whom.
//
// Owns: one scan pass -- the four socket tables read once each (listening
// TCP and bound UDP sockets, v4 and v6), the socket inodes of in-range
// sockets mapped to their owning process through /proc/PID/fd, the owner's
// comm classified into a PortSource -- and the last finished snapshot.
// A port counts once however many sockets hold it; its source is that of
// the first of its sockets whose owner was found (lowest pid first, so the
// parent of a forked server), "unknown" when no owner could be read.
// The fd walk is skipped when no in-range socket exists and stops as soon
// as every in-range socket has an owner.
// Must not: fail a pass because a process cannot be read (its ports are
// "unknown"), read the host except through HostOps, or log.
// Threading: every member is safe from any thread; scan() holds no lock (it
// shares nothing but the thread-safe HostOps), publish()/latest() lock briefly.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "host/ops.h"
#include "host/port_scan.h"

namespace sigma::host {

// envoy, sshd (and OpenSSH's sshd-session / sshd-auth), nginx, node_exporter,
// xray (any case) by the owner's comm; any other name is kOther.
PortSource classify_process(std::string_view comm);

// Fills other_detail / other_detail_overflow from every "other" name's count
// (the bound of port_scan.h). `counts` is consumed.
void bound_other_detail(std::vector<ProcessPorts> counts, PortScanSnapshot& snapshot);

class PortScanner final {
 public:
  // REQUIRES: host outlives the scanner; 1 <= first <= last.
  PortScanner(const HostOps& host, uint16_t first, uint16_t last);
  PortScanner(const PortScanner&) = delete;
  PortScanner& operator=(const PortScanner&) = delete;

  // One full pass; always returns a snapshot (what could not be read is in
  // its notes). Does not publish it.
  PortScanSnapshot scan() const;

  // Makes `snapshot` the one latest() returns.
  void publish(PortScanSnapshot snapshot);
  // The last published snapshot; nullopt before the first.
  std::optional<PortScanSnapshot> latest() const;

  // Set by the daemon's periodic service when it starts: from then on the
  // snapshot comes only from its passes.
  void set_periodic(bool periodic) { periodic_.store(periodic); }
  // What a reader (query_metrics) gets: with a periodic service, latest()
  // (nullopt until its first pass finishes); without one (--stdio, `call`),
  // a pass run now when there is no snapshot younger than max_age_ms.
  std::optional<PortScanSnapshot> current(int64_t max_age_ms);

  uint16_t first() const { return first_; }
  uint16_t last() const { return last_; }

 private:
  const HostOps& host_;
  const uint16_t first_;
  const uint16_t last_;
  std::atomic<bool> periodic_{false};
  mutable std::mutex mutex_;
  std::optional<PortScanSnapshot> latest_;
  int64_t published_at_ms_ = 0;
};

}  // namespace sigma::host
