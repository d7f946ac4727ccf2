#include "http/parser.h"

#include <cstdint>
#include <cstring>
#include <optional>

#include "base/strings.h"

namespace sigma::http {

namespace {

// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the
// request line. Two are ignored; more is treated as garbage, which keeps the
// skip O(1) per call.
constexpr size_t kMaxLeadingEmptyLines = 2;
// Longest method token accepted (the registered ones are at most 7 bytes).
constexpr size_t kMaxMethodBytes = 32;
// Bytes of a request line besides its target: method, two SP, "HTTP/1.1", CRLF.
constexpr size_t kRequestLineSlackBytes = 64;

ParseResult incomplete() { return ParseResult{}; }

ParseResult error(int status, std::string_view reason) {
  ParseResult r;
  r.state = ParseState::kError;
  r.http_status = status;
  r.reason = reason;
  return r;
}

ParseResult bad_request(std::string_view reason) { return error(400, reason); }

unsigned char byte_at(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

// RFC 9110 §5.5: field values may hold HTAB, SP, VCHAR and obs-text; every
// other control (NUL, bare CR/LF, DEL, ...) is rejected.
bool is_field_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

// The byte classes the head scan rejects wherever they appear in a head.
bool is_forbidden_head_byte(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F;
}

// The reasons of the byte checks, worded for the side whose head it is.
struct HeadWords {
  std::string_view bare_lf;
  std::string_view bare_cr;
  std::string_view control;
};
constexpr HeadWords kRequestWords{"bare LF in request head", "bare CR in request head",
                                  "control character in request head"};
constexpr HeadWords kResponseWords{"bare LF in response head", "bare CR in response head",
                                   "control character in response head"};

// Checks one byte of the head at `i` for bare CR, bare LF and controls.
// Returns an error reason, or an empty view when the byte is acceptable (or
// when a CR is the last byte available, which is not yet decidable).
std::string_view check_head_byte(std::string_view buf, size_t i, const HeadWords& words = kRequestWords) {
  unsigned char c = byte_at(buf, i);
  if (c == '\n') {
    if (i == 0 || buf[i - 1] != '\r') {
      return words.bare_lf;  // RFC 9112 §2.2: CRLF only (see parser.h)
    }
  } else if (c == '\r') {
    if (i + 1 < buf.size() && buf[i + 1] != '\n') {
      return words.bare_cr;  // RFC 9112 §2.2
    }
  } else if (is_forbidden_head_byte(c)) {
    return words.control;
  }
  return {};
}

// Validates the method token at the front of `line` (which may be a prefix of
// the request line). Returns an error reason or an empty view; `method_end`
// receives the SP position when found.
std::string_view check_method_prefix(std::string_view line, size_t* method_end) {
  size_t limit = line.size() < kMaxMethodBytes + 1 ? line.size() : kMaxMethodBytes + 1;
  for (size_t i = 0; i < limit; ++i) {
    char c = line[i];
    if (c == ' ') {
      if (i == 0) {
        return "empty method";
      }
      *method_end = i;
      return {};
    }
    if (!is_token_char(c)) {
      return "invalid method";  // RFC 9110 §9.1: method = token
    }
  }
  if (line.size() > kMaxMethodBytes) {
    return "method too long";
  }
  *method_end = std::string_view::npos;
  return {};
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 9112 §3.2: origin-form, absolute-form (scheme ":" ...), asterisk-form.
// authority-form only serves CONNECT, which is not offered; it parses as a
// scheme-like prefix and is left to routing.
bool is_acceptable_target_form(std::string_view target) {
  if (target.front() == '/') {
    return true;
  }
  if (target == "*") {
    return true;
  }
  if (!is_alpha(target.front())) {
    return false;
  }
  for (size_t i = 1; i < target.size(); ++i) {
    char c = target[i];
    if (c == ':') {
      return true;
    }
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

// Parses *( field-line CRLF ) CRLF (RFC 9112 §5) from buf[pos, end), where
// buf[end-2, end) is the final CRLF, into headers[0, count).
ParseResult parse_field_lines(std::string_view buf, size_t pos, size_t end, const HeadWords& words,
                              std::array<HeaderField, kMaxHeaders>& headers, size_t& count) {
  count = 0;
  while (pos < end - 2) {
    size_t eol = pos;
    while (eol < end && buf[eol] != '\r') {
      ++eol;
    }
    if (eol + 1 >= end || buf[eol + 1] != '\n') {
      return bad_request(words.bare_cr);
    }
    char first = buf[pos];
    if (first == ' ' || first == '\t') {
      return bad_request("obsolete line folding");  // RFC 9112 §5.2
    }
    size_t name_end = pos;
    while (name_end < eol && is_token_char(buf[name_end])) {
      ++name_end;
    }
    if (name_end == pos) {
      return bad_request("invalid header field name");
    }
    if (name_end == eol || buf[name_end] != ':') {
      if (buf[name_end] == ' ' || buf[name_end] == '\t') {
        return bad_request("whitespace before colon in header field");  // RFC 9112 §5.1
      }
      return bad_request("invalid header field name");
    }
    for (size_t i = name_end + 1; i < eol; ++i) {
      if (!is_field_value_byte(byte_at(buf, i))) {
        return bad_request("invalid byte in header field value");
      }
    }
    if (count == kMaxHeaders) {
      return error(431, "too many header fields");  // RFC 6585 §5
    }
    HeaderField& field = headers[count++];
    field.name = buf.substr(pos, name_end - pos);
    field.value = trim_ows(buf.substr(name_end + 1, eol - name_end - 1));
    pos = eol + 2;
  }

  ParseResult r;
  r.state = ParseState::kComplete;
  r.consumed = end;
  return r;
}

// Parses a complete head in buf[start, end), where buf[end-4, end) is the
// terminating CRLF CRLF.
ParseResult parse_complete_head(std::string_view buf, size_t start, size_t end, const ParseLimits& limits,
                                RequestHead& head) {
  head.header_count = 0;
  size_t pos = start;

  // --- request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  size_t method_end = std::string_view::npos;
  std::string_view reason = check_method_prefix(buf.substr(start, end - start), &method_end);
  if (!reason.empty()) {
    return bad_request(reason);
  }
  if (method_end == std::string_view::npos) {
    return bad_request("malformed request line");
  }
  head.method = buf.substr(start, method_end);
  pos = start + method_end + 1;

  size_t target_start = pos;
  while (pos < end && buf[pos] != ' ' && buf[pos] != '\r') {
    unsigned char c = byte_at(buf, pos);
    // RFC 3986 allows only visible ASCII in a URI; anything else is refused
    // rather than guessed at.
    if (c <= 0x20 || c >= 0x7F) {
      return bad_request("invalid byte in request target");
    }
    ++pos;
    if (pos - target_start > limits.max_target_bytes) {
      return error(414, "request target too long");  // RFC 9112 §3
    }
  }
  if (pos == target_start) {
    return bad_request("empty request target");
  }
  if (pos >= end || buf[pos] != ' ') {
    return bad_request("malformed request line");  // HTTP/0.9 or missing version
  }
  head.target = buf.substr(target_start, pos - target_start);
  if (!is_acceptable_target_form(head.target)) {
    return bad_request("unsupported request target form");
  }
  ++pos;

  // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
  size_t line_end = pos;
  while (line_end < end && buf[line_end] != '\r') {
    ++line_end;
  }
  std::string_view version = buf.substr(pos, line_end - pos);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) || version[6] != '.' ||
      !is_digit(version[7])) {
    return bad_request("malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return error(505, "HTTP version not supported");  // RFC 9110 §15.6.6
  }
  if (line_end + 1 >= end || buf[line_end + 1] != '\n') {
    return bad_request("bare CR in request head");
  }
  head.minor_version = version[7] - '0';
  pos = line_end + 2;

  return parse_field_lines(buf, pos, end, kRequestWords, head.headers, head.header_count);
}

}  // namespace

bool is_token_char(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

namespace {

const HeaderField* find_field(const std::array<HeaderField, kMaxHeaders>& headers, size_t count,
                              std::string_view name) {
  for (size_t i = 0; i < count; ++i) {
    if (iequals(headers[i].name, name)) {
      return &headers[i];
    }
  }
  return nullptr;
}

size_t count_fields(const std::array<HeaderField, kMaxHeaders>& headers, size_t count, std::string_view name) {
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) {
    if (iequals(headers[i].name, name)) {
      ++n;
    }
  }
  return n;
}

}  // namespace

const HeaderField* RequestHead::find(std::string_view name) const {
  return find_field(headers, header_count, name);
}

size_t RequestHead::count(std::string_view name) const { return count_fields(headers, header_count, name); }

const HeaderField* ResponseHead::find(std::string_view name) const {
  return find_field(headers, header_count, name);
}

size_t ResponseHead::count(std::string_view name) const { return count_fields(headers, header_count, name); }

// Every early rejection below is a property of a prefix that no later byte can
// undo, and the checks run in the order of the byte positions that trigger
// them, so a head delivered whole and the same head delivered in pieces get
// the same verdict.
ParseResult parse_request_head(std::string_view buf, size_t previous_length, const ParseLimits& limits,
                               RequestHead& head) {
  const size_t n = buf.size();
  if (previous_length > n) {
    previous_length = 0;
  }

  // Leading empty lines (RFC 9112 §2.2).
  size_t start = 0;
  for (size_t lines = 0; lines < kMaxLeadingEmptyLines && start < n; ++lines) {
    if (buf[start] == '\r') {
      if (start + 1 >= n) {
        return incomplete();
      }
      if (buf[start + 1] != '\n') {
        return bad_request("bare CR in request head");
      }
      start += 2;
    } else if (buf[start] == '\n') {
      return bad_request("bare LF in request head");
    } else {
      break;
    }
  }
  if (start < n && (buf[start] == '\r' || buf[start] == '\n')) {
    return bad_request("too many empty lines before the request line");
  }
  if (start >= n) {
    return incomplete();
  }

  // Bytes before previous_length - 3 were scanned by earlier calls; the last
  // three may hold the start of the terminator or an undecided CR.
  size_t scan_from = previous_length >= 3 ? previous_length - 3 : 0;
  if (scan_from < start) {
    scan_from = start;
  }
  const size_t head_limit_end = start + limits.max_header_bytes;  // terminator must end by here
  const size_t scan_end = n < head_limit_end ? n : head_limit_end;

  // A request line that has not ended after its target limit plus room for
  // the method and version is 414 (or 400 when the rest is garbage); decided
  // once, when the buffer first grows past that point.
  const size_t line_limit_end = start + limits.max_target_bytes + kRequestLineSlackBytes;
  if (line_limit_end < head_limit_end && n > line_limit_end && previous_length <= line_limit_end &&
      std::memchr(buf.data() + start, '\n', line_limit_end - start) == nullptr) {
    for (size_t i = scan_from; i < line_limit_end; ++i) {
      std::string_view reason = check_head_byte(buf, i);
      if (!reason.empty()) {
        return bad_request(reason);
      }
    }
    size_t method_end = std::string_view::npos;
    std::string_view line = buf.substr(start, line_limit_end - start);
    std::string_view reason = check_method_prefix(line, &method_end);
    if (!reason.empty()) {
      return bad_request(reason);
    }
    if (method_end == std::string_view::npos) {
      return bad_request("malformed request line");
    }
    size_t target_end = line.find(' ', method_end + 1);
    if (target_end != std::string_view::npos && target_end - method_end - 1 <= limits.max_target_bytes) {
      return bad_request("malformed request line");
    }
    return error(414, "request target too long");
  }

  for (size_t i = scan_from; i < scan_end; ++i) {
    std::string_view reason = check_head_byte(buf, i);
    if (!reason.empty()) {
      return bad_request(reason);
    }
    // The head ends at the first CRLF CRLF; the request line is non-empty, so
    // the earliest possible end is start + 4.
    if (buf[i] == '\n' && i >= start + 3 && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
      return parse_complete_head(buf, start, i + 1, limits, head);
    }
  }

  // Still incomplete: reject what is already certain.
  size_t method_end = std::string_view::npos;
  std::string_view reason = check_method_prefix(buf.substr(start), &method_end);
  if (!reason.empty()) {
    return bad_request(reason);
  }
  if (n - start > limits.max_header_bytes) {
    return error(431, "request header block too large");  // RFC 6585 §5
  }
  return incomplete();
}

namespace {

Framing framing_error(int status, std::string_view reason) {
  Framing f;
  f.error_status = status;
  f.error_reason = reason;
  f.keep_alive = false;
  return f;
}

// RFC 9110 §7.2 / RFC 3986 §3.2.2: host = IP-literal / IPv4address / reg-name,
// optionally ":" port. Only the character set is checked; an empty value is
// what a client sends when the target has no authority (RFC 9112 §3.2).
bool is_valid_host_value(std::string_view host) {
  for (char c : host) {
    if (is_alpha(c) || is_digit(c)) {
      continue;
    }
    switch (c) {
      case '-': case '.': case '_': case '~': case '%': case '!': case '$': case '&': case '\'':
      case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':': case '[': case ']':
        continue;
      default:
        return false;
    }
  }
  return true;
}

// Calls fn(element) for each non-empty element of a comma-separated list
// (RFC 9110 §5.6.1), OWS trimmed.
template <typename Fn>
void for_each_list_element(std::string_view value, Fn&& fn) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) {
      comma = value.size();
    }
    std::string_view element = trim_ows(value.substr(pos, comma - pos));
    if (!element.empty()) {
      fn(element);
    }
    pos = comma + 1;
  }
}

}  // namespace

Framing framing_for(const RequestHead& head, uint64_t max_body_bytes) {
  const bool is_http11 = head.minor_version == 1;

  // RFC 9112 §3.2 / RFC 9110 §7.2: exactly one Host in HTTP/1.1, at most one
  // in HTTP/1.0; a bad value is 400 as well.
  size_t host_count = 0;
  const HeaderField* content_length = nullptr;
  size_t content_length_count = 0;
  bool has_transfer_encoding = false;
  size_t chunked_count = 0;
  bool has_other_coding = false;
  bool saw_close = false;
  bool saw_keep_alive = false;
  bool expect_continue = false;
  bool expect_other = false;

  for (size_t i = 0; i < head.header_count; ++i) {
    const HeaderField& field = head.headers[i];
    if (iequals(field.name, "host")) {
      ++host_count;
      if (!is_valid_host_value(field.value)) {
        return framing_error(400, "invalid Host header");
      }
    } else if (iequals(field.name, "content-length")) {
      ++content_length_count;
      content_length = &field;
    } else if (iequals(field.name, "transfer-encoding")) {
      has_transfer_encoding = true;
      for_each_list_element(field.value, [&](std::string_view coding) {
        if (iequals(coding, "chunked")) {
          ++chunked_count;
        } else {
          has_other_coding = true;
        }
      });
    } else if (iequals(field.name, "connection")) {
      for_each_list_element(field.value, [&](std::string_view option) {
        if (iequals(option, "close")) {
          saw_close = true;
        } else if (iequals(option, "keep-alive")) {
          saw_keep_alive = true;
        }
      });
    } else if (iequals(field.name, "expect")) {
      for_each_list_element(field.value, [&](std::string_view expectation) {
        if (iequals(expectation, "100-continue")) {
          expect_continue = true;
        } else {
          expect_other = true;
        }
      });
    }
  }

  if (host_count > 1) {
    return framing_error(400, "more than one Host header");
  }
  if (is_http11 && host_count == 0) {
    return framing_error(400, "missing Host header");
  }

  Framing f;
  f.keep_alive = is_http11 ? !saw_close : (saw_keep_alive && !saw_close);

  if (has_transfer_encoding) {
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 cannot be trusted, and with
    // Content-Length it is a smuggling attempt; both close after the 400.
    if (!is_http11) {
      return framing_error(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (content_length_count > 0) {
      return framing_error(400, "both Content-Length and Transfer-Encoding");
    }
    if (has_other_coding) {
      return framing_error(501, "unsupported transfer coding");  // RFC 9112 §6.1
    }
    if (chunked_count != 1) {
      // Empty, or chunked applied twice (RFC 9112 §6.1 forbids it).
      return framing_error(400, "invalid Transfer-Encoding");
    }
    f.body = BodyKind::kChunked;
  } else if (content_length_count > 1) {
    // RFC 9112 §6.3 would allow identical repeats; refusing them is simpler
    // and closes a framing-disagreement avenue.
    return framing_error(400, "more than one Content-Length header");
  } else if (content_length_count == 1) {
    std::string_view value = content_length->value;
    for (char c : value) {
      if (!is_digit(c)) {
        return framing_error(400, "invalid Content-Length");  // RFC 9112 §6.3 item 5
      }
    }
    std::optional<uint64_t> length = parse_u64(value);
    if (!length) {
      return framing_error(400, "invalid Content-Length");  // empty or overflow
    }
    if (*length > max_body_bytes) {
      return framing_error(413, "request body too large");  // RFC 9110 §15.5.14
    }
    if (*length > 0) {
      f.body = BodyKind::kContentLength;
      f.content_length = *length;
    }
  }

  // RFC 9110 §10.1.1: an HTTP/1.0 expectation is ignored; any expectation
  // other than 100-continue is 417.
  if (is_http11) {
    if (expect_other) {
      return framing_error(417, "unsupported expectation");
    }
    f.expect_continue = expect_continue;
  }
  return f;
}

// --- The client half: response heads (RFC 9112 §4, §6.3).

namespace {

// Every response error is reported with the status a gateway would answer.
constexpr int kBadUpstreamStatus = 502;  // RFC 9110 §15.6.3

ParseResult bad_response(std::string_view reason) { return error(kBadUpstreamStatus, reason); }

// Content-Length values above this are refused whatever the limit, so no
// signed 64-bit arithmetic downstream (off_t, ssize_t) can overflow on them.
constexpr uint64_t kMaxContentLength = static_cast<uint64_t>(INT64_MAX);

constexpr std::string_view kVersionPrefix = "HTTP/1.";

// RFC 9112 §6.1 and §6.3: decides head.body and head.content_length from the
// fields. Returns an error reason, or an empty view.
std::string_view decide_response_framing(const ResponseLimits& limits, ResponseHead& head) {
  size_t content_length_count = 0;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  size_t chunked_count = 0;
  bool chunked_is_last = false;
  bool has_other_coding = false;

  for (size_t i = 0; i < head.header_count; ++i) {
    const HeaderField& field = head.headers[i];
    if (iequals(field.name, "content-length")) {
      for (char c : field.value) {
        if (!is_digit(c)) {
          return "invalid Content-Length";  // RFC 9112 §6.3 item 5; lists included
        }
      }
      std::optional<uint64_t> value = parse_u64(field.value);
      if (!value || *value > kMaxContentLength) {
        return "invalid Content-Length";  // empty, or beyond 2^63-1
      }
      // RFC 9110 §8.6 lets a recipient accept repeats of one value; differing
      // values leave the framing undecidable.
      if (content_length_count > 0 && *value != content_length) {
        return "conflicting Content-Length values";
      }
      content_length = *value;
      ++content_length_count;
    } else if (iequals(field.name, "transfer-encoding")) {
      has_transfer_encoding = true;
      for_each_list_element(field.value, [&](std::string_view coding) {
        if (iequals(coding, "chunked")) {
          ++chunked_count;
          chunked_is_last = true;
        } else {
          has_other_coding = true;
          chunked_is_last = false;
        }
      });
    }
  }

  if (has_transfer_encoding) {
    // RFC 9112 §6.1: with Content-Length, or in HTTP/1.0, the framing is faulty.
    if (content_length_count > 0) {
      return "both Content-Length and Transfer-Encoding";
    }
    if (head.minor_version == 0) {
      return "Transfer-Encoding in an HTTP/1.0 response";
    }
    // RFC 9112 §6.3 item 4 would read a body whose final coding is not
    // chunked until close; no other coding can be decoded here, so refuse.
    if (has_other_coding || chunked_count != 1 || !chunked_is_last) {
      return "unsupported transfer coding";
    }
    head.body = ResponseBody::kChunked;
  } else if (content_length_count > 0) {
    if (content_length > limits.max_body_bytes) {
      return "Content-Length exceeds the response body limit";
    }
    head.body = ResponseBody::kContentLength;
    head.content_length = content_length;
  } else {
    head.body = ResponseBody::kUntilClose;  // RFC 9112 §6.3 item 8
  }

  // RFC 9112 §6.3 items 1 and 2: no body, whatever the fields said (they
  // were still checked: a server that sends a bad one is not trusted).
  if (head.status / 100 == 1 || head.status == 204 || head.status == 304) {
    head.body = ResponseBody::kNone;
    head.content_length = 0;
  }
  return {};
}

// Parses a complete response head in buf[0, end), where buf[end-4, end) is
// the terminating CRLF CRLF.
ParseResult parse_complete_response(std::string_view buf, size_t end, const ResponseLimits& limits,
                                    ResponseHead& head) {
  head.header_count = 0;
  head.body = ResponseBody::kNone;
  head.content_length = 0;

  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  size_t line_end = 0;
  while (line_end < end && buf[line_end] != '\r') {
    ++line_end;
  }
  std::string_view line = buf.substr(0, line_end);
  if (line.size() < 12 || line.substr(0, kVersionPrefix.size()) != kVersionPrefix || !is_digit(line[7]) ||
      line[8] != ' ') {
    return bad_response("malformed status line");
  }
  if (line[7] != '0' && line[7] != '1') {
    return bad_response("unsupported HTTP version in status line");
  }
  head.minor_version = line[7] - '0';
  // RFC 9110 §15: three digits, the first 1 to 5. The SP after them is
  // required by the grammar, but "HTTP/1.1 204" alone is unambiguous and
  // sent by some servers, so an empty reason may go without it.
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
    return bad_response("invalid status code");
  }
  head.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (head.status < 100 || head.status > 599) {
    return bad_response("invalid status code");
  }
  head.reason = line.size() > 13 ? line.substr(13) : std::string_view();
  if (line_end + 1 >= end || buf[line_end + 1] != '\n') {
    return bad_response(kResponseWords.bare_cr);
  }

  ParseResult r = parse_field_lines(buf, line_end + 2, end, kResponseWords, head.headers, head.header_count);
  if (r.state == ParseState::kError) {
    return bad_response(r.reason);
  }
  std::string_view reason = decide_response_framing(limits, head);
  if (!reason.empty()) {
    return bad_response(reason);
  }
  return r;
}

}  // namespace

// As parse_request_head: every early rejection is a property of a prefix no
// later byte can undo, so whole and split deliveries get the same verdict.
ParseResult parse_response_head(std::string_view buf, size_t previous_length, const ResponseLimits& limits,
                                ResponseHead& head) {
  const size_t n = buf.size();
  if (previous_length > n) {
    previous_length = 0;
  }
  // Garbage (a TLS alert, an SSH banner, HTML) fails on its first bytes
  // instead of waiting for a blank line that may never come.
  const size_t prefix = n < kVersionPrefix.size() ? n : kVersionPrefix.size();
  if (buf.substr(0, prefix) != kVersionPrefix.substr(0, prefix)) {
    return bad_response("malformed status line");
  }

  size_t scan_from = previous_length >= 3 ? previous_length - 3 : 0;
  const size_t scan_end = n < limits.max_header_bytes ? n : limits.max_header_bytes;
  for (size_t i = scan_from; i < scan_end; ++i) {
    std::string_view reason = check_head_byte(buf, i, kResponseWords);
    if (!reason.empty()) {
      return bad_response(reason);
    }
    if (buf[i] == '\n' && i >= 3 && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
      return parse_complete_response(buf, i + 1, limits, head);
    }
  }
  if (n > limits.max_header_bytes) {
    return bad_response("response header block too large");
  }
  return incomplete();
}

}  // namespace sigma::http
