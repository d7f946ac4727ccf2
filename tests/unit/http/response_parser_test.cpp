// Response-head parser (the client half): every case runs whole, byte by byte
// (growing prefixes with the resume hint) and ending at a PROT_NONE guard page.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../guard_page.h"
#include "http/parser.h"

namespace sigma::http {
namespace {

using namespace std::string_literals;

test::GuardPage& guarded() {
  static test::GuardPage area(64 * 1024);
  return area;
}

// 0 = complete, -1 = incomplete, otherwise the error status.
int verdict_of(const ParseResult& r) {
  if (r.state == ParseState::kComplete) {
    return 0;
  }
  if (r.state == ParseState::kIncomplete) {
    return -1;
  }
  return r.http_status;
}

ParseResult parse_whole(std::string_view input, const ResponseLimits& limits, ResponseHead& head) {
  return parse_response_head(guarded().place(input), 0, limits, head);
}

ParseResult parse_bytewise(std::string_view input, const ResponseLimits& limits) {
  ResponseHead head;
  size_t hint = 0;
  ParseResult r;
  for (size_t len = 1; len <= input.size(); ++len) {
    r = parse_response_head(guarded().place(input.substr(0, len)), hint, limits, head);
    if (r.state != ParseState::kIncomplete) {
      return r;
    }
    hint = len;
  }
  return r;
}

struct Case {
  const char* name;
  std::string input;
  int expected;
};

std::string many_fields(size_t count) {
  std::string s = "HTTP/1.1 200 OK\r\n";
  for (size_t i = 0; i < count; ++i) {
    s += "X-" + std::to_string(i) + ": v\r\n";
  }
  return s + "\r\n";
}

std::vector<Case> cases() {
  return {
      {"a 200 with Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0},
      {"HTTP/1.0", "HTTP/1.0 200 OK\r\n\r\n", 0},
      {"empty reason phrase with its SP", "HTTP/1.1 204 \r\n\r\n", 0},
      {"no reason phrase and no SP", "HTTP/1.1 204\r\n\r\n", 0},
      {"reason phrase with obs-text", "HTTP/1.1 200 d\xc3\xa9j\xc3\xa0\r\n\r\n", 0},
      {"identical repeated Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 0},
      {"64 fields", many_fields(64), 0},
      {"head without its blank line", "HTTP/1.1 200 OK\r\nA: b\r\n", -1},
      {"65 fields", many_fields(65), 502},
      {"garbage status line", "SSH-2.0-OpenSSH_9.6\r\n\r\n", 502},
      {"HTML instead of a head", "<html><body>hi</body></html>\r\n\r\n", 502},
      {"TLS alert bytes", "\x15\x03\x03\x00\x02\x02\x28"s, 502},
      {"lower-case version", "http/1.1 200 OK\r\n\r\n", 502},
      {"HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 502},
      {"HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", 502},
      {"two-digit status code", "HTTP/1.1 20 OK\r\n\r\n", 502},
      {"four-digit status code", "HTTP/1.1 2000 OK\r\n\r\n", 502},
      {"status code 099", "HTTP/1.1 099 X\r\n\r\n", 502},
      {"status code 600", "HTTP/1.1 600 X\r\n\r\n", 502},
      {"non-digit status code", "HTTP/1.1 2x0 OK\r\n\r\n", 502},
      {"two spaces before the code", "HTTP/1.1  200 OK\r\n\r\n", 502},
      {"obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 502},
      {"bare CR in a field", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 502},
      {"bare LF line endings", "HTTP/1.1 200 OK\nA: b\n\n", 502},
      {"NUL in a value", "HTTP/1.1 200 OK\r\nA: \0\r\n\r\n"s, 502},
      {"space before the colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", 502},
      {"non-digit Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 502},
      {"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 502},
      {"empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 502},
      {"Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n", 502},
      {"differing Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 502},
      {"Content-Length of 2^63", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", 502},
      {"Content-Length of 2^64", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", 502},
      {"Content-Length over the body limit", "HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n", 502},
      {"Content-Length with Transfer-Encoding",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 502},
      {"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 502},
      {"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 502},
      {"Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 502},
      {"endless field", "HTTP/1.1 200 OK\r\nX: " + std::string(17000, 'v'), 502},
  };
}

TEST_CASE("response heads get the same verdict whole and byte by byte") {
  const ResponseLimits limits;
  for (const Case& c : cases()) {
    SUBCASE(c.name) {
      ResponseHead head;
      ParseResult whole = parse_whole(c.input, limits, head);
      CHECK(verdict_of(whole) == c.expected);
      if (whole.state == ParseState::kError) {
        CHECK_FALSE(whole.reason.empty());
      }
      ParseResult split = parse_bytewise(c.input, limits);
      CHECK(verdict_of(split) == c.expected);
      CHECK(split.consumed == whole.consumed);
    }
  }
}

TEST_CASE("a complete response head gives its status, fields and body start") {
  const std::string input = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length:  5 \r\n\r\nhello";
  ResponseHead head;
  ParseResult r = parse_whole(input, ResponseLimits(), head);
  REQUIRE(r.state == ParseState::kComplete);
  CHECK(r.consumed == input.size() - 5);
  CHECK(head.status == 201);
  CHECK(head.minor_version == 1);
  CHECK(head.reason == "Created");
  CHECK(head.header_count == 2);
  REQUIRE(head.find("content-type") != nullptr);
  CHECK(head.find("content-type")->value == "text/plain");
  CHECK(head.count("Content-Length") == 1);
  CHECK(head.body == ResponseBody::kContentLength);
  CHECK(head.content_length == 5);
}

TEST_CASE("response framing follows the status and the fields") {
  struct Row {
    const char* name;
    std::string input;
    ResponseBody body;
  };
  const std::vector<Row> rows = {
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ResponseBody::kChunked},
      {"chunked in any case", "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n", ResponseBody::kChunked},
      {"neither field: until close", "HTTP/1.1 200 OK\r\n\r\n", ResponseBody::kUntilClose},
      {"204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", ResponseBody::kNone},
      {"304 has no body", "HTTP/1.1 304 Not Modified\r\n\r\n", ResponseBody::kNone},
      {"100 has no body", "HTTP/1.1 100 Continue\r\n\r\n", ResponseBody::kNone},
      {"a 302 is framed like any other", "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
       ResponseBody::kContentLength},
  };
  for (const Row& row : rows) {
    SUBCASE(row.name) {
      ResponseHead head;
      ParseResult r = parse_whole(row.input, ResponseLimits(), head);
      REQUIRE(r.state == ParseState::kComplete);
      CHECK(head.body == row.body);
    }
  }
}

TEST_CASE("the response header and body limits are configurable") {
  ResponseLimits small;
  small.max_header_bytes = 64;
  small.max_body_bytes = 10;
  ResponseHead head;
  CHECK(verdict_of(parse_whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", small, head)) == 0);
  CHECK(verdict_of(parse_whole("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", small, head)) == 502);
  const std::string at_limit = "HTTP/1.1 200 OK\r\nX: " + std::string(64 - 24, 'v') + "\r\n\r\n";
  REQUIRE(at_limit.size() == 64);
  CHECK(verdict_of(parse_whole(at_limit, small, head)) == 0);
  const std::string over = "HTTP/1.1 200 OK\r\nX: " + std::string(64 - 23, 'v') + "\r\n\r\n";
  CHECK(verdict_of(parse_whole(over, small, head)) == 502);
  CHECK(verdict_of(parse_bytewise(over, small)) == 502);
}

TEST_CASE("garbage is refused on its first byte, before any blank line") {
  ResponseHead head;
  CHECK(verdict_of(parse_whole("X", ResponseLimits(), head)) == 502);
  CHECK(verdict_of(parse_whole("HTTP/2", ResponseLimits(), head)) == 502);
  CHECK(verdict_of(parse_whole("HTTP/1.", ResponseLimits(), head)) == -1);
}

}  // namespace
}  // namespace sigma::http
