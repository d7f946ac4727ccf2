#include "config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "auth/origin.h"
#include "auth/token.h"
#include "base/strings.h"

#ifndef SIGMA_VERSION
#define SIGMA_VERSION "unknown"
#endif

namespace sigma::config {
namespace {

// ---------------------------------------------------------------------------
// The settings table.

enum class Kind { kText, kBoolean, kInteger };

using TextSetter = std::optional<std::string> (*)(Config&, std::string_view);
using BooleanSetter = void (*)(Config&, bool);
using IntegerSetter = void (*)(Config&, int64_t);
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
  Renderer render = nullptr;  // the value as written; nullopt when unset
};

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

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == ' ' || is_control(c); });
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 1035 §2.3.4: a domain name in text is at most 253 bytes.
constexpr size_t kMaxHostNameBytes = 253;

// Host names and IPv4 literals: letters, digits, '-', '.', '_' (the last is
// not valid in DNS host names but appears in /etc/hosts and container names).
bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'; }
bool is_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxHostNameBytes && std::all_of(s.begin(), s.end(), is_name_char);
}

// The inside of an IPv6 literal's brackets (RFC 3986 §3.2.2); deep checking
// is left to getaddrinfo in net/. A zone ("fe80::1%eth0") is allowed.
bool is_ipv6_shape(std::string_view s) {
  size_t zone = s.find('%');
  std::string_view addr = s.substr(0, zone);
  if (addr.size() < 2 || addr.find(':') == std::string_view::npos) {
    return false;
  }
  if (!std::all_of(addr.begin(), addr.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; })) {
    return false;
  }
  if (zone != std::string_view::npos) {
    std::string_view z = s.substr(zone + 1);
    return !z.empty() && std::all_of(z.begin(), z.end(), is_name_char);
  }
  return true;
}

std::optional<uint16_t> parse_port(std::string_view s, uint16_t min) {
  std::optional<uint64_t> v = parse_u64(s);
  if (!v || *v < min || *v > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(*v);
}

// RFC 9110 §5.5: a field value may not carry CR, LF or NUL; we also refuse
// other controls and surrounding spaces, which could not survive a header.
bool is_header_safe(std::string_view s) {
  return !s.empty() && !has_control(s) && s.front() != ' ' && s.back() != ' ';
}

std::optional<std::string> set_api_url(Config& c, std::string_view v) {
  if (istarts_with(v, "https://")) {
    return some(
        "an http:// URL; https:// is refused because sigma-agent links no TLS library: run a "
        "local TLS forwarder and point SIGMA_API_URL at it, or reach the API over the fleet's "
        "private network");
  }
  const std::string kExpect = "an http:// URL such as http://10.0.0.1:8080 or http://api.internal/sigma";
  if (!istarts_with(v, "http://") || has_space_or_control(v)) {
    return some(kExpect);
  }
  std::string_view rest = v.substr(7);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (end != std::string_view::npos && rest[end] != '/') {
    return some(kExpect + " (no query or fragment)");
  }
  if (authority.find('@') != std::string_view::npos) {
    return some(kExpect + " (no user name or password in the URL; use SIGMA_API_KEY)");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || !is_ipv6_shape(authority.substr(1, close - 1))) {
      return some(kExpect);
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return some(kExpect);
      }
      port = after.substr(1);
      if (port.empty()) {
        return some(kExpect);
      }
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) {
        return some(kExpect);
      }
    }
    if (!is_name(host)) {
      return some(kExpect + " (with a host)");
    }
  }
  if (!port.empty() && !parse_port(port, 1)) {
    return some(kExpect + " (a port between 1 and 65535)");
  }
  std::string url(v);
  // The control client appends "/agent/register" etc.; a trailing slash would double it.
  while (url.size() > 7 && url.back() == '/') {
    url.pop_back();
  }
  c.api_url = url;
  return std::nullopt;
}

