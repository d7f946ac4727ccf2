// The sigma API's requests and answers (SPEC §7), and the one place that
// sends them.
//
// Owns: the JSON bodies of register and heartbeat, the targets of the
// envoy-nodes and envoy-routes lists, the parsing of every answer (the
// registration {id, hostname, status}, {"error": "..."} bodies, paginated
// {data, total, page, per_page} lists) as pure functions, and Api, which
// sends one request with the X-Api-Key header (only when a key is in force),
// a connect and a total timeout, a 1 MiB response bound and an optional
// cancel descriptor, and reports each outcome to an observer (metrics).
// Must not: retry (the agent and the tools own their policies), log, or put
// the key, a request body or a query string in a message: failures read
// "POST http://api:8080/agent/register: HTTP 500: <the API's message>".
// Threading: the pure functions are pure; Api is immutable after
// construction and send() is safe from several threads at once (each call
// opens its own connection; the key provider must be thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/client.h"
#include "json/value.h"
#include "net/address.h"

namespace sigma::control {

// Bounds of one exchange with the API.
inline constexpr size_t kMaxResponseBytes = 1u << 20;  // head + body
// A TCP connect gets at most this long (or the request timeout, if shorter):
// a dead host costs 3 s, not the whole request budget.
inline constexpr int64_t kConnectTimeoutMs = 3000;
// An {"error": "..."} message is logged and shown to tools cut to this many
// bytes, with every byte outside printable ASCII replaced by '?'.
inline constexpr size_t kMaxApiMessageBytes = 200;
// Lists: per_page asked for (SPEC §7) and the most pages followed.
inline constexpr int kEnvoyNodesPerPage = 100;
inline constexpr int kEnvoyRoutesPerPage = 1000;
inline constexpr int kMaxPages = 50;

// What a request is for; the metrics label (metrics::kControlPlaneOperations).
enum class Operation { kRegister, kHeartbeat, kRoutes };
std::string_view operation_name(Operation operation);  // "register", "heartbeat", "routes"

// How an exchange ended, for the metrics label:
//   ok                a 2xx answer whose body parsed
//   http_error        an answer with another status (its {"error"} message kept)
//   timeout           the connect or total timeout ran out
//   unreachable       refused, reset, cut short, name not resolved
//   invalid_response  malformed HTTP, over 1 MiB, not the JSON §7 describes
enum class Outcome { kOk, kHttpError, kTimeout, kUnreachable, kInvalidResponse };
std::string_view outcome_name(Outcome outcome);

// ---- What the node reports (filled by the daemon from host/) ----

struct IpAddress {
  std::string ip;     // "10.0.0.5", "2001:db8::1"
  std::string label;  // "internal" or "" (public)
};

struct SystemInfo {
  std::optional<uint32_t> cpu_cores;
  std::optional<uint64_t> ram_mb;
  std::optional<double> disk_gb;
  std::optional<double> disk_used_gb;
  std::optional<int64_t> uptime_seconds;
  std::optional<double> load_1, load_5, load_15;  // all three or none
  std::optional<uint16_t> metrics_port;           // unset when the listener is off
  std::optional<std::string> public_ip;           // unset behind NAT
};

struct NodeReport {
  std::string hostname;
  std::optional<std::string> alias;
  std::vector<IpAddress> ip_addresses;
  uint16_t ssh_port = 22;
  SystemInfo system_info;
};

// {hostname, alias?, ip_addresses, ssh_port, system_info}. Unknown numbers
// are sent as 0 (the API's fields are required numbers), load_avg as [0,0,0].
std::string register_body(const NodeReport& report);
// {hostname, ip_addresses, system_info}.
std::string heartbeat_body(const NodeReport& report);

// ---- What the API answers ----

struct Registration {
  std::string id;  // the VPS id (a uuid)
  std::string hostname;
  std::string status;
};

// {id, hostname, status}: id a non-empty string of at most 128 visible ASCII
// bytes (it is put in query strings); hostname and status strings, may be
// absent. Failure: what is wrong, without the body.
Result<Registration> parse_registration(std::string_view body);

// The message of an {"error": "..."} body, bounded and sanitized
// (kMaxApiMessageBytes); nullopt when the body is not such an object.
std::optional<std::string> parse_error_message(std::string_view body);

// Printable ASCII only, cut at `max_bytes` with "..." appended when cut.
std::string sanitize_message(std::string_view text, size_t max_bytes = kMaxApiMessageBytes);

template <typename T>
struct Page {
  std::vector<T> data;
  int64_t total = 0;
  int64_t page = 1;
  int64_t per_page = 0;
  // More pages follow: page * per_page < total (computed without the
  // product, which untrusted numbers could overflow).
  bool has_more() const { return per_page > 0 && page > 0 && total > 0 && page < (total - 1) / per_page + 1; }
};

struct EnvoyNode {
  std::string id;
  std::string vps_id;
  std::string node_id;  // Envoy's node.id
  std::optional<int64_t> admin_port;
  std::string description;
  int64_t config_version = 0;
  std::string status;
};

struct EnvoyRoute {
  std::string id;
  std::string envoy_node_id;
  std::string name;
  int64_t listen_port = 0;
  std::optional<std::string> backend_host;
  std::optional<int64_t> backend_port;
  std::string cluster_type;
  std::optional<double> connect_timeout_secs;
  bool proxy_protocol = false;
  std::string source;
  std::string status;
};

// {data:[...], total, page, per_page}. Every record must carry its id (a
// string, or an integer, kept as its decimal text) and the fields above with
// their JSON types; optional ones may be null or absent. Failure names the
// record index and the field.
Result<Page<EnvoyNode>> parse_envoy_nodes_page(std::string_view body);
Result<Page<EnvoyRoute>> parse_envoy_routes_page(std::string_view body);

// "/envoy-nodes?vps_id=ID&status=active&per_page=100&page=N" and
// "/envoy-routes?envoy_node_id=ID&status=active[&source=S]&per_page=1000&page=N",
// the ids and source percent-encoded (RFC 3986 unreserved kept).
std::string envoy_nodes_target(std::string_view vps_id, int page);
std::string envoy_routes_target(std::string_view envoy_node_id, std::string_view source, int page);

// ---- Sending ----

// The key in force, or nullptr for none (auth::SecretSource::current()).
using KeyProvider = std::function<std::shared_ptr<const std::string>()>;
using OutcomeObserver = std::function<void(Operation, Outcome)>;

struct ApiOptions {
  int64_t connect_timeout_ms = kConnectTimeoutMs;
  // The whole exchange (SIGMA_API_TIMEOUT). REQUIRES: > 0.
  int64_t request_timeout_ms = 0;
};

// One failed exchange: the outcome, the HTTP status when there was an answer
// (0 otherwise), and a message for logs and tool errors ("POST
// http://h:p/agent/heartbeat: HTTP 404: node not found").
struct ApiFailure {
  Outcome outcome = Outcome::kUnreachable;
  int http_status = 0;
  std::string message;
  bool cancelled = false;  // abandoned through the cancel descriptor
};

template <typename T>
struct ApiResult {
  std::optional<T> value;
  ApiFailure failure;  // meaningful when !value
  bool ok() const { return value.has_value(); }
};

struct Empty {};

class Api final {
 public:
  // `observer` may be empty.
  Api(net::HttpUrl base, KeyProvider key, ApiOptions options, OutcomeObserver observer);

  // Display form of the base URL: "http://api:8080/sigma" (it holds no
  // credentials: net::parse_http_url refuses user information).
  std::string base_text() const;

  // `deadline_ms`: an absolute limit tighter than request_timeout (a tool's
  // deadline); 0 for none. `cancel_fd` as http::SendControl's.
  ApiResult<Registration> register_node(const NodeReport& report, int cancel_fd) const;
  ApiResult<Empty> heartbeat(const NodeReport& report, int cancel_fd) const;
  ApiResult<Page<EnvoyNode>> envoy_nodes(std::string_view vps_id, int page, int64_t deadline_ms) const;
  ApiResult<Page<EnvoyRoute>> envoy_routes(std::string_view envoy_node_id, std::string_view source, int page,
                                           int64_t deadline_ms) const;

 private:
  // Sends and classifies: a 2xx answer's body, or a failure.
  ApiResult<std::string> exchange(Operation operation, const char* method, std::string target, std::string body,
                                  int64_t deadline_ms, int cancel_fd) const;
  void observe(Operation operation, Outcome outcome) const;

  net::HttpUrl base_;
  KeyProvider key_;
  ApiOptions options_;
  OutcomeObserver observer_;
  http::Client client_;
};

}  // namespace sigma::control
