#include "fake_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>

#include "base/clock.h"
#include "base/strings.h"
#include "http/parser.h"
#include "json/json.h"

namespace sigma::test {
namespace {

void write_all(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    off += static_cast<size_t>(n);
  }
}

std::string reason_of(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string response(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_of(status) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 &&
        hex_digit_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view target) {
  std::map<std::string, std::string> out;
  size_t q = target.find('?');
  if (q == std::string_view::npos) {
    return out;
  }
  for (std::string_view pair : split(target.substr(q + 1), '&')) {
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out[percent_decode(pair)] = "";
    } else {
      out[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
    }
  }
  return out;
}

// A record field as text: strings as they are, numbers as written.
std::string field_text(const std::string& json_object, const char* name) {
  json::ParseResult parsed = json::parse(json_object);
  if (!parsed.ok() || !parsed.value->is_object()) {
    return {};
  }
  const json::Value* v = parsed.value->find(name);
  if (v == nullptr) {
    return {};
  }
  if (v->is_string()) {
    return v->as_string();
  }
  if (v->is_number()) {
    return v->number_text();
  }
  return {};
}

int64_t query_number(const std::map<std::string, std::string>& query, const char* name, int64_t fallback) {
  auto it = query.find(name);
  if (it == query.end()) {
    return fallback;
  }
  std::optional<uint64_t> v = parse_u64(it->second);
  return v && *v > 0 && *v < 1000000 ? static_cast<int64_t>(*v) : fallback;
}

std::string page_of(const std::vector<std::string>& records, const std::map<std::string, std::string>& query) {
  const int64_t page = query_number(query, "page", 1);
  const int64_t per_page = query_number(query, "per_page", 100);
  std::string data = "[";
  for (size_t i = static_cast<size_t>((page - 1) * per_page);
       i < records.size() && i < static_cast<size_t>(page * per_page); ++i) {
    if (data.size() > 1) {
      data += ',';
    }
    data += records[i];
  }
  data += ']';
  return R"({"data":)" + data + R"(,"total":)" + std::to_string(records.size()) + R"(,"page":)" +
         std::to_string(page) + R"(,"per_page":)" + std::to_string(per_page) + "}";
}

std::string json_string(const std::string& s) { return json::write(json::Value(s)); }

}  // namespace

std::optional<std::string> RecordedRequest::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

FakeApi::FakeApi(std::string base_path) : base_path_(std::move(base_path)) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 128) != 0 ||
      ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeApi::~FakeApi() {
  stopping_ = true;
  if (stop_pipe_[1] >= 0) {
    char c = 1;
    ssize_t n = ::write(stop_pipe_[1], &c, 1);
    (void)n;
  }
  changed_.notify_all();
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) {
    t.join();
  }
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

std::string FakeApi::url() const { return "http://127.0.0.1:" + std::to_string(port_) + base_path_; }

void FakeApi::set_vps_id(std::string id) {
  std::lock_guard<std::mutex> lock(mutex_);
  vps_id_ = std::move(id);
}

void FakeApi::add_envoy_node(const std::string& json_object) {
  std::lock_guard<std::mutex> lock(mutex_);
  nodes_.push_back(json_object);
}

void FakeApi::add_envoy_route(const std::string& json_object) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_.push_back(json_object);
}

void FakeApi::set_release(ReleaseManifest m) {
  std::string body = R"({"version":)" + json_string(m.version) + R"(,"published_at":)" + json_string(m.published_at) +
                     R"(,"url":)" + json_string(m.url) + R"(,"sha256":)" + json_string(m.sha256);
  if (m.notes) {
    body += R"(,"notes":)" + json_string(*m.notes);
  }
  body += "}";
  set_release_body(std::move(body));
}

void FakeApi::set_release_body(std::string raw_json) {
  std::lock_guard<std::mutex> lock(mutex_);
  release_body_ = std::move(raw_json);
}

