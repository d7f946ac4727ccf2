// Unit tests for the operator text: --help, --version, the --check-config
// listing and the suggestions.
#include "config/operator_text.h"

#include <doctest/doctest.h>

#include <string>

#include "fake_environment.h"

namespace sigma::config {
namespace {

using test::contains;
using test::Fake;
using test::kDefaultFile;

TEST_CASE("--version prints the program name and the build's version") {
  CHECK(version_text() == std::string("sigma-agent ") + SIGMA_VERSION);
}

TEST_CASE("the effective listing shows every setting with its origin and hides secrets") {
  const std::string token = "c2VjcmV0LXRva2VuLXZhbHVlLTEyMzQ1";
  const std::string key = "sigma-api-key-value-42";
  Fake fake;
  fake.env["AGENT_MCP_TOKEN"] = token;
  fake.files[kDefaultFile] = "SIGMA_API_KEY=" + key + "\nAGENT_MCP_BIND=0.0.0.0:9103\n";
  LoadResult r = fake.load({"--interval=30"});
  REQUIRE(r.exit_code == kExitOk);
  const std::string out = render_effective(r.config);
  CHECK(!contains(out, token));
  CHECK(!contains(out, key));
  CHECK(contains(out, "AGENT_MCP_TOKEN=(set, " + std::to_string(token.size()) + " bytes hidden) (environment)\n"));
  CHECK(contains(out, "SIGMA_API_KEY=(set, " + std::to_string(key.size()) + " bytes hidden) (file " + kDefaultFile +
                          ":1)\n"));
  CHECK(contains(out, "AGENT_MCP_BIND=0.0.0.0:9103 (file " + kDefaultFile + ":2)\n"));
  CHECK(contains(out, "AGENT_INTERVAL=30 (flag --interval)\n"));
  CHECK(contains(out, "AGENT_SSH_PORT=22 (default)\n"));
  CHECK(contains(out, "SIGMA_API_URL= (default: unset (standalone))\n"));
  for (const SettingInfo& s : all_settings()) {
    CHECK(contains(out, std::string(s.env_name) + "="));
  }
  CHECK(render_value(r.config, SettingId::kMcpToken, false) == token);
}

TEST_CASE("--help lists every flag with its environment name and default") {
  const std::string help = usage_text();
  for (const SettingInfo& s : all_settings()) {
    CAPTURE(s.env_name);
    CHECK(contains(help, std::string(s.flag) + (s.is_boolean ? "" : " " + std::string(s.value_name))));
    CHECK(contains(help, std::string(s.env_name) + ", default " + default_text(s.id)));
  }
  for (const char* command : {"--help", "--version", "--check-config", "--config FILE", "--stdio"}) {
    CHECK(contains(help, command));
  }
  CHECK(contains(help, "AGENT_INTERVAL, default 60"));
  CHECK(contains(help, "AGENT_MCP_BIND, default 127.0.0.1:9103"));
  CHECK(contains(help, "1..86400 seconds"));
}

TEST_CASE("edit distance ignores case and counts insertions, deletions and substitutions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("AGENT_INTERVAL", "agent_interval") == 0);
  CHECK(edit_distance("AGENT_INTRVAL", "AGENT_INTERVAL") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

}  // namespace
}  // namespace sigma::config