std::optional<std::string> set_api_key(Config& c, std::string_view v) {
  if (!is_header_safe(v)) {
    return some("a non-empty key of visible characters (it is sent as the X-Api-Key header)");
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
  if (!is_name(v)) {
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
    if (v.back() != ']' || !is_ipv6_shape(v.substr(1, v.size() - 2))) {
      return some(kExpect);
    }
    c.metrics_bind = std::string(v.substr(1, v.size() - 2));
    return std::nullopt;
  }
  size_t colons = static_cast<size_t>(std::count(v.begin(), v.end(), ':'));
  if (colons >= 2 && is_ipv6_shape(v)) {
    c.metrics_bind = std::string(v);  // a bare IPv6 literal is unambiguous without a port
    return std::nullopt;
  }
  if (colons != 0 || !is_name(v)) {
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

std::optional<std::string> set_mcp_bind(Config& c, std::string_view v) {
  Result<HostPort> hp = parse_host_port(v);
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
  if (!auth::is_token68(v)) {
    return some(
        "a non-empty bearer token of letters, digits and - . _ ~ + / (optionally ending in =), "
        "RFC 6750 §2.1");
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
  if (!origin || origin->port == 0 || origin->host.size() > kMaxHostNameBytes) {
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
      text_entry(S(I::kLogLevel, "AGENT_LOG_LEVEL", "--log-level", "LEVEL",
                   "least severe level logged: debug, info, warn or error"),
                 set_log_level, [](const Config& c) { return some(std::string(log_level_name(c.log_level))); }),
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
                      "COUNT", "open connections per listener (503 past it)"),
                    1, 65536, "connections", {},
                    [](Config& c, int64_t v) { c.http_max_connections = static_cast<size_t>(v); },
                    [](const Config& c) { return number(static_cast<int64_t>(c.http_max_connections)); }),
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

const std::array<Entry, kSettingCount>& entries() {
  static const std::array<Entry, kSettingCount> table = build_entries();
  return table;
}

const Entry& entry(SettingId id) { return entries()[static_cast<size_t>(id)]; }

// ---------------------------------------------------------------------------
// Messages.

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

std::string show_value(const SettingInfo& info, std::string_view v) {
  if (info.is_secret) {
    return v.empty() ? std::string("(empty)") : "(" + std::to_string(v.size()) + " bytes hidden)";
  }
  return quote(v);
}

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

std::string suggestion(std::string_view wrong, bool flags) {
  std::string_view best;
  size_t best_distance = 4;  // suggest only within 3 edits
  for (const Entry& e : entries()) {
    std::string_view candidate = flags ? e.info.flag : e.info.env_name;
    size_t d = edit_distance(wrong, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (flags) {
    for (std::string_view candidate : {"--config", "--check-config", "--help", "--version", "--stdio"}) {
      size_t d = edit_distance(wrong, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
  }
  if (best.empty()) {
    return {};
  }
  std::string s = " (did you mean " + std::string(best) + "?";
  if (best_distance == 0) {
    s += flags ? " options" : " names";
    s += " are case-sensitive";
  }
  return s + ")";
}

// ---------------------------------------------------------------------------
// Loading.

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
        std::string_view v = a.value;
        if (iequals(v, "true") || iequals(v, "yes") || v == "1") {
          e.set_boolean(c, true);
        } else if (iequals(v, "false") || iequals(v, "no") || v == "0") {
          e.set_boolean(c, false);
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
        loader.bad_config(where + ": unknown setting " + std::string(name) + suggestion(name, false));
      } else {
        loader.warn(where + ": " + std::string(name) +
                    " is not a sigma-agent setting; sigma-agent ignores it" + suggestion(name, false));
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

struct CommandLine {
  std::vector<Assignment> flags;
  std::optional<std::string> config_path;
  bool help = false;
  bool version = false;
  bool check_config = false;
  bool stdio = false;
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
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      if (arg.size() >= 2 && arg.front() == '-') {
        loader.usage("unknown option " + arg + suggestion(arg, true));
      } else {
        loader.usage("unexpected argument " + quote(arg));
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
      loader.usage("unknown option " + name + suggestion(name, true));
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

// ---------------------------------------------------------------------------
// Public functions.

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

Result<HostPort> parse_host_port(std::string_view text) {
  auto fail = [](std::string_view why) {
    return Status::error("host:port or [IPv6]:port with a port between 0 and 65535, such as "
                         "127.0.0.1:9103 or [::1]:9103; " + std::string(why));
  };
  if (text.empty()) {
    return fail("the value is empty");
  }
  HostPort hp;
  std::string_view port;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return fail("the '[' is not closed");
    }
    std::string_view host = text.substr(1, close - 1);
    if (!is_ipv6_shape(host)) {
      return fail("brackets must hold an IPv6 address");
    }
    std::string_view after = text.substr(close + 1);
    if (after.empty() || after.front() != ':') {
      return fail("the port is missing");
    }
    hp.host = std::string(host);
    hp.is_ipv6_literal = true;
    port = after.substr(1);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return fail("the port is missing");
    }
    std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return fail("IPv6 addresses must be bracketed");
    }
    if (host.empty()) {
      return fail("the host is missing (use 0.0.0.0 or [::] for every address)");
    }
    if (!is_name(host)) {
      return fail("the host must be a name or an IP address");
    }
    hp.host = std::string(host);
    port = text.substr(colon + 1);
  }
  std::optional<uint16_t> p = parse_port(port, 0);
  if (!p) {
    return fail(port.empty() ? "the port is missing" : "the port is not a number between 0 and 65535");
  }
  hp.port = *p;
  return hp;
}

HostPort default_mcp_bind_address() {
  Result<HostPort> hp = parse_host_port(kDefaultMcpBind);
  return hp ? std::move(hp).value() : HostPort{};
}

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
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::from_errno(path, errno);
    }
    std::string data;
    char buf[4096];
    while (true) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        int saved = errno;
        ::close(fd);
        return Status::from_errno(path, saved);
      }
      if (n == 0) {
        break;
      }
      data.append(buf, static_cast<size_t>(n));
      if (data.size() > kMaxConfigBytes) {
        ::close(fd);
        return Status::error(path + ": larger than 1 MiB, not a config file");
      }
    }
    ::close(fd);
    return data;
  };
  env.file_exists = [](const std::string& path) { return ::access(path.c_str(), F_OK) == 0; };
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

  check_exclusive(loader, SettingId::kMcpToken, SettingId::kMcpTokenFile);
  check_exclusive(loader, SettingId::kApiKey, SettingId::kApiKeyFile);
  constexpr size_t kMinTokenBytes = 16;
  const Config& c = loader.result.config;
  if (c.mcp_token && c.mcp_token->size() < kMinTokenBytes) {
    loader.warn("AGENT_MCP_TOKEN is only " + std::to_string(c.mcp_token->size()) +
                " bytes; use at least 32 random bytes (for example: head -c 32 /dev/urandom | base64)");
  }

  loader.result.exit_code = loader.usage_error ? kExitUsage : loader.config_error ? kExitConfig : kExitOk;
  return std::move(loader.result);
}

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
      "       sigma-agent --help | --version\n"
      "\n"
      "Commands:\n"
      "  -h, --help              print this help and exit\n"
      "  -V, --version           print the version and exit\n"
      "  --check-config          print the effective settings and the MCP bind decision, then exit\n"
      "                          (non-zero when the daemon would refuse anything)\n"
      "  --stdio                 serve MCP on stdin/stdout instead of HTTP (no listener)\n"
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

}  // namespace sigma::config