void FakeApi::set_fault(ApiEndpoint endpoint, ApiFault fault, int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_[endpoint].push_back(FaultPlan{fault, count});
}

void FakeApi::clear_faults() {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_.clear();
}

void FakeApi::set_slow_ms(int64_t ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  slow_ms_ = ms;
}

std::vector<RecordedRequest> FakeApi::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> FakeApi::requests_to(ApiEndpoint endpoint) const {
  std::vector<RecordedRequest> out;
  for (RecordedRequest& r : requests()) {
    if (endpoint_of(r.path) == endpoint) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

size_t FakeApi::count(ApiEndpoint endpoint) const { return requests_to(endpoint).size(); }

bool FakeApi::wait_for(ApiEndpoint endpoint, size_t n, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    size_t seen = 0;
    for (const RecordedRequest& r : requests_) {
      seen += endpoint_of(r.path) == endpoint ? 1 : 0;
    }
    if (seen >= n) {
      return true;
    }
    if (changed_.wait_until(lock, until) == std::cv_status::timeout) {
      return false;
    }
  }
}

ApiEndpoint FakeApi::endpoint_of(const std::string& path) const {
  if (path == "/agent/register") return ApiEndpoint::kRegister;
  if (path == "/agent/heartbeat") return ApiEndpoint::kHeartbeat;
  if (path == "/envoy-nodes") return ApiEndpoint::kEnvoyNodes;
  if (path == "/envoy-routes") return ApiEndpoint::kEnvoyRoutes;
  if (path == "/agent/releases/latest") return ApiEndpoint::kReleaseLatest;
  return ApiEndpoint::kOther;
}

ApiFault FakeApi::take_fault(ApiEndpoint endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  FaultQueue& queue = faults_[endpoint];
  while (!queue.empty() && queue.front().remaining == 0) {
    queue.erase(queue.begin());
  }
  if (queue.empty()) {
    return ApiFault::kNone;
  }
  if (queue.front().remaining > 0) {
    --queue.front().remaining;
  }
  return queue.front().fault;
}

bool FakeApi::sleep_unless_stopped(int64_t ms) {
  const int64_t until = monotonic_ms() + ms;
  while (!stopping_ && monotonic_ms() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !stopping_;
}

void FakeApi::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) {
      return;
    }
    if (p[1].revents != 0 || stopping_) {
      return;
    }
    if ((p[0].revents & POLLIN) == 0) {
      continue;
    }
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

void FakeApi::serve(int fd) {
  std::string in;
  http::RequestHead head;
  http::ParseResult parsed;
  size_t previous = 0;
  for (;;) {
    parsed = http::parse_request_head(in, previous, http::ParseLimits(), head);
    if (parsed.state == http::ParseState::kComplete) {
      break;
    }
    if (parsed.state == http::ParseState::kError) {
      write_all(fd, response(400, R"({"error":"bad request head"})"));
      return;
    }
    previous = in.size();
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(p, 2, 10000) <= 0 || p[1].revents != 0) {
      return;
    }
    char buffer[8192];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      return;
    }
    in.append(buffer, static_cast<size_t>(n));
  }
  RecordedRequest request;
  request.method = std::string(head.method);
  request.target = std::string(head.target);
  for (size_t i = 0; i < head.header_count; ++i) {
    request.headers.emplace_back(std::string(head.headers[i].name), std::string(head.headers[i].value));
  }
  http::Framing framing = http::framing_for(head, 1u << 20);
  std::string body = in.substr(parsed.consumed);
  if (framing.body == http::BodyKind::kContentLength) {
    while (body.size() < framing.content_length) {
      pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(p, 2, 10000) <= 0 || p[1].revents != 0) {
        return;
      }
      char buffer[8192];
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        return;
      }
      body.append(buffer, static_cast<size_t>(n));
    }
    body.resize(static_cast<size_t>(framing.content_length));
  }
  request.body = std::move(body);
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path.substr(0, base_path_.size()) == base_path_) {
    path.remove_prefix(base_path_.size());
  }
  request.path = std::string(path);
  request.query = parse_query(request.target);
  request.received_ms = monotonic_ms();
  const ApiEndpoint endpoint = endpoint_of(request.path);
  const ApiFault fault = take_fault(endpoint);
  request.fault = fault;
  std::pair<int, std::string> normal = answer(endpoint, request);
  int64_t slow_ms = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    slow_ms = slow_ms_;
  }
  changed_.notify_all();

  const std::string partial_head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n";
  switch (fault) {
    case ApiFault::kNone:
      write_all(fd, response(normal.first, normal.second));
      break;
    case ApiFault::kStatus500:
      write_all(fd, response(500, R"({"error":"injected internal error"})"));
      break;
    case ApiFault::kStatus503:
      write_all(fd, response(503, R"({"error":"injected: service unavailable"})"));
      break;
    case ApiFault::kSlow:
      if (sleep_unless_stopped(slow_ms)) {
        write_all(fd, response(normal.first, normal.second));
      }
      break;
    case ApiFault::kHang:
      sleep_unless_stopped(INT64_MAX / 4);
      break;
    case ApiFault::kResetMidBody: {
      write_all(fd, partial_head + std::string(20, ' '));
      linger l{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
      break;  // close() with linger {1, 0} sends a reset
    }
    case ApiFault::kTruncatedBody:
      write_all(fd, partial_head + R"({"id":"cut-short")");
      ::shutdown(fd, SHUT_WR);
      break;
    case ApiFault::kInvalidJson:
      write_all(fd, response(200, "{this is not json"));
      break;
    case ApiFault::kHugeContentLength:
      write_all(fd,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9223372036854775808\r\n"
                "Connection: close\r\n\r\n{\"id\":\"x\"}");
      break;
    case ApiFault::kNotFound:
      write_all(fd, response(404, R"({"error":"node not found"})"));
      break;
  }
}

