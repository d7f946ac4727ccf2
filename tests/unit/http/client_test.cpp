// http::Client against the project's own Server on 127.0.0.1:0 and against a
// hostile server run in a thread of the test (slow, truncated, oversized,
// garbage, lying framing). Every hostile case bounds the time it may take.
#include "http/client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "http/server.h"
#include "net/event_loop.h"
#include "net/socket.h"

namespace sigma::http {
namespace {

net::SocketAddress loopback_any_port() {
  net::SocketAddress address;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::memcpy(&address.storage, &sin, sizeof(sin));
  address.length = sizeof(sin);
  return address;
}

uint16_t port_of(int fd) {
  auto local = net::local_address(fd);
  REQUIRE(local.is_ok());
  return ntohs(reinterpret_cast<const sockaddr_in*>(&local->storage)->sin_port);
}

net::HostPort loopback(uint16_t port) {
  net::HostPort server;
  server.host = "127.0.0.1";
  server.port = port;
  return server;
}

// The project's own server: echoes the request, answers "/redirect" with a
// 302 and "/big" with a body of 5000 bytes.
class OwnServer {
 public:
  OwnServer() {
    auto loop = net::EventLoop::create();
    REQUIRE(loop.is_ok());
    loop_ = std::move(loop.value());
    auto listener = net::listen_tcp(loopback_any_port());
    REQUIRE(listener.is_ok());
    port_ = port_of(listener->get());
    auto head = [](const Request&) -> std::optional<Response> { return std::nullopt; };
    auto handler = [](Request&& request, Respond respond) {
      Response r;
      r.content_type = "text/plain";
      if (request.target == "/redirect") {
        r.status = 302;
        r.headers.emplace_back("Location", "/elsewhere");
        r.body = "moved";
      } else if (request.target == "/big") {
        r.body = std::string(5000, 'b');
      } else {
        const std::string* auth = request.header("authorization");
        r.body = request.method + " " + request.target + " " + request.body + " auth=" + (auth ? *auth : "-");
      }
      respond(std::move(r));
    };
    auto server = Server::create(*loop_, std::move(listener.value()), ServerOptions(), head, handler);
    REQUIRE(server.is_ok());
    server_ = std::move(server.value());
    thread_ = std::thread([this] { loop_->run(); });
  }
  ~OwnServer() {
    loop_->stop();
    thread_.join();
    server_.reset();
  }
  OwnServer(const OwnServer&) = delete;
  OwnServer& operator=(const OwnServer&) = delete;
  uint16_t port() const { return port_; }

 private:
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

// What the hostile server does after it has read the request head.
enum class Ending { kClose, kReset, kStall };

// Accepts one connection, reads the request head, writes `reply` (after
// `delay_ms`), then closes, resets, or stalls until the client hangs up (at
// most 5 s).
class HostileServer {
 public:
  HostileServer(std::string reply, Ending ending, int delay_ms = 0) {
    auto listener = net::listen_tcp(loopback_any_port());
    REQUIRE(listener.is_ok());
    listen_fd_ = std::move(listener.value());
    port_ = port_of(listen_fd_.get());
    thread_ = std::thread([this, reply = std::move(reply), ending, delay_ms] { serve(reply, ending, delay_ms); });
  }
  ~HostileServer() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;
  uint16_t port() const { return port_; }
  // Waits for the exchange to end and returns the bytes the client sent.
  std::string take_request() {
    thread_.join();
    return request_;
  }

 private:
  static bool wait(int fd, short events, int ms) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, ms) > 0;
  }

