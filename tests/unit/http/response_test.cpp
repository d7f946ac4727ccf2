// Response serialisation: status line, framing headers, header hygiene.
#include "http/response.h"

#include <doctest/doctest.h>

#include <string>

namespace sigma::http {
namespace {

std::string serialise(const Response& r, ConnectionHeader c = ConnectionHeader::kNone, bool omit_body = false) {
  std::string out;
  append_response(r, c, omit_body, out);
  return out;
}

TEST_CASE("a 200 response carries its reason phrase, type, length and body") {
  Response r;
  r.body = "{}";
  r.content_type = "application/json";
  r.headers.emplace_back("Mcp-Session-Id", "abc");
  CHECK(serialise(r) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: abc\r\nContent-Length: 2\r\n\r\n{}");
}

TEST_CASE("Content-Length is sent even for an empty body") {
  Response r;
  r.status = 404;
  CHECK(serialise(r) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("the Connection header follows the server's decision") {
  Response r;
  CHECK(serialise(r, ConnectionHeader::kClose).find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(serialise(r, ConnectionHeader::kKeepAlive).find("\r\nConnection: keep-alive\r\n") != std::string::npos);
  CHECK(serialise(r, ConnectionHeader::kNone).find("Connection:") == std::string::npos);
}

TEST_CASE("1xx, 204 and 304 carry no Content-Length and no body") {
  for (int status : {100, 204, 304}) {
    CAPTURE(status);
    Response r;
    r.status = status;
    r.body = "ignored";
    r.content_type = "text/plain";
    std::string out = serialise(r);
    CHECK(out.find("Content-Length") == std::string::npos);
    CHECK(out.find("ignored") == std::string::npos);
    CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
  }
}

TEST_CASE("a HEAD answer keeps the length but omits the body") {
  Response r;
  r.body = "12345";
  std::string out = serialise(r, ConnectionHeader::kNone, true);
  CHECK(out == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
}

TEST_CASE("handler headers that could split the response or reframe it are dropped") {
  Response r;
  r.headers.emplace_back("X-Ok", "fine");
  r.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: x");
  r.headers.emplace_back("X-Evil2\r\nA", "b");
  r.headers.emplace_back("Content-Length", "99");
  r.headers.emplace_back("transfer-encoding", "chunked");
  r.headers.emplace_back("Connection", "keep-alive");
  r.headers.emplace_back("Bad Name", "v");
  r.headers.emplace_back("", "v");
  std::string out = serialise(r);
  CHECK(out == "HTTP/1.1 200 OK\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("unknown and invalid status codes") {
  Response r;
  r.status = 599;
  CHECK(serialise(r).rfind("HTTP/1.1 599 \r\n", 0) == 0);
  r.status = 42;
  CHECK(serialise(r).rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
}

TEST_CASE("reason phrases of the statuses the server sends itself") {
  CHECK(reason_phrase(400) == "Bad Request");
  CHECK(reason_phrase(408) == "Request Timeout");
  CHECK(reason_phrase(413) == "Content Too Large");
  CHECK(reason_phrase(414) == "URI Too Long");
  CHECK(reason_phrase(417) == "Expectation Failed");
  CHECK(reason_phrase(431) == "Request Header Fields Too Large");
  CHECK(reason_phrase(501) == "Not Implemented");
  CHECK(reason_phrase(503) == "Service Unavailable");
  CHECK(reason_phrase(505) == "HTTP Version Not Supported");
}

TEST_CASE("error responses are short plain text and close") {
  Response r = error_response(431, "request header block too large");
  CHECK(r.status == 431);
  CHECK(r.close);
  CHECK(r.content_type == "text/plain; charset=utf-8");
  CHECK(r.body == "431 Request Header Fields Too Large: request header block too large\n");
}

}  // namespace
}  // namespace sigma::http
