// query_traffic with the real daemon and real sockets: the test opens 100
// TCP loopback connections with known byte counts in each direction and
// checks the kernel's counters reach the result (at least what was sent),
// the sockets are attributed to this process, limit and truncated hold, and
// an interval turns traffic sent during it into rates.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "base/unique_fd.h"
#include "harness.h"
#include "json/json.h"

using namespace sigma::test;
using sigma::UniqueFd;
using sigma::json::Value;

namespace {

constexpr int kConnections = 100;

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// Moves `bytes` from `from` to `to` in pieces small enough for the socket
// buffers, so neither side blocks the other. False on any error.
bool move_bytes(int from, int to, size_t bytes) {
  static const std::string piece(16384, 'z');
  char sink[16384];
  while (bytes > 0) {
    const size_t n = std::min(bytes, piece.size());
    if (::write(from, piece.data(), n) != static_cast<ssize_t>(n)) {
      return false;
    }
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(to, sink, n - got);
      if (r <= 0) {
        return false;
      }
      got += static_cast<size_t>(r);
    }
    bytes -= n;
  }
  return true;
}

struct Pair {
  UniqueFd client;
  UniqueFd server;
  size_t up = 0;    // client -> server
  size_t down = 0;  // server -> client
};

// The tool's structured result of a tools/call (from the text content,
// which every protocol revision carries).
Value call_traffic(uint16_t port, const std::string& arguments) {
  HttpResponse r = mcp_post(port, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_traffic","arguments":)" +
                                      arguments + "}}");
  REQUIRE(r.status == 200);
  auto envelope = sigma::json::parse(r.body);
  REQUIRE_MESSAGE(envelope.ok(), r.body);
  const Value* result = envelope.value->find("result");
  REQUIRE_MESSAGE(result != nullptr, r.body);
  REQUIRE_MESSAGE(!(result->find("isError") && result->find("isError")->as_bool()), r.body);
  const Value& text = *result->find("content")->as_array()[0].find("text");
  auto structured = sigma::json::parse(text.as_string());
  REQUIRE(structured.ok());
  return *structured.value;
}

}  // namespace

