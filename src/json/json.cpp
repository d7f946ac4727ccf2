// Strict RFC 8259 parser and compact writer.
//
// The parser is a recursive descent whose depth is bounded by
// ParseLimits::max_depth; it reads only inside the given view (never one byte
// past its end) and reports every error with the byte offset where it was
// found. Every "input ended early" error is reported at offset == size, so a
// truncated document is told apart from a malformed one.

#include "json/json.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"

namespace sigma::json {
namespace {

// Objects up to this many members are checked for duplicate keys by a linear
// scan as each key arrives; bigger ones are sorted once at '}' so a hostile
// object of max_members keys costs O(n log n), not O(n^2).
constexpr size_t kLinearDuplicateScan = 16;

// Most JSON-RPC objects and arrays hold a handful of members: one
// allocation up front instead of growing 1, 2, 4.
constexpr size_t kInitialMembers = 4;

constexpr size_t kUtf8Invalid = 0;
constexpr size_t kUtf8Truncated = SIZE_MAX;

// Length of the well-formed UTF-8 sequence starting at `p` (a byte >= 0x80),
// kUtf8Invalid, or kUtf8Truncated when the input ends inside an otherwise
// valid prefix. RFC 3629 §4: this table excludes overlongs (C0, C1, E0 80..9F,
// F0 80..8F), UTF-16 surrogates (ED A0..BF) and code points above U+10FFFF
// (F4 90.., F5..FF).
size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  size_t continuation = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    continuation = 1;
  } else if (c == 0xE0) {
    continuation = 2;
    lo = 0xA0;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    continuation = 2;
  } else if (c == 0xED) {
    continuation = 2;
    hi = 0x9F;
  } else if (c == 0xF0) {
    continuation = 3;
    lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    continuation = 3;
  } else if (c == 0xF4) {
    continuation = 3;
    hi = 0x8F;
  } else {
    return kUtf8Invalid;
  }
  for (size_t k = 1; k <= continuation; ++k) {
    if (static_cast<size_t>(end - p) <= k) {
      return kUtf8Truncated;
    }
    const unsigned b = p[k];
    const unsigned min = k == 1 ? lo : 0x80;
    const unsigned max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      return kUtf8Invalid;
    }
  }
  return continuation + 1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Byte classes for the string fast paths: 1 = a byte that stands for itself
// (printable ASCII other than '"' and '\\'), 0 = needs a closer look.
struct PlainAsciiTable {
  bool plain[256] = {};
  constexpr PlainAsciiTable() {
    for (int c = 0x20; c < 0x80; ++c) {
      plain[c] = c != '"' && c != '\\';
    }
  }
};
constexpr PlainAsciiTable kPlainAscii;

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// "'x'" for printable ASCII, "byte 0x0a" otherwise, so an error message
// never carries a raw control character or a broken UTF-8 fragment.
std::string describe_byte(unsigned char c) {
  if (c > 0x20 && c < 0x7f) {
    return std::string("'") + static_cast<char>(c) + "'";
  }
  static const char kHex[] = "0123456789abcdef";
  std::string s = "byte 0x";
  s.push_back(kHex[c >> 4]);
  s.push_back(kHex[c & 15]);
  return s;
}

class Parser final {
 public:
  Parser(std::string_view text, const ParseLimits& limits)
      : begin_(reinterpret_cast<const unsigned char*>(text.data())),
        p_(begin_),
        end_(begin_ + text.size()),
        limits_(limits) {}

  bool parse_document(Value& out) {
    const size_t size = static_cast<size_t>(end_ - begin_);
    if (size > limits_.max_bytes) {
      return fail(limits_.max_bytes,
                  "input larger than max_bytes (" + std::to_string(limits_.max_bytes) + ")");
    }
    // RFC 8259 §2: JSON-text = ws value ws.
    skip_whitespace();
    if (!parse_value(out, 0)) {
      return false;
    }
    skip_whitespace();
    if (p_ != end_) {
      return fail(offset(), "unexpected " + describe_byte(*p_) + " after the value");
    }
    if (duplicate_key_) {
      fail(duplicate_offset_, "duplicate object key");
      error_.duplicate_key = std::move(duplicate_key_);
      return false;
    }
    return true;
  }

