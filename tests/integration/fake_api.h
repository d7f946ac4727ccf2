// A stand-in for the sigma API (SPEC §7) in the integration-test process:
// it records every request and answers register, heartbeat, envoy-nodes,
// envoy-routes (paginated) and agent/releases/latest from data the test
// sets, or with a fault injected per endpoint.
//
// Why not http::Server: the server frames every response correctly by
// design (it writes Content-Length itself), and half of the faults here are
// broken framing -- a reset mid-body, a truncated body, a Content-Length of
// 2^63. So the stand-in owns its sockets: it parses each request head with
// the project's own parser (http/parser.h) and writes raw bytes back, one
// thread per connection, "Connection: close" on every answer.
//
// Threading: every public member is safe from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sigma::test {

enum class ApiEndpoint { kRegister, kHeartbeat, kEnvoyNodes, kEnvoyRoutes, kReleaseLatest, kOther };

enum class ApiFault {
  kNone,
  kStatus500,          // 500 {"error":"injected internal error"}
  kStatus503,          // 503 {"error":"injected: service unavailable"}
  kSlow,               // the normal answer, after slow_ms (longer than the agent's timeout)
  kHang,               // never answers; the connection stays open until the stand-in stops
  kResetMidBody,       // head with Content-Length: 200, 20 body bytes, then a TCP reset
  kTruncatedBody,      // head with Content-Length: 200, 20 body bytes, then a FIN
  kInvalidJson,        // 200 with a body that is not JSON
  kHugeContentLength,  // 200 with Content-Length: 9223372036854775808
  kNotFound,           // 404 {"error":"node not found"}
};

struct RecordedRequest {
  std::string method;
  std::string target;  // as received, query included
  std::string path;    // without the query and without the base path
  std::map<std::string, std::string> query;  // percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t received_ms = 0;  // monotonic clock (base/clock.h) when the request was complete
  ApiFault fault = ApiFault::kNone;  // what it was answered with

  // Value of the first field named `name` (case-insensitive).
  std::optional<std::string> header(const std::string& name) const;
};

// The release manifest served at /agent/releases/latest (the agent_check_update
// tool reads it): {version, published_at, url, sha256, notes?}.
struct ReleaseManifest {
  std::string version;
  std::string published_at;  // RFC 3339
  std::string url;
  std::string sha256;
  std::optional<std::string> notes;
};

class FakeApi {
 public:
  // Listens on 127.0.0.1:0. `base_path` ("" or "/sigma") is what the
  // agent's SIGMA_API_URL adds before "/agent/register".
  explicit FakeApi(std::string base_path = "");
  ~FakeApi();
  FakeApi(const FakeApi&) = delete;
  FakeApi& operator=(const FakeApi&) = delete;

  bool started() const { return listen_fd_ >= 0; }
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT<base_path>", for SIGMA_API_URL.
  std::string url() const;

  // ---- Data the normal answers come from ----
  // The id register answers with (default "6f1c2d3e-0000-4000-8000-00000000c0de").
  void set_vps_id(std::string id);
  // A JSON object literal of one envoy-node / envoy-route record (SPEC §7);
  // the lists filter on vps_id / envoy_node_id and source, and paginate.
  void add_envoy_node(const std::string& json_object);
  void add_envoy_route(const std::string& json_object);
  // /agent/releases/latest answers 200 with this, or 404 {"error"} while unset.
  void set_release(ReleaseManifest manifest);
  // Or exactly these bytes with status 200 (a malformed manifest).
  void set_release_body(std::string raw_json);

  // ---- Faults ----
  // The next `count` requests to `endpoint` get `fault` (-1: every one until
  // cleared); after them the normal answer. Calls add to a queue, so
  // set_fault(e, kStatus500, 1); set_fault(e, kSlow, 1) answers 500 then slowly.
  void set_fault(ApiEndpoint endpoint, ApiFault fault, int count = -1);
  void clear_faults();
  // How long kSlow waits before answering (default 30 s).
  void set_slow_ms(int64_t ms);

  // ---- What was asked ----
  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requests_to(ApiEndpoint endpoint) const;
  size_t count(ApiEndpoint endpoint) const;
  // Waits until at least `n` requests to `endpoint` have been received.
  bool wait_for(ApiEndpoint endpoint, size_t n, int timeout_ms);

 private:
  struct FaultPlan {
    ApiFault fault = ApiFault::kNone;
    int remaining = 0;  // -1: until cleared
  };
  using FaultQueue = std::vector<FaultPlan>;

  void accept_loop();
  void serve(int fd);
  ApiEndpoint endpoint_of(const std::string& path) const;
  ApiFault take_fault(ApiEndpoint endpoint);
  // The normal answer: status and JSON body.
  std::pair<int, std::string> answer(ApiEndpoint endpoint, const RecordedRequest& request);
  bool sleep_unless_stopped(int64_t ms);

  const std::string base_path_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::thread> connections_;  // guarded by mutex_
  std::vector<RecordedRequest> requests_;
  std::map<ApiEndpoint, FaultQueue> faults_;
  std::string vps_id_ = "6f1c2d3e-0000-4000-8000-00000000c0de";
  std::vector<std::string> nodes_;   // JSON objects
  std::vector<std::string> routes_;  // JSON objects
  std::optional<std::string> release_body_;
  int64_t slow_ms_ = 30000;
};

}  // namespace sigma::test
