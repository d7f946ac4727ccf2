#include "config/load.h"


#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "base/file.h"
#include "base/strings.h"
#include "config/operator_text.h"
#include "config/setting_table.h"

namespace sigma::config {
namespace {

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A value as it may appear in a message: quoted with controls escaped and long
// values cut; a secret only by its length.
std::string quote(std::string_view v) {
  constexpr size_t kMaxShown = 120;
  std::string out = "\"";
  for (size_t i = 0; i < v.size() && i < kMaxShown; ++i) {
    char c = v[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (is_control(c)) {
      static const char kHex[] = "0123456789abcdef";
      auto u = static_cast<unsigned char>(c);
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (v.size() > kMaxShown) {
    out += "...";
  }
  out += '"';
  return out;
}

// true/false/yes/no in any case, 1 or 0.
std::optional<bool> parse_boolean(std::string_view v) {
  if (iequals(v, "true") || iequals(v, "yes") || v == "1") {
    return true;
  }
  if (iequals(v, "false") || iequals(v, "no") || v == "0") {
    return false;
  }
  return std::nullopt;
}

std::string show_value(const SettingInfo& info, std::string_view v) {
  if (info.is_secret) {
    return v.empty() ? std::string("(empty)") : "(" + std::to_string(v.size()) + " bytes hidden)";
  }
  return quote(v);
}

struct Assignment {
  SettingId id;
  std::string value;
  ValueOrigin origin;
};

struct Loader {
  LoadResult result;
  bool usage_error = false;
  bool config_error = false;

  void usage(std::string message) {
    usage_error = true;
    result.errors.push_back(std::move(message));
  }
  void bad_config(std::string message) {
    config_error = true;
    result.errors.push_back(std::move(message));
  }
  void warn(std::string message) { result.warnings.push_back(std::move(message)); }

  // Parses and stores one value; a bad value leaves the field as it was and
  // records the error (the exit status makes sure nothing runs with it).
  void apply(const Assignment& a) {
    const Entry& e = entry(a.id);
    Config& c = result.config;
    std::optional<std::string> expected;
    switch (e.kind) {
      case Kind::kBoolean: {
        std::optional<bool> v = parse_boolean(a.value);
        if (v) {
          e.set_boolean(c, *v);
        } else {
          expected = expectation(e);
        }
        break;
      }
      case Kind::kInteger: {
        std::optional<uint64_t> v = parse_u64(a.value);
        if (v && *v >= static_cast<uint64_t>(e.min) && *v <= static_cast<uint64_t>(e.max)) {
          e.set_integer(c, static_cast<int64_t>(*v));
        } else {
          expected = expectation(e);
        }
        break;
      }
      case Kind::kText:
        expected = e.set_text(c, a.value);
        break;
    }
    if (expected) {
      bad_config(std::string(e.info.env_name) + "=" + show_value(e.info, a.value) + ": expected " +
                 *expected + " (from " + describe_origin(a.origin) + ")");
      return;
    }
    c.origins[static_cast<size_t>(a.id)] = a.origin;
  }
};

bool is_env_name(std::string_view s) {
  if (s.empty() || is_digit(s.front())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

// systemd EnvironmentFile= semantics, kept simple: NAME=value lines, '#' or
// ';' comments, blank lines, one pair of surrounding quotes removed; no
// escapes, no expansion, no continuation lines.
void parse_config_file(Loader& loader, const std::string& path, std::string_view text,
                       std::vector<Assignment>& out) {
  std::array<size_t, kSettingCount> seen_line{};
  size_t line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    std::string where = path + ":" + std::to_string(line_no);
    std::string_view t = trim_space(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') {
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string_view::npos) {
      // The line is not shown: it may be a mistyped secret.
      loader.bad_config(where + ": expected NAME=value (this line has no '=')");
      continue;
    }
    std::string_view name = trim_space(t.substr(0, eq));
    std::string_view value = trim_space(t.substr(eq + 1));
    if (!is_env_name(name)) {
      std::string msg = where + ": expected NAME=value with NAME of letters, digits and '_'";
      if (istarts_with(name, "export ")) {
        msg += " (remove \"export\": the file is read as an environment file, not a shell script)";
      }
      loader.bad_config(msg);
      continue;
    }
    const SettingInfo* info = find_setting_by_env(name);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      if (value.size() < 2 || value.back() != value.front()) {
        loader.bad_config(where + ": " + std::string(name) + ": unterminated quote");
        continue;
      }
      value = value.substr(1, value.size() - 2);
    }
    if (info == nullptr) {
      if (istarts_with(name, "AGENT_") || istarts_with(name, "SIGMA_")) {
        loader.bad_config(where + ": unknown setting " + std::string(name) + did_you_mean(name, NameKind::kEnvironment));
      } else {
        loader.warn(where + ": " + std::string(name) +
                    " is not a sigma-agent setting; sigma-agent ignores it" + did_you_mean(name, NameKind::kEnvironment));
      }
      continue;
    }
    size_t index = static_cast<size_t>(info->id);
    if (seen_line[index] != 0) {
      loader.warn(where + ": " + std::string(name) + " is set again (first on line " +
                  std::to_string(seen_line[index]) + "); this line wins");
    }
    seen_line[index] = line_no;
    out.push_back(Assignment{info->id, std::string(value), ValueOrigin{Source::kFile, where}});
  }
}

// "--mcp-enabled false": a boolean flag never takes the next word, so that
// word arrives here as a stray argument. Say how to write what was meant.
std::string boolean_value_hint(const std::vector<std::string>& args, size_t i) {
  if (i == 0 || !parse_boolean(args[i])) {
    return {};
  }
  const std::string& previous = args[i - 1];
  if (previous.find('=') != std::string::npos) {
    return {};
  }
  const SettingInfo* info = find_setting_by_flag(previous);
  if (info == nullptr || !info->is_boolean) {
    return {};
  }
  return "; " + previous + " is a boolean flag: write " + previous + "=" + args[i];
}

// A variable named like a setting but unknown (AGENT_MCP_TOKNE) is a typo
// the operator will not otherwise notice: the environment is shared with
// everything else, so this is a warning, where a config file key is an error.
void warn_unknown_environment(Loader& loader, const Environment& env) {
  for (const std::string& name : env.names()) {
    if (name.rfind("AGENT_", 0) != 0 && name.rfind("SIGMA_", 0) != 0) {
      continue;
    }
    if (find_setting_by_env(name) != nullptr) {
      continue;
    }
    loader.warn("unknown environment variable " + name + " ignored" + did_you_mean(name, NameKind::kEnvironment));
  }
}

// A path the daemon reads later must exist now, so --check-config and the
// start report it rather than the first tool call or control-plane request.
void check_exists(Loader& loader, const Environment& env, SettingId id, const std::string& path, const char* what) {
  const Config& c = loader.result.config;
  if (!c.is_set_by_operator(id) || env.file_exists(path)) {
    return;
  }
  const SettingInfo& info = setting_info(id);
  loader.bad_config(std::string(info.env_name) + "=" + quote(path) + " (from " + describe_origin(c.origin(id)) +
                    "): no such " + what);
}

struct CommandLine {
  std::vector<Assignment> flags;
  std::optional<std::string> config_path;
  bool help = false;
  bool version = false;
  bool check_config = false;
  bool stdio = false;
  // "call TOOL [JSON-ARGS]": every word after "call" that is not an option.
  bool call = false;
  std::vector<std::string> call_operands;
};

CommandLine parse_args(Loader& loader, const std::vector<std::string>& args) {
  CommandLine cl;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      cl.help = true;
      continue;
    }
    if (arg == "-V") {
      cl.version = true;
      continue;
    }
    // After "call", every word but a "--" option is an operand, so "-1" or
    // "{...}" reach the argument check rather than the option parser.
    if (cl.call && arg.compare(0, 2, "--") != 0 && arg != "-h" && arg != "-V") {
      cl.call_operands.push_back(arg);
      continue;
    }
    if (arg == "call" && !cl.call) {
      cl.call = true;
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      if (arg.size() >= 2 && arg.front() == '-') {
        loader.usage("unknown option " + arg + did_you_mean(arg, NameKind::kFlag));
      } else {
        loader.usage("unexpected argument " + quote(arg) + boolean_value_hint(args, i));
      }
      continue;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    std::optional<std::string> inline_value;
    if (eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
    }
    bool* command = nullptr;
    if (name == "--help") {
      command = &cl.help;
    } else if (name == "--version") {
      command = &cl.version;
    } else if (name == "--check-config") {
      command = &cl.check_config;
    } else if (name == "--stdio") {
      command = &cl.stdio;
    }
    if (command != nullptr) {
      if (inline_value) {
        loader.usage(name + " takes no value");
      }
      *command = true;
      continue;
    }
    const SettingInfo* info = find_setting_by_flag(name);
    if (info == nullptr && name != "--config") {
      loader.usage("unknown option " + name + did_you_mean(name, NameKind::kFlag));
      // "--mcp-tokn SECRET": take the next word as the unknown option's value
      // rather than echo it back as a stray argument; it may be a secret.
      if (!inline_value && i + 1 < args.size() && !args[i + 1].empty() && args[i + 1].front() != '-') {
        ++i;
      }
      continue;
    }
    std::string value;
    if (info != nullptr && info->is_boolean) {
      // A boolean never takes the next argument: "--port-scan run" must not
      // read "run" as its value.
      value = inline_value ? *inline_value : "true";
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      loader.usage(name + " needs a value (" +
                   std::string(info != nullptr ? info->value_name : std::string_view("FILE")) + ")");
      continue;
    }
    if (info == nullptr) {
      if (value.empty()) {
        loader.usage("--config needs a file path");
        continue;
      }
      cl.config_path = value;
      continue;
    }
    if (info->is_secret) {
      std::string twin = std::string(info->env_name) + "_FILE";
      loader.warn(std::string(info->env_name) + " was given on the command line (" + name +
                  "), where any local user can read it with ps(1); prefer " + twin);
    }
    cl.flags.push_back(Assignment{info->id, std::move(value), ValueOrigin{Source::kFlag, name}});
  }
  return cl;
}

void check_exclusive(Loader& loader, SettingId value_id, SettingId file_id) {
  const Config& c = loader.result.config;
  if (!c.is_set_by_operator(value_id) || !c.is_set_by_operator(file_id)) {
    return;
  }
  const SettingInfo& v = setting_info(value_id);
  const SettingInfo& f = setting_info(file_id);
  loader.bad_config(std::string(v.env_name) + " (from " + describe_origin(c.origin(value_id)) + ") and " +
                    std::string(f.env_name) + " (from " + describe_origin(c.origin(file_id)) +
                    ") are both set: expected only one; prefer " + std::string(f.env_name));
}

}  // namespace

Environment system_environment() {
  Environment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) {
      return std::nullopt;
    }
    return std::string(v);
  };
  env.read_file = [](const std::string& path) -> Result<std::string> {
    constexpr size_t kMaxConfigBytes = 1 << 20;
    return read_file(path, kMaxConfigBytes);
  };
  env.file_exists = [](const std::string& path) { return ::access(path.c_str(), F_OK) == 0; };
  env.names = [] {
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const char* eq = std::strchr(*e, '=');
      names.emplace_back(*e, eq != nullptr ? static_cast<size_t>(eq - *e) : std::strlen(*e));
    }
    return names;
  };
  return env;
}