  ParseError take_error() { return std::move(error_); }

 private:
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }

  bool fail(size_t at, std::string message) {
    error_.offset = at;
    error_.message = std::move(message);
    return false;
  }

  bool fail_eof(const char* context) {
    return fail(static_cast<size_t>(end_ - begin_), std::string("unexpected end of input ") + context);
  }

  // RFC 8259 §2: ws = space, horizontal tab, line feed, carriage return.
  void skip_whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) {
      ++p_;
    }
  }

  // `depth` counts the arrays and objects enclosing this value.
  bool parse_value(Value& out, size_t depth) {
    if (p_ == end_) {
      return fail_eof("where a value was expected");
    }
    switch (*p_) {
      case '{':
        return parse_object(out, depth);
      case '[':
        return parse_array(out, depth);
      case '"': {
        std::string s;
        if (!parse_string(s)) {
          return false;
        }
        out = Value(std::move(s));
        return true;
      }
      case 't':
        return parse_literal("true", Value(true), out);
      case 'f':
        return parse_literal("false", Value(false), out);
      case 'n':
        return parse_literal("null", Value(), out);
      default:
        if (*p_ == '-' || is_digit(*p_)) {
          return parse_number(out);
        }
        return fail(offset(), "unexpected " + describe_byte(*p_) + " where a value was expected");
    }
  }

  bool enter_container(size_t depth) {
    if (depth + 1 > limits_.max_depth) {
      return fail(offset(), "nesting deeper than max_depth (" + std::to_string(limits_.max_depth) + ")");
    }
    return true;
  }

  bool parse_array(Value& out, size_t depth) {
    if (!enter_container(depth)) {
      return false;
    }
    ++p_;  // '['
    out = Value::array();
    Array& items = out.as_array();
    skip_whitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    items.reserve(kInitialMembers);
    while (true) {
      if (items.size() >= limits_.max_members) {
        return fail(offset(), "array has more than max_members (" +
                                  std::to_string(limits_.max_members) + ") elements");
      }
      items.emplace_back();
      if (!parse_value(items.back(), depth + 1)) {
        return false;
      }
      skip_whitespace();
      if (p_ == end_) {
        return fail_eof("in array");
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') {
        return fail(offset(), "expected ',' or ']' after array element, got " + describe_byte(*p_));
      }
      ++p_;
      skip_whitespace();
      if (p_ != end_ && *p_ == ']') {
        return fail(offset(), "trailing comma in array");
      }
    }
  }

  bool parse_object(Value& out, size_t depth) {
    if (!enter_container(depth)) {
      return false;
    }
    ++p_;  // '{'
    out = Value::object();
    Object& members = out.as_object();
    skip_whitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    members.reserve(kInitialMembers);
    const size_t offsets_base = key_offsets_.size();
    while (true) {
      if (p_ == end_) {
        return fail_eof("in object");
      }
      if (*p_ != '"') {
        if (*p_ == '}' && !members.empty()) {
          return fail(offset(), "trailing comma in object");
        }
        return fail(offset(), "expected a string object key, got " + describe_byte(*p_));
      }
      if (members.size() >= limits_.max_members) {
        return fail(offset(), "object has more than max_members (" +
                                  std::to_string(limits_.max_members) + ") members");
      }
      const size_t key_offset = offset();
      std::string key;
      if (!parse_string(key)) {
        return false;
      }
      // Duplicates are refused once the whole text has parsed (record_duplicate).
      if (members.size() < kLinearDuplicateScan) {
        for (const Member& m : members) {
          if (m.first == key) {
            record_duplicate(key_offset, key);
            break;
          }
        }
      }
      if (members.size() >= kLinearDuplicateScan) {
        key_offsets_.push_back(key_offset);
      }
      members.emplace_back(std::move(key), Value());
      skip_whitespace();
      if (p_ == end_) {
        return fail_eof("after object key");
      }
      if (*p_ != ':') {
        return fail(offset(), "expected ':' after object key, got " + describe_byte(*p_));
      }
      ++p_;
      skip_whitespace();
      if (!parse_value(members.back().second, depth + 1)) {
        return false;
      }
      skip_whitespace();
      if (p_ == end_) {
        return fail_eof("in object");
      }
      if (*p_ == '}') {
        ++p_;
        break;
      }
      if (*p_ != ',') {
        return fail(offset(), "expected ',' or '}' after object member, got " + describe_byte(*p_));
      }
      ++p_;
      skip_whitespace();
    }
    if (members.size() > kLinearDuplicateScan && !check_duplicates_sorted(members, offsets_base)) {
      return false;
    }
    key_offsets_.resize(offsets_base);
    return true;
  }

  // Reports the first duplicate in text order, like the linear scan would.
  bool check_duplicates_sorted(const Object& members, size_t offsets_base) {
    std::vector<size_t> order(members.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // Stable, so within a run of equal keys the first occurrence leads.
    std::stable_sort(order.begin(), order.end(), [&members](size_t a, size_t b) {
      return members[a].first < members[b].first;
    });
    size_t first_duplicate = SIZE_MAX;
    for (size_t k = 1; k < order.size(); ++k) {
      if (members[order[k]].first == members[order[k - 1]].first) {
        first_duplicate = std::min(first_duplicate, order[k]);
      }
    }
    // A second occurrence among the first kLinearDuplicateScan members was
    // recorded by the linear scan, and is earlier in the text than any other.
    if (first_duplicate == SIZE_MAX || first_duplicate < kLinearDuplicateScan) {
      return true;
    }
    // The linear scan caught every duplicate whose second occurrence is
    // among the first kLinearDuplicateScan members, so this one is past them.
    record_duplicate(key_offsets_[offsets_base + first_duplicate - kLinearDuplicateScan],
                     members[first_duplicate].first);
    return true;
  }

  // RFC 8259 §4 leaves duplicate names to the implementation; two readers
  // picking different duplicates is a classic smuggling path, so the
  // document is refused, but only once the rest of it has parsed: the first
  // duplicate in text order is reported then (parse_document).
  void record_duplicate(size_t at, const std::string& key) {
    if (!duplicate_key_ || at < duplicate_offset_) {
      duplicate_offset_ = at;
      duplicate_key_ = key;
    }
  }

  // RFC 8259 §7. REQUIRES: *p_ == '"'.
  bool parse_string(std::string& out) {
    const size_t open = offset();
    ++p_;
    const unsigned char* run = p_;
    while (true) {
      // Fast path: plain printable ASCII needs no decoding. A local cursor
      // lets the compiler keep it in a register.
      const unsigned char* p = p_;
      while (p != end_ && kPlainAscii.plain[*p]) {
        ++p;
      }
      p_ = p;
      if (p_ == end_) {
        return fail_eof("in string");
      }
      const unsigned char c = *p_;
      if (c == '"') {
        out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p_ - run));
        ++p_;
        if (out.size() > limits_.max_string_bytes) {
          return fail(open, "string longer than max_string_bytes (" +
                                std::to_string(limits_.max_string_bytes) + ")");
        }
        return true;
      }
      if (c == '\\') {
        out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p_ - run));
        if (!parse_escape(out)) {
          return false;
        }
        run = p_;
        continue;
      }
      if (c < 0x20) {
        return fail(offset(), "unescaped control character " + describe_byte(c) + " in string");
      }
      const size_t n = utf8_sequence_length(p_, end_);
      if (n == kUtf8Truncated) {
        return fail_eof("inside a UTF-8 sequence");
      }
      if (n == kUtf8Invalid) {
        return fail(offset(), "invalid UTF-8 in string");
      }
      p_ += n;
    }
  }

  // Reads the four hex digits after "\u". REQUIRES: p_ points at the 'u'.
  bool read_hex4(size_t escape_offset, uint32_t& out) {
    uint32_t v = 0;
    for (int k = 1; k <= 4; ++k) {
      if (end_ - p_ <= k) {
        return fail_eof("in \\u escape");
      }
      const int h = hex_digit_value(static_cast<char>(p_[k]));
      if (h < 0) {
        return fail(escape_offset, "invalid \\u escape: expected 4 hex digits");
      }
      v = v * 16 + static_cast<uint32_t>(h);
    }
    p_ += 5;
    out = v;
    return true;
  }

  // RFC 8259 §7 escapes. REQUIRES: *p_ == '\\'.
  bool parse_escape(std::string& out) {
    const size_t escape_offset = offset();
    ++p_;
    if (p_ == end_) {
      return fail_eof("in escape");
    }
    char decoded = 0;
    switch (*p_) {
      case '"': decoded = '"'; break;
      case '\\': decoded = '\\'; break;
      case '/': decoded = '/'; break;
      case 'b': decoded = '\b'; break;
      case 'f': decoded = '\f'; break;
      case 'n': decoded = '\n'; break;
      case 'r': decoded = '\r'; break;
      case 't': decoded = '\t'; break;
      case 'u': return parse_unicode_escape(escape_offset, out);
      default:
        return fail(escape_offset, "invalid escape: backslash followed by " + describe_byte(*p_));
    }
    out.push_back(decoded);
    ++p_;
    return true;
  }

  // "\uXXXX", with UTF-16 surrogate pairs combined (RFC 8259 §7). A lone
  // surrogate has no UTF-8 form, so it is an error rather than WTF-8.
  bool parse_unicode_escape(size_t escape_offset, std::string& out) {
    uint32_t unit = 0;
    if (!read_hex4(escape_offset, unit)) {
      return false;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return fail(escape_offset, "lone low surrogate escape in string");
    }
    if (unit < 0xD800 || unit > 0xDBFF) {
      append_utf8(out, unit);
      return true;
    }
    if (p_ == end_ || (p_[0] == '\\' && end_ - p_ == 1)) {
      return fail_eof("after a high surrogate escape");
    }
    if (p_[0] != '\\' || p_[1] != 'u') {
      return fail(escape_offset, "lone high surrogate escape in string");
    }
    ++p_;  // now at 'u'
    uint32_t low = 0;
    if (!read_hex4(escape_offset + 6, low)) {
      return false;
    }
    if (low < 0xDC00 || low > 0xDFFF) {
      return fail(escape_offset, "lone high surrogate escape in string");
    }
    append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
    return true;
  }

  // RFC 8259 §6: [ minus ] int [ frac ] [ exp ]; the lexeme is kept as is.
  bool parse_number(Value& out) {
    const unsigned char* start = p_;
    if (*p_ == '-') {
      ++p_;
      if (p_ == end_) {
        return fail_eof("in number");
      }
      if (!is_digit(*p_)) {
        return fail(offset(), "expected a digit after '-', got " + describe_byte(*p_));
      }
    }
    if (*p_ == '0') {
      ++p_;
      if (p_ != end_ && is_digit(*p_)) {
        return fail(offset(), "leading zero in number");
      }
    } else {
      while (p_ != end_ && is_digit(*p_)) {
        ++p_;
      }
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_) {
        return fail_eof("in number");
      }
      if (!is_digit(*p_)) {
        return fail(offset(), "expected a digit after '.', got " + describe_byte(*p_));
      }
      while (p_ != end_ && is_digit(*p_)) {
        ++p_;
      }
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) {
        ++p_;
      }
      if (p_ == end_) {
        return fail_eof("in number");
      }
      if (!is_digit(*p_)) {
        return fail(offset(), "expected a digit in exponent, got " + describe_byte(*p_));
      }
      while (p_ != end_ && is_digit(*p_)) {
        ++p_;
      }
    }
    out = Value::number_from_text(
        std::string(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start)));
    return true;
  }

  bool parse_literal(std::string_view word, Value value, Value& out) {
    for (size_t k = 0; k < word.size(); ++k) {
      if (p_ + k == end_) {
        return fail_eof("in literal");
      }
      if (p_[k] != static_cast<unsigned char>(word[k])) {
        return fail(offset() + k, "invalid literal, expected '" + std::string(word) + "'");
      }
    }
    p_ += word.size();
    out = std::move(value);
    return true;
  }

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
  const ParseLimits& limits_;
  ParseError error_;
  // Offsets of the keys past the first kLinearDuplicateScan of each object
  // being parsed, as a stack: each object owns the tail from its base. Only
  // read when reporting a duplicate; small objects never touch it.
  std::vector<size_t> key_offsets_;
  std::optional<std::string> duplicate_key_;
  size_t duplicate_offset_ = 0;
};

