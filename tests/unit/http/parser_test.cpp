// Request-head parser and framing rules: every case runs whole, byte by byte
// (growing prefixes with the resume hint) and ending at a PROT_NONE guard page.
#include "http/parser.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../guard_page.h"

namespace sigma::http {
namespace {

using namespace std::string_literals;

test::GuardPage& guarded() {
  static test::GuardPage area(64 * 1024);
  return area;
}

struct Verdict {
  ParseState state = ParseState::kIncomplete;
  int status = 0;
  size_t consumed = 0;
};

Verdict parse_whole(std::string_view input, const ParseLimits& limits, RequestHead& head) {
  ParseResult r = parse_request_head(guarded().place(input), 0, limits, head);
  return {r.state, r.http_status, r.consumed};
}

// Feeds growing prefixes (each ending at the guard page) with the resume
// hint, as a server does with a trickling client. Returns the first verdict
// that is not kIncomplete, or the last one; `fed` is the prefix length it
// came at.
Verdict parse_bytewise(std::string_view input, const ParseLimits& limits, size_t* fed) {
  RequestHead head;
  size_t hint = 0;
  Verdict v;
  for (size_t len = 1; len <= input.size(); ++len) {
    ParseResult r = parse_request_head(guarded().place(input.substr(0, len)), hint, limits, head);
    v = {r.state, r.http_status, r.consumed};
    *fed = len;
    if (r.state != ParseState::kIncomplete) {
      return v;
    }
    hint = len;
  }
  return v;
}

// expected: 0 = complete, -1 = incomplete, otherwise the error status.
int expectation_of(const Verdict& v) {
  if (v.state == ParseState::kComplete) {
    return 0;
  }
  if (v.state == ParseState::kIncomplete) {
    return -1;
  }
  return v.status;
}

struct Case {
  const char* name;
  std::string input;
  int expected;
};

std::string with_host(const std::string& request_line) { return request_line + "\r\nHost: a\r\n\r\n"; }

std::string many_headers(size_t count) {
  std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (size_t i = 1; i < count; ++i) {
    s += "X-" + std::to_string(i) + ": v\r\n";
  }
  return s + "\r\n";
}

std::vector<Case> cases() {
  std::vector<Case> c = {
      {"simple GET", with_host("GET / HTTP/1.1"), 0},
      {"query and path", with_host("GET /a/b?c=d&e=%20 HTTP/1.1"), 0},
      {"absolute-form target", with_host("GET http://a/b HTTP/1.1"), 0},
      {"asterisk-form target", with_host("OPTIONS * HTTP/1.1"), 0},
      {"HTTP/1.0 without fields", "GET / HTTP/1.0\r\n\r\n", 0},
      {"one leading empty line is ignored", "\r\n" + with_host("GET / HTTP/1.1"), 0},
      {"two leading empty lines are ignored", "\r\n\r\n" + with_host("GET / HTTP/1.1"), 0},
      {"three leading empty lines are refused", "\r\n\r\n\r\n" + with_host("GET / HTTP/1.1"), 400},
      {"OWS around a value", "GET / HTTP/1.1\r\nHost: a\r\nX: \t v w \t\r\n\r\n", 0},
      {"empty field value", "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n", 0},
      {"obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n", 0},
      {"64 header fields", many_headers(64), 0},
      {"65 header fields", many_headers(65), 431},
      {"head without its blank line", "GET / HTTP/1.1\r\nHost: a\r\n", -1},
      {"empty target", with_host("GET  / HTTP/1.1"), 400},
      {"space before the method", with_host(" GET / HTTP/1.1"), 400},
      {"invalid method byte", with_host("G@T / HTTP/1.1"), 400},
      {"method longer than 32 bytes", with_host(std::string(33, 'A') + " / HTTP/1.1"), 400},
      {"HTTP/0.9 request line", "GET /\r\n\r\n", 400},
      {"lower-case version", with_host("GET / http/1.1"), 400},
      {"two-digit minor version", with_host("GET / HTTP/1.10"), 400},
      {"version without minor", with_host("GET / HTTP/1"), 400},
      {"trailing space after version", with_host("GET / HTTP/1.1 "), 400},
      {"space inside the target", with_host("GET /a b HTTP/1.1"), 400},
      {"control byte in the target", with_host("GET /\x01 HTTP/1.1"), 400},
      {"DEL in the target", with_host("GET /\x7f HTTP/1.1"), 400},
      {"non-ASCII byte in the target", with_host("GET /\xff HTTP/1.1"), 400},
      {"target that is no known form", with_host("GET foo HTTP/1.1"), 400},
      {"HTTP/2.0", with_host("GET / HTTP/2.0"), 505},
      {"HTTP/1.2", with_host("GET / HTTP/1.2"), 505},
      {"HTTP/0.9 spelled out", with_host("GET / HTTP/0.9"), 505},
      {"whitespace before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
      {"tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400},
      {"space inside a field name", "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400},
      {"empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 400},
      {"field line without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400},
      {"obs-fold continuation line", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400},
      {"obs-fold with a tab", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", 400},
      {"bare CR in a header value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
      {"bare LF in a header value", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400},
      {"bare LF line endings", "GET / HTTP/1.1\nHost: a\n\n", 400},
      {"bare CR at the end of the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
      {"NUL in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, 400},
      {"DEL in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", 400},
      {"escape byte in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n", 400},
      {"TLS client hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s, 400},
      {"target of 8192 bytes", with_host("GET /" + std::string(8191, 'a') + " HTTP/1.1"), 0},
      {"target of 8193 bytes", with_host("GET /" + std::string(8192, 'a') + " HTTP/1.1"), 414},
      {"unterminated long target", "GET /" + std::string(9000, 'a'), 414},
      {"unterminated long request line after a short target",
       "GET /a HTTP/1.1" + std::string(9000, 'x'), 400},
      {"head of exactly 16 KiB", "", 0},
      {"head of 16 KiB plus one", "", 431},
      {"endless field without a blank line", "GET / HTTP/1.1\r\nX: " + std::string(17000, 'v'), 431},
  };
  // Fill the two size-boundary cases: the whole head, blank line included.
  for (Case& k : c) {
    size_t total = 0;
    if (std::string_view(k.name) == "head of exactly 16 KiB") {
      total = kDefaultMaxHeaderBytes;
    } else if (std::string_view(k.name) == "head of 16 KiB plus one") {
      total = kDefaultMaxHeaderBytes + 1;
    } else {
      continue;
    }
    std::string prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
    k.input = prefix + std::string(total - prefix.size() - 4, 'v') + "\r\n\r\n";
  }
  return c;
}

TEST_CASE("every request-head case gets the same verdict whole and byte by byte at a guard page") {
  ParseLimits limits;
  for (const Case& k : cases()) {
    SUBCASE(k.name) {
      RequestHead head;
      Verdict whole = parse_whole(k.input, limits, head);
      CHECK(expectation_of(whole) == k.expected);
      CHECK(whole.consumed <= k.input.size());
      size_t fed = 0;
      Verdict split = parse_bytewise(k.input, limits, &fed);
      CHECK(expectation_of(split) == k.expected);
      if (k.expected == 0) {
        // Complete exactly when the last byte arrives, never earlier.
        CHECK(fed == k.input.size());
        CHECK(split.consumed == whole.consumed);
      }
    }
  }
}

TEST_CASE("a complete head exposes method, target, version and trimmed fields") {
  std::string input = "POST /mcp?x=1 HTTP/1.1\r\nHost: example:80\r\nX-Empty:\r\nX-Pad: \t v w \t\r\n\r\nBODY";
  RequestHead head;
  ParseResult r = parse_request_head(guarded().place(input), 0, ParseLimits{}, head);
  REQUIRE(r.state == ParseState::kComplete);
  CHECK(r.consumed == input.size() - 4);
  CHECK(head.method == "POST");
  CHECK(head.target == "/mcp?x=1");
  CHECK(head.minor_version == 1);
  REQUIRE(head.header_count == 3);
  CHECK(head.headers[0].name == "Host");
  CHECK(head.headers[0].value == "example:80");
  CHECK(head.headers[1].value == "");
  CHECK(head.headers[2].value == "v w");
  REQUIRE(head.find("host") != nullptr);
  CHECK(head.find("HOST")->value == "example:80");
  CHECK(head.find("absent") == nullptr);
  CHECK(head.count("x-pad") == 1);
}

TEST_CASE("leading empty lines count toward consumed bytes") {
  std::string input = "\r\n" + with_host("GET / HTTP/1.0");
  RequestHead head;
  ParseResult r = parse_request_head(input, 0, ParseLimits{}, head);
  REQUIRE(r.state == ParseState::kComplete);
  CHECK(r.consumed == input.size());
  CHECK(head.method == "GET");
  CHECK(head.minor_version == 0);
}

TEST_CASE("an oversized head is refused with 431 while still incomplete") {
  std::string input = "GET / HTTP/1.1\r\nX: " + std::string(kDefaultMaxHeaderBytes, 'v');
  RequestHead head;
  std::string_view at_limit(input.data(), kDefaultMaxHeaderBytes);
  CHECK(parse_request_head(at_limit, 0, ParseLimits{}, head).state == ParseState::kIncomplete);
  ParseResult r = parse_request_head(std::string_view(input.data(), kDefaultMaxHeaderBytes + 1),
                                     kDefaultMaxHeaderBytes, ParseLimits{}, head);
  CHECK(r.state == ParseState::kError);
  CHECK(r.http_status == 431);
}

TEST_CASE("a long target is refused with 414 before the head is complete") {
  ParseLimits limits;
  limits.max_target_bytes = 100;
  std::string input = "GET /" + std::string(400, 'a');
  size_t fed = 0;
  Verdict v = parse_bytewise(input, limits, &fed);
  CHECK(v.status == 414);
  CHECK(fed < input.size());
  CHECK(fed <= 5 + 100 + 64);
}

TEST_CASE("garbage is refused as soon as the method cannot be a token") {
  std::string input = "GE{T / HTTP/1.1\r\n";
  size_t fed = 0;
  Verdict v = parse_bytewise(input, ParseLimits{}, &fed);
  CHECK(v.status == 400);
  CHECK(fed == 3);
}

TEST_CASE("the resume hint does not change the verdict") {
  for (const Case& k : cases()) {
    std::string_view in = k.input;
    RequestHead head;
    ParseResult without = parse_request_head(in, 0, ParseLimits{}, head);
    size_t half = in.size() / 2;
    ParseResult first = parse_request_head(in.substr(0, half), 0, ParseLimits{}, head);
    if (first.state == ParseState::kError) {
      CHECK(without.http_status == first.http_status);
      continue;
    }
    ParseResult with = parse_request_head(in, first.state == ParseState::kIncomplete ? half : 0, ParseLimits{}, head);
    CHECK(without.state == with.state);
    CHECK(without.http_status == with.http_status);
    CHECK(without.consumed == with.consumed);
  }
}

TEST_CASE("a slow sender costs linear work: prefixes are not rescanned") {
  // 16 KiB fed one byte at a time must finish quickly; with rescanning this
  // would be ~134 M byte visits and far slower under sanitizers.
  std::string input = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(kDefaultMaxHeaderBytes - 40, 'v') + "\r\n\r\n";
  RequestHead head;
  size_t hint = 0;
  ParseResult r;
  for (size_t len = 1; len <= input.size(); ++len) {
    r = parse_request_head(std::string_view(input.data(), len), hint, ParseLimits{}, head);
    if (r.state != ParseState::kIncomplete) {
      break;
    }
    hint = len;
  }
  CHECK(r.state == ParseState::kComplete);
}

// --- framing_for

struct FramingCase {
  const char* name;
  std::string head;  // request line and fields, without the blank line
  int status;        // 0 = acceptable
  BodyKind body;
  uint64_t length;
  bool keep_alive;
  bool expect_continue;
};

TEST_CASE("body framing, keep-alive and expectations follow RFC 9112 section 6") {
  const uint64_t max_body = 1000;
  std::vector<FramingCase> table = {
      {"1.1 GET persists", "GET / HTTP/1.1\r\nHost: a", 0, BodyKind::kNone, 0, true, false},
      {"1.1 Connection: close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close", 0, BodyKind::kNone, 0, false, false},
      {"Connection list with close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close", 0, BodyKind::kNone, 0,
       false, false},
      {"1.0 closes by default", "GET / HTTP/1.0", 0, BodyKind::kNone, 0, false, false},
      {"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive", 0, BodyKind::kNone, 0, true, false},
      {"1.1 without Host", "GET / HTTP/1.1", 400, BodyKind::kNone, 0, false, false},
      {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b", 400, BodyKind::kNone, 0, false, false},
      {"two Host fields in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a", 400, BodyKind::kNone, 0, false, false},
      {"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b", 400, BodyKind::kNone, 0, false, false},
      {"empty Host", "GET / HTTP/1.1\r\nHost:", 0, BodyKind::kNone, 0, true, false},
      {"IPv6 Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080", 0, BodyKind::kNone, 0, true, false},
      {"Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12", 0, BodyKind::kContentLength, 12, true,
       false},
      {"Content-Length zero", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0", 0, BodyKind::kNone, 0, true, false},
      {"Content-Length at the limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000", 0,
       BodyKind::kContentLength, 1000, true, false},
      {"Content-Length over the limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001", 413, BodyKind::kNone,
       0, false, false},
      {"duplicate equal Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5", 400,
       BodyKind::kNone, 0, false, false},
      {"Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5", 400, BodyKind::kNone, 0, false,
       false},
      {"signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5", 400, BodyKind::kNone, 0, false,
       false},
      {"hex Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5", 400, BodyKind::kNone, 0, false,
       false},
      {"empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:", 400, BodyKind::kNone, 0, false,
       false},
      {"overflowing Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999", 400,
       BodyKind::kNone, 0, false, false},
      {"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", 0, BodyKind::kChunked, 0, true, false},
      {"chunked in any case", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED", 0, BodyKind::kChunked, 0,
       true, false},
      {"chunked with Content-Length",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked", 400, BodyKind::kNone, 0,
       false, false},
      {"gzip then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked", 501, BodyKind::kNone,
       0, false, false},
      {"gzip alone", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip", 501, BodyKind::kNone, 0, false, false},
      {"chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
       400, BodyKind::kNone, 0, false, false},
      {"empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:", 400, BodyKind::kNone, 0, false,
       false},
      {"Transfer-Encoding in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked", 400, BodyKind::kNone, 0, false,
       false},
      {"Expect: 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-Continue", 0,
       BodyKind::kContentLength, 3, true, true},
      {"other expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok", 417, BodyKind::kNone, 0, false, false},
      {"expectation ignored in 1.0", "POST / HTTP/1.0\r\nExpect: 100-continue", 0, BodyKind::kNone, 0, false,
       false},
  };
  for (const FramingCase& k : table) {
    SUBCASE(k.name) {
      std::string input = k.head + "\r\n\r\n";
      RequestHead head;
      REQUIRE(parse_request_head(input, 0, ParseLimits{}, head).state == ParseState::kComplete);
      Framing f = framing_for(head, max_body);
      CHECK(f.error_status == k.status);
      if (k.status == 0) {
        CHECK(f.body == k.body);
        CHECK(f.content_length == k.length);
        CHECK(f.keep_alive == k.keep_alive);
        CHECK(f.expect_continue == k.expect_continue);
      } else {
        CHECK(!f.error_reason.empty());
        CHECK_FALSE(f.keep_alive);
      }
    }
  }
}

}  // namespace
}  // namespace sigma::http
