// The security contract of SPEC §4 against the real daemon: bind refusal,
// bearer token, DNS-rebinding checks, token files and rotation.
#include <signal.h>

#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"
#include "json/json.h"

using namespace sigma::test;

namespace {
const char kPing[] = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";

size_t count_lines_with(const std::string& log, const std::string& needle) {
  size_t count = 0;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    std::string line = log.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.find(needle) != std::string::npos) {
      ++count;
    }
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return count;
}
}  // namespace

TEST_CASE("a wildcard bind without a token refuses MCP but the metrics listener keeps answering") {
  uint16_t mcp_port = free_port();
  uint16_t metrics_port = free_port();
  REQUIRE(mcp_port != 0);
  DaemonOptions o;
  o.args = {"--mcp-bind=0.0.0.0:" + std::to_string(mcp_port), "--metrics-port=" + std::to_string(metrics_port),
            "--metrics-bind=127.0.0.1"};
  o.wait_for_mcp = false;
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("level=error", 3000));
  const std::string& log = d.log();
  CHECK(count_lines_with(log, "level=error") == 1);
  CHECK(count_lines_with(log, "AGENT_MCP_BIND") >= 1);
  size_t error_line = log.find("level=error");
  std::string line = log.substr(error_line, log.find('\n', error_line) - error_line);
  CHECK(line.find("AGENT_MCP_BIND") != std::string::npos);
  CHECK(line.find("AGENT_MCP_TOKEN") != std::string::npos);
  CHECK(port_refuses(mcp_port));
  CHECK(d.running());
  HttpResponse m = http_request(d.metrics_port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(m.status == 200);
  CHECK(m.body.find("sigma_agent_mcp_listener_up 0") != std::string::npos);
}

TEST_CASE("a wildcard bind with a token enforces it: 401 without or wrong, 200 with the right one") {
  uint16_t mcp_port = free_port();
  std::string token = "s3cret-Token_value.123";
  std::string token_file = write_temp_file("token-wild", token + "\n", 0600);
  DaemonOptions o;
  o.args = {"--mcp-bind=0.0.0.0:" + std::to_string(mcp_port), "--mcp-token-file=" + token_file};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(d.mcp_port() == mcp_port);

  HttpResponse r = mcp_post(mcp_port, kPing);
  CHECK(r.status == 401);
  CHECK(r.header("WWW-Authenticate").value_or("").find("Bearer realm=\"sigma-agent\"") == 0);
  auto body = sigma::json::parse(r.body);
  REQUIRE(body.ok());
  CHECK(body.value->find("error") != nullptr);
  CHECK(body.value->find("id") == nullptr);

  r = mcp_post(mcp_port, kPing, "Authorization: Bearer wrong-token\r\n");
  CHECK(r.status == 401);
  CHECK(r.body.find("wrong-token") == std::string::npos);

  r = mcp_post(mcp_port, kPing, "Authorization: Bearer " + token + "\r\n");
  CHECK(r.status == 200);
  r = mcp_post(mcp_port, kPing, "Authorization: bearer " + token + "\r\n");
  CHECK(r.status == 200);
  CHECK(d.log().find(token) == std::string::npos);
}

TEST_CASE("a loopback bind with a token still enforces it") {
  DaemonOptions o;
  o.env = {{"AGENT_MCP_TOKEN", "loopback-token"}};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(mcp_post(d.mcp_port(), kPing).status == 401);
  CHECK(mcp_post(d.mcp_port(), kPing, "Authorization: Bearer loopback-token\r\n").status == 200);
}

