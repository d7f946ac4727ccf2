// agent_check_update with the real binary against a release-manifest server
// this test runs on loopback: over tools/call on HTTP and through
// `sigma-agent call`. The server counts the manifest requests it receives,
// so the cache and `force` are proved at the source.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "json/json.h"

using sigma::json::parse;
using sigma::json::Value;
using namespace sigma::test;

namespace {

const std::string kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const std::string kManifestPath = "/agent/releases/latest";

std::string manifest(const std::string& version) {
  return "{\"version\":\"" + version + "\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"https://releases.example/"
         "sigma-agent-" + version + "\",\"sha256\":\"" + kSha + "\",\"notes\":\"Fixes.\"}";
}

// A one-connection-at-a-time HTTP/1.0-style server: reads a request head,
// records it, answers with the reply the test set, closes.
class ManifestServer {
 public:
  ManifestServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ManifestServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  ManifestServer(const ManifestServer&) = delete;
  ManifestServer& operator=(const ManifestServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + kManifestPath; }
  void reply(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
    body_ = std::move(body);
  }
  // Request heads received for `path` with GET.
  std::vector<std::string> requests(const std::string& path = kManifestPath) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const std::string& head : heads_) {
      if (head.rfind("GET " + path + " ", 0) == 0) {
        out.push_back(head);
      }
    }
    return out;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        continue;
      }
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 2000) <= 0) {
          break;
        }
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) {
          break;
        }
        head.append(buf, static_cast<size_t>(n));
      }
      std::string response;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        heads_.push_back(head);
        response = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      }
      size_t sent = 0;
      while (sent < response.size()) {
        ssize_t n = ::send(c, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          break;
        }
        sent += static_cast<size_t>(n);
      }
      ::close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  int status_ = 200;
  std::string body_;
  std::vector<std::string> heads_;
};

// tools/call agent_check_update over HTTP; the JSON-RPC result.
Value call_over_http(uint16_t mcp_port, bool force) {
  const std::string body = std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"agent_check_update",)") +
                           R"("arguments":{"force":)" + (force ? "true" : "false") + "}}}";
  HttpResponse r = mcp_post(mcp_port, body, "MCP-Protocol-Version: 2025-11-25\r\n");
  REQUIRE(r.status == 200);
  auto parsed = parse(r.body);
  REQUIRE_MESSAGE(parsed.ok(), r.body);
  const Value* result = parsed.value->find("result");
  REQUIRE_MESSAGE(result != nullptr, r.body);
  return *result;
}

DaemonOptions with(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  DaemonOptions options;
  options.args = std::move(args);
  options.env = std::move(env);
  return options;
}

bool is_error(const Value& result) {
  const Value* e = result.find("isError");
  return e != nullptr && e->as_bool();
}

std::string error_text(const Value& result) {
  REQUIRE(is_error(result));
  return result.find("content")->as_array()[0].find("text")->as_string();
}

const Value& structured(const Value& result) {
  REQUIRE_MESSAGE(!is_error(result), sigma::json::write(result));
  const Value* sc = result.find("structuredContent");
  REQUIRE(sc != nullptr);
  return *sc;
}

}  // namespace

