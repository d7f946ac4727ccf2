// Small string helpers over std::string_view. No allocation unless returning std::string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigma {

// ASCII-only case folding: protocol tokens are ASCII.
char ascii_lower(char c);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);

// Strips spaces and horizontal tabs (RFC 9110 OWS) from both ends.
std::string_view trim_ows(std::string_view s);
// Strips ASCII whitespace (space, \t, \r, \n, \v, \f) from both ends.
std::string_view trim_space(std::string_view s);

// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> split(std::string_view s, char sep);

// The value of one hexadecimal digit (0-9, a-f, A-F: RFC 5234 HEXDIG, taken
// case-insensitively as RFC 9112 chunk sizes and RFC 8259 \u escapes do);
// -1 for any other byte.
int hex_digit_value(char c);

// Whole-string decimal parse; no sign, no spaces, no overflow.
std::optional<uint64_t> parse_u64(std::string_view s);

}  // namespace sigma