TEST_CASE("an Origin that is not allowed is 403, an allowed one passes") {
  Daemon d({});
  REQUIRE(d.started());
  std::string port = std::to_string(d.mcp_port());
  CHECK(mcp_post(d.mcp_port(), kPing, "Origin: http://evil.example\r\n").status == 403);
  CHECK(mcp_post(d.mcp_port(), kPing, "Origin: null\r\n").status == 403);
  CHECK(mcp_post(d.mcp_port(), kPing, "Origin: http://localhost:" + port + "\r\n").status == 200);
  CHECK(mcp_post(d.mcp_port(), kPing, "Origin: http://127.0.0.1:" + port + "\r\n").status == 200);
  // A loopback Origin first and an evil one second: two fields, refused.
  CHECK(mcp_post(d.mcp_port(), kPing,
                 "Origin: http://127.0.0.1:" + port + "\r\nOrigin: http://evil.example\r\n").status == 403);
}

TEST_CASE("AGENT_MCP_ALLOWED_ORIGINS replaces the default allow-list") {
  DaemonOptions o;
  o.env = {{"AGENT_MCP_ALLOWED_ORIGINS", "https://console.example.com"}};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(mcp_post(d.mcp_port(), kPing, "Origin: https://console.example.com\r\n").status == 200);
  CHECK(mcp_post(d.mcp_port(), kPing, "Origin: https://other.example.com\r\n").status == 403);
}

