#include "control/api.h"

#include <poll.h>

#include <cmath>
#include <utility>

#include "base/clock.h"
#include "json/json.h"

namespace sigma::control {
namespace {

// The id is put in query strings and log lines: a uuid is 36 bytes, 128
// leaves room for other id schemes without letting an answer grow a line.
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxFieldBytes = 4096;

json::Value ip_list(const std::vector<IpAddress>& ips) {
  json::Value list = json::Value::array();
  for (const IpAddress& ip : ips) {
    list.push(json::Value::object().set("ip", ip.ip).set("label", ip.label));
  }
  return list;
}

json::Value system_info_json(const SystemInfo& s) {
  json::Value info = json::Value::object();
  info.set("cpu_cores", static_cast<long long>(s.cpu_cores.value_or(0)));
  info.set("ram_mb", static_cast<unsigned long long>(s.ram_mb.value_or(0)));
  info.set("disk_gb", s.disk_gb.value_or(0.0));
  info.set("disk_used_gb", s.disk_used_gb.value_or(0.0));
  info.set("uptime_seconds", static_cast<long long>(s.uptime_seconds.value_or(0)));
  json::Value load = json::Value::array();
  load.push(s.load_1.value_or(0.0));
  load.push(s.load_5.value_or(0.0));
  load.push(s.load_15.value_or(0.0));
  info.set("load_avg", std::move(load));
  if (s.metrics_port) {
    info.set("metrics_port", static_cast<long long>(*s.metrics_port));
  }
  if (s.public_ip) {
    info.set("public_ip", *s.public_ip);
  }
  return info;
}

Result<json::Value> parse_object(std::string_view body) {
  json::ParseLimits limits;
  limits.max_bytes = kMaxResponseBytes;
  limits.max_depth = 16;
  json::ParseResult parsed = json::parse(body, limits);
  if (!parsed.ok()) {
    return Status::error("invalid JSON: " + parsed.error.to_string());
  }
  if (!parsed.value->is_object()) {
    return Status::error("the answer is not a JSON object");
  }
  return std::move(*parsed.value);
}

bool is_visible_ascii(std::string_view s) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) {
      return false;
    }
  }
  return true;
}

// A record's field readers: each returns an error naming the field.
struct Fields {
  const json::Value& object;
  std::string where;  // "data[3]"

  Status missing(std::string_view name, std::string_view what) const {
    return Status::error(where + "." + std::string(name) + ": " + std::string(what));
  }

  // A string, or an integer id kept as its decimal text.
  Status id(std::string_view name, std::string& out) const {
    const json::Value* v = object.find(name);
    if (v != nullptr && v->is_string() && !v->as_string().empty() && v->as_string().size() <= kMaxIdBytes &&
        is_visible_ascii(v->as_string())) {
      out = v->as_string();
      return Status::ok();
    }
    // An integer id is kept as its canonical decimal text: the number as
    // written could be "7e1000..." (an integer in JSON's grammar, and as long
    // as the sender likes), which must not reach a query string or a log.
    if (std::optional<int64_t> n = v != nullptr && v->is_integer() ? v->as_int() : std::nullopt) {
      out = std::to_string(*n);
      return Status::ok();
    }
    return missing(name, "expected an id (a non-empty string of at most 128 visible ASCII bytes, or a 64-bit integer)");
  }
  Status text(std::string_view name, std::string& out, bool required) const {
    const json::Value* v = object.find(name);
    if (v == nullptr || v->is_null()) {
      return required ? missing(name, "missing") : Status::ok();
    }
    if (!v->is_string() || v->as_string().size() > kMaxFieldBytes) {
      return missing(name, "expected a string");
    }
    out = v->as_string();
    return Status::ok();
  }
  Status optional_text(std::string_view name, std::optional<std::string>& out) const {
    const json::Value* v = object.find(name);
    if (v == nullptr || v->is_null()) {
      return Status::ok();
    }
    if (!v->is_string() || v->as_string().size() > kMaxFieldBytes) {
      return missing(name, "expected a string or null");
    }
    out = v->as_string();
    return Status::ok();
  }
  Status integer(std::string_view name, std::optional<int64_t>& out, bool required) const {
    const json::Value* v = object.find(name);
    if (v == nullptr || v->is_null()) {
      return required ? missing(name, "missing") : Status::ok();
    }
    std::optional<int64_t> n = v->is_integer() ? v->as_int() : std::nullopt;
    if (!n) {
      return missing(name, "expected an integer");
    }
    out = n;
    return Status::ok();
  }
  Status number(std::string_view name, std::optional<double>& out) const {
    const json::Value* v = object.find(name);
    if (v == nullptr || v->is_null()) {
      return Status::ok();
    }
    if (!v->is_number() || !std::isfinite(v->as_double())) {
      return missing(name, "expected a number");
    }
    out = v->as_double();
    return Status::ok();
  }
  Status boolean(std::string_view name, bool& out) const {
    const json::Value* v = object.find(name);
    if (v == nullptr || v->is_null()) {
      return Status::ok();
    }
    if (!v->is_bool()) {
      return missing(name, "expected true or false");
    }
    out = v->as_bool();
    return Status::ok();
  }
};