std::pair<int, std::string> FakeApi::answer(ApiEndpoint endpoint, const RecordedRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  switch (endpoint) {
    case ApiEndpoint::kRegister: {
      if (request.method != "POST") {
        return {404, R"({"error":"not found"})"};
      }
      json::ParseResult parsed = json::parse(request.body);
      const json::Value* hostname = parsed.ok() ? parsed.value->find("hostname") : nullptr;
      if (hostname == nullptr || !hostname->is_string()) {
        return {400, R"({"error":"hostname is required"})"};
      }
      return {200, R"({"id":)" + json_string(vps_id_) + R"(,"hostname":)" + json_string(hostname->as_string()) +
                       R"(,"status":"active"})"};
    }
    case ApiEndpoint::kHeartbeat:
      return {200, R"({"status":"ok"})"};
    case ApiEndpoint::kEnvoyNodes: {
      std::vector<std::string> matching;
      for (const std::string& n : nodes_) {
        auto vps = request.query.find("vps_id");
        if (vps != request.query.end() && field_text(n, "vps_id") == vps->second) {
          matching.push_back(n);
        }
      }
      return {200, page_of(matching, request.query)};
    }
    case ApiEndpoint::kEnvoyRoutes: {
      std::vector<std::string> matching;
      auto node = request.query.find("envoy_node_id");
      auto source = request.query.find("source");
      for (const std::string& r : routes_) {
        if (node != request.query.end() && field_text(r, "envoy_node_id") == node->second &&
            (source == request.query.end() || field_text(r, "source") == source->second)) {
          matching.push_back(r);
        }
      }
      return {200, page_of(matching, request.query)};
    }
    case ApiEndpoint::kReleaseLatest:
      if (!release_body_) {
        return {404, R"({"error":"no release published"})"};
      }
      return {200, *release_body_};
    case ApiEndpoint::kOther:
      break;
  }
  return {404, R"({"error":"not found"})"};
}

}  // namespace sigma::test
