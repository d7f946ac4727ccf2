#include "http/chunked.h"

#include "base/strings.h"

namespace sigma::http {

namespace {

// Bytes allowed inside chunk extensions and trailer values: HTAB, SP, VCHAR,
// obs-text (RFC 9110 §5.5, §5.6.4).
bool is_text_byte(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  return c == '\t' || (c >= 0x20 && c != 0x7F);
}

}  // namespace

ChunkedDecoder::ChunkedDecoder(uint64_t max_body_bytes, size_t max_trailer_bytes)
    : max_body_bytes_(max_body_bytes), max_trailer_bytes_(max_trailer_bytes) {}

ParseResult ChunkedDecoder::fail(int status, std::string_view reason, size_t consumed) {
  state_ = State::kFailed;
  failed_status_ = status;
  failed_reason_ = reason;
  ParseResult r;
  r.state = ParseState::kError;
  r.consumed = consumed;
  r.http_status = status;
  r.reason = reason;
  return r;
}

ParseResult ChunkedDecoder::decode(std::string_view input, std::string& body) {
  if (state_ == State::kDone) {
    ParseResult r;
    r.state = ParseState::kComplete;
    return r;
  }
  if (state_ == State::kFailed) {
    ParseResult r;
    r.state = ParseState::kError;
    r.http_status = failed_status_;
    r.reason = failed_reason_;
    return r;
  }

  size_t i = 0;
  const size_t n = input.size();
  while (i < n) {
    char c = input[i];
    switch (state_) {
      // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF  (RFC 9112 §7.1)
      case State::kSize: {
        int digit = hex_digit_value(c);
        if (digit >= 0) {
          if (++size_digits_ > kMaxChunkSizeDigits) {
            return fail(400, "chunk size too long", i);
          }
          chunk_size_ = (chunk_size_ << 4) | static_cast<uint64_t>(digit);
        } else if (size_digits_ == 0) {
          return fail(400, "invalid chunk size", i);
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';' || c == ' ' || c == '\t') {
          // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
          in_extension_ = c == ';';
          state_ = State::kExtension;
        } else {
          return fail(400, "invalid chunk size", i);
        }
        ++i;
        if (++line_bytes_ > kMaxChunkLineBytes) {
          return fail(400, "chunk size line too long", i);
        }
        break;
      }
      case State::kExtension: {
        if (!in_extension_) {
          // Only BWS may sit between the size and ';' (no trailing spaces).
          if (c == ';') {
            in_extension_ = true;
          } else if (c != ' ' && c != '\t') {
            return fail(400, "invalid chunk extension", i);
          }
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (!is_text_byte(c)) {
          return fail(400, "invalid chunk extension", i);
        }
        ++i;
        if (++line_bytes_ > kMaxChunkLineBytes) {
          return fail(400, "chunk size line too long", i);
        }
        break;
      }
      case State::kSizeLf: {
        if (c != '\n') {
          return fail(400, "bare CR in chunk size line", i);
        }
        ++i;
        if (chunk_size_ == 0) {
          state_ = State::kTrailerStart;  // last-chunk
          break;
        }
        // Decided before any data byte of the chunk is read (RFC 9110 §15.5.14).
        if (chunk_size_ > max_body_bytes_ - body_bytes_) {
          return fail(413, "request body too large", i);
        }
        remaining_ = chunk_size_;
        state_ = State::kData;
        break;
      }
      case State::kData: {
        size_t available = n - i;
        size_t take = remaining_ < available ? static_cast<size_t>(remaining_) : available;
        body.append(input.data() + i, take);
        i += take;
        remaining_ -= take;
        body_bytes_ += take;
        if (remaining_ == 0) {
          state_ = State::kDataCr;
        }
        break;
      }
      case State::kDataCr: {
        if (c != '\r') {
          return fail(400, "chunk data not followed by CRLF", i);
        }
        ++i;
        state_ = State::kDataLf;
        break;
      }
      case State::kDataLf: {
        if (c != '\n') {
          return fail(400, "chunk data not followed by CRLF", i);
        }
        ++i;
        chunk_size_ = 0;
        size_digits_ = 0;
        line_bytes_ = 0;
        in_extension_ = false;
        state_ = State::kSize;
        break;
      }
      // trailer-section = *( field-line CRLF ), then CRLF (RFC 9112 §7.1.2)
      case State::kTrailerStart:
      case State::kTrailerName:
      case State::kTrailerValue:
      case State::kTrailerLf:
      case State::kFinalLf: {
        if (++trailer_bytes_ > max_trailer_bytes_) {
          return fail(431, "trailer section too large", i);
        }
        if (state_ == State::kTrailerStart) {
          if (c == '\r') {
            state_ = State::kFinalLf;
          } else if (is_token_char(c)) {
            state_ = State::kTrailerName;
          } else {
            // Includes SP/HTAB: obs-fold is rejected here too (RFC 9112 §5.2).
            return fail(400, "invalid trailer field", i);
          }
        } else if (state_ == State::kTrailerName) {
          if (c == ':') {
            state_ = State::kTrailerValue;
          } else if (!is_token_char(c)) {
            return fail(400, "invalid trailer field name", i);
          }
        } else if (state_ == State::kTrailerValue) {
          if (c == '\r') {
            state_ = State::kTrailerLf;
          } else if (!is_text_byte(c)) {
            return fail(400, "invalid trailer field value", i);
          }
        } else if (state_ == State::kTrailerLf) {
          if (c != '\n') {
            return fail(400, "bare CR in trailer section", i);
          }
          state_ = State::kTrailerStart;
        } else {
          if (c != '\n') {
            return fail(400, "bare CR in trailer section", i);
          }
          state_ = State::kDone;
          ParseResult r;
          r.state = ParseState::kComplete;
          r.consumed = i + 1;
          return r;
        }
        ++i;
        break;
      }
      case State::kDone:
      case State::kFailed:
        return fail(400, "decoder misuse", i);  // unreachable: handled above
    }
  }
  ParseResult r;
  r.state = ParseState::kIncomplete;
  r.consumed = n;
  return r;
}

}  // namespace sigma::http
