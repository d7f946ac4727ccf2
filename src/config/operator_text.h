// The text the operator reads: --help, --version, the settings listing of
// --check-config, and the "did you mean" suggestions of the loaders.
//
// Owns: the wording and layout of that text, built from the settings table.
// Must not: print (main does), read the environment or files, or show a
// secret's value unless explicitly asked to (render_value with mask_secrets
// false, for tests).
// Threading: pure functions of their arguments and the read-only table.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/settings.h"

namespace sigma::config {

// --help text: usage lines, commands, and every setting with its flag, value
// name, environment name, default and summary.
std::string usage_text();
// "sigma-agent VERSION" (from the SIGMA_VERSION macro), no newline.
std::string version_text();
// --check-config listing: one "NAME=value (origin)" line per setting, in table
// order; secrets as "(set, N bytes hidden)", an unset value as
// "NAME= (default: unset (standalone))".
std::string render_effective(const Config& config);
// One setting's value as it would be written in the config file (secrets
// masked when `mask_secrets`); empty for an unset optional.
std::string render_value(const Config& config, SettingId id, bool mask_secrets = true);
// The default as --help and the man page state it ("60", "unset (standalone)").
std::string default_text(SettingId id);

// Case-insensitive Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

enum class NameKind { kFlag, kEnvironment };

// The known name nearest `wrong` within 3 edits (case-insensitive): a
// setting's flag or environment name; for kFlag also --config, --check-config,
// --help, --version and --stdio. Empty when none is that close.
std::string_view closest_name(std::string_view wrong, NameKind kind);

// " (did you mean AGENT_INTERVAL?)"; " (did you mean AGENT_INTERVAL? names are
// case-sensitive)" when only the case differs; empty when no name is close.
std::string did_you_mean(std::string_view wrong, NameKind kind);

}  // namespace sigma::config