TEST_CASE("agent_check_update over HTTP: up to date, cached, then forced to see a new release") {
  ManifestServer server;
  server.reply(200, manifest(SIGMA_VERSION));
  Daemon d(with({"--update-url=" + server.url()}));
  REQUIRE(d.started());

  Value r = call_over_http(d.mcp_port(), false);
  const Value& current = structured(r);
  CHECK(current.find("current_version")->as_string() == SIGMA_VERSION);
  CHECK(current.find("latest_version")->as_string() == SIGMA_VERSION);
  CHECK_FALSE(current.find("update_available")->as_bool());
  CHECK(current.find("update_command")->is_null());
  CHECK_FALSE(current.find("cached")->as_bool());
  CHECK(current.find("manifest_url")->as_string() == server.url());
  CHECK(server.requests().size() == 1);

  // A newer release appears; within the TTL the cache still answers.
  server.reply(200, manifest("99.0.0"));
  r = call_over_http(d.mcp_port(), false);
  CHECK(structured(r).find("cached")->as_bool());
  CHECK(structured(r).find("latest_version")->as_string() == SIGMA_VERSION);
  CHECK(server.requests().size() == 1);

  r = call_over_http(d.mcp_port(), true);
  const Value& forced = structured(r);
  CHECK_FALSE(forced.find("cached")->as_bool());
  CHECK(forced.find("latest_version")->as_string() == "99.0.0");
  CHECK(forced.find("update_available")->as_bool());
  // The test binary is not owned by a package.
  CHECK(forced.find("install_method")->as_string() == "static");
  const std::string command = forced.find("update_command")->as_string();
  CHECK(command.find("curl -fsSL -o \"$sigma_new\" 'https://releases.example/sigma-agent-99.0.0'") != std::string::npos);
  CHECK(command.find("echo '" + kSha + "  '\"$sigma_new\" | sha256sum -c -") != std::string::npos);
  CHECK(server.requests().size() == 2);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("agent_check_update over HTTP: server down and invalid manifest are tool errors") {
  const uint16_t closed = free_port();
  REQUIRE(port_refuses(closed));
  {
    Daemon d(with({"--update-url=http://127.0.0.1:" + std::to_string(closed) + kManifestPath}));
    REQUIRE(d.started());
    const std::string e = error_text(call_over_http(d.mcp_port(), false));
    CHECK(e.find("cannot read the release manifest: GET http://127.0.0.1:" + std::to_string(closed)) == 0);
    CHECK(daemon_answers(d.mcp_port()));
  }
  ManifestServer server;
  server.reply(200, "{\"version\":\"9.9.9\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/x;reboot\","
                    "\"sha256\":\"" + kSha + "\"}");
  Daemon d(with({"--update-url=" + server.url()}));
  REQUIRE(d.started());
  std::string e = error_text(call_over_http(d.mcp_port(), false));
  CHECK(e.find("the release manifest at " + server.url() + " is invalid: \"url\"") == 0);
  server.reply(503, "{\"error\":\"maintenance\"}");
  e = error_text(call_over_http(d.mcp_port(), false));  // a failure is not cached
  CHECK(e == "the release manifest at " + server.url() + " answered HTTP 503: maintenance");
  CHECK(server.requests().size() == 2);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("the default manifest is under SIGMA_API_URL and gets the API key, which is never logged") {
  ManifestServer server;
  server.reply(200, manifest("99.0.0"));
  const std::string key = "update-check-key-0123456789";
  Daemon d(with({"--api-url=http://127.0.0.1:" + std::to_string(server.port())}, {{"SIGMA_API_KEY", key}}));
  REQUIRE(d.started());
  CHECK(structured(call_over_http(d.mcp_port(), false)).find("update_available")->as_bool());
  std::vector<std::string> heads = server.requests();
  REQUIRE(heads.size() == 1);
  CHECK(heads[0].find("\r\nX-Api-Key: " + key + "\r\n") != std::string::npos);
  CHECK(d.log().find(key) == std::string::npos);
}

TEST_CASE("a manifest on another host or port does not get the API key") {
  ManifestServer server;
  server.reply(200, manifest("99.0.0"));
  const uint16_t api_port = free_port();
  Daemon d(with({"--api-url=http://127.0.0.1:" + std::to_string(api_port), "--update-url=" + server.url()},
                {{"SIGMA_API_KEY", "update-check-key-0123456789"}}));
  REQUIRE(d.started());
  CHECK_FALSE(is_error(call_over_http(d.mcp_port(), false)));
  std::vector<std::string> heads = server.requests();
  REQUIRE(heads.size() == 1);
  CHECK(heads[0].find("X-Api-Key") == std::string::npos);
}

TEST_CASE("sigma-agent call agent_check_update: update available, force, invalid, down, not configured") {
  ManifestServer server;
  server.reply(200, manifest("99.0.0"));
  const std::string url = "--update-url=" + server.url();
  RunResult r = run_agent({"--config=/dev/null", url, "call", "agent_check_update"});
  CHECK(r.exit_code == 0);
  auto parsed = parse(r.out);
  REQUIRE_MESSAGE(parsed.ok(), r.out);
  CHECK(parsed.value->find("update_available")->as_bool());
  CHECK(parsed.value->find("latest_version")->as_string() == "99.0.0");
  r = run_agent({"--config=/dev/null", url, "call", "agent_check_update", "{\"force\": true}"});
  CHECK(r.exit_code == 0);
  CHECK(server.requests().size() == 2);  // each process has its own cache

  r = run_agent({"--config=/dev/null", url, "call", "agent_check_update", "{\"force\": \"yes\"}"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("force") != std::string::npos);

  server.reply(200, manifest("9.9"));
  r = run_agent({"--config=/dev/null", url, "call", "agent_check_update"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("{\"error\":\"the release manifest at " + server.url() + " is invalid: \\\"version\\\"") == 0);

  const uint16_t closed = free_port();
  r = run_agent({"--config=/dev/null", "--update-url=http://127.0.0.1:" + std::to_string(closed) + "/m", "call",
                 "agent_check_update"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("cannot read the release manifest") != std::string::npos);

  r = run_agent({"--config=/dev/null", "call", "agent_check_update"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("AGENT_UPDATE_URL") != std::string::npos);
  CHECK(r.out.find("SIGMA_API_URL") != std::string::npos);
}

TEST_CASE("an https:// update URL is refused at start with the reason") {
  RunResult r = run_agent({"--config=/dev/null", "--update-url=https://releases.example/latest", "--check-config"});
  CHECK(r.exit_code == 78);
  CHECK((r.out + r.err).find("AGENT_UPDATE_URL") != std::string::npos);
  CHECK((r.out + r.err).find("no TLS library") != std::string::npos);
}
