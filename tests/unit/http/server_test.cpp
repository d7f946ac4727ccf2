// HTTP server against a real EventLoop on 127.0.0.1:0, driven by raw sockets.
// Every error case ends by checking that a fresh connection still gets 200.
#include "http/server.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "net/event_loop.h"
#include "net/socket.h"

namespace sigma::http {
namespace {

net::SocketAddress loopback_any_port() {
  net::SocketAddress address;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = 0;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::memcpy(&address.storage, &sin, sizeof(sin));
  address.length = sizeof(sin);
  return address;
}

// A request parked by the handler until the test releases it.
struct Held {
  std::atomic<int> count{0};
  Respond respond;  // loop thread only
  std::shared_ptr<const std::atomic<bool>> connection_gone;  // set before count
  std::function<bool(std::string_view, bool)> stream_write;  // set before count
};

// Echoes "METHOD TARGET BODY". Target "/slow" answers after 100 ms (from a
// loop timer), "/close" asks to close, "/never" never answers, "/held" waits
// in `held` until the test answers it.
RequestHandler echo_handler(net::EventLoop& loop, Held& held) {
  return [&loop, &held](Request&& request, Respond respond) {
    Response r;
    r.content_type = "text/plain";
    r.body = request.method + " " + request.target + " " + request.body;
    if (request.target == "/never") {
      return;
    }
    if (request.target == "/held") {
      held.respond = std::move(respond);
      held.connection_gone = request.connection_gone;
      held.stream_write = std::move(request.stream_write);
      held.count++;
      return;
    }
    if (request.target == "/close") {
      r.close = true;
    }
    if (request.target == "/slow") {
      loop.add_timer(100, [respond, r]() mutable { respond(std::move(r)); });
      return;
    }
    respond(std::move(r));
  };
}

// Refuses "/denied" before the body with 401; accepts everything else.
HeadHandler default_head_handler() {
  return [](const Request& request) -> std::optional<Response> {
    if (request.target.rfind("/denied", 0) == 0) {
      Response r;
      r.status = 401;
      r.body = "no";
      return r;
    }
    return std::nullopt;
  };
}

class TestServer {
 public:
  explicit TestServer(ServerOptions options = ServerOptions(), HeadHandler head = default_head_handler()) {
    auto loop = net::EventLoop::create();
    REQUIRE(loop.is_ok());
    loop_ = std::move(loop.value());
    auto listener = net::listen_tcp(loopback_any_port());
    REQUIRE(listener.is_ok());
    auto local = net::local_address(listener->get());
    REQUIRE(local.is_ok());
    port_ = ntohs(reinterpret_cast<const sockaddr_in*>(&local->storage)->sin_port);
    auto server = Server::create(*loop_, std::move(listener.value()), options, std::move(head), echo_handler(*loop_, held_));
    REQUIRE(server.is_ok());
    server_ = std::move(server.value());
    thread_ = std::thread([this] { loop_->run(); });
  }
  ~TestServer() {
    loop_->stop();
    thread_.join();
    server_.reset();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  net::EventLoop& loop() { return *loop_; }

  // Runs fn on the loop thread and waits for it.
  template <typename Fn>
  auto on_loop(Fn fn) -> decltype(fn(std::declval<Server&>())) {
    using R = decltype(fn(std::declval<Server&>()));
    std::promise<R> done;
    auto future = done.get_future();
    loop_->post([&] { done.set_value(fn(*server_)); });
    return future.get();
  }

  // Waits until a "/held" request reached the handler, then answers it.
  void release_held(Response response) {
    int64_t deadline = monotonic_ms() + 5000;
    while (held_.count == 0 && monotonic_ms() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(held_.count == 1);
    on_loop([&](Server&) {
      held_.respond(std::move(response));
      return 0;
    });
  }

  int held_count() const { return held_.count; }

  // Once a "/held" request is held: starts a streamed response to it.
  void begin_held_stream() {
    held_connection_gone();
    on_loop([&](Server&) {
      Response head;
      head.stream = true;
      head.content_type = "text/event-stream";
      held_.respond(std::move(head));
      return 0;
    });
  }
  // Writes a piece of the held request's streamed body on the loop thread.
  bool write_held(std::string bytes, bool last) {
    return on_loop([&](Server&) { return held_.stream_write(bytes, last); });
  }
  // The held request's connection_gone flag, once it has been held.
  std::shared_ptr<const std::atomic<bool>> held_connection_gone() {
    int64_t deadline = monotonic_ms() + 5000;
    while (held_.count == 0 && monotonic_ms() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(held_.count == 1);
    return held_.connection_gone;
  }

  size_t connection_count() {
    return on_loop([](Server& s) { return s.connection_count(); });
  }

 private:
  Held held_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{};
    tv.tv_sec = 5;
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0);
  }
  ~Client() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return;  // the server may have closed; the read tells the story
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads one response (head + Content-Length body). status 0 = EOF/timeout.
  struct Reply {
    int status = 0;
    std::string head;
    std::string body;
    bool has(std::string_view line) const { return head.find(line) != std::string::npos; }
  };
  Reply read_response() {
    Reply reply;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        return reply;
      }
    }
    reply.head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    if (reply.head.size() >= 12) {
      reply.status = std::atoi(reply.head.c_str() + 9);
    }
    size_t length = 0;
    size_t cl = reply.head.find("Content-Length: ");
    if (cl != std::string::npos) {
      length = static_cast<size_t>(std::atoll(reply.head.c_str() + cl + 16));
    }
    while (buffer_.size() < length) {
      if (!fill()) {
        return Reply();
      }
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  // True when the server closed the connection (EOF or reset) with no more data.
  bool closed_by_server() {
    if (!buffer_.empty()) {
      return false;
    }
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  // Whether anything (data or EOF) arrives within timeout_ms.
  bool readable_within(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
  }

  int fd() const { return fd_; }

 private:
  bool fill() {
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) + "\r\n";
}

// A fresh connection is served normally.
void check_still_serving(TestServer& server) {
  Client c(server.port());
  c.send(get("/alive"));
  Client::Reply r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "GET /alive ");
}

TEST_CASE("a persistent connection serves several requests") {
  TestServer server;
  Client c(server.port());
  for (int i = 0; i < 3; ++i) {
    c.send(get("/n" + std::to_string(i)));
    Client::Reply r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "GET /n" + std::to_string(i) + " ");
    CHECK(r.has("Content-Type: text/plain\r\n"));
    CHECK_FALSE(r.has("Connection:"));
  }
  CHECK(server.connection_count() == 1);
}

TEST_CASE("pipelined requests are answered in order even when the first is slow") {
  TestServer server;
  Client c(server.port());
  c.send(get("/slow") + get("/fast") + "POST /post HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + get("/last"));
  CHECK(c.read_response().body == "GET /slow ");
  CHECK(c.read_response().body == "GET /fast ");
  CHECK(c.read_response().body == "POST /post abc");
  CHECK(c.read_response().body == "GET /last ");
}

TEST_CASE("a request trickled one byte at a time is served") {
  TestServer server;
  Client c(server.port());
  std::string request = "POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody";
  for (char ch : request) {
    c.send(std::string_view(&ch, 1));
  }
  Client::Reply r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "POST /t body");
}

TEST_CASE("chunked request bodies reach the handler decoded") {
  TestServer server;
  Client c(server.port());
  c.send("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n");
  Client::Reply r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "POST /c abcde");
  c.send(get("/after"));
  CHECK(c.read_response().body == "GET /after ");
}

TEST_CASE("HTTP/1.0 closes by default and persists with keep-alive") {
  TestServer server;
  {
    Client c(server.port());
    c.send("GET /old HTTP/1.0\r\n\r\n");
    Client::Reply r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.has("Connection: close\r\n"));
    CHECK(c.closed_by_server());
  }
  {
    Client c(server.port());
    c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Client::Reply r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.has("Connection: keep-alive\r\n"));
    c.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(c.read_response().body == "GET /b ");
  }
}