TEST_CASE("on a loopback bind a Host that is not loopback is 403") {
  Daemon d({});
  REQUIRE(d.started());
  std::string body = kPing;
  auto with_host = [&](const std::string& host) {
    return http_request(d.mcp_port(), "POST /mcp HTTP/1.1\r\nHost: " + host +
                                          "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                                          std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  CHECK(with_host("evil.example").status == 403);
  CHECK(with_host("evil.example:" + std::to_string(d.mcp_port())).status == 403);
  CHECK(with_host("localhost:" + std::to_string(d.mcp_port())).status == 200);
  CHECK(with_host("LOCALHOST").status == 200);
  CHECK(with_host("[::1]:" + std::to_string(d.mcp_port())).status == 200);
  CHECK(with_host("127.0.0.1").status == 200);
}

TEST_CASE("an absolute-form target is routed on its path and its authority is checked like Host") {
  Daemon d({});
  REQUIRE(d.started());
  std::string body = kPing;
  const std::string port = std::to_string(d.mcp_port());
  auto request = [&](const std::string& target, const std::string& host) {
    return http_request(d.mcp_port(), "POST " + target + " HTTP/1.1\r\nHost: " + host +
                                          "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                                          std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  // RFC 9112 §3.2.2: accepted, routed on the path, the Host field ignored.
  CHECK(request("http://127.0.0.1:" + port + "/mcp", "127.0.0.1").status == 200);
  CHECK(request("HTTP://localhost:" + port + "/mcp?x=1", "localhost").status == 200);
  CHECK(request("http://127.0.0.1:" + port + "/mcp", "evil.example").status == 200);
  // The authority is what the rebinding check judges.
  CHECK(request("http://evil.example:" + port + "/mcp", "127.0.0.1").status == 403);
  CHECK(request("http://user@127.0.0.1:" + port + "/mcp", "127.0.0.1").status == 403);
  CHECK(request("http://127.0.0.1:" + port + "/other", "127.0.0.1").status == 404);
  CHECK(request("http://127.0.0.1:" + port, "127.0.0.1").status == 404);
  CHECK(request("ftp://127.0.0.1:" + port + "/mcp", "127.0.0.1").status == 404);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("SIGHUP re-reads the token file so tokens rotate without a restart") {
  std::string token_file = write_temp_file("token-rotate", "first-token\n", 0600);
  DaemonOptions o;
  o.args = {"--mcp-token-file=" + token_file};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(mcp_post(d.mcp_port(), kPing, "Authorization: Bearer first-token\r\n").status == 200);
  write_temp_file("token-rotate", "second-token\n", 0600);
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("token reloaded", 3000));
  CHECK(mcp_post(d.mcp_port(), kPing, "Authorization: Bearer first-token\r\n").status == 401);
  CHECK(mcp_post(d.mcp_port(), kPing, "Authorization: Bearer second-token\r\n").status == 200);
  CHECK(d.log().find("second-token") == std::string::npos);
  CHECK(d.log().find("first-token") == std::string::npos);
}

TEST_CASE("SIGHUP re-reads the API key file too; a short secret from a file is warned about") {
  std::string key_file = write_temp_file("api-key-rotate", "0123456789abcdef0123456789abcdef\n", 0600);
  std::string token_file = write_temp_file("token-short", "abcde\n", 0600);
  DaemonOptions o;
  o.args = {"--mcp-token-file=" + token_file};
  o.env = {{"SIGMA_API_KEY_FILE", key_file}};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(d.log().find("AGENT_MCP_TOKEN_FILE holds a token of only 5 bytes") != std::string::npos);
  write_temp_file("api-key-rotate", "fedcba9876543210fedcba9876543210\n", 0600);
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("API key reloaded", 3000));
  CHECK(d.wait_for_log("token reloaded", 3000));
  CHECK(d.log().find("fedcba9876543210") == std::string::npos);
  CHECK(d.log().find("0123456789abcdef") == std::string::npos);
  CHECK(d.log().find("abcde\"") == std::string::npos);
}

TEST_CASE("a world-readable token file and a token on the command line are warned about") {
  std::string token_file = write_temp_file("token-open", "open-token\n", 0644);
  DaemonOptions o;
  o.args = {"--mcp-token-file=" + token_file};
  Daemon d(o);
  REQUIRE(d.started());
  CHECK(d.log().find("world-readable") != std::string::npos);

  DaemonOptions o2;
  o2.args = {"--mcp-token=cli-token-value"};
  Daemon d2(o2);
  REQUIRE(d2.started());
  CHECK(d2.log().find("level=warn") != std::string::npos);
  CHECK(d2.log().find("ps") != std::string::npos);
  CHECK(d2.log().find("cli-token-value") == std::string::npos);
}

TEST_CASE("authentication is decided before the body: a huge unauthenticated body is refused at once") {
  DaemonOptions o;
  o.env = {{"AGENT_MCP_TOKEN", "tkn"}};
  Daemon d(o);
  REQUIRE(d.started());
  // Announce a body within the limit but never send it: the 401 must still arrive.
  HttpResponse r = http_request(d.mcp_port(), "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                              "Content-Length: 500000\r\n\r\n",
                                2000);
  CHECK(r.status == 401);
  CHECK(daemon_answers(d.mcp_port(), "Authorization: Bearer tkn\r\n"));
}

TEST_CASE("an MCP bind that does not resolve is refused even with a token, and the daemon keeps running") {
  DaemonOptions o;
  o.args = {"--mcp-bind=no-such-host.invalid:9103", "--mcp-token=unresolvable-bind-token"};
  o.wait_for_mcp = false;
  o.wait_for_metrics = true;
  Daemon d(o);
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("level=error", 3000));
  CHECK(d.log().find("does not resolve") != std::string::npos);
  CHECK(d.running());
  HttpResponse m = http_request(d.metrics_port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(m.status == 200);
  CHECK(m.body.find("sigma_agent_mcp_listener_up 0") != std::string::npos);
}

TEST_CASE("2 000 refused requests write a bounded number of lines that count what they held back") {
  std::string token_file = write_temp_file("token-flood", "flood-token-0123456789abcdef\n", 0600);
  DaemonOptions o;
  o.args = {"--mcp-token-file=" + token_file};
  Daemon d(o);
  REQUIRE(d.started());
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(mcp_post(d.mcp_port(), kPing).status == 401);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(mcp_post(d.mcp_port(), kPing).status == 401);  // admitted: carries the count
  const std::string& log = d.log();
  size_t lines = 0;
  for (size_t at = log.find("request refused"); at != std::string::npos; at = log.find("request refused", at + 1)) {
    ++lines;
  }
  MESSAGE("refusal lines for 2001 refusals: " << lines);
  CHECK(lines >= 10);
  CHECK(lines < 40);
  CHECK(log.find("suppressed=") != std::string::npos);
}