TEST_CASE("query_traffic sees 100 loopback connections with their bytes, owner, limit and rates") {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener.get(), kConnections) == 0);
  const uint16_t port = local_port(listener.get());
  a.sin_port = htons(port);

  std::vector<Pair> pairs(kConnections);
  std::map<uint16_t, size_t> by_client_port;  // client's local port -> index
  for (int i = 0; i < kConnections; ++i) {
    Pair& p = pairs[static_cast<size_t>(i)];
    p.client = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(::connect(p.client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    p.server = UniqueFd(::accept(listener.get(), nullptr, nullptr));
    REQUIRE(p.server.is_valid());
    p.up = 1000 * static_cast<size_t>(i + 1);
    p.down = 300 * static_cast<size_t>(i + 1) + 7;
    REQUIRE(move_bytes(p.client.get(), p.server.get(), p.up));
    REQUIRE(move_bytes(p.server.get(), p.client.get(), p.down));
    by_client_port[local_port(p.client.get())] = static_cast<size_t>(i);
  }

  Daemon d(DaemonOptions{});
  REQUIRE(d.started());
  const std::string comm = own_comm();
  const std::string loopback = "127.0.0.1:";

  SUBCASE("bytes, owner and order over every connection") {
    Value v = call_traffic(d.mcp_port(), R"({"port":)" + std::to_string(port) + R"(,"state":"established","limit":1000})");
    CHECK(*v.find("sockets_seen")->as_int() == 2 * kConnections);
    CHECK(*v.find("matched")->as_int() == 2 * kConnections);
    CHECK(v.find("truncated")->as_bool() == false);
    const auto& conns = v.find("connections")->as_array();
    REQUIRE(conns.size() == 2 * kConnections);
    double previous = 1e300;
    int clients = 0;
    for (const Value& c : conns) {
      CHECK(*c.find("pid")->as_int() == ::getpid());
      CHECK(c.find("process")->as_string() == comm);
      const double total = c.find("bytes_sent")->as_double() + c.find("bytes_received")->as_double();
      CHECK(total <= previous);  // top talkers first
      previous = total;
      const std::string& remote = c.find("remote")->as_string();
      if (remote != loopback + std::to_string(port)) {
        continue;  // the server's end; its counts mirror the client's
      }
      ++clients;
      const std::string& local = c.find("local")->as_string();
      REQUIRE(local.rfind(loopback, 0) == 0);
      const auto it = by_client_port.find(static_cast<uint16_t>(std::stoi(local.substr(loopback.size()))));
      REQUIRE(it != by_client_port.end());
      const Pair& p = pairs[it->second];
      CHECK(*c.find("bytes_sent")->as_int() >= static_cast<int64_t>(p.up));
      CHECK(*c.find("bytes_received")->as_int() >= static_cast<int64_t>(p.down));
      CHECK(c.find("rtt_ms")->is_number());
    }
    CHECK(clients == kConnections);
    const auto& procs = v.find("processes")->as_array();
    REQUIRE(procs.size() == 1);
    CHECK(*procs[0].find("pid")->as_int() == ::getpid());
    CHECK(*procs[0].find("connections")->as_int() == 2 * kConnections);
    // Both ends count: each byte was sent by one socket and received by another.
    size_t up = 0;
    size_t down = 0;
    for (const Pair& p : pairs) {
      up += p.up;
      down += p.down;
    }
    CHECK(*procs[0].find("bytes_sent")->as_int() >= static_cast<int64_t>(up + down));
    CHECK(*procs[0].find("bytes_received")->as_int() >= static_cast<int64_t>(up + down));
  }

  SUBCASE("limit cuts the list and says so") {
    Value v = call_traffic(d.mcp_port(), R"({"port":)" + std::to_string(port) + R"(,"limit":10})");
    CHECK(v.find("connections")->size() == 10);
    CHECK(v.find("truncated")->as_bool());
    CHECK(*v.find("matched")->as_int() == 2 * kConnections);
    // The biggest pair (the last connection) comes first.
    const Pair& top = pairs.back();
    CHECK(*v.find("connections")->as_array()[0].find("bytes_sent")->as_int() >= static_cast<int64_t>(top.down));
  }

  SUBCASE("an interval turns bytes sent during it into rates, top first") {
    constexpr size_t kBurst = 400000;
    Pair& quiet = pairs.front();  // the smallest pair: first only by its rate
    bool moved = false;
    std::thread burst([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      moved = move_bytes(quiet.client.get(), quiet.server.get(), kBurst);
    });
    Value v = call_traffic(d.mcp_port(), R"({"port":)" + std::to_string(port) + R"(,"interval_ms":2000,"limit":5})");
    burst.join();
    REQUIRE(moved);
    CHECK(*v.find("interval_ms")->as_int() == 2000);
    const auto& conns = v.find("connections")->as_array();
    REQUIRE(conns.size() == 5);
    // The client end sent the burst, the server end received it; no other
    // connection moved a byte.
    const std::string client_local = loopback + std::to_string(local_port(quiet.client.get()));
    const Value* sender = nullptr;
    for (size_t i = 0; i < 2; ++i) {
      if (conns[i].find("local")->as_string() == client_local) {
        sender = &conns[i];
      }
    }
    REQUIRE(sender != nullptr);
    const double rate = sender->find("sent_bytes_per_second")->as_double();
    CHECK(rate > 0);
    CHECK(rate <= kBurst / 2.0 + 1);  // the interval was at least 2 s
    CHECK(conns[2].find("sent_bytes_per_second")->as_double() == 0);
    CHECK(conns[2].find("received_bytes_per_second")->as_double() == 0);
  }
}
