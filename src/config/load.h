// The loaders: the command line, the config file and the environment,
// layered flag > environment > file > default, every value validated.
//
// Owns: parsing argv (flags, commands), the config file (`NAME=value` lines,
// systemd EnvironmentFile style) and the environment; the layering; the
// checks across settings (a value and its _FILE twin); the exit status of a failed load; the real Environment.
// Must not: open sockets, resolve names, read secret files (main reads the
// token and key files through the auth module; this module only checks that a
// file is named), log, or exit. It
// touches the process environment and the filesystem only through the
// injectable `Environment`, so tests never depend on the host.
// Threading: load() is a pure function of its inputs; the results are plain
// values. Call once at startup.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/settings.h"

namespace sigma::config {

enum class Command { kRun, kHelp, kVersion, kCheckConfig, kCall };

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;    // EX_USAGE-like: bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: bad value or config file

struct LoadResult {
  Config config;
  Command command = Command::kRun;
  // kCall: the tool to run and its arguments as given (JSON text; unset = {}).
  std::string call_tool;
  std::optional<std::string> call_arguments;
  // Each a full sentence naming the variable (or file:line) and, for errors,
  // the value (masked for secrets) and what is expected. Never a secret.
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
  // kExitOk, kExitUsage (any usage error) or kExitConfig (only value/file errors).
  int exit_code = kExitOk;
};

// The process environment and filesystem, injectable for tests.
struct Environment {
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  // Failure message begins with the path ("/x: No such file or directory").
  std::function<Result<std::string>(const std::string& path)> read_file;
  std::function<bool(const std::string& path)> file_exists;
  // The names of every variable in the environment (to warn about unknown
  // AGENT_* and SIGMA_* names, which getenv alone cannot find).
  std::function<std::vector<std::string>()> names;
};

// The real environment (::getenv, open/read, access).
Environment system_environment();

// Parses `args` (argv without argv[0]), then the config file, then the
// environment, layering flag > environment > file > default, and validates
// every value given in any layer. Every problem is collected; nothing stops at
// the first. For --help and --version (without usage errors) the file and the
// environment are not consulted.
// REQUIRES: every member of env is set.
LoadResult load(const std::vector<std::string>& args, const Environment& env);

}  // namespace sigma::config
