// Strict RFC 8259 parser and compact writer for json::Value.
//
// The parser validates UTF-8 (no overlongs, no surrogates, no code points
// above U+10FFFF), decodes every escape including surrogate pairs (a lone
// surrogate escape is an error), rejects duplicate object keys (after reading
// the whole text, so that a duplicate is told apart from malformed JSON), leading zeros,
// trailing garbage and anything but exactly one value surrounded by optional
// whitespace. It never throws and enforces the limits below.
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "json/value.h"

namespace sigma::json {

struct ParseLimits {
  size_t max_bytes = 1 << 20;      // whole input
  size_t max_depth = 64;           // nesting of arrays/objects
  size_t max_string_bytes = 1 << 20;
  size_t max_members = 100000;     // per array or object
};

struct ParseError {
  size_t offset = 0;    // byte offset where the problem was found
  std::string message;  // "expected ':' after object key"
  // Set when the text is well-formed JSON whose only fault is a duplicated
  // object key: the first such key in text order (decoded). A reader can
  // then tell "not JSON" from "JSON we refuse" (RFC 7493 §2.3). Any other
  // fault anywhere in the text takes precedence and leaves this empty.
  std::optional<std::string> duplicate_key;
  // "byte 17: expected ':' after object key"
  std::string to_string() const;
};

struct ParseResult {
  std::optional<Value> value;  // set on success
  ParseError error;            // meaningful when !value
  bool ok() const { return value.has_value(); }
};

ParseResult parse(std::string_view text, const ParseLimits& limits = {});

// Compact serialisation (no insignificant whitespace, never a raw newline, so
// the output is one stdio line). Strings are escaped: `"` `\` and control
// characters; other UTF-8 is written as is; U+2028/U+2029 are escaped.
std::string write(const Value& value);
void write_to(const Value& value, std::string& out);

}  // namespace sigma::json
