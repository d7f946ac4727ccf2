#include "control/api.h"

#include <doctest/doctest.h>

#include <string>

#include "json/json.h"

namespace sigma::control {
namespace {

json::Value parse_json(std::string_view text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

NodeReport sample_report() {
  NodeReport r;
  r.hostname = "edge-7";
  r.alias = "Frankfurt 7";
  r.ip_addresses = {{"203.0.113.7", ""}, {"10.0.0.7", "internal"}};
  r.ssh_port = 2222;
  r.system_info.cpu_cores = 2;
  r.system_info.ram_mb = 1024;
  r.system_info.disk_gb = 20.5;
  r.system_info.disk_used_gb = 3.25;
  r.system_info.uptime_seconds = 3600;
  r.system_info.load_1 = 0.5;
  r.system_info.load_5 = 0.25;
  r.system_info.load_15 = 0.125;
  r.system_info.metrics_port = 9102;
  r.system_info.public_ip = "203.0.113.7";
  return r;
}

TEST_CASE("the register body carries every field of SPEC 7") {
  const json::Value body = parse_json(register_body(sample_report()));
  CHECK(json::write(body) ==
        R"({"hostname":"edge-7","alias":"Frankfurt 7","ip_addresses":[{"ip":"203.0.113.7","label":""},)"
        R"({"ip":"10.0.0.7","label":"internal"}],"ssh_port":2222,"system_info":{"cpu_cores":2,"ram_mb":1024,)"
        R"("disk_gb":20.5,"disk_used_gb":3.25,"uptime_seconds":3600,"load_avg":[0.5,0.25,0.125],)"
        R"("metrics_port":9102,"public_ip":"203.0.113.7"}})");
}

TEST_CASE("optional fields are left out of the bodies, unknown numbers sent as 0") {
  NodeReport r;
  r.hostname = "bare";
  const json::Value reg = parse_json(register_body(r));
  CHECK(reg.find("alias") == nullptr);
  const json::Value* info = reg.find("system_info");
  REQUIRE(info != nullptr);
  CHECK(info->find("metrics_port") == nullptr);
  CHECK(info->find("public_ip") == nullptr);
  CHECK(json::write(*info->find("load_avg")) == "[0,0,0]");
  CHECK(info->find("cpu_cores")->as_int() == 0);
  const json::Value beat = parse_json(heartbeat_body(sample_report()));
  CHECK(beat.find("alias") == nullptr);
  CHECK(beat.find("ssh_port") == nullptr);
  CHECK(beat.find("hostname")->as_string() == "edge-7");
  CHECK(beat.find("ip_addresses")->size() == 2);
  CHECK(beat.find("system_info")->find("load_avg")->size() == 3);
}

TEST_CASE("a registration answer gives the id; bad answers say what is wrong") {
  Result<Registration> ok =
      parse_registration(R"({"id":"6f1c2d3e-0000-4000-8000-000000000001","hostname":"edge-7","status":"active"})");
  REQUIRE(ok.is_ok());
  CHECK(ok->id == "6f1c2d3e-0000-4000-8000-000000000001");
  CHECK(ok->status == "active");
  CHECK(parse_registration(R"({"id":42})")->id == "42");
  // Found by the fuzz harness: an integer in exponent form is re-written
  // canonically, and one beyond 64 bits is refused, never copied as written.
  CHECK(parse_registration(R"({"id":4.2e1})")->id == "42");
  CHECK_FALSE(parse_registration(R"({"id":7e1111111100000000000000000000000000000000})").is_ok());
  struct Case {
    const char* body;
    const char* why;
  };
  const Case bad[] = {
      {"", "invalid JSON"},
      {"[1]", "not a JSON object"},
      {R"({"hostname":"x"})", "registration.id"},
      {R"({"id":""})", "registration.id"},
      {R"({"id":"has space"})", "registration.id"},
      {R"({"id":"x","status":3})", "registration.status"},
      {R"({"id":"x")", "invalid JSON"},
  };
  for (const Case& c : bad) {
    CAPTURE(c.body);
    Result<Registration> r = parse_registration(c.body);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find(c.why) != std::string::npos);
  }
  CHECK_FALSE(parse_registration(R"({"id":")" + std::string(200, 'a') + R"("})").is_ok());
}

TEST_CASE("an error body gives the API's message, bounded and sanitized") {
  CHECK(parse_error_message(R"({"error":"node not found"})") == std::optional<std::string>("node not found"));
  CHECK(parse_error_message(R"({"error":"line\nbreak\u001b[31m"})") ==
        std::optional<std::string>("line?break?[31m"));
  CHECK(parse_error_message("not json") == std::nullopt);
  CHECK(parse_error_message(R"({"message":"x"})") == std::nullopt);
  CHECK(parse_error_message(R"({"error":""})") == std::nullopt);
  CHECK(parse_error_message(R"({"error":7})") == std::nullopt);
  const std::optional<std::string> long_message =
      parse_error_message(R"({"error":")" + std::string(5000, 'x') + R"("})");
  REQUIRE(long_message.has_value());
  CHECK(long_message->size() == kMaxApiMessageBytes + 3);
  CHECK(long_message->substr(kMaxApiMessageBytes) == "...");
  CHECK(sanitize_message("caf\xc3\xa9") == "caf??");
}

TEST_CASE("a routes page parses every SPEC 7 field; optional ones may be null or absent") {
  Result<Page<EnvoyRoute>> page = parse_envoy_routes_page(
      R"({"data":[{"id":"r1","envoy_node_id":"n1","name":"vless-443","listen_port":443,"backend_host":"10.0.0.2",)"
      R"("backend_port":8443,"cluster_type":"STATIC","connect_timeout_secs":5,"proxy_protocol":true,)"
      R"("source":"dynamic","status":"active"},{"id":7,"envoy_node_id":"n1","name":"bare","listen_port":80,)"
      R"("backend_host":null}],"total":3,"page":1,"per_page":2})");
  REQUIRE(page.is_ok());
  REQUIRE(page->data.size() == 2);
  const EnvoyRoute& r = page->data[0];
  CHECK(r.name == "vless-443");
  CHECK(r.listen_port == 443);
  CHECK(r.backend_host == std::optional<std::string>("10.0.0.2"));
  CHECK(r.backend_port == std::optional<int64_t>(8443));
  CHECK(r.connect_timeout_secs == std::optional<double>(5));
  CHECK(r.proxy_protocol);
  CHECK(page->data[1].id == "7");
  CHECK_FALSE(page->data[1].backend_host.has_value());
  CHECK(page->has_more());
  CHECK_FALSE(parse_envoy_routes_page(R"({"data":[],"total":0,"page":1,"per_page":1000})")->has_more());
}

TEST_CASE("a malformed page names the record and the field") {
  struct Case {
    const char* body;
    const char* why;
  };
  const Case bad[] = {
      {R"({"total":1})", "data"},
      {R"({"data":{},"total":1})", "data"},
      {R"({"data":[]})", "total"},
      {R"({"data":[],"total":"1"})", "total"},
      {R"({"data":[],"total":-1})", "non-negative"},
      {R"({"data":[1],"total":1})", "data[0]"},
      {R"({"data":[{"id":"r","envoy_node_id":"n","name":"x"}],"total":1})", "data[0].listen_port"},
      {R"({"data":[{"id":"r","envoy_node_id":"n","name":"x","listen_port":1.5}],"total":1})", "listen_port"},
      {R"({"data":[{"id":"r","envoy_node_id":"n","name":"x","listen_port":1,"proxy_protocol":"yes"}],"total":1})",
       "proxy_protocol"},
  };
  for (const Case& c : bad) {
    CAPTURE(c.body);
    Result<Page<EnvoyRoute>> r = parse_envoy_routes_page(c.body);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find(c.why) != std::string::npos);
  }
  Result<Page<EnvoyNode>> nodes = parse_envoy_nodes_page(
      R"({"data":[{"id":"n1","vps_id":"v1","node_id":"edge-7","admin_port":9901,"description":"main",)"
      R"("config_version":12,"status":"active"}],"total":1,"page":1,"per_page":100})");
  REQUIRE(nodes.is_ok());
  CHECK(nodes->data[0].node_id == "edge-7");
  CHECK(nodes->data[0].config_version == 12);
  CHECK_FALSE(parse_envoy_nodes_page(R"({"data":[{"id":"n1","vps_id":"v1"}],"total":1})").is_ok());
}

TEST_CASE("list targets follow SPEC 7 and percent-encode what they carry") {
  CHECK(envoy_nodes_target("6f1c-01", 1) == "/envoy-nodes?vps_id=6f1c-01&status=active&per_page=100&page=1");
  CHECK(envoy_routes_target("n1", "", 2) == "/envoy-routes?envoy_node_id=n1&status=active&per_page=1000&page=2");
  CHECK(envoy_routes_target("n1", "static", 1) ==
        "/envoy-routes?envoy_node_id=n1&status=active&source=static&per_page=1000&page=1");
  CHECK(envoy_nodes_target("a&b=c d", 1) == "/envoy-nodes?vps_id=a%26b%3Dc%20d&status=active&per_page=100&page=1");
}

TEST_CASE("an API that is not there is an unreachable outcome with the URL and no secret in the message") {
  net::HttpUrl url;
  url.host = "127.0.0.1";
  url.port = 1;  // nothing listens on port 1 without privileges
  url.path = "/sigma";
  int observed = 0;
  Outcome last = Outcome::kOk;
  ApiOptions options;
  options.request_timeout_ms = 2000;
  Api api(url, [] { return std::make_shared<const std::string>("s3cr3t-key-value"); }, options,
          [&](Operation op, Outcome outcome) {
            CHECK(op == Operation::kRegister);
            ++observed;
            last = outcome;
          });
  ApiResult<Registration> r = api.register_node(sample_report(), -1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.failure.outcome == Outcome::kUnreachable);
  CHECK(r.failure.message.find("POST http://127.0.0.1:1/sigma/agent/register") == 0);
  CHECK(r.failure.message.find("s3cr3t") == std::string::npos);
  CHECK(observed == 1);
  CHECK(last == Outcome::kUnreachable);
  CHECK(api.base_text() == "http://127.0.0.1:1/sigma");
}

}  // namespace
}  // namespace sigma::control
