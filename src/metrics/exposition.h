// Prometheus text exposition format 0.0.4: escaping and number formatting.
//
// Owns: the byte-level rules of the format (label value and HELP escaping,
// sample value spelling). It knows nothing about which metrics exist.
// Must not: allocate beyond the returned string, read any state.
// Threading: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sigma::metrics {

// The Content-Type a /metrics response carries for this format.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Escapes a label value: `\` -> `\\`, `"` -> `\"`, newline -> `\n`
// (exposition format 0.0.4, "label_value can be any sequence of UTF-8
// characters, but the backslash, double-quote and line feed characters have
// to be escaped").
std::string escape_label_value(std::string_view value);

// Escapes HELP text: `\` -> `\\`, newline -> `\n` (quotes stay as they are).
std::string escape_help(std::string_view text);

// Spells a sample value: integers without a fraction, other finite values in
// the shortest form that reads back exactly, and NaN / +Inf / -Inf as the
// format names them.
std::string format_value(double value);
std::string format_value(uint64_t value);

// `name="value"` with the value escaped (escape_label_value); join several
// with ','.
std::string label(std::string_view name, std::string_view value);

// Appends one sample line: "name{labels} value\n", or "name value\n" when
// `labels` is empty. REQUIRES: `labels` was built with label().
void append_sample(std::string& out, std::string_view name, std::string_view labels, std::string_view value);

// Appends "# HELP name help\n# TYPE name type\n".
// REQUIRES: `name` is a valid metric name, `type` is counter/gauge/untyped.
void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type);

}  // namespace sigma::metrics
