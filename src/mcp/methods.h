// The JSON-RPC method names the dispatcher serves: stated here once, for the
// dispatcher's routing labels and for the metrics registry's vocabulary
// (main passes the list to metrics::Registry; metrics does not include mcp).
//
// Owns: the list and the label a received method name is counted under.
// Threading: constants and a pure function.
#pragma once

#include <array>
#include <string_view>

namespace sigma::mcp {

inline constexpr std::array<std::string_view, 7> kServedMethods = {
    "initialize", "notifications/cancelled", "notifications/initialized", "ping", "server/discover", "tools/call",
    "tools/list",
};

// What every other method name is counted as: a client picks method names,
// so they must not become label values.
inline constexpr std::string_view kUnknownMethod = "unknown";

// `method` itself when it is served, else kUnknownMethod. The view returned
// points into kServedMethods, never into `method`.
inline std::string_view method_label(std::string_view method) {
  for (std::string_view served : kServedMethods) {
    if (method == served) {
      return served;
    }
  }
  return kUnknownMethod;
}

}  // namespace sigma::mcp
