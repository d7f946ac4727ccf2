// Unit tests for the settings table: order, names, flags and defaults.
#include "config/settings.h"

#include <doctest/doctest.h>

#include <string>

#include "base/strings.h"
#include "config/operator_text.h"

namespace sigma::config {
namespace {

TEST_CASE("the settings table is in SettingId order and each flag is derived from its environment name") {
  size_t index = 0;
  for (const SettingInfo& s : all_settings()) {
    CAPTURE(s.env_name);
    CHECK(static_cast<size_t>(s.id) == index);
    REQUIRE((istarts_with(s.env_name, "AGENT_") || istarts_with(s.env_name, "SIGMA_")));
    std::string expected_flag = "--" + to_lower(s.env_name.substr(6));
    for (char& c : expected_flag) {
      if (c == '_') {
        c = '-';
      }
    }
    CHECK(s.flag == expected_flag);
    CHECK(find_setting_by_env(s.env_name) == &s);
    CHECK(find_setting_by_flag(s.flag) == &s);
    CHECK(!s.summary.empty());
    CHECK(s.is_boolean == s.value_name.empty());
    ++index;
  }
  CHECK(index == kSettingCount);
  CHECK(find_setting_by_env("AGENT_NOPE") == nullptr);
  CHECK(find_setting_by_flag("--nope") == nullptr);
}

TEST_CASE("defaults are stated from the constants") {
  CHECK(default_text(SettingId::kInterval) == std::to_string(kDefaultIntervalSeconds));
  CHECK(default_text(SettingId::kMcpBind) == std::string(kDefaultMcpBind));
  CHECK(default_text(SettingId::kPortScanRange) ==
        std::to_string(kDefaultPortScanFirst) + "-" + std::to_string(kDefaultPortScanLast));
  CHECK(default_text(SettingId::kPortScan) == "false");
  CHECK(default_text(SettingId::kLogLevel) == "info");
  CHECK(default_text(SettingId::kApiUrl) == "unset (standalone)");
  CHECK(default_mcp_bind_address().port == 9103);
}

TEST_CASE("the tool timeout is a setting of whole seconds from 1 to 3600, 30 by default") {
  const SettingInfo* s = find_setting_by_env("AGENT_TOOL_TIMEOUT");
  REQUIRE(s != nullptr);
  CHECK(s->id == SettingId::kToolTimeout);
  CHECK(s->flag == "--tool-timeout");
  CHECK(s->value_name == "SECONDS");
  CHECK(s->summary == "seconds a tool call may run before it is cancelled");
  CHECK(default_text(SettingId::kToolTimeout) == "30");
  CHECK(Config{}.tool_timeout_s == kDefaultToolTimeoutSeconds);
}

TEST_CASE("the HTTP settings default to the limits the HTTP server defaults to") {
  const Config c;
  CHECK(c.http_max_header_bytes == http::kDefaultMaxHeaderBytes);
  CHECK(c.http_max_body_bytes == http::kDefaultMaxBodyBytes);
  CHECK(c.http_header_timeout_s == http::kDefaultHeaderTimeoutSeconds);
  CHECK(c.http_idle_timeout_s == http::kDefaultIdleTimeoutSeconds);
  CHECK(c.http_max_connections == http::kDefaultMaxConnections);
  CHECK(default_text(SettingId::kHttpMaxHeaderBytes) == "16384");
  CHECK(default_text(SettingId::kHttpMaxBodyBytes) == "1048576");
}

}  // namespace
}  // namespace sigma::config