template <typename T>
using RecordParser = Status (*)(const Fields&, T&);

Status parse_node(const Fields& f, EnvoyNode& n) {
  std::optional<int64_t> version;
  Status checks[] = {f.id("id", n.id),
                     f.id("vps_id", n.vps_id),
                     f.text("node_id", n.node_id, true),
                     f.integer("admin_port", n.admin_port, false),
                     f.text("description", n.description, false),
                     f.integer("config_version", version, false),
                     f.text("status", n.status, false)};
  for (Status& s : checks) {
    if (!s) {
      return s;
    }
  }
  n.config_version = version.value_or(0);
  return Status::ok();
}

Status parse_route(const Fields& f, EnvoyRoute& r) {
  std::optional<int64_t> listen_port;
  std::optional<double> timeout;
  Status checks[] = {f.id("id", r.id),
                     f.id("envoy_node_id", r.envoy_node_id),
                     f.text("name", r.name, true),
                     f.integer("listen_port", listen_port, true),
                     f.optional_text("backend_host", r.backend_host),
                     f.integer("backend_port", r.backend_port, false),
                     f.text("cluster_type", r.cluster_type, false),
                     f.number("connect_timeout_secs", r.connect_timeout_secs),
                     f.boolean("proxy_protocol", r.proxy_protocol),
                     f.text("source", r.source, false),
                     f.text("status", r.status, false)};
  for (Status& s : checks) {
    if (!s) {
      return s;
    }
  }
  r.listen_port = *listen_port;
  return Status::ok();
}

template <typename T>
Result<Page<T>> parse_page(std::string_view body, RecordParser<T> parse_record) {
  Result<json::Value> root = parse_object(body);
  if (!root) {
    return root.status();
  }
  const json::Value* data = root->find("data");
  if (data == nullptr || !data->is_array()) {
    return Status::error("data: expected an array");
  }
  Page<T> page;
  Fields top{*root, "page"};
  std::optional<int64_t> total, number, per_page;
  if (Status s = top.integer("total", total, true); !s) {
    return s;
  }
  if (Status s = top.integer("page", number, false); !s) {
    return s;
  }
  if (Status s = top.integer("per_page", per_page, false); !s) {
    return s;
  }
  page.total = *total;
  page.page = number.value_or(1);
  page.per_page = per_page.value_or(static_cast<int64_t>(data->size()));
  if (page.total < 0 || page.page < 1 || page.per_page < 0) {
    return Status::error("total, page and per_page must be non-negative (page from 1)");
  }
  size_t index = 0;
  for (const json::Value& item : data->as_array()) {
    const std::string where = "data[" + std::to_string(index++) + "]";
    if (!item.is_object()) {
      return Status::error(where + ": expected an object");
    }
    T record;
    if (Status s = parse_record(Fields{item, where}, record); !s) {
      return s;
    }
    page.data.push_back(std::move(record));
  }
  return page;
}

void append_query_value(std::string& out, std::string_view value) {
  static const char kHex[] = "0123456789ABCDEF";
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    // RFC 3986 §2.3 unreserved characters go as they are.
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

bool fd_is_readable(int fd) {
  if (fd < 0) {
    return false;
  }
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0;
}

}  // namespace

std::string_view operation_name(Operation operation) {
  switch (operation) {
    case Operation::kRegister:
      return "register";
    case Operation::kHeartbeat:
      return "heartbeat";
    case Operation::kRoutes:
      return "routes";
  }
  return "other";
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kHttpError:
      return "http_error";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kUnreachable:
      return "unreachable";
    case Outcome::kInvalidResponse:
      return "invalid_response";
  }
  return "other";
}

