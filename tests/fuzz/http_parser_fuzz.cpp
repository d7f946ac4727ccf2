// libFuzzer harness for the request-head parser, framing rules and chunked
// decoder (src/http/parser.h, src/http/chunked.h).
//
// Input layout: byte 0 picks the split pattern, byte 1 the limits, the rest is
// the bytes a client sent. The head is parsed whole and again as growing
// prefixes with the resume hint, the way the server feeds it; a chunked body
// is decoded whole and again in pieces. Invariants: consumed never exceeds
// the input, views stay inside it, and whole and split runs agree on the
// verdict, the status and (when complete) the bytes consumed and the body.
//
// Build: clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc
//   tests/fuzz/http_parser_fuzz.cpp src/http/parser.cpp src/http/chunked.cpp
//   src/base/strings.cpp
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "http/chunked.h"
#include "http/parser.h"

namespace {

using sigma::http::BodyKind;
using sigma::http::ChunkedDecoder;
using sigma::http::Framing;
using sigma::http::ParseLimits;
using sigma::http::ParseResult;
using sigma::http::ParseState;
using sigma::http::RequestHead;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// An exact-size heap copy, so a read one byte past the end is an ASan error.
struct ExactCopy {
  explicit ExactCopy(std::string_view bytes) : data(new char[bytes.size() + (bytes.empty() ? 1 : 0)]), size(bytes.size()) {
    if (!bytes.empty()) {
      std::memcpy(data.get(), bytes.data(), bytes.size());
    }
  }
  std::string_view view() const { return std::string_view(data.get(), size); }
  std::unique_ptr<char[]> data;
  size_t size;
};

bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) {
    return true;
  }
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// Next piece length: a small deterministic pattern seeded by `pattern`.
size_t next_step(uint32_t& state) {
  state = state * 1103515245u + 12345u;
  uint32_t pick = (state >> 16) & 0x7;
  static const size_t kSteps[8] = {1, 1, 2, 3, 7, 16, 61, 512};
  return kSteps[pick];
}

struct HeadVerdict {
  ParseState state;
  int status;
  size_t consumed;
};

HeadVerdict parse_split(std::string_view input, const ParseLimits& limits, uint32_t seed) {
  RequestHead head;
  size_t hint = 0;
  size_t len = 0;
  uint32_t state = seed;
  HeadVerdict v{ParseState::kIncomplete, 0, 0};
  while (len < input.size()) {
    len += next_step(state);
    if (len > input.size()) {
      len = input.size();
    }
    ExactCopy piece(input.substr(0, len));
    ParseResult r = sigma::http::parse_request_head(piece.view(), hint, limits, head);
    check(r.consumed <= len);
    v = {r.state, r.http_status, r.consumed};
    if (r.state != ParseState::kIncomplete) {
      return v;
    }
    hint = len;
  }
  return v;
}

struct BodyVerdict {
  ParseState state;
  int status;
  size_t consumed;
  std::string body;
};

BodyVerdict decode(std::string_view input, uint64_t max_body, size_t max_trailer, uint32_t seed, bool whole) {
  ChunkedDecoder decoder(max_body, max_trailer);
  BodyVerdict v{ParseState::kIncomplete, 0, 0, {}};
  uint32_t state = seed;
  size_t from = 0;
  while (from < input.size()) {
    size_t step = whole ? input.size() : next_step(state);
    size_t len = step < input.size() - from ? step : input.size() - from;
    ExactCopy piece(input.substr(from, len));
    ParseResult r = decoder.decode(piece.view(), v.body);
    check(r.consumed <= len);
    v.consumed += r.consumed;
    v.state = r.state;
    v.status = r.http_status;
    check(v.body.size() <= max_body);
    if (r.state != ParseState::kIncomplete) {
      return v;
    }
    check(r.consumed == len);
    from += len;
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const uint32_t seed = data[0];
  ParseLimits limits;
  uint64_t max_body = sigma::http::kDefaultMaxBodyBytes;
  if ((data[1] & 0x80) != 0) {
    // Small limits so short inputs reach the 414/431/413 paths.
    limits.max_header_bytes = 64 + (data[1] & 0x0f) * 32;
    limits.max_target_bytes = 8 + ((data[1] >> 4) & 0x07) * 16;
    max_body = 16 + (data[1] & 0x0f) * 8;
  }
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  ExactCopy whole_copy(input);
  RequestHead head;
  ParseResult whole = sigma::http::parse_request_head(whole_copy.view(), 0, limits, head);
  check(whole.consumed <= input.size());
  HeadVerdict split = parse_split(input, limits, seed);
  check(split.state == whole.state);
  check(split.status == whole.http_status);
  if (whole.state == ParseState::kError) {
    int s = whole.http_status;
    check(s == 400 || s == 414 || s == 431 || s == 505);
    check(!whole.reason.empty());
    return 0;
  }
  if (whole.state != ParseState::kComplete) {
    return 0;
  }
  check(split.consumed == whole.consumed);
  check(whole.consumed <= limits.max_header_bytes + 4);  // + two ignored empty lines
  check(head.header_count <= sigma::http::kMaxHeaders);
  check(!head.method.empty() && !head.target.empty());
  check(head.target.size() <= limits.max_target_bytes);
  check(head.minor_version == 0 || head.minor_version == 1);
  std::string_view view = whole_copy.view();
  check(inside(head.method, view) && inside(head.target, view));
  for (size_t i = 0; i < head.header_count; ++i) {
    check(!head.headers[i].name.empty());
    check(inside(head.headers[i].name, view) && inside(head.headers[i].value, view));
  }

  Framing framing = sigma::http::framing_for(head, max_body);
  if (framing.error_status != 0) {
    int s = framing.error_status;
    check(s == 400 || s == 413 || s == 417 || s == 501);
    check(!framing.keep_alive);
    return 0;
  }
  if (framing.body == BodyKind::kContentLength) {
    check(framing.content_length > 0 && framing.content_length <= max_body);
  }
  if (framing.body != BodyKind::kChunked) {
    return 0;
  }
  std::string_view body = input.substr(whole.consumed);
  BodyVerdict a = decode(body, max_body, limits.max_header_bytes, seed, true);
  BodyVerdict b = decode(body, max_body, limits.max_header_bytes, seed ^ 0x5a, false);
  check(a.state == b.state);
  check(a.status == b.status);
  check(a.body == b.body);
  if (a.state == ParseState::kComplete) {
    check(a.consumed == b.consumed);
    check(a.consumed <= body.size());
  }
  if (a.state == ParseState::kError) {
    check(a.status == 400 || a.status == 413 || a.status == 431);
  }
  return 0;
}
