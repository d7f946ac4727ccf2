#include "host/port_scanner.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "host/proc_net.h"
#include "host/socket_owners.h"

namespace sigma::host {
namespace {

// One read(2) of this size takes a few hundred lines of a socket table.
constexpr size_t kTableChunkBytes = 64 * 1024;

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (y >= 'A' && y <= 'Z') {
      y = static_cast<char>(y - 'A' + 'a');
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

constexpr size_t kNoOwner = SIZE_MAX;

}  // namespace

PortSource classify_process(std::string_view comm) {
  struct Name {
    std::string_view comm;
    PortSource source;
  };
  static constexpr Name kNames[] = {
      {"envoy", PortSource::kEnvoy},          {"sshd", PortSource::kSshd},
      {"sshd-session", PortSource::kSshd},    {"sshd-auth", PortSource::kSshd},
      {"nginx", PortSource::kNginx},          {"node_exporter", PortSource::kNodeExporter},
      {"xray", PortSource::kXray},
  };
  for (const Name& n : kNames) {
    if (iequals_ascii(comm, n.comm)) {
      return n.source;
    }
  }
  return PortSource::kOther;
}

void bound_other_detail(std::vector<ProcessPorts> counts, PortScanSnapshot& snapshot) {
  snapshot.other_detail.clear();
  snapshot.other_detail_overflow = 0;
  std::sort(counts.begin(), counts.end(), [](const ProcessPorts& a, const ProcessPorts& b) {
    return a.ports != b.ports ? a.ports > b.ports : a.process < b.process;
  });
  for (ProcessPorts& p : counts) {
    // A process really named "_other" would collide with the overflow series.
    if (snapshot.other_detail.size() < kMaxOtherDetailProcesses && p.process != kOtherDetailOverflow) {
      snapshot.other_detail.push_back(std::move(p));
    } else {
      snapshot.other_detail_overflow += p.ports;
    }
  }
}

PortScanner::PortScanner(const HostOps& host, uint16_t first, uint16_t last)
    : host_(host), first_(std::max<uint16_t>(first, 1)), last_(std::max(last, std::max<uint16_t>(first, 1))) {}

PortScanSnapshot PortScanner::scan() const {
  const auto started = std::chrono::steady_clock::now();
  PortScanSnapshot snapshot;
  const size_t range = static_cast<size_t>(last_) - first_ + 1;
  snapshot.total = range;

  // Per port of the range: is it held, and by which owner (index into comms).
  std::vector<uint8_t> held(range, 0);
  std::vector<size_t> owner(range, kNoOwner);
  // In-range socket inode -> port offset. Sockets outside the range never
  // enter it, so its size is that of the answer, not of the host.
  std::unordered_map<uint64_t, uint32_t> port_of_inode;

  size_t malformed = 0;
  size_t dropped = 0;
  for (SocketTable table : {SocketTable::kTcp, SocketTable::kTcp6, SocketTable::kUdp, SocketTable::kUdp6}) {
    ProcNetParser parser(table, first_, last_);
    Status s = host_.read_proc_chunks(socket_table_path(table), kTableChunkBytes,
                                      [&parser](std::string_view chunk) { parser.feed(chunk); });
    if (!s) {
      // A kernel without IPv6 has no tcp6/udp6: nothing to count there.
      if (s.message().find("No such file") == std::string::npos) {
        snapshot.notes.push_back(s.message());
      }
      continue;
    }
    parser.finish();
    malformed += parser.stats().malformed;
    dropped += parser.stats().dropped;
    for (const SocketEntry& e : parser.entries()) {
      const uint32_t offset = static_cast<uint32_t>(e.port - first_);
      held[offset] = 1;
      if (e.inode != 0) {
        port_of_inode.emplace(e.inode, offset);
      }
    }
  }
  if (malformed > 0) {
    snapshot.notes.push_back(std::to_string(malformed) + " malformed lines in the socket tables were skipped");
  }
  if (dropped > 0) {
    snapshot.notes.push_back(std::to_string(dropped) + " sockets beyond the table bound were not counted");
  }

  std::vector<std::string> comms;  // one per owning process found
  std::unordered_set<uint64_t> wanted;
  wanted.reserve(port_of_inode.size());
  for (const auto& [inode, offset] : port_of_inode) {
    wanted.insert(inode);
  }
  SocketOwners owners = find_socket_owners(host_, wanted);
  for (std::string& note : owners.notes) {
    snapshot.notes.push_back(std::move(note));
  }
  // A port's owner is that of its socket held by the lowest pid with a name.
  std::vector<int> owner_pid(range, 0);
  std::unordered_map<int, size_t> comm_of_pid;
  for (const auto& [inode, offset] : port_of_inode) {
    auto it = owners.by_inode.find(inode);
    if (it == owners.by_inode.end() || it->second.comm.empty()) {
      continue;
    }
    const SocketOwner& o = it->second;
    if (owner[offset] != kNoOwner && owner_pid[offset] <= o.pid) {
      continue;
    }
    auto [c, added] = comm_of_pid.emplace(o.pid, comms.size());
    if (added) {
      comms.push_back(o.comm);
    }
    owner[offset] = c->second;
    owner_pid[offset] = o.pid;
  }
  if (owners.unreadable > 0 && !wanted.empty()) {
    snapshot.notes.push_back(unreadable_owners_note(owners.unreadable));
  }

  std::unordered_map<std::string, uint64_t> other_counts;
  for (size_t i = 0; i < range; ++i) {
    if (!held[i]) {
      continue;
    }
    ++snapshot.in_use;
    PortSource source = PortSource::kUnknown;
    if (owner[i] != kNoOwner) {
      source = classify_process(comms[owner[i]]);
      if (source == PortSource::kOther) {
        ++other_counts[comms[owner[i]]];
      }
    }
    ++snapshot.in_use_by_source[static_cast<size_t>(source)];
  }
  snapshot.available = snapshot.total - snapshot.in_use;
  std::vector<ProcessPorts> counts;
  counts.reserve(other_counts.size());
  for (auto& [name, n] : other_counts) {
    counts.push_back({name, n});
  }
  bound_other_detail(std::move(counts), snapshot);
  snapshot.scan_duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return snapshot;
}

void PortScanner::publish(PortScanSnapshot snapshot) {
  std::lock_guard<std::mutex> lock(mutex_);
  latest_ = std::move(snapshot);
  published_at_ms_ = monotonic_ms();
}

std::optional<PortScanSnapshot> PortScanner::current(int64_t max_age_ms) {
  if (periodic_.load()) {
    return latest();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (latest_ && monotonic_ms() - published_at_ms_ <= max_age_ms) {
      return latest_;
    }
  }
  PortScanSnapshot fresh = scan();
  publish(fresh);
  return fresh;
}

std::optional<PortScanSnapshot> PortScanner::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

}  // namespace sigma::host