std::string register_body(const NodeReport& report) {
  json::Value body = json::Value::object();
  body.set("hostname", report.hostname);
  if (report.alias) {
    body.set("alias", *report.alias);
  }
  body.set("ip_addresses", ip_list(report.ip_addresses));
  body.set("ssh_port", static_cast<long long>(report.ssh_port));
  body.set("system_info", system_info_json(report.system_info));
  return json::write(body);
}

std::string heartbeat_body(const NodeReport& report) {
  json::Value body = json::Value::object();
  body.set("hostname", report.hostname);
  body.set("ip_addresses", ip_list(report.ip_addresses));
  body.set("system_info", system_info_json(report.system_info));
  return json::write(body);
}

Result<Registration> parse_registration(std::string_view body) {
  Result<json::Value> root = parse_object(body);
  if (!root) {
    return root.status();
  }
  Registration r;
  Fields f{*root, "registration"};
  Status checks[] = {f.id("id", r.id), f.text("hostname", r.hostname, false), f.text("status", r.status, false)};
  for (Status& s : checks) {
    if (!s) {
      return s;
    }
  }
  return r;
}

std::string sanitize_message(std::string_view text, size_t max_bytes) {
  std::string out;
  const bool cut = text.size() > max_bytes;
  text = text.substr(0, max_bytes);
  out.reserve(text.size() + 3);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    out += (c >= 0x20 && c < 0x7F) ? ch : '?';
  }
  if (cut) {
    out += "...";
  }
  return out;
}

std::optional<std::string> parse_error_message(std::string_view body) {
  Result<json::Value> root = parse_object(body);
  if (!root) {
    return std::nullopt;
  }
  const json::Value* error = root->find("error");
  if (error == nullptr || !error->is_string() || error->as_string().empty()) {
    return std::nullopt;
  }
  return sanitize_message(error->as_string());
}

Result<Page<EnvoyNode>> parse_envoy_nodes_page(std::string_view body) {
  return parse_page<EnvoyNode>(body, parse_node);
}

Result<Page<EnvoyRoute>> parse_envoy_routes_page(std::string_view body) {
  return parse_page<EnvoyRoute>(body, parse_route);
}

std::string envoy_nodes_target(std::string_view vps_id, int page) {
  std::string t = "/envoy-nodes?vps_id=";
  append_query_value(t, vps_id);
  t += "&status=active&per_page=" + std::to_string(kEnvoyNodesPerPage) + "&page=" + std::to_string(page);
  return t;
}

std::string envoy_routes_target(std::string_view envoy_node_id, std::string_view source, int page) {
  std::string t = "/envoy-routes?envoy_node_id=";
  append_query_value(t, envoy_node_id);
  t += "&status=active";
  if (!source.empty()) {
    t += "&source=";
    append_query_value(t, source);
  }
  t += "&per_page=" + std::to_string(kEnvoyRoutesPerPage) + "&page=" + std::to_string(page);
  return t;
}

Api::Api(net::HttpUrl base, KeyProvider key, ApiOptions options, OutcomeObserver observer)
    : base_(std::move(base)),
      key_(std::move(key)),
      options_(options),
      observer_(std::move(observer)),
      client_([] {
        http::ClientOptions o;
        o.max_response_bytes = kMaxResponseBytes;
        return o;
      }()) {}

std::string Api::base_text() const {
  std::string host = base_.is_ipv6_literal ? "[" + base_.host + "]" : base_.host;
  return "http://" + host + ":" + std::to_string(base_.port) + base_.path;
}

void Api::observe(Operation operation, Outcome outcome) const {
  if (observer_) {
    observer_(operation, outcome);
  }
}

