// libFuzzer harness for the parsers of the sigma API's answers (control/api):
// registration, {"error"} bodies and paginated envoy-node / envoy-route lists.
// The API is a remote peer: its bytes are untrusted.
//
// Checked beyond "no crash": an accepted registration id is non-empty and of
// visible ASCII (it goes into query strings and log lines), an error message
// is bounded and printable, and an accepted page has a sane shape.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sigma::control;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sigma::Result<Registration> registration = parse_registration(text);
  if (registration.is_ok()) {
    if (registration->id.empty() || registration->id.size() > 128) {
      __builtin_trap();
    }
    for (char c : registration->id) {
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
        __builtin_trap();
      }
    }
  }
  if (std::optional<std::string> message = parse_error_message(text)) {
    if (message->size() > kMaxApiMessageBytes + 3) {
      __builtin_trap();
    }
    for (char c : *message) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
        __builtin_trap();
      }
    }
  }
  sigma::Result<Page<EnvoyRoute>> routes = parse_envoy_routes_page(text);
  if (routes.is_ok() && (routes->total < 0 || routes->page < 1 || routes->per_page < 0)) {
    __builtin_trap();
  }
  sigma::Result<Page<EnvoyNode>> nodes = parse_envoy_nodes_page(text);
  if (nodes.is_ok() && (nodes->total < 0 || nodes->page < 1)) {
    __builtin_trap();
  }
  return 0;
}
