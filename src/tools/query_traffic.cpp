#include "tools/query_traffic.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "host/sock_diag.h"
#include "host/socket_owners.h"
#include "tools/json_literal.h"

namespace sigma::tools {
namespace {

constexpr uint8_t kFamilies[] = {2 /* AF_INET */, 10 /* AF_INET6 */};
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr size_t kMaxProcessFilterBytes = 64;

constexpr std::string_view kDescription =
    "Returns the TCP connections on this node that move the most bytes, with the process that owns each one, "
    "read from the kernel's own per-socket counters (netlink sock_diag and tcp_info; no packet capture). Per "
    "connection: local and remote address, state, owning process (name and pid, or \"unknown\" when the agent "
    "may not read that process's descriptors or no process holds the socket), bytes sent (acknowledged by the "
    "peer) and received over the connection's life, RTT and RTT variance (ms), retransmitted segments and the "
    "kernel's delivery-rate estimate. With interval_ms > 0 it takes two snapshots that far apart and also "
    "returns bytes per second sent and received over the interval (a connection opened during it counts all "
    "its bytes); the list is then ordered by rate, otherwise by total bytes, top talkers first. Also returns "
    "per-process totals, how many TCP sockets matched, the number of UDP sockets (counted only: UDP has no "
    "byte counters here), and `truncated` when `limit` cut the lists. Filters: `process` (case-insensitive "
    "substring of the process name), `port` (local or remote, filtered in the kernel), `state` (default: "
    "every state but listen and time_wait; \"all\" for every state). Use it to find which process or peer is "
    "saturating the link, which connections are slow (high RTT, retransmits), or whether a service is talking "
    "at all. It cannot see connections closed before the call (or, with an interval, bytes of connections "
    "closed during it), traffic that is not TCP beyond the UDP socket count, or other network namespaces "
    "(containers with their own network). Read-only; a snapshot costs about as much as one `ss -ti`.";

constexpr std::string_view kInputSchema = R"({
  "type": "object",
  "properties": {
    "process": {"type": "string", "minLength": 1, "maxLength": 64,
                "description": "Only connections whose owning process name contains this (case-insensitive)."},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535,
             "description": "Only connections with this local or remote port."},
    "state": {"type": "string",
              "enum": ["all", "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
                       "close", "close_wait", "last_ack", "listen", "closing"],
              "description": "Only connections in this TCP state; default every state but listen and time_wait."},
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50,
              "description": "At most this many connections and processes are returned (top first)."},
    "interval_ms": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0,
                    "description": "0: one snapshot. Otherwise two snapshots this far apart, giving rates."}
  },
  "additionalProperties": false
})";

constexpr std::string_view kOutputSchema = R"({
  "type": "object",
  "properties": {
    "connections": {"type": "array", "items": {
      "type": "object",
      "properties": {
        "local": {"type": "string"}, "remote": {"type": "string"},
        "state": {"type": "string"},
        "process": {"type": "string", "description": "Owner's name, or \"unknown\"."},
        "pid": {"type": ["integer", "null"]},
        "bytes_sent": {"type": ["integer", "null"], "minimum": 0},
        "bytes_received": {"type": ["integer", "null"], "minimum": 0},
        "rtt_ms": {"type": ["number", "null"], "minimum": 0},
        "rtt_var_ms": {"type": ["number", "null"], "minimum": 0},
        "retransmits": {"type": ["integer", "null"], "minimum": 0},
        "delivery_rate_bytes_per_second": {"type": ["integer", "null"], "minimum": 0},
        "sent_bytes_per_second": {"type": ["number", "null"], "minimum": 0},
        "received_bytes_per_second": {"type": ["number", "null"], "minimum": 0}
      },
      "required": ["local", "remote", "state", "process", "pid", "bytes_sent", "bytes_received", "rtt_ms",
                   "rtt_var_ms", "retransmits", "delivery_rate_bytes_per_second", "sent_bytes_per_second",
                   "received_bytes_per_second"],
      "additionalProperties": false
    }},
    "processes": {"type": "array", "items": {
      "type": "object",
      "properties": {
        "process": {"type": "string"},
        "pid": {"type": ["integer", "null"]},
        "connections": {"type": "integer", "minimum": 0},
        "bytes_sent": {"type": "integer", "minimum": 0},
        "bytes_received": {"type": "integer", "minimum": 0},
        "sent_bytes_per_second": {"type": ["number", "null"], "minimum": 0},
        "received_bytes_per_second": {"type": ["number", "null"], "minimum": 0}
      },
      "required": ["process", "pid", "connections", "bytes_sent", "bytes_received", "sent_bytes_per_second",
                   "received_bytes_per_second"],
      "additionalProperties": false
    }},
    "sockets_seen": {"type": "integer", "minimum": 0,
                     "description": "TCP sockets the kernel reported for the state and port filters."},
    "matched": {"type": "integer", "minimum": 0, "description": "Connections left after the process filter."},
    "udp_sockets": {"type": ["integer", "null"], "minimum": 0,
                    "description": "UDP sockets (port filter applied); null when they could not be counted."},
    "truncated": {"type": "boolean", "description": "True when limit cut the connections or processes."},
    "interval_ms": {"type": "integer", "minimum": 0},
    "notes": {"type": "array", "items": {"type": "string"}}
  },
  "required": ["connections", "processes", "sockets_seen", "matched", "udp_sockets", "truncated", "interval_ms",
               "notes"],
  "additionalProperties": false
})";

