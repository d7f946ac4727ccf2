// Schema literals: the tools write their JSON Schemas as JSON text.
//
// Owns: turning a compile-time JSON literal into a json::Value once, when a
// tool is constructed at startup.
// Must not: be used on input from outside the binary.
// Threading: pure.
#pragma once

#include <string_view>

#include "json/value.h"

namespace sigma::tools {

// REQUIRES: `text` is valid JSON written in this source tree. A literal that
// does not parse is a programming error caught by the unit tests; it aborts
// with the parser's message rather than serve a tool with a broken schema.
json::Value json_literal(std::string_view text);

}  // namespace sigma::tools
