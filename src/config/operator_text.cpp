#include "config/operator_text.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "base/strings.h"
#include "config/setting_table.h"

#ifndef SIGMA_VERSION
#define SIGMA_VERSION "unknown"
#endif

namespace sigma::config {

std::string version_text() { return std::string("sigma-agent ") + SIGMA_VERSION; }

std::string default_text(SettingId id) {
  const Entry& e = entry(id);
  if (!e.info.unset_text.empty()) {
    return std::string(e.info.unset_text);
  }
  std::optional<std::string> v = e.render(Config{});
  return v ? *v : std::string("unset");
}

std::string render_value(const Config& config, SettingId id, bool mask_secrets) {
  const Entry& e = entry(id);
  std::optional<std::string> v = e.render(config);
  if (!v) {
    return {};
  }
  if (mask_secrets && e.info.is_secret) {
    return "(set, " + std::to_string(v->size()) + " bytes hidden)";
  }
  return *v;
}

std::string render_effective(const Config& config) {
  std::string out;
  for (const Entry& e : entries()) {
    out += e.info.env_name;
    out += '=';
    const ValueOrigin& origin = config.origin(e.info.id);
    if (e.render(config)) {
      out += render_value(config, e.info.id, true);
      out += " (" + describe_origin(origin) + ")";
    } else {
      out += " (" + describe_origin(origin) + ": " + std::string(e.info.unset_text) + ")";
    }
    out += '\n';
  }
  return out;
}

std::string usage_text() {
  std::string out =
      "usage: sigma-agent [--config FILE] [--check-config] [--stdio] [OPTION ...]\n"
      "       sigma-agent [OPTION ...] call TOOL [JSON-ARGS]\n"
      "       sigma-agent --help | --version\n"
      "\n"
      "Commands:\n"
      "  -h, --help              print this help and exit\n"
      "  -V, --version           print the version and exit\n"
      "  --check-config          print the effective settings and the MCP bind decision, then exit\n"
      "                          (non-zero when the daemon would refuse anything)\n"
      "  --stdio                 serve MCP on stdin/stdout instead of HTTP (no listener)\n"
      "  call TOOL [JSON-ARGS]   run one tool here and print its result as JSON\n"
      "                          (exit 1: the tool reported an error; 2: unknown tool or bad arguments)\n"
      "  --config FILE           read NAME=value settings from FILE\n"
      "                          (default " + std::string(kDefaultConfigPath) + " when it exists)\n"
      "\n"
      "Settings: each is a flag, an environment variable and a config file key;\n"
      "a flag wins over the environment, the environment over the file, the file over the default.\n"
      "Booleans take --flag or --flag=true|false|yes|no|1|0.\n";
  for (const Entry& e : entries()) {
    std::string left = "  " + std::string(e.info.flag);
    if (!e.info.is_boolean) {
      left += " " + std::string(e.info.value_name);
    }
    if (left.size() < 34) {
      left.resize(34, ' ');
    } else {
      left += ' ';
    }
    out += "\n" + left + std::string(e.info.env_name) + ", default " + default_text(e.info.id);
    out += "\n      " + std::string(e.info.summary);
    if (e.kind == Kind::kInteger) {
      out += "; " + std::to_string(e.min) + ".." + std::to_string(e.max);
      if (e.unit != "port") {
        out += " " + std::string(e.unit);
      }
    }
  }
  out += "\n\nSee sigma-agent(8).\n";
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitute = prev[j - 1] + (ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string_view closest_name(std::string_view wrong, NameKind kind) {
  std::string_view best;
  size_t best_distance = 4;  // suggest only within 3 edits
  for (const Entry& e : entries()) {
    std::string_view candidate = kind == NameKind::kFlag ? e.info.flag : e.info.env_name;
    size_t d = edit_distance(wrong, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (kind == NameKind::kFlag) {
    for (std::string_view candidate : {"--config", "--check-config", "--help", "--version", "--stdio"}) {
      size_t d = edit_distance(wrong, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
  }
  return best;
}

std::string did_you_mean(std::string_view wrong, NameKind kind) {
  std::string_view best = closest_name(wrong, kind);
  if (best.empty()) {
    return {};
  }
  std::string s = " (did you mean " + std::string(best) + "?";
  if (edit_distance(wrong, best) == 0) {
    s += kind == NameKind::kFlag ? " options" : " names";
    s += " are case-sensitive";
  }
  return s + ")";
}

}  // namespace sigma::config
