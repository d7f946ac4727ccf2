// The rules behind the settings table: how each setting's text becomes a
// Config field and how the field is written back. Private to config/: the
// loaders apply the rules, the operator text renders values and ranges.
//
// Owns: Kind, Entry and the one table of entries (in SettingId order).
// Must not: be included from outside config/.
// Threading: the table is built once on first use and read-only after.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.h"

namespace sigma::config {

enum class Kind { kText, kBoolean, kInteger };

// Parses and stores a text value; nullopt on success, else what is expected.
using TextSetter = std::optional<std::string> (*)(Config&, std::string_view);
using BooleanSetter = void (*)(Config&, bool);
using IntegerSetter = void (*)(Config&, int64_t);
// The value as written in a config file; nullopt when unset.
using Renderer = std::optional<std::string> (*)(const Config&);

struct Entry {
  SettingInfo info;
  Kind kind = Kind::kText;
  // kInteger: the accepted range and what the number counts ("seconds").
  int64_t min = 0;
  int64_t max = 0;
  std::string_view unit;
  std::string_view note;  // appended to the expectation ("0 disables the listener")
  TextSetter set_text = nullptr;
  BooleanSetter set_boolean = nullptr;
  IntegerSetter set_integer = nullptr;
  Renderer render = nullptr;
};

const std::array<Entry, kSettingCount>& entries();
const Entry& entry(SettingId id);

// What a boolean or integer setting expects ("a whole number of seconds
// between 1 and 86400"); empty for a text setting, whose setter says it.
std::string expectation(const Entry& e);

}  // namespace sigma::config
