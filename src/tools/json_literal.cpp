#include "tools/json_literal.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "json/json.h"

namespace sigma::tools {

json::Value json_literal(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  if (!parsed.ok()) {
    // Startup only (tool construction), so a fatal exit is allowed here.
    std::fprintf(stderr, "sigma-agent: built-in JSON literal is invalid: %s\n", parsed.error.to_string().c_str());
    std::abort();
  }
  return std::move(*parsed.value);
}

}  // namespace sigma::tools
