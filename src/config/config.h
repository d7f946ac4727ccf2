// Configuration: the daemon's settings, where each value came from, and the
// operator commands on the command line.
//
// Owns: the settings table (every setting's environment name, flag, default,
// range and help line), the default constants, parsing of the command line, the
// environment and the config file (`NAME=value` lines, systemd EnvironmentFile
// style), validation of every value, and the text of --help, --version and
// --check-config's settings listing.
// Must not: open sockets, resolve names, read secret files (main reads the token
// and key files through the auth module; this module only checks that a file is
// named and that a value and its _FILE twin are not both set), log, or exit.
// It touches the process environment and the filesystem only through the
// injectable `Environment`, so tests never depend on the host.
// Threading: load() is a pure function of its inputs; the results are plain
// values. Call once at startup.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"

namespace sigma::config {

// Defaults. Each is stated once here and once in sigma-agent(8); the unit test
// that keeps the page in step reads the settings table, not these names.
inline constexpr std::string_view kDefaultConfigPath = "/etc/default/sigma-agent";
inline constexpr int64_t kDefaultIntervalSeconds = 60;
inline constexpr uint16_t kDefaultSshPort = 22;
inline constexpr uint16_t kDefaultMetricsPort = 9102;
inline constexpr std::string_view kDefaultMetricsBind = "0.0.0.0";
inline constexpr bool kDefaultPortScan = false;
inline constexpr uint16_t kDefaultPortScanFirst = 10000;
inline constexpr uint16_t kDefaultPortScanLast = 30000;
inline constexpr int64_t kDefaultPortScanIntervalSeconds = 60;
inline constexpr std::string_view kDefaultHostProc = "/proc";
inline constexpr bool kDefaultMcpEnabled = true;
inline constexpr std::string_view kDefaultMcpBind = "127.0.0.1:9103";
inline constexpr LogLevel kDefaultLogLevel = LogLevel::kInfo;
inline constexpr size_t kDefaultHttpMaxHeaderBytes = 16384;
inline constexpr size_t kDefaultHttpMaxBodyBytes = 1048576;
inline constexpr int64_t kDefaultHttpHeaderTimeoutSeconds = 10;
inline constexpr int64_t kDefaultHttpIdleTimeoutSeconds = 60;
inline constexpr size_t kDefaultHttpMaxConnections = 1024;
inline constexpr int kDefaultWorkerThreads = 2;
inline constexpr int64_t kDefaultPortReserveSeconds = 30;

// One identifier per setting; the order is the order of --help, --check-config
// and the man page.
enum class SettingId {
  kApiUrl,
  kApiKey,
  kApiKeyFile,
  kInterval,
  kHostname,
  kAlias,
  kSshPort,
  kMetricsPort,
  kMetricsBind,
  kPortScan,
  kPortScanRange,
  kPortScanInterval,
  kHostProc,
  kMcpEnabled,
  kMcpBind,
  kMcpToken,
  kMcpTokenFile,
  kMcpAllowedOrigins,
  kLogLevel,
  kHttpMaxHeaderBytes,
  kHttpMaxBodyBytes,
  kHttpHeaderTimeout,
  kHttpIdleTimeout,
  kHttpMaxConnections,
  kWorkerThreads,
  kPortReserveSeconds,
};
inline constexpr size_t kSettingCount = static_cast<size_t>(SettingId::kPortReserveSeconds) + 1;

// The static description of one setting.
struct SettingInfo {
  SettingId id;
  std::string_view env_name;    // "AGENT_INTERVAL"; also the config file key
  std::string_view flag;        // "--interval"
  std::string_view value_name;  // "SECONDS"; empty for a boolean
  std::string_view summary;     // one line for --help
  // How the default reads when it is "no value" ("unset (standalone)");
  // empty when the default is a value rendered from the default Config.
  std::string_view unset_text;
  bool is_boolean;
  bool is_secret;  // never printed: rendered as "(set, N bytes hidden)"
};

// Every setting, in SettingId order.
const std::array<SettingInfo, kSettingCount>& all_settings();
const SettingInfo& setting_info(SettingId id);
// Lookup by environment name ("AGENT_INTERVAL") or flag ("--interval"); exact, case-sensitive.
const SettingInfo* find_setting_by_env(std::string_view env_name);
const SettingInfo* find_setting_by_flag(std::string_view flag);

enum class Source { kDefault, kFile, kEnvironment, kFlag };

// Where a value came from: the source plus the place ("/etc/default/sigma-agent:3",
// "--interval", "AGENT_INTERVAL").
struct ValueOrigin {
  Source source = Source::kDefault;
  std::string where;
};
// "default", "file /etc/default/sigma-agent:3", "environment", "flag --interval".
std::string describe_origin(const ValueOrigin& origin);

// An inclusive port range. Invariant after load(): 1 <= first <= last.
struct PortRange {
  uint16_t first = kDefaultPortScanFirst;
  uint16_t last = kDefaultPortScanLast;
};

// A listen address split into host and port. `host` has no brackets
// ("::1" for "[::1]:9103"); `is_ipv6_literal` remembers that it had them.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  bool is_ipv6_literal = false;
};