  void serve(const std::string& reply, Ending ending, int delay_ms) {
    if (!wait(listen_fd_.get(), POLLIN, 5000)) {
      return;
    }
    UniqueFd conn = net::accept_connection(listen_fd_.get(), nullptr);
    if (!conn.is_valid()) {
      return;
    }
    int64_t until = monotonic_ms() + 5000;
    while (request_.find("\r\n\r\n") == std::string::npos && monotonic_ms() < until) {
      if (!wait(conn.get(), POLLIN, 100)) {
        continue;
      }
      char buf[4096];
      ssize_t n = ::recv(conn.get(), buf, sizeof(buf), 0);
      if (n <= 0) {
        break;
      }
      request_.append(buf, static_cast<size_t>(n));
    }
    if (delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
    size_t off = 0;
    while (off < reply.size() && wait(conn.get(), POLLOUT, 2000)) {
      ssize_t n = ::send(conn.get(), reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        break;
      }
      off += static_cast<size_t>(n);
    }
    if (ending == Ending::kReset) {
      linger l{1, 0};  // close with RST
      setsockopt(conn.get(), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    } else if (ending == Ending::kStall) {
      char buf[256];
      int64_t stall_until = monotonic_ms() + 5000;
      while (monotonic_ms() < stall_until) {
        if (wait(conn.get(), POLLIN, 50) && ::recv(conn.get(), buf, sizeof(buf), 0) <= 0) {
          break;  // the client hung up
        }
      }
    }
  }

  UniqueFd listen_fd_;
  uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

Result<ClientResponse> send_to(uint16_t port, const ClientRequest& request, int64_t timeout_ms = 2000,
                               ClientOptions options = ClientOptions()) {
  Client client(options);
  return client.send(loopback(port), request, monotonic_ms() + timeout_ms);
}

Result<ClientResponse> get_from_hostile(const std::string& reply, Ending ending, ClientOptions options = ClientOptions(),
                                        int64_t timeout_ms = 2000) {
  HostileServer server(reply, ending);
  ClientRequest request;
  request.target = "/x";
  request.headers.emplace_back("Authorization", "Bearer s3cret-token-value");
  return send_to(server.port(), request, timeout_ms, options);
}

TEST_CASE("the client gets a response from the project's own server") {
  OwnServer server;
  ClientRequest request;
  request.method = "POST";
  request.target = "/echo?q=1";
  request.body = "{\"a\":1}";
  request.headers.emplace_back("Authorization", "Bearer abc");
  auto r = send_to(server.port(), request);
  REQUIRE_MESSAGE(r.is_ok(), r.error());
  CHECK(r->status == 200);
  CHECK(r->body == "POST /echo?q=1 {\"a\":1} auth=Bearer abc");
  REQUIRE(r->header("content-type") != nullptr);
  CHECK(*r->header("Content-Type") == "text/plain");

  request.target = "/big";
  auto big = send_to(server.port(), request);
  REQUIRE(big.is_ok());
  CHECK(big->body == std::string(5000, 'b'));
}

TEST_CASE("a redirect is returned as it came, not followed") {
  OwnServer server;
  ClientRequest request;
  request.target = "/redirect";
  auto r = send_to(server.port(), request);
  REQUIRE(r.is_ok());
  CHECK(r->status == 302);
  REQUIRE(r->header("location") != nullptr);
  CHECK(*r->header("location") == "/elsewhere");
  CHECK(r->body == "moved");
}

TEST_CASE("a parsed base URL gives the server and the path prefix") {
  OwnServer server;
  auto url = net::parse_http_url("http://127.0.0.1:" + std::to_string(server.port()) + "/sigma/");
  REQUIRE(url.is_ok());
  ClientRequest request;
  request.target = "/agent/register";
  auto r = Client().send(*url, request, monotonic_ms() + 2000);
  REQUIRE_MESSAGE(r.is_ok(), r.error());
  CHECK(r->body == "GET /sigma/agent/register  auth=-");
}

TEST_CASE("the client sends Host, Content-Length and Connection: close itself") {
  HostileServer server("HTTP/1.1 204 No Content\r\n\r\n", Ending::kClose);
  ClientRequest request;
  request.method = "PUT";
  request.target = "/p";
  request.headers.emplace_back("X-Trace", "7");
  auto r = send_to(server.port(), request);
  REQUIRE_MESSAGE(r.is_ok(), r.error());
  CHECK(r->status == 204);
  CHECK(r->body.empty());
  CHECK(server.take_request() == "PUT /p HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                                     "\r\nX-Trace: 7\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

TEST_CASE("chunked, close-delimited and interim responses are read whole") {
  SUBCASE("chunked") {
    auto r = get_from_hostile("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
                              Ending::kClose);
    REQUIRE_MESSAGE(r.is_ok(), r.error());
    CHECK(r->body == "abcde");
  }
  SUBCASE("until close") {
    auto r = get_from_hostile("HTTP/1.1 200 OK\r\n\r\nall of it", Ending::kClose);
    REQUIRE_MESSAGE(r.is_ok(), r.error());
    CHECK(r->body == "all of it");
  }
  SUBCASE("a 100 Continue before the final response") {
    auto r = get_from_hostile("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                              Ending::kClose);
    REQUIRE_MESSAGE(r.is_ok(), r.error());
    CHECK(r->status == 200);
    CHECK(r->body == "ok");
  }
  SUBCASE("bytes after the Content-Length body are ignored") {
    auto r = get_from_hostile("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", Ending::kClose);
    REQUIRE(r.is_ok());
    CHECK(r->body == "ok");
  }
}

TEST_CASE("a server that stalls past the deadline gives a deadline error in bounded time") {
  const int64_t start = monotonic_ms();
  auto r = get_from_hostile("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Ending::kStall, ClientOptions(), 300);
  const int64_t elapsed = monotonic_ms() - start;
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().is_deadline_exceeded());
  CHECK(r.status().is_retryable());
  CHECK(elapsed >= 290);
  CHECK(elapsed < 2000);
}

TEST_CASE("a readable cancel descriptor abandons the exchange as cancelled, not at its deadline") {
  HostileServer server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Ending::kStall);
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  REQUIRE(::write(write_end.get(), "x", 1) == 1);
  ClientRequest request;
  request.target = "/x";
  SendControl control;
  control.cancel_fd = read_end.get();
  // A 60 s deadline: only the cancel can end this within the test.
  auto r = Client().send(loopback(server.port()), request, monotonic_ms() + 60000, control);
  REQUIRE_FALSE(r.is_ok());
  CHECK_FALSE(r.status().is_deadline_exceeded());
  CHECK(r.status().is_retryable());
  CHECK(r.error().find("cancelled") != std::string::npos);
}

TEST_CASE("the connect deadline of SendControl does not shorten the exchange after the connect") {
  HostileServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Ending::kClose, 300);
  ClientRequest request;
  request.target = "/x";
  SendControl control;
  control.connect_deadline_ms = monotonic_ms() + 100;  // passes while the server delays its answer
  auto r = Client().send(loopback(server.port()), request, monotonic_ms() + 5000, control);
  REQUIRE(r.is_ok());
  CHECK(r->body == "ok");
}

TEST_CASE("a server that stalls before the head gives a deadline error") {
  auto r = get_from_hostile("", Ending::kStall, ClientOptions(), 200);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().is_deadline_exceeded());
}

TEST_CASE("hostile responses fail with the right retry verdict and never echo the token") {
  ClientOptions small;
  small.max_response_bytes = 1024;
  struct Row {
    const char* name;
    std::string reply;
    Ending ending;
    bool retryable;
    ClientOptions options;
  };
  const std::vector<Row> rows = {
      {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde", Ending::kClose, true, ClientOptions()},
      {"truncated head", "HTTP/1.1 200 OK\r\nContent-Le", Ending::kClose, true, ClientOptions()},
      {"closed without a byte", "", Ending::kClose, true, ClientOptions()},
      {"reset", "HTTP/1.1 200 OK\r\n", Ending::kReset, true, ClientOptions()},
      {"truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", Ending::kClose, true,
       ClientOptions()},
      {"oversized headers", "HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'v') + "\r\n\r\n", Ending::kClose, false,
       ClientOptions()},
      {"garbage status line", "SSH-2.0-OpenSSH_9.6\r\n", Ending::kStall, false, ClientOptions()},
      {"Content-Length of 2^63", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", Ending::kStall,
       false, ClientOptions()},
      {"chunked with a bad size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
       Ending::kStall, false, ClientOptions()},
      {"Content-Length over the limit", "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'),
       Ending::kClose, false, small},
      {"chunked body over the limit",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + std::string(2000, 'x') + "\r\n0\r\n\r\n",
       Ending::kClose, false, small},
      {"close-delimited body over the limit", "HTTP/1.1 200 OK\r\n\r\n" + std::string(2000, 'x'), Ending::kClose,
       false, small},
      {"101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", Ending::kStall, false,
       ClientOptions()},
  };
  for (const Row& row : rows) {
    SUBCASE(row.name) {
      const int64_t start = monotonic_ms();
      auto r = get_from_hostile(row.reply, row.ending, row.options);
      REQUIRE_FALSE(r.is_ok());
      INFO(r.error());
      CHECK(r.status().is_retryable() == row.retryable);
      CHECK_FALSE(r.status().is_deadline_exceeded());
      CHECK(r.error().rfind("GET http://127.0.0.1:", 0) == 0);
      CHECK(r.error().find("s3cret") == std::string::npos);
      CHECK(monotonic_ms() - start < 1500);
    }
  }
}

TEST_CASE("a refused connection is retryable") {
  uint16_t port = 0;
  {
    auto listener = net::listen_tcp(loopback_any_port());
    REQUIRE(listener.is_ok());
    port = port_of(listener->get());
  }
  auto r = send_to(port, ClientRequest());
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().is_retryable());
  CHECK_FALSE(r.status().is_deadline_exceeded());
  CHECK(r.error().find("Connection refused") != std::string::npos);
}

TEST_CASE("a deadline already past fails at once without connecting") {
  OwnServer server;
  auto r = Client().send(loopback(server.port()), ClientRequest(), monotonic_ms() - 1);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().is_deadline_exceeded());
}

TEST_CASE("an invalid request is refused before connecting, without its header values") {
  struct Row {
    const char* name;
    ClientRequest request;
  };
  std::vector<Row> rows(5);
  rows[0].name = "CRLF in a header value";
  rows[0].request.headers.emplace_back("Authorization", "Bearer s3cret\r\nX-Injected: 1");
  rows[1].name = "a Host header of the caller";
  rows[1].request.headers.emplace_back("Host", "s3cret");
  rows[2].name = "a space in the target";
  rows[2].request.target = "/a b";
  rows[3].name = "a target that is not origin-form";
  rows[3].request.target = "http://x/";
  rows[4].name = "a method that is not a token";
  rows[4].request.method = "GE T";
  for (const Row& row : rows) {
    SUBCASE(row.name) {
      // Port 1 on loopback: nothing listens, so reaching connect would be a
      // refusal (retryable); an invalid request is refused first (kError).
      auto r = send_to(1, row.request);
      REQUIRE_FALSE(r.is_ok());
      CHECK_FALSE(r.status().is_retryable());
      CHECK(r.error().find("s3cret") == std::string::npos);
    }
  }
}

TEST_CASE("a query is left out of error messages") {
  ClientRequest request;
  request.target = "/x?token=s3cret";
  auto r = send_to(1, request);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error().find("s3cret") == std::string::npos);
  CHECK(r.error().find("/x") != std::string::npos);
}

}  // namespace
}  // namespace sigma::http
