// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1).
//
// Owns: the framing state of one chunked request body, resumable across any
// split of the input; the decoded data is appended to a caller's string.
// Must not: include anything outside base/ and the pure parser header, or do
// I/O. Chunk extensions are validated and skipped; the trailer section is
// parsed and discarded (RFC 9112 §7.1.2 lets a recipient ignore it).
// Line endings: CRLF only; a bare LF or bare CR is 400, as in the head parser.
// Threading: one decoder per request, used from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/parser.h"

namespace sigma::http {

// Hex digits accepted in a chunk-size (leading zeros included): 16 digits
// hold any 64-bit value, so longer is refused instead of overflowing.
inline constexpr size_t kMaxChunkSizeDigits = 16;
// Bytes of one chunk-size line including its extensions, before CRLF.
inline constexpr size_t kMaxChunkLineBytes = 1024;

class ChunkedDecoder final {
 public:
  // max_body_bytes bounds the decoded data (over it: 413); max_trailer_bytes
  // bounds the trailer section including its final CRLF (over it: 431).
  ChunkedDecoder(uint64_t max_body_bytes, size_t max_trailer_bytes);

  // Decodes as much of `input` as possible, appending chunk data to `body`.
  // kComplete: the body and trailers are done; `consumed` counts the bytes up
  //   to and including the final CRLF (the next request starts there).
  // kIncomplete: every byte was consumed (`consumed == input.size()`); call
  //   again with the bytes that follow.
  // kError: `http_status` is 400, 413 or 431; `consumed` is where it stopped.
  //   The decoder stays failed.
  // REQUIRES: not called again after kComplete or kError (returns the same
  // verdict with consumed == 0 if it is).
  [[nodiscard]] ParseResult decode(std::string_view input, std::string& body);

  // Decoded bytes so far.
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class State {
    kSize,          // reading hex digits
    kExtension,     // after the digits: BWS and chunk-ext, up to CR
    kSizeLf,        // CR seen after the size line
    kData,          // inside chunk data
    kDataCr,        // expecting CR after chunk data
    kDataLf,        // expecting LF after chunk data
    kTrailerStart,  // start of a trailer line, or CR of the final empty line
    kTrailerName,   // inside a trailer field name
    kTrailerValue,  // inside a trailer field value, up to CR
    kTrailerLf,     // CR seen after a trailer line
    kFinalLf,       // CR seen on the final empty line
    kDone,
    kFailed,
  };

  ParseResult fail(int status, std::string_view reason, size_t consumed);

  uint64_t max_body_bytes_;
  size_t max_trailer_bytes_;
  State state_ = State::kSize;
  uint64_t chunk_size_ = 0;     // size of the current chunk
  uint64_t remaining_ = 0;      // data bytes left in the current chunk
  size_t size_digits_ = 0;      // hex digits read for the current size
  size_t line_bytes_ = 0;       // bytes of the current size line
  size_t trailer_bytes_ = 0;    // bytes of the trailer section so far
  bool in_extension_ = false;   // a ';' was seen on the current size line
  uint64_t body_bytes_ = 0;
  int failed_status_ = 0;
  std::string_view failed_reason_;
};

}  // namespace sigma::http
