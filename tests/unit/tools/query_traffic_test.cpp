// query_traffic over a fake host seam: schemas and annotations, argument
// checks and their sentences, the kernel-side filters it asks for,
// attribution (and "unknown" without permission), ordering, limit and
// truncated, per-process totals, rates over an interval, cancellation.
#include "tools/query_traffic.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../fake_host_ops.h"
#include "json/json.h"
#include "mcp/schema_validate.h"

namespace sigma::tools {
namespace {

json::Value parse_json(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

host::DiagSocket tcp(uint16_t lport, uint16_t rport, uint64_t inode, uint64_t sent, uint64_t received,
                     uint8_t family = 2) {
  host::DiagSocket s;
  s.family = family;
  s.state = 1;
  s.local_port = lport;
  s.remote_port = rport;
  s.local_addr[0] = 127;
  s.local_addr[3] = 1;
  s.remote_addr[0] = 10;
  s.remote_addr[3] = 9;
  s.inode = inode;
  s.cookie = inode + 1000;
  host::TcpInfo info;
  info.rtt_us = 2500;
  info.rttvar_us = 500;
  info.total_retrans = 1;
  info.bytes_acked = sent;
  info.bytes_received = received;
  info.delivery_rate = 100;
  s.info = info;
  return s;
}

// Sockets per dump call; pid 100 ("nginx") holds inodes 1-3, pid 200
// ("Envoy") inode 4; pid 300's descriptors are unreadable.
class TrafficHost final : public test::FakeHostOps {
 public:
  Result<host::SockDiagDump> sock_diag_dump(const host::SockDiagQuery& q) const override {
    queries.push_back(q);
    host::SockDiagDump d;
    if (q.protocol == 17) {
      d.seen = q.family == 2 ? 3 : 1;
      d.dropped = d.seen;
      return d;
    }
    if (q.family == 10 && fail_v6) {
      return Status::error("sock_diag: the kernel refused the dump: Address family not supported by protocol");
    }
    if (q.family == 2) {
      const bool later = tcp_calls++ > 0 && grow;
      d.sockets = {tcp(80, 5001, 1, later ? 1100 : 100, 10), tcp(80, 5002, 2, 5000, later ? 5000 : 1000),
                   tcp(443, 5003, 3, 0, 0), tcp(9901, 5004, 4, 700, 700), tcp(22, 5005, 5, 50, 0),
                   tcp(22, 5006, 0, 0, 0)};
      d.seen = d.sockets.size();
    }
    return d;
  }
  Result<std::vector<int>> list_pids() const override { return std::vector<int>{300, 200, 100}; }
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override {
    if (pid == 100) {
      return std::vector<uint64_t>{1, 2, 3};
    }
    if (pid == 200) {
      return std::vector<uint64_t>{4};
    }
    return Status::error("/proc/300/fd: Permission denied");
  }
  Result<std::string> read_proc(std::string_view path) const override {
    if (path == "100/comm") {
      return std::string("nginx\n");
    }
    if (path == "200/comm") {
      return std::string("Envoy\n");
    }
    return missing(path);
  }
  bool fail_v6 = false;
  bool grow = false;
  mutable std::vector<host::SockDiagQuery> queries;
  mutable std::atomic<int> tcp_calls{0};
};

mcp::ToolResult call(QueryTrafficTool& tool, std::string_view args, const mcp::CallContext& ctx = {}) {
  return tool.call(parse_json(args), ctx);
}

const json::Value& conn(const mcp::ToolResult& r, size_t i) { return r.structured.find("connections")->as_array()[i]; }

}  // namespace

TEST_CASE("query_traffic: metadata, and a result that matches its outputSchema") {
  TrafficHost host;
  QueryTrafficTool tool(&host);
  CHECK(tool.name() == "query_traffic");
  CHECK(tool.input_schema().find("type")->as_string() == "object");
  const mcp::ToolAnnotations a = tool.annotations();
  CHECK(a.read_only);
  CHECK_FALSE(a.destructive);
  CHECK_FALSE(a.idempotent);
  CHECK_FALSE(a.open_world);
  CHECK(tool.description().find("other network namespaces") != std::string_view::npos);
  CHECK(tool.description().find("closed before the call") != std::string_view::npos);
  mcp::ToolResult r = call(tool, "{}");
  REQUIRE_FALSE(r.is_error);
  const Status valid = mcp::validate_arguments(tool.output_schema(), r.structured);
  CHECK_MESSAGE(valid.is_ok(), valid.message());
}

TEST_CASE("query_traffic: top talkers first, attribution, unknown, totals, UDP count") {
  TrafficHost host;
  QueryTrafficTool tool(&host);
  mcp::ToolResult r = call(tool, "{}");
  REQUIRE_FALSE(r.is_error);
  const json::Value& s = r.structured;
  CHECK(*s.find("sockets_seen")->as_int() == 6);
  CHECK(*s.find("matched")->as_int() == 6);
  CHECK(*s.find("udp_sockets")->as_int() == 4);
  CHECK(s.find("truncated")->as_bool() == false);
  REQUIRE(s.find("connections")->size() == 6);
  CHECK(conn(r, 0).find("remote")->as_string() == "10.0.0.9:5002");  // 6000 bytes
  CHECK(conn(r, 0).find("local")->as_string() == "127.0.0.1:80");
  CHECK(conn(r, 0).find("process")->as_string() == "nginx");
  CHECK(*conn(r, 0).find("pid")->as_int() == 100);
  CHECK(*conn(r, 0).find("bytes_sent")->as_int() == 5000);
  CHECK(*conn(r, 0).find("bytes_received")->as_int() == 1000);
  CHECK(conn(r, 0).find("rtt_ms")->as_double() == doctest::Approx(2.5));
  CHECK(conn(r, 0).find("rtt_var_ms")->as_double() == doctest::Approx(0.5));
  CHECK(*conn(r, 0).find("retransmits")->as_int() == 1);
  CHECK(conn(r, 0).find("sent_bytes_per_second")->is_null());
  CHECK(conn(r, 1).find("process")->as_string() == "Envoy");  // 1400 bytes
  // Inode 5 is held by nobody readable (pid 300 refused): unknown, pid null.
  CHECK(conn(r, 3).find("process")->as_string() == "unknown");
  CHECK(conn(r, 3).find("pid")->is_null());
  const json::Value& procs = *s.find("processes");
  REQUIRE(procs.size() == 3);
  CHECK(procs.as_array()[0].find("process")->as_string() == "nginx");
  CHECK(*procs.as_array()[0].find("connections")->as_int() == 3);
  CHECK(*procs.as_array()[0].find("bytes_sent")->as_int() == 5100);
  CHECK(procs.as_array()[2].find("process")->as_string() == "unknown");
  CHECK(*procs.as_array()[2].find("connections")->as_int() == 2);
  REQUIRE(s.find("notes")->size() == 1);
  CHECK(s.find("notes")->as_array()[0].as_string().find("1 processes' descriptors could not be read") == 0);
  // Two TCP dumps with tcp_info and every state but listen and time_wait, two UDP counts.
  REQUIRE(host.queries.size() == 4);
  CHECK(host.queries[0].tcp_info);
  CHECK(host.queries[0].states == (host::kAllTcpStates & ~(1u << 10) & ~(1u << 6)));
  CHECK(host.queries[2].protocol == 17);
  CHECK(host.queries[2].count_only);
}

TEST_CASE("query_traffic: the filters reach the kernel; process filters by name, case-insensitively") {
  TrafficHost host;
  QueryTrafficTool tool(&host);
  mcp::ToolResult r = call(tool, R"({"port":443,"state":"close_wait"})");
  REQUIRE_FALSE(r.is_error);
  for (const host::SockDiagQuery& q : host.queries) {
    CHECK(q.port == 443);
  }
  CHECK(host.queries[0].states == (1u << 8));
  host.queries.clear();
  r = call(tool, R"({"state":"all"})");
  CHECK(host.queries[0].states == host::kAllTcpStates);

  r = call(tool, R"({"process":"ENVOY"})");
  REQUIRE_FALSE(r.is_error);
  CHECK(*r.structured.find("matched")->as_int() == 1);
  CHECK(*r.structured.find("sockets_seen")->as_int() == 6);
  CHECK(conn(r, 0).find("process")->as_string() == "Envoy");
}

TEST_CASE("query_traffic: limit cuts the lists and sets truncated") {
  TrafficHost host;
  QueryTrafficTool tool(&host);
  mcp::ToolResult r = call(tool, R"({"limit":2})");
  REQUIRE_FALSE(r.is_error);
  CHECK(r.structured.find("connections")->size() == 2);
  CHECK(r.structured.find("processes")->size() == 2);
  CHECK(r.structured.find("truncated")->as_bool());
  CHECK(*r.structured.find("matched")->as_int() == 6);
}

TEST_CASE("query_traffic: with an interval, rates over it order the list") {
  TrafficHost host;
  host.grow = true;
  QueryTrafficTool tool(&host);
  mcp::ToolResult r = call(tool, R"({"interval_ms":100})");
  REQUIRE_FALSE(r.is_error);
  CHECK(*r.structured.find("interval_ms")->as_int() == 100);
  // Inode 2 received 4000 more bytes, inode 1 sent 1000 more; the rest none.
  CHECK(conn(r, 0).find("remote")->as_string() == "10.0.0.9:5002");
  const double rate = conn(r, 0).find("received_bytes_per_second")->as_double();
  CHECK(rate > 0);
  CHECK(rate <= 4000.0 / 0.1 + 1e-6);  // at least the interval passed
  CHECK(conn(r, 0).find("sent_bytes_per_second")->as_double() == 0);
  CHECK(conn(r, 1).find("remote")->as_string() == "10.0.0.9:5001");
  CHECK(conn(r, 1).find("sent_bytes_per_second")->as_double() > 0);
  CHECK(conn(r, 2).find("sent_bytes_per_second")->as_double() == 0);
  CHECK(r.structured.find("processes")->as_array()[0].find("received_bytes_per_second")->as_double() == doctest::Approx(rate));
}

TEST_CASE("query_traffic: a cancelled call stops during the interval and says why") {
  TrafficHost host;
  QueryTrafficTool tool(&host);
  mcp::CallContext ctx;
  ctx.cancelled->store(true);
  mcp::ToolResult r = call(tool, R"({"interval_ms":10000})", ctx);
  REQUIRE(r.is_error);
  CHECK(r.error_text == "cancelled by the client (notifications/cancelled)");
  mcp::CallContext late;
  late.deadline_ms = 1;  // long past
  r = call(tool, R"({})", late);
  REQUIRE(r.is_error);
  CHECK(r.error_text.find("deadline") != std::string::npos);
}

TEST_CASE("query_traffic: IPv6 unavailable is a note; bad arguments are sentences") {
  TrafficHost host;
  host.fail_v6 = true;
  QueryTrafficTool tool(&host);
  mcp::ToolResult r = call(tool, "{}");
  REQUIRE_FALSE(r.is_error);
  CHECK(*r.structured.find("matched")->as_int() == 6);
  bool noted = false;
  for (const json::Value& n : r.structured.find("notes")->as_array()) {
    noted = noted || n.as_string().find("IPv6 TCP sockets could not be read") == 0;
  }
  CHECK(noted);

  struct Case {
    const char* arguments;
    const char* error;
  };
  const Case cases[] = {
      {R"({"limit":0})", "limit must be an integer from 1 to 1000"},
      {R"({"limit":1001})", "limit must be an integer from 1 to 1000"},
      {R"({"interval_ms":10001})", "interval_ms must be an integer from 0 to 10000"},
      {R"({"interval_ms":-1})", "interval_ms must be an integer from 0 to 10000"},
      {R"({"port":0})", "port must be an integer from 1 to 65535"},
      {R"({"port":"80"})", "port must be an integer from 1 to 65535"},
      {R"({"state":"new_syn_recv"})", "state must be a TCP state name or \"all\""},
      {R"({"state":7})", "state must be a TCP state name or \"all\""},
      {R"({"process":""})", "process must be a non-empty string of at most 64 bytes"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.arguments);
    mcp::ToolResult bad = call(tool, c.arguments);
    CHECK(bad.is_error);
    CHECK(bad.error_text == c.error);
  }
}

TEST_CASE("query_traffic: a kernel that refuses both families fails the call with its reason") {
  class NoDiag final : public test::FakeHostOps {
   public:
    Result<host::SockDiagDump> sock_diag_dump(const host::SockDiagQuery&) const override {
      return Status::error("sock_diag: socket(NETLINK_SOCK_DIAG): Protocol not supported");
    }
  } host;
  QueryTrafficTool tool(&host);
  mcp::ToolResult r = call(tool, "{}");
  REQUIRE(r.is_error);
  CHECK(r.error_text == "the kernel's socket table could not be read: sock_diag: socket(NETLINK_SOCK_DIAG): Protocol not supported");
}

}  // namespace sigma::tools
