// The settings table: every setting's name, flag, default and help line, and
// the Config value the loaders fill in.
//
// Owns: the default constants, SettingId, the public description of each
// setting (SettingInfo), where a value came from (ValueOrigin), and Config.
// The per-setting parsing rules live in the same table (config/setting_table.h,
// private to config/).
// Must not: read the environment or files (config/load does), format operator
// text (config/operator_text does), resolve names or open sockets.
// Threading: the table is built once on first use (a function-local static,
// thread-safe in C++11) and read-only after; Config is a plain value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "http/limits.h"
#include "mcp/limits.h"
#include "net/address.h"

namespace sigma::config {

// Defaults. Each is stated once here (the HTTP limits once in http/limits.h)
// and once in sigma-agent(8); the unit test that keeps the page in step reads
// the settings table, not these names.
inline constexpr std::string_view kDefaultConfigPath = "/etc/default/sigma-agent";
inline constexpr int64_t kDefaultIntervalSeconds = 60;
inline constexpr int64_t kDefaultApiTimeoutSeconds = 10;
inline constexpr int64_t kDefaultApiRetryMaxSeconds = 300;  // SPEC §7 backoff cap: 5 min
inline constexpr uint16_t kDefaultSshPort = 22;
inline constexpr uint16_t kDefaultMetricsPort = 9102;
inline constexpr std::string_view kDefaultMetricsBind = "0.0.0.0";
inline constexpr bool kDefaultPortScan = false;
inline constexpr uint16_t kDefaultPortScanFirst = 10000;
inline constexpr uint16_t kDefaultPortScanLast = 30000;
inline constexpr int64_t kDefaultPortScanIntervalSeconds = 60;
inline constexpr std::string_view kDefaultHostProc = "/proc";
inline constexpr std::string_view kDefaultUser = "sigma-agent";
inline constexpr bool kDefaultMcpEnabled = true;
inline constexpr std::string_view kDefaultMcpBind = "127.0.0.1:9103";
inline constexpr LogLevel kDefaultLogLevel = LogLevel::kInfo;
inline constexpr int64_t kDefaultToolTimeoutSeconds = 30;
// agent_check_update: the manifest path under SIGMA_API_URL when
// AGENT_UPDATE_URL is unset (SPEC §7), and how long a check is reused.
inline constexpr std::string_view kDefaultUpdatePath = "/agent/releases/latest";
inline constexpr int64_t kDefaultUpdateCheckTtlSeconds = 3600;
inline constexpr int kDefaultWorkerThreads = 2;
// Prometheus scrapes with one connection at a time; a few spare is plenty,
// and the rest of the descriptors stay MCP's.
inline constexpr size_t kDefaultMetricsMaxConnections = 64;
inline constexpr int64_t kDefaultPortReserveSeconds = 30;

// One identifier per setting; the order is the order of --help, --check-config
// and the man page.
enum class SettingId {
  kApiUrl,
  kApiKey,
  kApiKeyFile,
  kApiTimeout,
  kApiRetryMax,
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
  kUser,
  kMcpEnabled,
  kMcpBind,
  kMcpToken,
  kMcpTokenFile,
  kMcpAllowedOrigins,
  kMcpMaxBatch,
  kLogLevel,
  kToolTimeout,
  kUpdateUrl,
  kUpdateCheckTtl,
  kHttpMaxHeaderBytes,
  kHttpMaxBodyBytes,
  kHttpHeaderTimeout,
  kHttpIdleTimeout,
  kHttpMaxConnections,
  kMetricsMaxConnections,
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

// The release manifest in force: AGENT_UPDATE_URL when set, else
// SIGMA_API_URL + kDefaultUpdatePath, else nullopt (agent_check_update then
// answers with an error naming both settings). `text` is for messages.
// update_manifest_url(Config), after Config.
struct UpdateManifestUrl {
  std::string text;
  net::HttpUrl url;
  // The manifest lives on the control plane's origin (same host and port as
  // SIGMA_API_URL), the only place the API key may be sent.
  bool on_api_origin = false;
};
// kDefaultMcpBind, parsed.
net::HostPort default_mcp_bind_address();

// Effective settings. Fields start at the defaults above; load() fills them in.
struct Config {
  std::optional<std::string> api_url;  // "http://…", trailing '/' removed
  // api_url, parsed by net::parse_http_url; set exactly when api_url is.
  std::optional<net::HttpUrl> api_url_parsed;
  std::optional<std::string> api_key;  // secret
  std::optional<std::string> api_key_file;  // exists (checked at load); not read here
  int64_t api_timeout_s = kDefaultApiTimeoutSeconds;  // one control-plane exchange, connect included
  int64_t api_retry_max_s = kDefaultApiRetryMaxSeconds;  // cap of the registration backoff
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
  // The account the network process runs as when started as root; "root"
  // keeps one process with root's privileges (as chronyd -u root does).
  std::string user = std::string(kDefaultUser);
  bool mcp_enabled = kDefaultMcpEnabled;
  std::string mcp_bind = std::string(kDefaultMcpBind);  // as written
  net::HostPort mcp_bind_address = default_mcp_bind_address();  // mcp_bind, parsed
  std::optional<std::string> mcp_token;  // secret
  std::optional<std::string> mcp_token_file;  // exists (checked at load); not read here
  // Serialized origins ("http://localhost:6274"), scheme and host lower-cased.
  // Empty: the default policy, any origin whose host is loopback (localhost,
  // 127.0.0.0/8, [::1]) on any port; the auth module applies it.
  std::vector<std::string> mcp_allowed_origins;
  size_t mcp_max_batch = mcp::kDefaultMaxBatchLength;  // messages per JSON-RPC batch
  LogLevel log_level = kDefaultLogLevel;
  int64_t tool_timeout_s = kDefaultToolTimeoutSeconds;  // a tool call's deadline
  // The release manifest agent_check_update reads, as written; unset: the
  // default under api_url (see update_manifest_url).
  std::optional<std::string> update_url;
  std::optional<net::HttpUrl> update_url_parsed;  // set exactly when update_url is
  int64_t update_check_ttl_s = kDefaultUpdateCheckTtlSeconds;  // 0: every call fetches
  size_t http_max_header_bytes = http::kDefaultMaxHeaderBytes;
  size_t http_max_body_bytes = http::kDefaultMaxBodyBytes;
  int64_t http_header_timeout_s = http::kDefaultHeaderTimeoutSeconds;
  int64_t http_idle_timeout_s = http::kDefaultIdleTimeoutSeconds;
  size_t http_max_connections = http::kDefaultMaxConnections;  // per MCP listener address
  size_t metrics_max_connections = kDefaultMetricsMaxConnections;  // per metrics listener address
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

std::optional<UpdateManifestUrl> update_manifest_url(const Config& config);

}  // namespace sigma::config