ApiResult<std::string> Api::exchange(Operation operation, const char* method, std::string target, std::string body,
                                     int64_t deadline_ms, int cancel_fd) const {
  http::ClientRequest request;
  request.method = method;
  request.target = std::move(target);
  request.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  request.headers.emplace_back("User-Agent", "sigma-agent/" SIGMA_VERSION);
  // The snapshot is taken per request, so a key rotated by SIGHUP is used
  // from the next request on; with none in force the header is left out
  // rather than sent empty.
  if (key_) {
    if (std::shared_ptr<const std::string> key = key_()) {
      request.headers.emplace_back("X-Api-Key", *key);
    }
  }
  request.body = std::move(body);

  const int64_t now = monotonic_ms();
  int64_t deadline = now + options_.request_timeout_ms;
  if (deadline_ms > 0 && deadline_ms < deadline) {
    deadline = deadline_ms;
  }
  http::SendControl control;
  control.connect_deadline_ms = now + options_.connect_timeout_ms;
  control.cancel_fd = cancel_fd;

  ApiResult<std::string> result;
  Result<http::ClientResponse> response = client_.send(base_, request, deadline, control);
  if (!response) {
    const Status& s = response.status();
    ApiFailure& f = result.failure;
    f.message = s.message();
    f.cancelled = fd_is_readable(cancel_fd);
    if (s.is_deadline_exceeded()) {
      f.outcome = Outcome::kTimeout;
    } else if (s.is_retryable() || s.message().find(": connect ") != std::string::npos) {
      f.outcome = Outcome::kUnreachable;
    } else {
      f.outcome = Outcome::kInvalidResponse;
    }
    if (!f.cancelled) {
      observe(operation, f.outcome);
    }
    return result;
  }
  // The path without its query, for messages (the query holds ids only, but
  // the client's own messages leave it out too).
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  const std::string context = std::string(method) + " " + base_text() + std::string(path);
  if (response->status / 100 != 2) {
    ApiFailure& f = result.failure;
    f.outcome = Outcome::kHttpError;
    f.http_status = response->status;
    std::optional<std::string> message = parse_error_message(response->body);
    f.message = context + ": HTTP " + std::to_string(response->status) + ": " +
                (message ? *message : std::string("no {\"error\"} message in the answer"));
    observe(operation, f.outcome);
    return result;
  }
  result.value = std::move(response->body);
  return result;
}

namespace {

// A 2xx answer whose body does not parse is an invalid response.
template <typename T, typename Parse>
ApiResult<T> parse_answer(ApiResult<std::string>&& raw, Parse parse, const std::string& context,
                          const std::function<void(Outcome)>& observe) {
  ApiResult<T> out;
  if (!raw.ok()) {
    out.failure = std::move(raw.failure);
    return out;
  }
  Result<T> parsed = parse(*raw.value);
  if (!parsed) {
    out.failure.outcome = Outcome::kInvalidResponse;
    out.failure.http_status = 200;
    out.failure.message = context + ": unexpected answer: " + parsed.error();
    observe(Outcome::kInvalidResponse);
    return out;
  }
  observe(Outcome::kOk);
  out.value = std::move(parsed).value();
  return out;
}

}  // namespace

ApiResult<Registration> Api::register_node(const NodeReport& report, int cancel_fd) const {
  return parse_answer<Registration>(
      exchange(Operation::kRegister, "POST", "/agent/register", register_body(report), 0, cancel_fd),
      parse_registration, "POST " + base_text() + "/agent/register",
      [this](Outcome o) { observe(Operation::kRegister, o); });
}

ApiResult<Empty> Api::heartbeat(const NodeReport& report, int cancel_fd) const {
  ApiResult<std::string> raw =
      exchange(Operation::kHeartbeat, "POST", "/agent/heartbeat", heartbeat_body(report), 0, cancel_fd);
  ApiResult<Empty> out;
  if (!raw.ok()) {
    out.failure = std::move(raw.failure);
    return out;
  }
  // The heartbeat's answer carries nothing the agent needs; any 2xx will do.
  observe(Operation::kHeartbeat, Outcome::kOk);
  out.value = Empty{};
  return out;
}

ApiResult<Page<EnvoyNode>> Api::envoy_nodes(std::string_view vps_id, int page, int64_t deadline_ms) const {
  return parse_answer<Page<EnvoyNode>>(
      exchange(Operation::kRoutes, "GET", envoy_nodes_target(vps_id, page), {}, deadline_ms, -1),
      parse_envoy_nodes_page, "GET " + base_text() + "/envoy-nodes",
      [this](Outcome o) { observe(Operation::kRoutes, o); });
}

ApiResult<Page<EnvoyRoute>> Api::envoy_routes(std::string_view envoy_node_id, std::string_view source, int page,
                                              int64_t deadline_ms) const {
  return parse_answer<Page<EnvoyRoute>>(
      exchange(Operation::kRoutes, "GET", envoy_routes_target(envoy_node_id, source, page), {}, deadline_ms, -1),
      parse_envoy_routes_page, "GET " + base_text() + "/envoy-routes",
      [this](Outcome o) { observe(Operation::kRoutes, o); });
}

}  // namespace sigma::control