void write_string(std::string_view s, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;
  auto flush = [&]() { out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run)); };
  while (p != end) {
    const unsigned char c = *p;
    // Everything else ('"', '\\', controls, non-ASCII) needs a closer look.
    if (kPlainAscii.plain[c]) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = utf8_sequence_length(p, end);
      if (n != kUtf8Invalid && n != kUtf8Truncated) {
        // U+2028/U+2029 (E2 80 A8/A9) are valid JSON but end a line in
        // JavaScript and some line readers; escape them (RFC 8259 §7 allows).
        if (n == 3 && c == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
          flush();
          out.append(p[2] == 0xA8 ? "\\u2028" : "\\u2029");
          p += 3;
          run = p;
          continue;
        }
        p += n;
        continue;
      }
      // A string built in code (a /proc name, say) may hold bytes that are
      // not UTF-8; RFC 8259 §8.1 requires UTF-8 on the wire, so each bad
      // byte becomes U+FFFD rather than poisoning the whole message.
      flush();
      out.append("\xEF\xBF\xBD");
      ++p;
      run = p;
      continue;
    }
    flush();
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
        break;
    }
    ++p;
    run = p;
  }
  flush();
  out.push_back('"');
}

void write_value(const Value& v, std::string& out) {
  switch (v.type()) {
    case Type::kNull:
      out.append("null");
      return;
    case Type::kBool:
      out.append(v.as_bool() ? "true" : "false");
      return;
    case Type::kNumber:
      // An empty lexeme can only come from number_from_text("") (a broken
      // REQUIRES); "null" keeps the output valid JSON regardless.
      out.append(v.number_text().empty() ? std::string_view("null") : std::string_view(v.number_text()));
      return;
    case Type::kString:
      write_string(v.as_string(), out);
      return;
    case Type::kRaw:
      out.append(v.raw_text());
      return;
    case Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.as_array()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        write_value(item, out);
      }
      out.push_back(']');
      return;
    }
    case Type::kObject: {
      out.push_back('{');
      bool first = true;
      for (const Member& m : v.as_object()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        write_string(m.first, out);
        out.push_back(':');
        write_value(m.second, out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string ParseError::to_string() const { return "byte " + std::to_string(offset) + ": " + message; }

ParseResult parse(std::string_view text, const ParseLimits& limits) {
  ParseResult result;
  Parser parser(text, limits);
  Value value;
  if (parser.parse_document(value)) {
    result.value.emplace(std::move(value));
  } else {
    result.error = parser.take_error();
  }
  return result;
}

std::string write(const Value& value) {
  std::string out;
  out.reserve(256);
  write_to(value, out);
  return out;
}

void write_to(const Value& value, std::string& out) { write_value(value, out); }

}  // namespace sigma::json