struct Args {
  std::string process;  // lower case; empty = any
  uint16_t port = 0;
  uint32_t states = 0;
  size_t limit = kTrafficDefaultLimit;
  int64_t interval_ms = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// The dispatcher validated the arguments against the schema; these checks
// keep a direct caller (`sigma-agent call`, tests) from passing junk.
std::optional<std::string> read_args(const json::Value& arguments, Args& args) {
  constexpr uint32_t kListen = 1u << static_cast<unsigned>(host::TcpState::kListen);
  constexpr uint32_t kTimeWait = 1u << static_cast<unsigned>(host::TcpState::kTimeWait);
  args.states = host::kAllTcpStates & ~kListen & ~kTimeWait;
  if (const json::Value* v = arguments.find("process"); v != nullptr) {
    if (!v->is_string() || v->as_string().empty() || v->as_string().size() > kMaxProcessFilterBytes) {
      return "process must be a non-empty string of at most 64 bytes";
    }
    args.process = lower(v->as_string());
  }
  if (const json::Value* v = arguments.find("port"); v != nullptr) {
    const std::optional<int64_t> port = v->as_int();
    if (!port || *port < 1 || *port > 65535) {
      return "port must be an integer from 1 to 65535";
    }
    args.port = static_cast<uint16_t>(*port);
  }
  if (const json::Value* v = arguments.find("state"); v != nullptr) {
    if (!v->is_string()) {
      return "state must be a TCP state name or \"all\"";
    }
    if (v->as_string() == "all") {
      args.states = host::kAllTcpStates;
    } else {
      const std::optional<uint8_t> state = host::parse_tcp_state(v->as_string());
      if (!state || *state == static_cast<uint8_t>(host::TcpState::kNewSynRecv)) {
        return "state must be a TCP state name or \"all\"";
      }
      args.states = 1u << *state;
    }
  }
  if (const json::Value* v = arguments.find("limit"); v != nullptr) {
    const std::optional<int64_t> limit = v->as_int();
    if (!limit || *limit < 1 || *limit > kTrafficMaxLimit) {
      return "limit must be an integer from 1 to 1000";
    }
    args.limit = static_cast<size_t>(*limit);
  }
  if (const json::Value* v = arguments.find("interval_ms"); v != nullptr) {
    const std::optional<int64_t> interval = v->as_int();
    if (!interval || *interval < 0 || *interval > kTrafficMaxIntervalMs) {
      return "interval_ms must be an integer from 0 to 10000";
    }
    args.interval_ms = *interval;
  }
  return std::nullopt;
}

struct Snapshot {
  std::vector<host::DiagSocket> tcp;
  size_t seen = 0;
  size_t dropped = 0;
  std::optional<size_t> udp;
};

std::string family_name(uint8_t family) { return family == 2 ? "IPv4" : "IPv6"; }

// Both families' TCP sockets (with tcp_info), and the UDP count when asked.
// A family that fails is a note (a kernel without IPv6); both failing fails.
Result<Snapshot> take_snapshot(const host::HostOps& host, const Args& args, bool count_udp,
                               std::vector<std::string>& notes) {
  Snapshot snap;
  size_t failures = 0;
  Status last;
  for (uint8_t family : kFamilies) {
    host::SockDiagQuery q;
    q.family = family;
    q.protocol = kTcp;
    q.states = args.states;
    q.port = args.port;
    q.tcp_info = true;
    Result<host::SockDiagDump> dump = host.sock_diag_dump(q);
    if (!dump) {
      ++failures;
      last = dump.status();
      notes.push_back(family_name(family) + " TCP sockets could not be read: " + dump.error());
      continue;
    }
    snap.seen += dump->seen;
    snap.dropped += dump->dropped;
    snap.tcp.insert(snap.tcp.end(), dump->sockets.begin(), dump->sockets.end());
  }
  if (failures == std::size(kFamilies)) {
    return last;
  }
  if (count_udp) {
    size_t udp = 0;
    bool ok = true;
    for (uint8_t family : kFamilies) {
      host::SockDiagQuery q;
      q.family = family;
      q.protocol = kUdp;
      q.states = host::kAllTcpStates;
      q.port = args.port;
      q.count_only = true;
      Result<host::SockDiagDump> dump = host.sock_diag_dump(q);
      if (!dump) {
        ok = false;
        notes.push_back(family_name(family) + " UDP sockets could not be counted: " + dump.error());
        continue;
      }
      udp += dump->seen;
    }
    if (ok) {
      snap.udp = udp;
    }
  }
  return snap;
}

// Sleeps `ms` in short steps, returning early with the reason to stop.
Status sleep_checking(int64_t ms, const mcp::CallContext& context) {
  const int64_t until = monotonic_ms() + ms;
  for (;;) {
    if (Status stop = context.should_stop(); !stop) {
      return stop;
    }
    const int64_t left = until - monotonic_ms();
    if (left <= 0) {
      return Status::ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(left, kTrafficSleepStepMs)));
  }
}

