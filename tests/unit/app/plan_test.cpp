// The start-up plan's descriptor arithmetic: every connection the listeners
// may hold must fit RLIMIT_NOFILE, and when it cannot, metrics gives way.
#include "app/plan.h"

#include <doctest/doctest.h>
#include <sys/resource.h>

namespace sigma::app {
namespace {

TEST_CASE("limits that fit the soft limit leave it alone") {
  DescriptorPlan p = plan_descriptors(1024, 1, 64, 1, 40, 4096, 4096);
  CHECK(p.needed == 1024 + 64 + 40);
  CHECK(p.soft_limit == 4096);
  CHECK(p.mcp_max_connections == 1024);
  CHECK(p.metrics_max_connections == 64);
  CHECK(p.warning.empty());
}

TEST_CASE("the soft limit is raised as far as needed, never past the hard one") {
  DescriptorPlan p = plan_descriptors(1024, 2, 64, 1, 40, 1024, 524288);
  CHECK(p.needed == 2048 + 64 + 40);
  CHECK(p.soft_limit == p.needed);
  CHECK(p.warning.empty());
  DescriptorPlan unlimited = plan_descriptors(1024, 1, 64, 1, 40, 256, RLIM_INFINITY);
  CHECK(unlimited.soft_limit == unlimited.needed);
}

TEST_CASE("a hard limit too small clamps metrics to a quarter and gives MCP the rest") {
  DescriptorPlan p = plan_descriptors(1024, 1, 1024, 1, 40, 128, 128);
  CHECK(p.soft_limit == 128);
  CHECK(p.metrics_max_connections == 22);  // (128 - 40) / 4
  CHECK(p.mcp_max_connections == 66);      // the rest
  CHECK(p.mcp_max_connections + p.metrics_max_connections + 40 <= 128);
  CHECK(p.warning.find("RLIMIT_NOFILE 128") != std::string::npos);
  CHECK(p.warning.find("AGENT_METRICS_MAX_CONNECTIONS") != std::string::npos);

  // Metrics asking for less than its quarter keeps its own limit.
  DescriptorPlan small = plan_descriptors(1024, 1, 8, 1, 40, 128, 128);
  CHECK(small.metrics_max_connections == 8);
  CHECK(small.mcp_max_connections == 80);

  // Two MCP addresses share MCP's part; without metrics MCP gets everything.
  DescriptorPlan two = plan_descriptors(1024, 2, 0, 0, 40, 128, 128);
  CHECK(two.mcp_max_connections == 44);
  CHECK(two.metrics_max_connections == 0);

  // Even a hopeless limit leaves each listener one connection.
  DescriptorPlan hopeless = plan_descriptors(1024, 1, 64, 1, 40, 20, 20);
  CHECK(hopeless.mcp_max_connections == 1);
  CHECK(hopeless.metrics_max_connections == 1);
}

TEST_CASE("the daemon's own needs grow with listeners and workers") {
  CHECK(own_descriptor_needs(2, 2) < own_descriptor_needs(4, 2));
  CHECK(own_descriptor_needs(2, 2) < own_descriptor_needs(2, 8));
}

TEST_CASE("the control-plane summary names the URL and where the key comes from, never the key") {
  config::Config standalone;
  auth::SecretSource none(auth::kApiKeySetting, std::nullopt, std::nullopt);
  CHECK(control_plane_summary(standalone, none).find("standalone (SIGMA_API_URL is unset)") == 0);

  config::Config c;
  c.api_url = "http://[fd00::1]:8080/sigma";
  net::HttpUrl url;
  url.host = "fd00::1";
  url.is_ipv6_literal = true;
  url.port = 8080;
  url.path = "/sigma";
  c.api_url_parsed = url;
  c.interval_s = 30;
  const std::string key = "an-api-key-that-must-not-show";
  auth::SecretSource inline_key(auth::kApiKeySetting, key, std::nullopt);
  const std::string with_key = control_plane_summary(c, inline_key);
  CHECK(with_key.find("register with http://[fd00::1]:8080/sigma, heartbeat every 30 s") == 0);
  CHECK(with_key.find("X-Api-Key from SIGMA_API_KEY") != std::string::npos);
  CHECK(with_key.find(key) == std::string::npos);
  CHECK(control_plane_summary(c, none).find("no X-Api-Key") != std::string::npos);
  auth::SecretSource file_key(auth::kApiKeySetting, std::nullopt, std::string("/etc/sigma-agent/api-key"));
  CHECK(control_plane_summary(c, file_key).find("X-Api-Key from SIGMA_API_KEY_FILE") != std::string::npos);
}

}  // namespace
}  // namespace sigma::app