LoadResult load(const std::vector<std::string>& args, const Environment& env) {
  Loader loader;
  CommandLine cl = parse_args(loader, args);
  if (cl.help) {
    loader.result.command = Command::kHelp;
  } else if (cl.version) {
    loader.result.command = Command::kVersion;
  } else if (cl.check_config) {
    loader.result.command = Command::kCheckConfig;
  } else if (cl.call) {
    loader.result.command = Command::kCall;
  }
  if (cl.call) {
    if (cl.check_config || cl.stdio) {
      loader.usage(std::string("call cannot be combined with ") + (cl.check_config ? "--check-config" : "--stdio"));
    } else if (cl.call_operands.empty() || cl.call_operands.size() > 2) {
      loader.usage("call takes a tool name and at most one JSON object of arguments: sigma-agent call TOOL "
                   "[JSON-ARGS]");
    } else {
      loader.result.call_tool = cl.call_operands[0];
      if (cl.call_operands.size() == 2) {
        loader.result.call_arguments = cl.call_operands[1];
      }
    }
  }
  loader.result.config.stdio = cl.stdio;
  if (!loader.usage_error && (cl.help || cl.version)) {
    loader.result.exit_code = kExitOk;
    return std::move(loader.result);
  }

  // Layers are applied lowest first, so a later layer overwrites the value
  // and the origin; every layer's values are validated.
  std::vector<Assignment> file_values;
  std::optional<std::string> path = cl.config_path;
  if (!path && env.file_exists(std::string(kDefaultConfigPath))) {
    path = std::string(kDefaultConfigPath);
  }
  if (path) {
    Result<std::string> text = env.read_file(*path);
    if (!text) {
      loader.bad_config("config file " + text.error());
    } else {
      loader.result.config.config_file = *path;
      parse_config_file(loader, *path, *text, file_values);
    }
  }
  for (const Assignment& a : file_values) {
    loader.apply(a);
  }
  for (const SettingInfo& s : all_settings()) {
    std::optional<std::string> v = env.getenv(std::string(s.env_name));
    if (v) {
      loader.apply(Assignment{s.id, std::move(*v), ValueOrigin{Source::kEnvironment, std::string(s.env_name)}});
    }
  }
  for (const Assignment& a : cl.flags) {
    loader.apply(a);
  }
  warn_unknown_environment(loader, env);

  check_exclusive(loader, SettingId::kMcpToken, SettingId::kMcpTokenFile);
  check_exclusive(loader, SettingId::kApiKey, SettingId::kApiKeyFile);
  if (loader.result.config.api_key_file) {
    check_exists(loader, env, SettingId::kApiKeyFile, *loader.result.config.api_key_file, "file");
  }
  check_exists(loader, env, SettingId::kHostProc, loader.result.config.host_proc, "directory");
  constexpr size_t kMinTokenBytes = 16;
  const Config& c = loader.result.config;
  if (c.mcp_token && c.mcp_token->size() < kMinTokenBytes) {
    loader.warn("AGENT_MCP_TOKEN is only " + std::to_string(c.mcp_token->size()) +
                " bytes; use at least 32 random bytes (for example: head -c 32 /dev/urandom | base64)");
  }

  loader.result.exit_code = loader.usage_error ? kExitUsage : loader.config_error ? kExitConfig : kExitOk;
  return std::move(loader.result);
}

}  // namespace sigma::config
