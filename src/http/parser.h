// HTTP/1.1 request- and response-head parsers and body-framing rules (RFC 9112,
// RFC 9110).
//
// Owns: turning the bytes of a request head into views (method, target,
// version, header fields) and deciding, from those fields alone, how the body
// is framed and whether the connection may persist; the same for the status
// line and fields of a response head (the client half).
// Must not: allocate, perform I/O, or include anything outside base/ and the
// constants of http/limits.h (whose defaults the limits below take). The
// caller owns the bytes; every string_view in a RequestHead points into them
// and lives only as long as that buffer is neither modified nor moved (the
// same holds for a ResponseHead).
// Threading: pure functions over caller-owned data; safe from any thread.
//
// Line endings: only CRLF is accepted. RFC 9112 §2.2 lets a recipient accept
// a bare LF, but a head that one parser frames differently from another is
// the root of request smuggling, and every client we serve sends CRLF; a bare
// LF is therefore rejected with 400, like a bare CR.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/limits.h"

namespace sigma::http {

// Field lines beyond this count are answered with 431.
inline constexpr size_t kMaxHeaders = 64;

struct HeaderField {
  std::string_view name;   // as received (a token; compare case-insensitively)
  std::string_view value;  // leading and trailing OWS removed
};

struct RequestHead {
  std::string_view method;
  std::string_view target;  // origin-form, asterisk-form or absolute-form, as received
  int minor_version = 1;    // HTTP/1.<minor>: 0 or 1
  std::array<HeaderField, kMaxHeaders> headers{};
  size_t header_count = 0;

  // First field named `name` (ASCII case-insensitive), or nullptr.
  const HeaderField* find(std::string_view name) const;
  // Number of fields named `name`.
  size_t count(std::string_view name) const;
};

struct ParseLimits {
  // Bytes from the first byte of the request line through the blank line.
  size_t max_header_bytes = kDefaultMaxHeaderBytes;
  size_t max_target_bytes = kDefaultMaxTargetBytes;
};

enum class ParseState { kComplete, kIncomplete, kError };

struct ParseResult {
  ParseState state = ParseState::kIncomplete;
  // kComplete: bytes of the head, including up to two ignored leading empty
  // lines (RFC 9112 §2.2) and the final CRLF; the body (if any) starts here.
  // Otherwise 0. Always <= the buffer length.
  size_t consumed = 0;
  // kError: the status to answer with (400, 414, 431 or 505); otherwise 0.
  int http_status = 0;
  // kError: a short static explanation, safe to log and to send as a body.
  std::string_view reason;
};

// Parses the request head at the start of `buffer`.
//
// `previous_length` is the length of `buffer` at the previous call that
// returned kIncomplete for this same request (0 on the first call). Bytes
// before it are not rescanned, so a sender that trickles a head costs O(n) in
// total, not O(n^2). Passing 0 is always correct, only slower.
//
// Success: kComplete with `head` filled (views into `buffer`).
// kIncomplete: more bytes are needed; `head` is unspecified.
// kError: the head is malformed or over a limit; detected as early as
// possible, including while still incomplete (a head already larger than
// max_header_bytes without its blank line is 431 at once).
// REQUIRES: previous_length <= buffer.size() (larger values are treated as 0).
[[nodiscard]] ParseResult parse_request_head(std::string_view buffer, size_t previous_length,
                                             const ParseLimits& limits, RequestHead& head);

enum class BodyKind { kNone, kContentLength, kChunked };

// How a parsed request's body is framed and what the connection does after it.
struct Framing {
  // 0 when the request is acceptable; otherwise the status to answer with
  // (400, 413, 417 or 501), after which the connection must close.
  int error_status = 0;
  std::string_view error_reason;  // static text, safe to log and send
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;  // kContentLength only
  // RFC 9112 §9.3: HTTP/1.1 persists unless "Connection: close"; HTTP/1.0
  // persists only with "Connection: keep-alive".
  bool keep_alive = true;
  // "Expect: 100-continue" on an HTTP/1.1 request (RFC 9110 §10.1.1).
  bool expect_continue = false;
};

// Applies RFC 9112 §6 and RFC 9110 §7.2/§10.1.1 to a parsed head: Host
// presence and uniqueness, Content-Length / Transfer-Encoding rules, the body
// limit (413 from Content-Length, before any body byte is read), keep-alive
// and Expect.
[[nodiscard]] Framing framing_for(const RequestHead& head, uint64_t max_body_bytes);

// The body framing of a response, decided from its status and fields alone
// (RFC 9112 §6.3). A response to HEAD has no body whatever its fields say:
// the caller, who knows the method, applies that.
enum class ResponseBody {
  kNone,           // 1xx, 204 and 304 (RFC 9112 §6.3 items 1 and 2)
  kContentLength,  // exactly content_length bytes (0 included)
  kChunked,        // Transfer-Encoding: chunked, decoded by http/chunked
  kUntilClose,     // neither field: the body ends when the server closes
};

struct ResponseHead {
  int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
  int status = 0;         // 100..599
  std::string_view reason;  // reason-phrase, possibly empty; never interpret it
  std::array<HeaderField, kMaxHeaders> headers{};
  size_t header_count = 0;
  ResponseBody body = ResponseBody::kNone;
  uint64_t content_length = 0;  // kContentLength only

  // First field named `name` (ASCII case-insensitive), or nullptr.
  const HeaderField* find(std::string_view name) const;
  // Number of fields named `name`.
  size_t count(std::string_view name) const;
};

struct ResponseLimits {
  // Bytes from the first byte of the status line through the blank line.
  size_t max_header_bytes = kDefaultMaxHeaderBytes;
  // A Content-Length above this is refused before any body byte is read.
  uint64_t max_body_bytes = kDefaultMaxBodyBytes;
};

// Parses the response head at the start of `buffer`, with the same resume
// rule for `previous_length` as parse_request_head, and decides its framing.
//
// Success: kComplete with `head` filled (views into `buffer`); `consumed`
// counts the head through its blank line; the body starts there.
// kIncomplete: more bytes are needed; `head` is unspecified.
// kError: `reason` says why (static text, safe to log) and `http_status` is
// 502, what a gateway answers for an invalid upstream response (RFC 9110
// §15.6.3). Refused: a first line that is not "HTTP/1.0" or "HTTP/1.1", SP and
// a status code of three digits in 100..599; obs-fold, bare CR or LF,
// controls, more than kMaxHeaders fields or a head over max_header_bytes; a
// Content-Length that is not all digits, that differs between repeats, above
// 2^63-1 or above max_body_bytes; Content-Length with Transfer-Encoding;
// Transfer-Encoding in an HTTP/1.0 response or with a coding other than a
// single final "chunked" (none other can be decoded here). Leading empty
// lines are not skipped: a server never sends them. As in the request
// parser, a prefix that is already wrong is refused at once.
// REQUIRES: previous_length <= buffer.size() (larger values are treated as 0).
[[nodiscard]] ParseResult parse_response_head(std::string_view buffer, size_t previous_length,
                                              const ResponseLimits& limits, ResponseHead& head);

// RFC 9110 §5.6.2 tchar.
bool is_token_char(char c);

}  // namespace sigma::http