TEST_CASE("Connection: close from the client or the handler ends the connection") {
  TestServer server;
  {
    Client c(server.port());
    c.send(get("/x", "Connection: close\r\n"));
    Client::Reply r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.has("Connection: close\r\n"));
    CHECK(c.closed_by_server());
  }
  {
    Client c(server.port());
    c.send(get("/close") + get("/ignored"));
    Client::Reply r = c.read_response();
    CHECK(r.has("Connection: close\r\n"));
    CHECK(c.closed_by_server());
  }
  check_still_serving(server);
}

TEST_CASE("Expect: 100-continue gets 100 before the body is sent") {
  TestServer server;
  Client c(server.port());
  c.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  Client::Reply interim = c.read_response();
  CHECK(interim.status == 100);
  CHECK(interim.head == "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("hello");
  Client::Reply r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "POST /up hello");
}

TEST_CASE("no 100 Continue when the body already arrived with the head") {
  TestServer server;
  Client c(server.port());
  c.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello");
  Client::Reply r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "POST /up hello");
}

TEST_CASE("a head refused by the head handler gets no 100 and its body is never read") {
  TestServer server;
  Client c(server.port());
  c.send("POST /denied HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
  Client::Reply r = c.read_response();
  CHECK(r.status == 401);
  CHECK(r.has("Connection: close\r\n"));
  CHECK(c.closed_by_server());
  check_still_serving(server);
}

TEST_CASE("a small body after an early answer is drained and the connection kept") {
  TestServer server;
  Client c(server.port());
  c.send("POST /denied HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + get("/next"));
  Client::Reply r = c.read_response();
  CHECK(r.status == 401);
  CHECK_FALSE(r.has("Connection: close"));
  CHECK(c.read_response().body == "GET /next ");
}

TEST_CASE("a refused request whose body is still on its way is answered and closed, never read") {
  TestServer server;
  Client c(server.port());
  c.send("POST /denied HTTP/1.1\r\nHost: a\r\nContent-Length: 60000\r\n\r\nh");
  const int64_t start = monotonic_ms();
  Client::Reply r = c.read_response();
  CHECK(r.status == 401);
  CHECK(r.has("Connection: close\r\n"));
  // Trickling the rest keeps nothing open: the server is gone within its
  // bounded linger, however the client paces its bytes.
  bool closed = false;
  while (!closed && monotonic_ms() - start < 5000) {
    c.send("e");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    closed = server.connection_count() == 0;
  }
  CHECK(closed);
  check_still_serving(server);
}

struct ErrorCase {
  const char* name;
  std::string request;
  int status;
};

TEST_CASE("protocol errors get their status, Connection: close, and the server keeps serving") {
  ServerOptions options;
  options.max_body_bytes = 1000;
  options.max_target_bytes = 100;
  options.max_header_bytes = 2048;
  TestServer server(options);
  std::vector<ErrorCase> table = {
      {"malformed request line", "GARBAGE\r\n\r\n", 400},
      {"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400},
      {"Content-Length with Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400},
      {"body too large by Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", 413},
      {"chunked body too large", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n", 413},
      {"bad chunk framing", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"target too long", get("/" + std::string(200, 'a')), 414},
      {"header block too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(3000, 'v'), 431},
      {"unsupported transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
      {"unknown expectation", get("/", "Expect: 200-ok\r\n"), 417},
      {"TLS handshake bytes", std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11), 400},
  };
  for (const ErrorCase& k : table) {
    SUBCASE(k.name) {
      {
        Client c(server.port());
        c.send(k.request);
        Client::Reply r = c.read_response();
        CHECK(r.status == k.status);
        CHECK(r.has("Connection: close\r\n"));
        CHECK(r.has("Content-Type: text/plain; charset=utf-8\r\n"));
        CHECK(r.body.rfind(std::to_string(k.status) + " ", 0) == 0);
        CHECK(c.closed_by_server());
      }
      check_still_serving(server);
    }
  }
}

TEST_CASE("an error answer reaches a client still sending its body") {
  ServerOptions options;
  options.max_body_bytes = 1000;
  TestServer server(options);
  Client c(server.port());
  // A chunk larger than the limit: 413 while the client keeps writing data
  // the server will never use; the linger must keep the answer from a reset.
  c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n");
  c.send(std::string(64 * 1024, 'x'));
  Client::Reply r = c.read_response();
  CHECK(r.status == 413);
  check_still_serving(server);
}

TEST_CASE("connections beyond max_connections get 503 and accepting resumes afterwards") {
  ServerOptions options;
  options.max_connections = 2;
  TestServer server(options);
  auto a = std::make_unique<Client>(server.port());
  Client b(server.port());
  a->send(get("/a"));
  CHECK(a->read_response().status == 200);
  b.send(get("/b"));
  CHECK(b.read_response().status == 200);
  {
    Client c(server.port());
    Client::Reply r = c.read_response();
    CHECK(r.status == 503);
    CHECK(r.has("Connection: close\r\n"));
    CHECK(c.closed_by_server());
  }
  CHECK(server.connection_count() == 2);
  a.reset();
  int64_t deadline = monotonic_ms() + 3000;
  while (server.connection_count() != 1 && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(server.connection_count() == 1);
  check_still_serving(server);
}

TEST_CASE("an incomplete head past the header timeout gets 408") {
  ServerOptions options;
  options.header_timeout_ms = 200;
  TestServer server(options);
  Client c(server.port());
  int64_t start = monotonic_ms();
  c.send("GET / HTTP/1.1\r\nHost: a\r\n");
  Client::Reply r = c.read_response();
  CHECK(r.status == 408);
  CHECK(r.has("Connection: close\r\n"));
  CHECK(monotonic_ms() - start >= 150);
  CHECK(c.closed_by_server());
  check_still_serving(server);
}

TEST_CASE("a new connection that sends nothing is closed silently at the header timeout") {
  ServerOptions options;
  options.header_timeout_ms = 200;
  TestServer server(options);
  Client c(server.port());
  CHECK(c.readable_within(3000));
  CHECK(c.closed_by_server());
  check_still_serving(server);
}

TEST_CASE("a stalled body gets 408") {
  ServerOptions options;
  options.header_timeout_ms = 200;
  TestServer server(options);
  Client c(server.port());
  c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
  Client::Reply r = c.read_response();
  CHECK(r.status == 408);
  CHECK(c.closed_by_server());
}

TEST_CASE("an idle persistent connection is closed silently after the idle timeout") {
  ServerOptions options;
  options.idle_timeout_ms = 200;
  options.header_timeout_ms = 5000;
  TestServer server(options);
  Client c(server.port());
  c.send(get("/once"));
  CHECK(c.read_response().status == 200);
  int64_t start = monotonic_ms();
  CHECK(c.readable_within(3000));
  CHECK(c.closed_by_server());
  CHECK(monotonic_ms() - start >= 150);
}

TEST_CASE("a response after the client vanished is dropped without harm") {
  TestServer server;
  {
    Client c(server.port());
    c.send(get("/slow"));
  }  // closed before the 100 ms answer
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  check_still_serving(server);
  int64_t deadline = monotonic_ms() + 3000;
  while (server.connection_count() != 0 && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(server.connection_count() == 0);
}

TEST_CASE("a request's connection_gone flag turns true when its client goes away mid-handling") {
  TestServer server;
  std::shared_ptr<const std::atomic<bool>> gone;
  {
    Client c(server.port());
    c.send(get("/held"));
    gone = server.held_connection_gone();
    REQUIRE(gone.get() != nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(gone->load());  // waiting for the answer is not going away
  }  // the client closes
  int64_t deadline = monotonic_ms() + 3000;
  while (!gone->load() && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(gone->load());
  server.release_held(Response());  // an answer for nobody is dropped
  check_still_serving(server);
}

TEST_CASE("a streamed response sends its head at once, each piece as written, and closes after the last") {
  TestServer server;
  Client c(server.port());
  c.send(get("/held"));
  // Before the stream begins nothing may be written through it.
  server.held_connection_gone();
  CHECK_FALSE(server.write_held("early", false));
  server.begin_held_stream();
  Client::Reply head = c.read_response();
  CHECK(head.status == 200);
  CHECK(head.has("Content-Type: text/event-stream\r\n"));
  CHECK(head.has("Connection: close\r\n"));
  CHECK_FALSE(head.has("Content-Length"));
  CHECK(server.write_held("event: message\ndata: {}\n\n", false));
  char buffer[64] = {};
  ssize_t n = ::recv(c.fd(), buffer, sizeof(buffer), 0);
  CHECK(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0) == "event: message\ndata: {}\n\n");
  CHECK(server.write_held("last\n\n", true));
  n = ::recv(c.fd(), buffer, sizeof(buffer), 0);
  CHECK(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0) == "last\n\n");
  CHECK(c.closed_by_server());
  // The stream is over: later pieces write nothing.
  CHECK_FALSE(server.write_held("after", false));
  check_still_serving(server);
}

TEST_CASE("a client that disconnects mid-stream marks the request gone and nothing more is written") {
  TestServer server;
  std::shared_ptr<const std::atomic<bool>> gone;
  {
    Client c(server.port());
    c.send(get("/held"));
    gone = server.held_connection_gone();
    server.begin_held_stream();
    CHECK(c.read_response().status == 200);
    CHECK(server.write_held("one\n\n", false));
    CHECK_FALSE(gone->load());
  }  // the client closes mid-stream
  int64_t deadline = monotonic_ms() + 3000;
  while (!gone->load() && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(gone->load());
  CHECK_FALSE(server.write_held("two\n\n", false));
  CHECK_FALSE(server.write_held("end\n\n", true));
  deadline = monotonic_ms() + 3000;
  while (server.connection_count() != 0 && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(server.connection_count() == 0);
  check_still_serving(server);
}

TEST_CASE("a half-closed client still gets its answer") {
  TestServer server;
  Client c(server.port());
  c.send(get("/slow") + get("/second"));
  ::shutdown(c.fd(), SHUT_WR);
  CHECK(c.read_response().body == "GET /slow ");
  CHECK(c.read_response().body == "GET /second ");
  CHECK(c.closed_by_server());
}

TEST_CASE("HEAD answers carry the length but no body") {
  TestServer server;
  Client c(server.port());
  c.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n" + get("/g"));
  Client::Reply head = c.read_response();  // reads Content-Length bytes: must be the next response's
  CHECK(head.status == 200);
  CHECK(head.has("Content-Length: 8\r\n"));
  CHECK(head.body.rfind("HTTP/1.1", 0) == 0);
}

TEST_CASE("garbage on one connection does not disturb another in progress") {
  TestServer server;
  Client good(server.port());
  good.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nhal");
  {
    Client bad(server.port());
    bad.send(std::string("\0\xff\r\n\r\n\r\n", 8));
    CHECK(bad.read_response().status == 400);
  }
  good.send("f!!");
  CHECK(good.read_response().body == "POST /p half!!");
}

TEST_CASE("shutdown closes idle connections, finishes in-flight ones, then reports drained") {
  TestServer server;
  Client idle(server.port());
  idle.send(get("/i"));
  CHECK(idle.read_response().status == 200);
  auto busy = std::make_unique<Client>(server.port());
  busy->send(get("/held"));
  int64_t wait_until = monotonic_ms() + 5000;
  while (server.held_count() == 0 && monotonic_ms() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::atomic<bool> drained{false};
  server.on_loop([&](Server& s) {
    s.begin_shutdown([&] { drained = true; });
    return 0;
  });
  CHECK(idle.closed_by_server());
  CHECK_FALSE(drained);
  Response answer;
  answer.body = "late";
  server.release_held(answer);
  Client::Reply r = busy->read_response();
  CHECK(r.body == "late");
  CHECK(r.status == 200);
  CHECK(r.has("Connection: close\r\n"));
  CHECK(busy->closed_by_server());
  busy.reset();
  int64_t deadline = monotonic_ms() + 5000;
  while (!drained && monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(drained);
  CHECK(server.connection_count() == 0);
}

TEST_CASE("a slow reader stops being read once too much output is queued") {
  ServerOptions options;
  options.max_pipelined_output_bytes = 64 * 1024;
  TestServer server(options);
  Client c(server.port());
  // Each answer echoes a 4 KiB target: 2 MiB of output, well beyond the
  // 64 KiB output bound, while the client writes everything before reading.
  std::string batch;
  for (int i = 0; i < 500; ++i) {
    batch += get("/" + std::string(4000, 'p'));
  }
  // Send from a thread: the server stops reading, so a blocking send stalls.
  std::thread writer([&] { c.send(batch); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int answered = 0;
  while (answered < 500) {
    Client::Reply r = c.read_response();
    if (r.status != 200) {
      break;
    }
    ++answered;
  }
  writer.join();
  CHECK(answered == 500);
}

// A body whose bytes say where they are, so a lost, doubled or reordered
// piece shows up in the comparison.
std::string patterned_body(size_t length) {
  std::string body;
  body.reserve(length);
  for (size_t i = 0; body.size() < length; ++i) {
    body += std::to_string(i) + ",";
  }
  body.resize(length);
  return body;
}

TEST_CASE("bodies many times the input bound arrive whole and the pipelined request after them is served") {
  TestServer server;
  Client c(server.port());
  // 300 KiB by Content-Length and 200 KiB chunked: each takes many reads,
  // each read appended to what is left of the previous one.
  const std::string plain = patterned_body(300 * 1024);
  const std::string chunked = patterned_body(200 * 1024);
  std::string batch = "POST /plain HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(plain.size()) +
                      "\r\n\r\n" + plain;
  batch += "POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < chunked.size(); at += 7000) {
    std::string piece = chunked.substr(at, 7000);
    char size_line[32];
    std::snprintf(size_line, sizeof(size_line), "%zx\r\n", piece.size());
    batch += size_line + piece + "\r\n";
  }
  batch += "0\r\n\r\n" + get("/after");
  std::thread writer([&] { c.send(batch); });
  Client::Reply first = c.read_response();
  Client::Reply second = c.read_response();
  Client::Reply third = c.read_response();
  writer.join();
  CHECK(first.status == 200);
  CHECK(first.body == "POST /plain " + plain);
  CHECK(second.status == 200);
  CHECK(second.body == "POST /chunked " + chunked);
  CHECK(third.status == 200);
  CHECK(third.body == "GET /after ");
}

TEST_CASE("idle keep-alive connections give their buffers back") {
  TestServer server;
  constexpr size_t kConnections = 50;
  std::vector<std::unique_ptr<Client>> clients;
  const std::string body(100, 'b');
  for (size_t i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    clients.back()->send("POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + body);
    Client::Reply r = clients.back()->read_response();
    REQUIRE(r.status == 200);
    CHECK(r.body == "POST /mcp " + body);
  }
  // The answers were read, so their writes are done; the loop finishes the
  // event that wrote them before it runs the posted query.
  CHECK(server.connection_count() == kConnections);
  const size_t capacity = server.on_loop([](Server& s) { return s.buffered_capacity_bytes(); });
  CHECK(capacity < kConnections * 1024);

  // An answer larger than an idle connection may keep as output buffer.
  Client big(server.port());
  const std::string target = "/" + std::string(8000, 't');
  big.send(get(target));
  Client::Reply r = big.read_response();
  REQUIRE(r.status == 200);
  CHECK(r.body == "GET " + target + " ");
  const size_t with_big = server.on_loop([](Server& s) { return s.buffered_capacity_bytes(); });
  CHECK(with_big < capacity + 1024);

  // Still persistent and still serving after giving the buffers back.
  for (size_t i : {size_t{0}, kConnections / 2, kConnections - 1}) {
    clients[i]->send(get("/again"));
    CHECK(clients[i]->read_response().body == "GET /again ");
  }
  big.send(get("/again"));
  CHECK(big.read_response().body == "GET /again ");
}

// Highest open fd number of this process.
int highest_open_fd() {
  int highest = 2;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return 1024;
  }
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    highest = fd > highest ? fd : highest;
  }
  closedir(dir);
  return highest;
}

TEST_CASE("out of file descriptors, new clients get 503 and service resumes when fds return") {
  // The server runs in a child process whose fd limit leaves room for only a
  // couple of connections; this process plays the clients.
  int port_pipe[2];
  REQUIRE(pipe(port_pipe) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(port_pipe[0]);
    alarm(30);  // never outlive a broken test
    log_set_level(LogLevel::kError);  // the expected accept warnings are noise here
    auto loop = net::EventLoop::create();
    auto listener = net::listen_tcp(loopback_any_port());
    if (!loop.is_ok() || !listener.is_ok()) {
      _exit(2);
    }
    auto local = net::local_address(listener->get());
    uint16_t port = ntohs(reinterpret_cast<const sockaddr_in*>(&local->storage)->sin_port);
    Held held;
    auto server = Server::create(*loop.value(), std::move(listener.value()), ServerOptions(), default_head_handler(),
                                 echo_handler(*loop.value(), held));
    if (!server.is_ok()) {
      _exit(3);
    }
    rlimit limit{};
    limit.rlim_cur = static_cast<rlim_t>(highest_open_fd() + 1 + 2);  // two spare fd numbers
    limit.rlim_max = 4096;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      _exit(4);
    }
    // Fill every lower hole so exactly two fd numbers remain free.
    const int highest = static_cast<int>(limit.rlim_cur) - 3;
    while (true) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0 || fd > highest) {
        if (fd >= 0) {
          ::close(fd);
        }
        break;
      }
    }
    ssize_t w = ::write(port_pipe[1], &port, sizeof(port));
    (void)w;
    loop.value()->run();
    _exit(0);
  }
  ::close(port_pipe[1]);
  uint16_t port = 0;
  REQUIRE(::read(port_pipe[0], &port, sizeof(port)) == static_cast<ssize_t>(sizeof(port)));
  ::close(port_pipe[0]);

  std::vector<std::unique_ptr<Client>> clients;
  int ok = 0;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<Client>(port));
    clients.back()->send(get("/fd"));
    Client::Reply r = clients.back()->read_response();
    ok += r.status == 200 ? 1 : 0;
    refused += r.status == 503 ? 1 : 0;
  }
  CHECK(ok >= 1);
  CHECK(refused >= 1);
  CHECK(ok + refused == 6);
  clients.clear();  // the server's fds come back as it sees the closes

  int64_t deadline = monotonic_ms() + 5000;
  int status = 0;
  while (monotonic_ms() < deadline) {
    Client c(port);
    c.send(get("/again"));
    status = c.read_response().status;
    if (status == 200) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(status == 200);
  kill(child, SIGKILL);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
}

TEST_CASE("path and authority of every request-target form") {
  struct Row {
    const char* target;
    const char* path;
    const char* authority;  // nullptr: not absolute-form
  };
  const Row rows[] = {
      {"/mcp", "/mcp", nullptr},
      {"/mcp?x=1", "/mcp", nullptr},
      {"*", "*", nullptr},
      {"http://127.0.0.1:9103/mcp", "/mcp", "127.0.0.1:9103"},
      {"HTTPS://Host/mcp?q=/x", "/mcp", "Host"},
      {"http://[::1]:9103/a/b", "/a/b", "[::1]:9103"},
      {"http://127.0.0.1:9103", "/", "127.0.0.1:9103"},
      {"http://127.0.0.1:9103?x", "/", "127.0.0.1:9103"},
      {"http:///mcp", "/mcp", ""},
      {"ftp://127.0.0.1/mcp", "", nullptr},
      {"urn:x", "", nullptr},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.target));
    Request request;
    request.target = row.target;
    CHECK(request.path() == row.path);
    if (row.authority == nullptr) {
      CHECK_FALSE(request.absolute_authority().has_value());
    } else {
      REQUIRE(request.absolute_authority().has_value());
      CHECK(*request.absolute_authority() == row.authority);
    }
  }
}

}  // namespace
}  // namespace sigma::http
