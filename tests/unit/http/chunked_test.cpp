// Chunked decoder: every case whole, split at every point, byte by byte, and
// with each piece ending at a PROT_NONE guard page.
#include "http/chunked.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../guard_page.h"

namespace sigma::http {
namespace {

using namespace std::string_literals;

test::GuardPage& guarded() {
  static test::GuardPage area(16 * 1024);
  return area;
}

struct Outcome {
  int verdict = -1;        // 0 complete, -1 incomplete, else the error status
  size_t consumed = 0;     // total bytes consumed across pieces
  std::string body;
};

// Feeds `input` cut at `cuts` (ascending offsets), each piece at the guard page.
Outcome decode_pieces(std::string_view input, const std::vector<size_t>& cuts, uint64_t max_body,
                      size_t max_trailer) {
  ChunkedDecoder decoder(max_body, max_trailer);
  Outcome out;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    if (end < from) {
      continue;
    }
    ParseResult r = decoder.decode(guarded().place(input.substr(from, end - from)), out.body);
    REQUIRE(r.consumed <= end - from);
    out.consumed += r.consumed;
    if (r.state == ParseState::kComplete) {
      out.verdict = 0;
      return out;
    }
    if (r.state == ParseState::kError) {
      out.verdict = r.http_status;
      return out;
    }
    REQUIRE(r.consumed == end - from);
    from = end;
  }
  return out;
}

struct Case {
  const char* name;
  std::string input;
  int verdict;
  std::string body;  // when complete
  size_t consumed;   // when complete
};

std::vector<Case> cases() {
  std::string ok1 = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  std::string ext = "5;name=value;x=\"q s\"\r\nhello\r\n0 ;last\r\n\r\n";
  std::string trailer = "3\r\nabc\r\n0\r\nX-Checksum: 1\r\nY: z\r\n\r\n";
  return {
      {"two chunks", ok1, 0, "hello world", ok1.size()},
      {"followed by the next request", ok1 + "GET /", 0, "hello world", ok1.size()},
      {"upper and lower hex", "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", 0, "01234567890123456789", 35},
      {"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", 0, "hello", 20},
      {"extensions are skipped", ext, 0, "hello", ext.size()},
      {"trailers are discarded", trailer, 0, "abc", trailer.size()},
      {"empty body", "0\r\n\r\n", 0, "", 5},
      {"missing blank line", "0\r\n", -1, "", 0},
      {"no size", "\r\nhello\r\n0\r\n\r\n", 400, "", 0},
      {"non-hex size", "g\r\n", 400, "", 0},
      {"size with trailing space", "5 \r\nhello\r\n0\r\n\r\n", 400, "", 0},
      {"17 hex digits", "00000000000000001\r\nx\r\n0\r\n\r\n", 400, "", 0},
      {"overflowing size", "fffffffffffffffff\r\n", 400, "", 0},
      {"bare LF after size", "5\nhello\r\n0\r\n\r\n", 400, "", 0},
      {"bare CR after size", "5\rhello\r\n0\r\n\r\n", 400, "", 0},
      {"data longer than its size", "5\r\nhello!\r\n0\r\n\r\n", 400, "", 0},
      {"bare LF after data", "5\r\nhello\n0\r\n\r\n", 400, "", 0},
      {"control byte in an extension", "5;a=\x01\r\nhello\r\n0\r\n\r\n", 400, "", 0},
      {"overlong extension", "5;" + std::string(kMaxChunkLineBytes, 'a') + "\r\nhello\r\n0\r\n\r\n", 400, "", 0},
      {"obs-fold in trailers", "0\r\nX: a\r\n b\r\n\r\n", 400, "", 0},
      {"trailer without colon", "0\r\nX\r\n\r\n", 400, "", 0},
      {"NUL in a trailer value", "0\r\nX: a\0\r\n\r\n"s, 400, "", 0},
      {"bare LF ending the trailers", "0\r\n\n", 400, "", 0},
      {"body over the limit in one chunk", "65\r\n", 413, "", 0},                  // 101 > 100
      {"body over the limit across chunks", "50\r\n" + std::string(80, 'x') + "\r\n15\r\n", 413, "", 0},
      {"body exactly at the limit", "64\r\n" + std::string(100, 'x') + "\r\n0\r\n\r\n", 0, std::string(100, 'x'), 111},
      {"trailers over their limit", "0\r\nX: " + std::string(300, 'v') + "\r\n\r\n", 431, "", 0},
  };
}

TEST_CASE("chunked bodies decode the same whole, at every split point and byte by byte") {
  const uint64_t max_body = 100;
  const size_t max_trailer = 256;
  for (const Case& k : cases()) {
    SUBCASE(k.name) {
      Outcome whole = decode_pieces(k.input, {}, max_body, max_trailer);
      CHECK(whole.verdict == k.verdict);
      if (k.verdict == 0) {
        CHECK(whole.body == k.body);
        CHECK(whole.consumed == k.consumed);
      }
      for (size_t cut = 1; cut < k.input.size(); ++cut) {
        Outcome split = decode_pieces(k.input, {cut}, max_body, max_trailer);
        CHECK(split.verdict == whole.verdict);
        CHECK(split.body == whole.body);
        if (k.verdict == 0) {
          CHECK(split.consumed == whole.consumed);
        }
      }
      std::vector<size_t> every;
      for (size_t cut = 1; cut < k.input.size(); ++cut) {
        every.push_back(cut);
      }
      Outcome bytewise = decode_pieces(k.input, every, max_body, max_trailer);
      CHECK(bytewise.verdict == whole.verdict);
      CHECK(bytewise.body == whole.body);
    }
  }
}

TEST_CASE("a finished decoder repeats its verdict and consumes nothing more") {
  ChunkedDecoder decoder(100, 100);
  std::string body;
  ParseResult r = decoder.decode("0\r\n\r\n", body);
  REQUIRE(r.state == ParseState::kComplete);
  ParseResult again = decoder.decode("5\r\nhello", body);
  CHECK(again.state == ParseState::kComplete);
  CHECK(again.consumed == 0);

  ChunkedDecoder failed(100, 100);
  REQUIRE(failed.decode("z", body).state == ParseState::kError);
  ParseResult still = failed.decode("0\r\n\r\n", body);
  CHECK(still.state == ParseState::kError);
  CHECK(still.http_status == 400);
}

TEST_CASE("the decoder counts decoded bytes") {
  ChunkedDecoder decoder(100, 100);
  std::string body;
  CHECK(decoder.decode("3\r\nab", body).state == ParseState::kIncomplete);
  CHECK(decoder.body_bytes() == 2);
  CHECK(body == "ab");
}

}  // namespace
}  // namespace sigma::http
