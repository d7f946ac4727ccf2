#include "config/settings.h"

#include <algorithm>
#include <utility>

#include "auth/origin.h"
#include "auth/secret_source.h"
#include "auth/token.h"
#include "base/strings.h"
#include "config/setting_table.h"

namespace sigma::config {
namespace {

Entry text_entry(SettingInfo info, TextSetter set, Renderer render) {
  Entry e;
  e.info = info;
  e.kind = Kind::kText;
  e.set_text = set;
  e.render = render;
  return e;
}

Entry boolean_entry(SettingInfo info, BooleanSetter set, Renderer render) {
  Entry e;
  e.info = info;
  e.info.is_boolean = true;
  e.kind = Kind::kBoolean;
  e.set_boolean = set;
  e.render = render;
  return e;
}

Entry integer_entry(SettingInfo info, int64_t min, int64_t max, std::string_view unit,
                    std::string_view note, IntegerSetter set, Renderer render) {
  Entry e;
  e.info = info;
  e.kind = Kind::kInteger;
  e.min = min;
  e.max = max;
  e.unit = unit;
  e.note = note;
  e.set_integer = set;
  e.render = render;
  return e;
}

std::optional<std::string> some(std::string s) { return std::optional<std::string>(std::move(s)); }
std::optional<std::string> number(int64_t v) { return some(std::to_string(v)); }
std::optional<std::string> boolean_text(bool v) { return some(v ? "true" : "false"); }

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool has_control(std::string_view s) { return std::any_of(s.begin(), s.end(), is_control); }

std::optional<uint16_t> parse_port(std::string_view s, uint16_t min) {
  std::optional<uint64_t> v = parse_u64(s);
  if (!v || *v < min || *v > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(*v);
}

// RFC 9110 §5.5: a field value may not carry CR, LF or NUL; we also refuse
// other controls and surrounding spaces, which could not survive a header.
std::optional<std::string> set_api_url(Config& c, std::string_view v) {
  Result<net::HttpUrl> url = net::parse_http_url(v);
  if (!url) {
    return some(url.error());
  }
  std::string text(v);
  // The control client appends "/agent/register" etc.; a trailing slash would double it.
  while (text.size() > 7 && text.back() == '/') {
    text.pop_back();
  }
  c.api_url = std::move(text);
  c.api_url_parsed = std::move(url).value();
  return std::nullopt;
}

// The same http:// rule as SIGMA_API_URL (https:// refused with the reason),
// so a manifest URL accepted here can always be fetched.
std::optional<std::string> set_update_url(Config& c, std::string_view v) {
  Result<net::HttpUrl> url = net::parse_http_url(v);
  if (!url) {
    return some(url.error());
  }
  c.update_url = std::string(v);
  c.update_url_parsed = std::move(url).value();
  return std::nullopt;
}

std::optional<std::string> set_api_key(Config& c, std::string_view v) {
  if (!auth::kApiKeySetting.is_valid(v)) {
    return some(std::string(auth::kApiKeySetting.rule));
  }
  c.api_key = std::string(v);
  return std::nullopt;
}

std::optional<std::string> check_path(std::string_view v) {
  if (v.empty() || has_control(v)) {
    return some("a file path");
  }
  return std::nullopt;
}

std::optional<std::string> set_api_key_file(Config& c, std::string_view v) {
  if (auto e = check_path(v)) {
    return e;
  }
  c.api_key_file = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_hostname(Config& c, std::string_view v) {
  if (!net::is_valid_host_name(v)) {
    return some("a host name of 1 to 253 letters, digits, '-', '.' or '_'");
  }
  c.hostname = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_alias(Config& c, std::string_view v) {
  if (v.empty() || v.size() > 255 || has_control(v)) {
    return some("a name of 1 to 255 bytes without control characters");
  }
  c.alias = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_metrics_bind(Config& c, std::string_view v) {
  const char* kExpect = "a host name or IP address without a port (the port is AGENT_METRICS_PORT)";
  if (!v.empty() && v.front() == '[') {
    if (v.size() < 2 || v.back() != ']' || !net::is_valid_ipv6_literal(v.substr(1, v.size() - 2))) {
      return some(kExpect);
    }
    c.metrics_bind = std::string(v.substr(1, v.size() - 2));
    return std::nullopt;
  }
  size_t colons = static_cast<size_t>(std::count(v.begin(), v.end(), ':'));
  if (colons >= 2 && net::is_valid_ipv6_literal(v)) {
    c.metrics_bind = std::string(v);  // a bare IPv6 literal is unambiguous without a port
    return std::nullopt;
  }
  if (colons != 0 || !net::is_valid_host_name(v)) {
    return some(kExpect);
  }
  c.metrics_bind = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_port_scan_range(Config& c, std::string_view v) {
  const char* kExpect = "START-END with 1 <= START <= END <= 65535, such as 10000-30000";
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) {
    return some(kExpect);
  }
  std::optional<uint16_t> first = parse_port(v.substr(0, dash), 1);
  std::optional<uint16_t> last = parse_port(v.substr(dash + 1), 1);
  if (!first || !last || *first > *last) {
    return some(kExpect);
  }
  c.port_scan_range = PortRange{*first, *last};
  return std::nullopt;
}

std::optional<std::string> set_host_proc(Config& c, std::string_view v) {
  if (v.empty() || v.front() != '/' || has_control(v)) {
    return some("an absolute directory path such as /proc or /host/proc");
  }
  c.host_proc = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_user(Config& c, std::string_view v) {
  // The portable user-name set of useradd(8), bounded as Linux names are.
  bool ok = !v.empty() && v.size() <= 32 && v.front() != '-';
  for (char ch : v) {
    ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                ch == '-' || ch == '.');
  }
  if (!ok) {
    return some("a user name of letters, digits, '_', '-' or '.', at most 32 bytes");
  }
  c.user = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_mcp_bind(Config& c, std::string_view v) {
  Result<net::HostPort> hp = net::parse_host_port(v);
  if (!hp) {
    return some(hp.error());
  }
  c.mcp_bind = std::string(v);
  c.mcp_bind_address = std::move(hp).value();
  return std::nullopt;
}

std::optional<std::string> set_mcp_token(Config& c, std::string_view v) {
  // The same token68 test bearer_token() applies to every request: a token
  // accepted here can always be presented (RFC 6750 §2.1).
  if (!auth::kMcpTokenSetting.is_valid(v)) {
    return some(std::string(auth::kMcpTokenSetting.rule));
  }
  c.mcp_token = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_mcp_token_file(Config& c, std::string_view v) {
  if (auto e = check_path(v)) {
    return e;
  }
  c.mcp_token_file = std::string(v);
  return std::nullopt;
}

// Parsed by auth::parse_origin, the parser the MCP endpoint applies to every
// Origin header, so an entry accepted here is read the same way at run time;
// stored as auth::serialize_origin writes it (RFC 6454 §6.2: scheme and host
// in lower case). Two limits of our own on top: port 0, which no browser
// sends, and host names over 253 bytes (RFC 1035 §2.3.4), are refused.
std::optional<std::string> normalize_origin(std::string_view item) {
  std::optional<auth::OriginParts> origin = auth::parse_origin(item);
  if (!origin || origin->port == 0 || origin->host.size() > net::kMaxHostNameBytes) {
    return std::nullopt;
  }
  return auth::serialize_origin(*origin);
}

std::optional<std::string> set_mcp_allowed_origins(Config& c, std::string_view v) {
  std::vector<std::string> origins;
  for (std::string_view item : split(v, ',')) {
    std::optional<std::string> origin = normalize_origin(trim_ows(item));
    if (!origin) {
      return some(
          "a comma-separated list of origins scheme://host[:port] without path or trailing "
          "slash, such as http://localhost:6274,https://console.example.com");
    }
    origins.push_back(std::move(*origin));
  }
  c.mcp_allowed_origins = std::move(origins);
  return std::nullopt;
}

std::optional<std::string> set_log_level(Config& c, std::string_view v) {
  std::optional<LogLevel> level = parse_log_level(v);
  if (!level) {
    return some("debug, info, warn or error");
  }
  c.log_level = *level;
  return std::nullopt;
}

std::optional<std::string> render_optional(const std::optional<std::string>& v) { return v; }

std::optional<std::string> render_origins(const Config& c) {
  if (c.mcp_allowed_origins.empty()) {
    return std::nullopt;
  }
  std::string out;
  for (const std::string& o : c.mcp_allowed_origins) {
    if (!out.empty()) {
      out += ",";
    }
    out += o;
  }
  return out;
}

std::optional<std::string> render_metrics_bind(const Config& c) {
  return c.metrics_bind;  // a bare IPv6 literal is written without brackets here too
}

// S: the public description of a setting. The flag and value name match the
// SPEC §3 table; the summary is the one --help line.
SettingInfo S(SettingId id, std::string_view env, std::string_view flag, std::string_view value_name,
              std::string_view summary, std::string_view unset_text = {}, bool is_secret = false) {
  return SettingInfo{id, env, flag, value_name, summary, unset_text, false, is_secret};
}

std::array<Entry, kSettingCount> build_entries() {
  using I = SettingId;
  std::array<Entry, kSettingCount> t = {
      text_entry(S(I::kApiUrl, "SIGMA_API_URL", "--api-url", "URL",
                   "control-plane base URL, http:// only", "unset (standalone)"),
                 set_api_url, [](const Config& c) { return render_optional(c.api_url); }),
      text_entry(S(I::kApiKey, "SIGMA_API_KEY", "--api-key", "KEY",
                   "key sent as X-Api-Key to the control plane (prefer SIGMA_API_KEY_FILE)", "unset",
                   true),
                 set_api_key, [](const Config& c) { return render_optional(c.api_key); }),
      text_entry(S(I::kApiKeyFile, "SIGMA_API_KEY_FILE", "--api-key-file", "FILE",
                   "read the control-plane key from FILE; re-read on SIGHUP", "unset"),
                 set_api_key_file, [](const Config& c) { return render_optional(c.api_key_file); }),
      integer_entry(S(I::kApiTimeout, "SIGMA_API_TIMEOUT", "--api-timeout", "SECONDS",
                      "time one control-plane request may take, connect included"),
                    1, 300, "seconds", {}, [](Config& c, int64_t v) { c.api_timeout_s = v; },
                    [](const Config& c) { return number(c.api_timeout_s); }),
      integer_entry(S(I::kApiRetryMax, "SIGMA_API_RETRY_MAX", "--api-retry-max", "SECONDS",
                      "longest wait between registration attempts (backoff cap)"),
                    1, 3600, "seconds", {}, [](Config& c, int64_t v) { c.api_retry_max_s = v; },
                    [](const Config& c) { return number(c.api_retry_max_s); }),
      integer_entry(S(I::kInterval, "AGENT_INTERVAL", "--interval", "SECONDS",
                      "heartbeat interval"),
                    1, 86400, "seconds", {}, [](Config& c, int64_t v) { c.interval_s = v; },
                    [](const Config& c) { return number(c.interval_s); }),
      text_entry(S(I::kHostname, "AGENT_HOSTNAME", "--hostname", "NAME",
                   "host name reported instead of the system's", "auto (the system host name)"),
                 set_hostname, [](const Config& c) { return render_optional(c.hostname); }),
      text_entry(S(I::kAlias, "AGENT_ALIAS", "--alias", "NAME", "alias sent at registration", "unset"),
                 set_alias, [](const Config& c) { return render_optional(c.alias); }),
      integer_entry(S(I::kSshPort, "AGENT_SSH_PORT", "--ssh-port", "PORT", "SSH port reported"), 1,
                    65535, "port", {},
                    [](Config& c, int64_t v) { c.ssh_port = static_cast<uint16_t>(v); },
                    [](const Config& c) { return number(c.ssh_port); }),
      integer_entry(S(I::kMetricsPort, "AGENT_METRICS_PORT", "--metrics-port", "PORT",
                      "metrics listener port; 0 disables the listener"),
                    0, 65535, "port", "0 disables the metrics listener",
                    [](Config& c, int64_t v) { c.metrics_port = static_cast<uint16_t>(v); },
                    [](const Config& c) { return number(c.metrics_port); }),
      text_entry(S(I::kMetricsBind, "AGENT_METRICS_BIND", "--metrics-bind", "ADDRESS",
                   "metrics listener address, host or IP without port"),
                 set_metrics_bind, render_metrics_bind),
      boolean_entry(S(I::kPortScan, "AGENT_PORT_SCAN", "--port-scan", "", "enable the periodic port scan"),
                    [](Config& c, bool v) { c.port_scan = v; },
                    [](const Config& c) { return boolean_text(c.port_scan); }),
      text_entry(S(I::kPortScanRange, "AGENT_PORT_SCAN_RANGE", "--port-scan-range", "START-END",
                   "ports scanned and handed out by allocate_ports"),
                 set_port_scan_range,
                 [](const Config& c) {
                   return some(std::to_string(c.port_scan_range.first) + "-" +
                               std::to_string(c.port_scan_range.last));
                 }),
      integer_entry(S(I::kPortScanInterval, "AGENT_PORT_SCAN_INTERVAL", "--port-scan-interval",
                      "SECONDS", "port scan interval"),
                    1, 86400, "seconds", {}, [](Config& c, int64_t v) { c.port_scan_interval_s = v; },
                    [](const Config& c) { return number(c.port_scan_interval_s); }),
      text_entry(S(I::kHostProc, "AGENT_HOST_PROC", "--host-proc", "DIR",
                   "procfs root (the host's /proc mounted in a container)"),
                 set_host_proc, [](const Config& c) { return some(c.host_proc); }),
      text_entry(S(I::kUser, "AGENT_USER", "--user", "NAME",
                   "account the network process runs as when started as root (root: no drop)"),
                 set_user, [](const Config& c) { return some(c.user); }),
      boolean_entry(S(I::kMcpEnabled, "AGENT_MCP_ENABLED", "--mcp-enabled", "", "serve MCP over HTTP"),
                    [](Config& c, bool v) { c.mcp_enabled = v; },
                    [](const Config& c) { return boolean_text(c.mcp_enabled); }),
      text_entry(S(I::kMcpBind, "AGENT_MCP_BIND", "--mcp-bind", "HOST:PORT",
                   "MCP listen address, host:port or [IPv6]:port; not loopback needs a token"),
                 set_mcp_bind, [](const Config& c) { return some(c.mcp_bind); }),
      text_entry(S(I::kMcpToken, "AGENT_MCP_TOKEN", "--mcp-token", "TOKEN",
                   "bearer token required on /mcp (prefer AGENT_MCP_TOKEN_FILE)", "unset", true),
                 set_mcp_token, [](const Config& c) { return render_optional(c.mcp_token); }),
      text_entry(S(I::kMcpTokenFile, "AGENT_MCP_TOKEN_FILE", "--mcp-token-file", "FILE",
                   "read the bearer token from FILE; re-read on SIGHUP", "unset"),
                 set_mcp_token_file, [](const Config& c) { return render_optional(c.mcp_token_file); }),
      text_entry(S(I::kMcpAllowedOrigins, "AGENT_MCP_ALLOWED_ORIGINS", "--mcp-allowed-origins", "LIST",
                   "comma list of Origin values accepted, scheme://host[:port]",
                   "loopback origins (localhost, 127.0.0.0/8, [::1]; any port)"),
                 set_mcp_allowed_origins, render_origins),
      integer_entry(S(I::kMcpMaxBatch, "AGENT_MCP_MAX_BATCH", "--mcp-max-batch", "COUNT",
                      "messages one JSON-RPC batch may hold (-32600 past it)"),
                    1, 10000, "messages", {}, [](Config& c, int64_t v) { c.mcp_max_batch = static_cast<size_t>(v); },
                    [](const Config& c) { return number(static_cast<int64_t>(c.mcp_max_batch)); }),
      text_entry(S(I::kLogLevel, "AGENT_LOG_LEVEL", "--log-level", "LEVEL",
                   "least severe level logged: debug, info, warn or error"),
                 set_log_level, [](const Config& c) { return some(std::string(log_level_name(c.log_level))); }),
      integer_entry(S(I::kToolTimeout, "AGENT_TOOL_TIMEOUT", "--tool-timeout", "SECONDS",
                      "seconds a tool call may run before it is cancelled"),
                    1, 3600, "seconds", {}, [](Config& c, int64_t v) { c.tool_timeout_s = v; },
                    [](const Config& c) { return number(c.tool_timeout_s); }),
      text_entry(S(I::kUpdateUrl, "AGENT_UPDATE_URL", "--update-url", "URL",
                   "release manifest read by agent_check_update, http:// only",
                   "{SIGMA_API_URL}/agent/releases/latest (unset without SIGMA_API_URL)"),
                 set_update_url, [](const Config& c) { return render_optional(c.update_url); }),
      integer_entry(S(I::kUpdateCheckTtl, "AGENT_UPDATE_CHECK_TTL", "--update-check-ttl", "SECONDS",
                      "seconds an update check is reused; 0 fetches every time"),
                    0, 604800, "seconds", "0 disables the cache",
                    [](Config& c, int64_t v) { c.update_check_ttl_s = v; },
                    [](const Config& c) { return number(c.update_check_ttl_s); }),
      integer_entry(S(I::kHttpMaxHeaderBytes, "AGENT_HTTP_MAX_HEADER_BYTES", "--http-max-header-bytes",
                      "BYTES", "request header block limit (431 past it)"),
                    1024, 1048576, "bytes", {},
                    [](Config& c, int64_t v) { c.http_max_header_bytes = static_cast<size_t>(v); },
                    [](const Config& c) { return number(static_cast<int64_t>(c.http_max_header_bytes)); }),
      integer_entry(S(I::kHttpMaxBodyBytes, "AGENT_HTTP_MAX_BODY_BYTES", "--http-max-body-bytes", "BYTES",
                      "request body limit (413 past it)"),
                    1024, 67108864, "bytes", {},
                    [](Config& c, int64_t v) { c.http_max_body_bytes = static_cast<size_t>(v); },
                    [](const Config& c) { return number(static_cast<int64_t>(c.http_max_body_bytes)); }),
      integer_entry(S(I::kHttpHeaderTimeout, "AGENT_HTTP_HEADER_TIMEOUT", "--http-header-timeout", "SECONDS",
                      "time allowed to receive a request head (408)"),
                    1, 3600, "seconds", {}, [](Config& c, int64_t v) { c.http_header_timeout_s = v; },
                    [](const Config& c) { return number(c.http_header_timeout_s); }),
      integer_entry(S(I::kHttpIdleTimeout, "AGENT_HTTP_IDLE_TIMEOUT", "--http-idle-timeout", "SECONDS",
                      "idle keep-alive connections are closed after it"),
                    1, 86400, "seconds", {}, [](Config& c, int64_t v) { c.http_idle_timeout_s = v; },
                    [](const Config& c) { return number(c.http_idle_timeout_s); }),
      integer_entry(S(I::kHttpMaxConnections, "AGENT_HTTP_MAX_CONNECTIONS", "--http-max-connections",
                      "COUNT", "open connections per MCP listener address (503 past it)"),
                    1, 65536, "connections", {},
                    [](Config& c, int64_t v) { c.http_max_connections = static_cast<size_t>(v); },
                    [](const Config& c) { return number(static_cast<int64_t>(c.http_max_connections)); }),
      integer_entry(S(I::kMetricsMaxConnections, "AGENT_METRICS_MAX_CONNECTIONS", "--metrics-max-connections",
                      "COUNT", "open connections per metrics listener address (503 past it)"),
                    1, 65536, "connections", {},
                    [](Config& c, int64_t v) { c.metrics_max_connections = static_cast<size_t>(v); },
                    [](const Config& c) { return number(static_cast<int64_t>(c.metrics_max_connections)); }),
      integer_entry(S(I::kWorkerThreads, "AGENT_WORKER_THREADS", "--worker-threads", "COUNT",
                      "threads for blocking work (bind tests, /proc reads)"),
                    1, 64, "threads", {}, [](Config& c, int64_t v) { c.worker_threads = static_cast<int>(v); },
                    [](const Config& c) { return number(c.worker_threads); }),
      integer_entry(S(I::kPortReserveSeconds, "AGENT_PORT_RESERVE_SECONDS", "--port-reserve-seconds",
                      "SECONDS", "how long allocate_ports keeps a handed-out port reserved"),
                    1, 3600, "seconds", {}, [](Config& c, int64_t v) { c.port_reserve_s = v; },
                    [](const Config& c) { return number(c.port_reserve_s); }),
  };
  return t;
}

}  // namespace

const std::array<Entry, kSettingCount>& entries() {
  static const std::array<Entry, kSettingCount> table = build_entries();
  return table;
}

const Entry& entry(SettingId id) { return entries()[static_cast<size_t>(id)]; }

std::string expectation(const Entry& e) {
  switch (e.kind) {
    case Kind::kBoolean:
      return "true, false, yes, no, 1 or 0";
    case Kind::kInteger: {
      std::string s;
      if (e.unit == "port") {
        s = "a port number between " + std::to_string(e.min) + " and " + std::to_string(e.max);
      } else {
        s = "a whole number of " + std::string(e.unit) + " between " + std::to_string(e.min) +
            " and " + std::to_string(e.max);
      }
      if (!e.note.empty()) {
        s += " (" + std::string(e.note) + ")";
      }
      return s;
    }
    case Kind::kText:
      break;
  }
  return {};
}

const std::array<SettingInfo, kSettingCount>& all_settings() {
  static const std::array<SettingInfo, kSettingCount> infos = [] {
    std::array<SettingInfo, kSettingCount> out{};
    for (size_t i = 0; i < kSettingCount; ++i) {
      out[i] = entries()[i].info;
    }
    return out;
  }();
  return infos;
}

const SettingInfo& setting_info(SettingId id) { return all_settings()[static_cast<size_t>(id)]; }

const SettingInfo* find_setting_by_env(std::string_view env_name) {
  for (const SettingInfo& s : all_settings()) {
    if (s.env_name == env_name) {
      return &s;
    }
  }
  return nullptr;
}

const SettingInfo* find_setting_by_flag(std::string_view flag) {
  for (const SettingInfo& s : all_settings()) {
    if (s.flag == flag) {
      return &s;
    }
  }
  return nullptr;
}

std::string describe_origin(const ValueOrigin& origin) {
  switch (origin.source) {
    case Source::kDefault: return "default";
    case Source::kFile: return "file " + origin.where;
    case Source::kEnvironment: return "environment";
    case Source::kFlag: return "flag " + origin.where;
  }
  return "default";
}

std::optional<UpdateManifestUrl> update_manifest_url(const Config& config) {
  const auto same_origin = [&config](const net::HttpUrl& url) {
    return config.api_url_parsed && config.api_url_parsed->host == url.host &&
           config.api_url_parsed->port == url.port;
  };
  if (config.update_url && config.update_url_parsed) {
    return UpdateManifestUrl{*config.update_url, *config.update_url_parsed, same_origin(*config.update_url_parsed)};
  }
  if (config.api_url && config.api_url_parsed) {
    net::HttpUrl url = *config.api_url_parsed;
    url.path += kDefaultUpdatePath;
    return UpdateManifestUrl{*config.api_url + std::string(kDefaultUpdatePath), std::move(url), true};
  }
  return std::nullopt;
}

net::HostPort default_mcp_bind_address() {
  Result<net::HostPort> hp = net::parse_host_port(kDefaultMcpBind);
  return hp ? std::move(hp).value() : net::HostPort{};
}

}  // namespace sigma::config
