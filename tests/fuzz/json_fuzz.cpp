// libFuzzer harness for the JSON parser and writer.
//
// Any input that parses must survive write -> parse unchanged, and writing
// the re-parsed value must give identical bytes (the writer is canonical).
// A violation traps so the fuzzer records the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sigma::json::ParseResult first = sigma::json::parse(text);
  if (!first.ok()) {
    // Errors point inside the input (or just past it for a truncation).
    if (first.error.offset > size || first.error.message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const std::string written = sigma::json::write(*first.value);
  if (written.find('\n') != std::string::npos) {
    __builtin_trap();
  }
  sigma::json::ParseResult second = sigma::json::parse(written);
  if (!second.ok() || !(*second.value == *first.value)) {
    __builtin_trap();
  }
  if (sigma::json::write(*second.value) != written) {
    __builtin_trap();
  }
  // Exercise the number accessors on every number reached at the top level
  // or one level down; they must not crash on any valid lexeme.
  const sigma::json::Value& v = *first.value;
  auto touch = [](const sigma::json::Value& n) {
    if (n.is_number()) {
      (void)n.as_double();
      const bool integer = n.is_integer();
      if (n.as_int().has_value() && !integer) {
        __builtin_trap();
      }
    }
  };
  touch(v);
  if (v.is_array()) {
    for (const sigma::json::Value& item : v.as_array()) {
      touch(item);
    }
  } else if (v.is_object()) {
    for (const sigma::json::Member& m : v.as_object()) {
      touch(m.second);
    }
  }
  return 0;
}