struct Row {
  const host::DiagSocket* socket = nullptr;
  const host::SocketOwner* owner = nullptr;  // nullptr: unknown
  uint64_t sent = 0;      // 0 when the kernel did not say
  uint64_t received = 0;
  double sent_rate = 0;
  double received_rate = 0;
};

template <typename T>
json::Value or_null(const std::optional<T>& v) {
  return v ? json::Value(*v) : json::Value();
}

json::Value ms_or_null(const std::optional<uint32_t>& us) {
  return us ? json::Value(static_cast<double>(*us) / 1000.0) : json::Value();
}

}  // namespace

QueryTrafficTool::QueryTrafficTool(const host::HostOps* host)
    : host_(host), input_schema_(json_literal(kInputSchema)), output_schema_(json_literal(kOutputSchema)) {}

std::string_view QueryTrafficTool::description() const { return kDescription; }

mcp::ToolAnnotations QueryTrafficTool::annotations() const {
  mcp::ToolAnnotations a;
  a.read_only = true;
  a.destructive = false;
  a.idempotent = false;  // it samples live counters: two calls never answer the same
  a.open_world = false;
  return a;
}

mcp::ToolResult QueryTrafficTool::call(const json::Value& arguments, const mcp::CallContext& context) {
  Args args;
  if (std::optional<std::string> bad = read_args(arguments, args)) {
    return mcp::ToolResult::failure(*bad);
  }
  std::vector<std::string> notes;

  // With an interval, the first snapshot only supplies each socket's
  // starting counters, by cookie.
  std::unordered_map<uint64_t, std::pair<uint64_t, uint64_t>> before;
  int64_t measured_ms = 0;
  if (args.interval_ms > 0) {
    std::vector<std::string> first_notes;
    Result<Snapshot> first = take_snapshot(*host_, args, false, first_notes);
    if (!first) {
      return mcp::ToolResult::failure("the kernel's socket table could not be read: " + first.error());
    }
    const int64_t started = monotonic_ms();
    before.reserve(first->tcp.size());
    for (const host::DiagSocket& s : first->tcp) {
      if (s.info) {
        before.emplace(s.cookie, std::make_pair(s.info->bytes_acked.value_or(0), s.info->bytes_received.value_or(0)));
      }
    }
    first->tcp.clear();
    first->tcp.shrink_to_fit();
    if (Status stop = sleep_checking(args.interval_ms, context); !stop) {
      return mcp::ToolResult::failure(stop.message());
    }
    measured_ms = std::max<int64_t>(1, monotonic_ms() - started);
  }
  if (Status stop = context.should_stop(); !stop) {
    return mcp::ToolResult::failure(stop.message());
  }
  Result<Snapshot> snap = take_snapshot(*host_, args, true, notes);
  if (!snap) {
    return mcp::ToolResult::failure("the kernel's socket table could not be read: " + snap.error());
  }
  if (snap->dropped > 0) {
    notes.push_back(std::to_string(snap->dropped) + " sockets beyond the agent's bound were not examined");
  }
  if (Status stop = context.should_stop(); !stop) {
    return mcp::ToolResult::failure(stop.message());
  }

  std::unordered_set<uint64_t> wanted;
  wanted.reserve(snap->tcp.size());
  for (const host::DiagSocket& s : snap->tcp) {
    if (s.inode != 0) {
      wanted.insert(s.inode);
    }
  }
  host::SocketOwners owners = host::find_socket_owners(*host_, wanted);
  for (std::string& note : owners.notes) {
    notes.push_back(std::move(note));
  }
  if (owners.unreadable > 0 && !wanted.empty()) {
    notes.push_back(host::unreadable_owners_note(owners.unreadable));
  }

  const double seconds = static_cast<double>(measured_ms) / 1000.0;
  std::vector<Row> rows;
  rows.reserve(snap->tcp.size());
  for (const host::DiagSocket& s : snap->tcp) {
    Row row;
    row.socket = &s;
    if (s.inode != 0) {
      auto it = owners.by_inode.find(s.inode);
      if (it != owners.by_inode.end() && !it->second.comm.empty()) {
        row.owner = &it->second;
      }
    }
    if (!args.process.empty() && (row.owner == nullptr || lower(row.owner->comm).find(args.process) == std::string::npos)) {
      continue;
    }
    if (s.info) {
      row.sent = s.info->bytes_acked.value_or(0);
      row.received = s.info->bytes_received.value_or(0);
    }
    if (args.interval_ms > 0) {
      uint64_t sent0 = 0;
      uint64_t received0 = 0;
      if (auto it = before.find(s.cookie); it != before.end()) {
        sent0 = it->second.first;
        received0 = it->second.second;
      }
      row.sent_rate = row.sent >= sent0 ? static_cast<double>(row.sent - sent0) / seconds : 0;
      row.received_rate = row.received >= received0 ? static_cast<double>(row.received - received0) / seconds : 0;
    }
    rows.push_back(row);
  }
  const bool by_rate = args.interval_ms > 0;
  auto key = [by_rate](const Row& r) {
    return by_rate ? r.sent_rate + r.received_rate : static_cast<double>(r.sent) + static_cast<double>(r.received);
  };
  auto before_row = [&key](const Row& a, const Row& b) {
    const double ka = key(a);
    const double kb = key(b);
    if (ka != kb) {
      return ka > kb;
    }
    return a.sent + a.received > b.sent + b.received;
  };

  // Per-process totals over every matched connection, not only those shown.
  struct Total {
    std::string name;
    std::optional<int> pid;
    uint64_t connections = 0, sent = 0, received = 0;
    double sent_rate = 0, received_rate = 0;
  };
  std::map<int, Total> by_pid;  // pid 0: unknown
  for (const Row& r : rows) {
    const int pid = r.owner != nullptr ? r.owner->pid : 0;
    Total& t = by_pid[pid];
    if (r.owner != nullptr) {
      t.name = r.owner->comm;
      t.pid = pid;
    } else {
      t.name = "unknown";
    }
    ++t.connections;
    t.sent += r.sent;
    t.received += r.received;
    t.sent_rate += r.sent_rate;
    t.received_rate += r.received_rate;
  }
  std::vector<Total> totals;
  totals.reserve(by_pid.size());
  for (auto& [pid, t] : by_pid) {
    totals.push_back(std::move(t));
  }

  const size_t shown = std::min(rows.size(), args.limit);
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shown), rows.end(), before_row);
  const size_t shown_processes = std::min(totals.size(), args.limit);
  std::partial_sort(totals.begin(), totals.begin() + static_cast<std::ptrdiff_t>(shown_processes), totals.end(),
                    [by_rate](const Total& a, const Total& b) {
                      const double ka = by_rate ? a.sent_rate + a.received_rate
                                                : static_cast<double>(a.sent) + static_cast<double>(a.received);
                      const double kb = by_rate ? b.sent_rate + b.received_rate
                                                : static_cast<double>(b.sent) + static_cast<double>(b.received);
                      return ka != kb ? ka > kb : a.connections > b.connections;
                    });

  json::Value connections = json::Value::array();
  for (size_t i = 0; i < shown; ++i) {
    const Row& r = rows[i];
    const host::DiagSocket& s = *r.socket;
    const std::optional<host::TcpInfo>& info = s.info;
    json::Value c = json::Value::object();
    c.set("local", json::Value(host::format_endpoint(s.family, s.local_addr, s.local_port)))
        .set("remote", json::Value(host::format_endpoint(s.family, s.remote_addr, s.remote_port)))
        .set("state", json::Value(host::tcp_state_name(s.state)))
        .set("process", json::Value(r.owner != nullptr ? r.owner->comm : std::string("unknown")))
        .set("pid", r.owner != nullptr ? json::Value(r.owner->pid) : json::Value())
        .set("bytes_sent", info ? or_null(info->bytes_acked) : json::Value())
        .set("bytes_received", info ? or_null(info->bytes_received) : json::Value())
        .set("rtt_ms", info ? ms_or_null(info->rtt_us) : json::Value())
        .set("rtt_var_ms", info ? ms_or_null(info->rttvar_us) : json::Value())
        .set("retransmits", info ? or_null(info->total_retrans) : json::Value())
        .set("delivery_rate_bytes_per_second", info ? or_null(info->delivery_rate) : json::Value())
        .set("sent_bytes_per_second", by_rate ? json::Value(r.sent_rate) : json::Value())
        .set("received_bytes_per_second", by_rate ? json::Value(r.received_rate) : json::Value());
    connections.push(std::move(c));
  }
  json::Value processes = json::Value::array();
  for (size_t i = 0; i < shown_processes; ++i) {
    const Total& t = totals[i];
    json::Value p = json::Value::object();
    p.set("process", json::Value(t.name))
        .set("pid", t.pid ? json::Value(*t.pid) : json::Value())
        .set("connections", json::Value(static_cast<unsigned long long>(t.connections)))
        .set("bytes_sent", json::Value(static_cast<unsigned long long>(t.sent)))
        .set("bytes_received", json::Value(static_cast<unsigned long long>(t.received)))
        .set("sent_bytes_per_second", by_rate ? json::Value(t.sent_rate) : json::Value())
        .set("received_bytes_per_second", by_rate ? json::Value(t.received_rate) : json::Value());
    processes.push(std::move(p));
  }
  json::Value note_list = json::Value::array();
  for (std::string& note : notes) {
    note_list.push(json::Value(std::move(note)));
  }
  json::Value result = json::Value::object();
  result.set("connections", std::move(connections))
      .set("processes", std::move(processes))
      .set("sockets_seen", json::Value(static_cast<unsigned long long>(snap->seen)))
      .set("matched", json::Value(static_cast<unsigned long long>(rows.size())))
      .set("udp_sockets", snap->udp ? json::Value(static_cast<unsigned long long>(*snap->udp)) : json::Value())
      .set("truncated", json::Value(shown < rows.size() || shown_processes < totals.size()))
      .set("interval_ms", json::Value(static_cast<long long>(args.interval_ms)))
      .set("notes", std::move(note_list));
  return mcp::ToolResult::success(std::move(result));
}

}  // namespace sigma::tools
