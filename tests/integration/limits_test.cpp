// Every limit and timeout of SPEC §9 against the real daemon: the status code
// it produces, and that the daemon still answers afterwards.
#include <unistd.h>

#include <memory>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "harness.h"

using namespace sigma::test;

namespace {

DaemonOptions small_limits() {
  DaemonOptions o;
  o.args = {"--http-max-header-bytes=2048", "--http-max-body-bytes=4096", "--http-header-timeout=1",
            "--http-idle-timeout=2", "--http-max-connections=8"};
  return o;
}

std::string post_head(size_t content_length) {
  return "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(content_length) + "\r\n\r\n";
}

}  // namespace

TEST_CASE("a body over the limit is 413, by Content-Length and by chunked size") {
  Daemon d(small_limits());
  REQUIRE(d.started());
  HttpResponse r = http_request(d.mcp_port(), post_head(5000));
  CHECK(r.status == 413);
  std::string chunk(3000, 'x');
  r = http_request(d.mcp_port(), "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\nbb8\r\n" + chunk + "\r\nbb8\r\n" + chunk + "\r\n0\r\n\r\n");
  CHECK(r.status == 413);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("a target over the limit is 414") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = http_request(d.mcp_port(), "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK(r.status == 414);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("a header block over the limit is 431") {
  Daemon d(small_limits());
  REQUIRE(d.started());
  HttpResponse r = http_request(d.mcp_port(), "POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(3000, 'b') +
                                                  "\r\nContent-Length: 0\r\n\r\n");
  CHECK(r.status == 431);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("a head that does not complete within the header timeout gets 408 and is closed") {
  Daemon d(small_limits());
  REQUIRE(d.started());
  Connection c(d.mcp_port());
  REQUIRE(c.send_all("POST /mcp HTTP/1.1\r\nHost: local"));
  HttpResponse r = c.read_response(4000);
  CHECK(r.status == 408);
  CHECK(c.wait_closed(2000));
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("a connection that sends nothing is closed silently at the header timeout") {
  Daemon d(small_limits());
  REQUIRE(d.started());
  Connection c(d.mcp_port());
  CHECK(c.wait_closed(4000));
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("a body that stalls is 408 after the timeout") {
  Daemon d(small_limits());
  REQUIRE(d.started());
  Connection c(d.mcp_port());
  REQUIRE(c.send_all(post_head(100) + "{\"jsonrpc\""));
  HttpResponse r = c.read_response(4000);
  CHECK(r.status == 408);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout") {
  Daemon d(small_limits());
  REQUIRE(d.started());
  Connection c(d.mcp_port());
  REQUIRE(c.send_all(mcp_request_bytes(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "", false)));
  REQUIRE(c.read_response().status == 200);
  // Still open before the idle timeout...
  CHECK_FALSE(c.wait_closed(1000));
  // ...and closed after it.
  CHECK(c.wait_closed(3000));
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("past the connection limit a new client gets 503 and the daemon recovers") {
  DaemonOptions o = small_limits();
  o.args.push_back("--http-header-timeout=10");
  Daemon d(o);
  REQUIRE(d.started());
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<Connection>(d.mcp_port()));
    REQUIRE(held.back()->is_open());
  }
  // Give the daemon time to accept all of them.
  usleep(200 * 1000);
  Connection extra(d.mcp_port());
  HttpResponse r = extra.read_response(3000);
  CHECK(r.status == 503);
  held.clear();
  usleep(200 * 1000);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("malformed requests get the right 4xx/5xx and the daemon keeps serving") {
  Daemon d({});
  REQUIRE(d.started());
  struct Case {
    const char* name;
    std::string raw;
    int status;
  };
  const std::vector<Case> cases = {
      {"bare LF", "POST /mcp HTTP/1.1\nHost: localhost\n\n", 400},
      {"bare CR in value", "POST /mcp HTTP/1.1\r\nHost: local\rhost\r\n\r\n", 400},
      {"obs-fold", "POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n  folded\r\n\r\n", 400},
      {"space before colon", "POST /mcp HTTP/1.1\r\nHost : localhost\r\n\r\n", 400},
      {"invalid header name", "POST /mcp HTTP/1.1\r\nHo(st: localhost\r\n\r\n", 400},
      {"NUL in value", std::string("POST /mcp HTTP/1.1\r\nHost: local\0host\r\n\r\n", 40), 400},
      {"missing Host", "POST /mcp HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400},
      {"repeated Host", "POST /mcp HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n", 400},
      {"CL and TE", "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"duplicate CL", "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400},
      {"malformed CL", "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2x\r\n\r\n{}", 400},
      {"unknown coding", "POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"HTTP/2.0", "POST /mcp HTTP/2.0\r\nHost: localhost\r\n\r\n", 505},
      {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    HttpResponse r = http_request(d.mcp_port(), c.raw, 3000);
    CHECK(r.status == c.status);
    CHECK(r.header("Connection").value_or("") == "close");
  }
  CHECK(daemon_answers(d.mcp_port()));
}