// Checks the shape of `host:port` / `[v6]:port`: a non-empty host, IPv6
// literals bracketed, a decimal port 0..65535. It does not resolve anything;
// loopback classification belongs to net/.
// Failure: the message says what is expected (no variable name, no value).
Result<HostPort> parse_host_port(std::string_view text);

// kDefaultMcpBind, parsed.
HostPort default_mcp_bind_address();

// Effective settings. Fields start at the defaults above; load() fills them in.
struct Config {
  std::optional<std::string> api_url;  // "http://…", trailing '/' removed
  std::optional<std::string> api_key;  // secret
  std::optional<std::string> api_key_file;
  int64_t interval_s = kDefaultIntervalSeconds;
  std::optional<std::string> hostname;  // unset: the system host name
  std::optional<std::string> alias;
  uint16_t ssh_port = kDefaultSshPort;
  uint16_t metrics_port = kDefaultMetricsPort;  // 0 disables the metrics listener
  std::string metrics_bind = std::string(kDefaultMetricsBind);  // host or IP, brackets removed
  bool port_scan = kDefaultPortScan;
  PortRange port_scan_range;
  int64_t port_scan_interval_s = kDefaultPortScanIntervalSeconds;
  std::string host_proc = std::string(kDefaultHostProc);
  bool mcp_enabled = kDefaultMcpEnabled;
  std::string mcp_bind = std::string(kDefaultMcpBind);  // as written
  HostPort mcp_bind_address = default_mcp_bind_address();  // mcp_bind, parsed
  std::optional<std::string> mcp_token;  // secret
  std::optional<std::string> mcp_token_file;
  // Serialized origins ("http://localhost:6274"), scheme and host lower-cased.
  // Empty: the default policy, any origin whose host is loopback (localhost,
  // 127.0.0.0/8, [::1]) on any port; the auth module applies it.
  std::vector<std::string> mcp_allowed_origins;
  LogLevel log_level = kDefaultLogLevel;
  size_t http_max_header_bytes = kDefaultHttpMaxHeaderBytes;
  size_t http_max_body_bytes = kDefaultHttpMaxBodyBytes;
  int64_t http_header_timeout_s = kDefaultHttpHeaderTimeoutSeconds;
  int64_t http_idle_timeout_s = kDefaultHttpIdleTimeoutSeconds;
  size_t http_max_connections = kDefaultHttpMaxConnections;  // per listener
  int worker_threads = kDefaultWorkerThreads;
  int64_t port_reserve_s = kDefaultPortReserveSeconds;

  // --stdio: serve MCP on stdin/stdout instead of HTTP. A command-line switch
  // only, not an environment variable or file key: the shared config file
  // must not turn the daemon into a stdio process under its supervisor.
  bool stdio = false;
  // The config file actually read; empty when none was.
  std::string config_file;
  // Where each setting's value came from, indexed by SettingId.
  std::array<ValueOrigin, kSettingCount> origins{};

  const ValueOrigin& origin(SettingId id) const { return origins[static_cast<size_t>(id)]; }
  bool is_set_by_operator(SettingId id) const { return origin(id).source != Source::kDefault; }
};

enum class Command { kRun, kHelp, kVersion, kCheckConfig };

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;    // EX_USAGE-like: bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: bad value or config file

struct LoadResult {
  Config config;
  Command command = Command::kRun;
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
};

// The real environment (::getenv, open/read, access).
Environment system_environment();

// Parses `args` (argv without argv[0]), then the config file, then the
// environment, layering flag > environment > file > default, and validates
// every value given in any layer. Every problem is collected; nothing stops at
// the first. For --help and --version (without usage errors) the file and the
// environment are not consulted.
// REQUIRES: env.getenv, env.read_file and env.file_exists are all set.
LoadResult load(const std::vector<std::string>& args, const Environment& env);

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

}  // namespace sigma::config
