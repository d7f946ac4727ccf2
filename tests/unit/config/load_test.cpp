// Unit tests for the loaders: sources and precedence, the command line, the
// config file, the environment, validation messages and exit statuses, secrets.
#include "config/load.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "auth/origin.h"
#include "auth/token.h"
#include "config/operator_text.h"
#include "fake_environment.h"
#include "net/address.h"

namespace sigma::config {
namespace {

using test::contains;
using test::Fake;
using test::joined;
using test::kDefaultFile;

TEST_CASE("with no flags, environment or file every setting has its default") {
  Fake fake;
  LoadResult r = fake.load({});
  CHECK(r.exit_code == kExitOk);
  CHECK(r.command == Command::kRun);
  CHECK(r.errors.empty());
  CHECK(r.warnings.empty());
  const Config& c = r.config;
  CHECK(!c.api_url);
  CHECK(!c.api_url_parsed);
  CHECK(!c.api_key);
  CHECK(c.interval_s == 60);
  CHECK(c.ssh_port == 22);
  CHECK(c.metrics_port == 9102);
  CHECK(c.metrics_bind == "0.0.0.0");
  CHECK(!c.port_scan);
  CHECK(c.port_scan_range.first == 10000);
  CHECK(c.port_scan_range.last == 30000);
  CHECK(c.port_scan_interval_s == 60);
  CHECK(c.host_proc == "/proc");
  CHECK(c.mcp_enabled);
  CHECK(c.mcp_bind == "127.0.0.1:9103");
  CHECK(c.mcp_bind_address.host == "127.0.0.1");
  CHECK(c.mcp_bind_address.port == 9103);
  CHECK(c.mcp_allowed_origins.empty());
  CHECK(c.log_level == LogLevel::kInfo);
  CHECK(c.tool_timeout_s == 30);
  CHECK(c.http_max_header_bytes == 16384);
  CHECK(c.http_max_body_bytes == 1048576);
  CHECK(c.http_header_timeout_s == 10);
  CHECK(c.http_idle_timeout_s == 60);
  CHECK(c.http_max_connections == 1024);
  CHECK(c.worker_threads == 2);
  CHECK(c.port_reserve_s == 30);
  CHECK(!c.update_url);
  CHECK(c.update_check_ttl_s == 3600);
  CHECK(!update_manifest_url(c));
  CHECK(!c.stdio);
  CHECK(c.config_file.empty());
  for (const SettingInfo& s : all_settings()) {
    CHECK(c.origin(s.id).source == Source::kDefault);
  }
}

TEST_CASE("a flag wins over the environment, the environment over the file, the file over the default") {
  struct Case {
    SettingId id;
    std::string file_value;
    std::string env_value;
    std::string flag_value;
  };
  const std::vector<Case> cases = {
      {SettingId::kInterval, "30", "45", "90"},
      {SettingId::kMcpBind, "127.0.0.1:1", "127.0.0.1:2", "[::1]:3"},
      {SettingId::kLogLevel, "debug", "warn", "error"},
      {SettingId::kPortScan, "true", "false", "true"},
      {SettingId::kPortScanRange, "1-2", "3-4", "5-6"},
      {SettingId::kApiUrl, "http://a", "http://b", "http://c"},
      {SettingId::kHttpMaxBodyBytes, "2048", "4096", "8192"},
      {SettingId::kToolTimeout, "5", "3600", "1"},
      {SettingId::kUpdateUrl, "http://a/m", "http://b/m", "http://c/m"},
      {SettingId::kUpdateCheckTtl, "0", "60", "604800"},
  };
  for (const Case& k : cases) {
    const SettingInfo& s = setting_info(k.id);
    const std::string name(s.env_name);
    const std::string flag = std::string(s.flag) + "=" + k.flag_value;
    SUBCASE(name.c_str()) {
      Fake fake;
      LoadResult r = fake.load({});
      CHECK(render_value(r.config, k.id) == (s.unset_text.empty() ? default_text(k.id) : ""));
      CHECK(r.config.origin(k.id).source == Source::kDefault);

      fake.files[kDefaultFile] = name + "=" + k.file_value + "\n";
      r = fake.load({});
      REQUIRE(r.exit_code == kExitOk);
      CHECK(render_value(r.config, k.id) == k.file_value);
      CHECK(r.config.origin(k.id).source == Source::kFile);
      CHECK(r.config.origin(k.id).where == kDefaultFile + ":1");

      fake.env[name] = k.env_value;
      r = fake.load({});
      REQUIRE(r.exit_code == kExitOk);
      CHECK(render_value(r.config, k.id) == k.env_value);
      CHECK(r.config.origin(k.id).source == Source::kEnvironment);

      r = fake.load({flag});
      REQUIRE(r.exit_code == kExitOk);
      CHECK(render_value(r.config, k.id) == k.flag_value);
      CHECK(r.config.origin(k.id).source == Source::kFlag);
      CHECK(r.config.origin(k.id).where == std::string(s.flag));
    }
  }
}

TEST_CASE("flags take --name=value and --name value; the last occurrence wins") {
  Fake fake;
  LoadResult r = fake.load({"--interval=5", "--ssh-port", "2222", "--interval", "7", "--alias", "-edge-"});
  REQUIRE(r.exit_code == kExitOk);
  CHECK(r.config.interval_s == 7);
  CHECK(r.config.ssh_port == 2222);
  CHECK(r.config.alias == std::string("-edge-"));
}

TEST_CASE("boolean values accept true/false/1/0/yes/no in any case and nothing else") {
  struct Case {
    const char* text;
    std::optional<bool> value;
  };
  const Case cases[] = {
      {"true", true}, {"TRUE", true}, {"True", true}, {"1", true}, {"yes", true}, {"YeS", true},
      {"false", false}, {"FALSE", false}, {"0", false}, {"no", false}, {"No", false},
      {"on", std::nullopt}, {"off", std::nullopt}, {"", std::nullopt}, {"2", std::nullopt},
      {"y", std::nullopt}, {" true", std::nullopt}, {"truee", std::nullopt},
  };
  for (const Case& k : cases) {
    SUBCASE((std::string("value \"") + k.text + "\"").c_str()) {
      Fake fake;
      fake.env["AGENT_MCP_ENABLED"] = k.text;
      LoadResult from_env = fake.load({});
      LoadResult from_flag = Fake{}.load({std::string("--mcp-enabled=") + k.text});
      for (const LoadResult* r : {&from_env, &from_flag}) {
        if (k.value) {
          CHECK(r->exit_code == kExitOk);
          CHECK(r->config.mcp_enabled == *k.value);
        } else {
          CHECK(r->exit_code == kExitConfig);
          REQUIRE(r->errors.size() == 1);
          CHECK(contains(r->errors[0], "AGENT_MCP_ENABLED=\""));
          CHECK(contains(r->errors[0], "expected true, false, yes, no, 1 or 0"));
        }
      }
    }
  }
}

TEST_CASE("a boolean flag alone means true and never consumes the next argument") {
  Fake fake;
  LoadResult r = fake.load({"--port-scan"});
  CHECK(r.exit_code == kExitOk);
  CHECK(r.config.port_scan);

  r = fake.load({"--port-scan", "false"});
  CHECK(r.exit_code == kExitUsage);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] ==
        "unexpected argument \"false\"; --port-scan is a boolean flag: write "
        "--port-scan=false");

  r = fake.load({"--mcp-enabled=no", "--port-scan", "--interval", "9"});
  CHECK(r.exit_code == kExitOk);
  CHECK(!r.config.mcp_enabled);
  CHECK(r.config.port_scan);
  CHECK(r.config.interval_s == 9);
}

TEST_CASE("usage problems exit with status 2 and name the option") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--intervl=5"}, "unknown option --intervl (did you mean --interval?)"},
      {{"--bogus"}, "unknown option --bogus"},
      {{"-x"}, "unknown option -x"},
      {{"stray"}, "unexpected argument \"stray\""},
      {{"--interval"}, "--interval needs a value (SECONDS)"},
      {{"--config"}, "--config needs a value (FILE)"},
      {{"--config="}, "--config needs a file path"},
      {{"--help=yes"}, "--help takes no value"},
      {{"--check-config=1"}, "--check-config takes no value"},
  };
  for (const Case& k : cases) {
    SUBCASE(k.message.c_str()) {
      LoadResult r = Fake{}.load(k.args);
      CHECK(r.exit_code == kExitUsage);
      REQUIRE(r.errors.size() == 1);
      CHECK(r.errors[0] == k.message);
    }
  }
}

TEST_CASE("the word after a mistyped option is not echoed, since it may be a secret") {
  LoadResult r = Fake{}.load({"--mcp-tokn", "hunter2-secret-token"});
  CHECK(r.exit_code == kExitUsage);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "unknown option --mcp-tokn (did you mean --mcp-token?)");

  r = Fake{}.load({"--mcp-tokn=hunter2-secret-token"});
  REQUIRE(r.errors.size() == 1);
  CHECK(!contains(r.errors[0], "hunter2"));

  r = Fake{}.load({"--bogus", "--interval=5"});
  CHECK(r.errors.size() == 1);
  CHECK(r.config.interval_s == 5);
}

TEST_CASE("a stray argument is quoted with control characters escaped") {
  LoadResult r = Fake{}.load({"a\nb\"c"});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "unexpected argument \"a\\x0ab\\\"c\"");
}

TEST_CASE("a usage error and a bad value are both reported and the usage status wins") {
  LoadResult r = Fake{}.load({"--interval=abc", "--nope"});
  CHECK(r.exit_code == kExitUsage);
  CHECK(r.errors.size() == 2);
  CHECK(contains(joined(r.errors), "AGENT_INTERVAL=\"abc\""));
  CHECK(contains(joined(r.errors), "unknown option --nope"));
}

TEST_CASE("commands are recognised; --help and --version do not read the file or the environment") {
  Fake fake;
  fake.files[kDefaultFile] = "AGENT_INTERVAL=abc\n";
  fake.env["AGENT_SSH_PORT"] = "nope";
  for (const char* arg : {"--help", "-h"}) {
    LoadResult r = fake.load({arg});
    CHECK(r.command == Command::kHelp);
    CHECK(r.exit_code == kExitOk);
    CHECK(r.errors.empty());
  }
  for (const char* arg : {"--version", "-V"}) {
    LoadResult r = fake.load({arg});
    CHECK(r.command == Command::kVersion);
    CHECK(r.exit_code == kExitOk);
  }
  LoadResult r = fake.load({"--check-config"});
  CHECK(r.command == Command::kCheckConfig);
  CHECK(r.exit_code == kExitConfig);
  CHECK(r.errors.size() == 2);

  r = Fake{}.load({"--stdio"});
  CHECK(r.command == Command::kRun);
  CHECK(r.config.stdio);
  CHECK(r.exit_code == kExitOk);

  r = fake.load({"--help", "--bogus"});
  CHECK(r.exit_code == kExitUsage);
}

TEST_CASE("each bad value names the variable, the value and what is expected, with status 78") {
  struct Case {
    const char* name;
    const char* value;
    const char* expected;
  };
  const Case cases[] = {
      {"AGENT_INTERVAL", "abc", "expected a whole number of seconds between 1 and 86400"},
      {"AGENT_INTERVAL", "0", "expected a whole number of seconds between 1 and 86400"},
      {"AGENT_INTERVAL", "86401", "between 1 and 86400"},
      {"AGENT_INTERVAL", "-5", "between 1 and 86400"},
      {"AGENT_INTERVAL", "", "between 1 and 86400"},
      {"AGENT_INTERVAL", "99999999999999999999999", "between 1 and 86400"},
      {"AGENT_SSH_PORT", "0", "expected a port number between 1 and 65535"},
      {"AGENT_METRICS_PORT", "65536", "expected a port number between 0 and 65535 (0 disables the metrics listener)"},
      {"AGENT_METRICS_BIND", "0.0.0.0:9102", "expected a host name or IP address without a port"},
      {"AGENT_METRICS_BIND", "", "expected a host name or IP address"},
      {"AGENT_METRICS_BIND", "[::1", "expected a host name or IP address"},
      {"AGENT_PORT_SCAN", "maybe", "expected true, false, yes, no, 1 or 0"},
      {"AGENT_PORT_SCAN_RANGE", "30000-10000", "expected START-END with 1 <= START <= END <= 65535"},
      {"AGENT_PORT_SCAN_RANGE", "0-10", "START-END"},
      {"AGENT_PORT_SCAN_RANGE", "10-70000", "START-END"},
      {"AGENT_PORT_SCAN_RANGE", "10000", "START-END"},
      {"AGENT_PORT_SCAN_RANGE", "a-b", "START-END"},
      {"AGENT_PORT_SCAN_INTERVAL", "1m", "expected a whole number of seconds"},
      {"AGENT_HOST_PROC", "proc", "expected an absolute directory path"},
      {"AGENT_MCP_ENABLED", "enabled", "expected true, false"},
      {"AGENT_MCP_BIND", "127.0.0.1", "the port is missing"},
      {"AGENT_MCP_BIND", "::1:9103", "IPv6 addresses must be bracketed"},
      {"AGENT_MCP_BIND", ":9103", "the host is missing"},
      {"AGENT_MCP_BIND", "127.0.0.1:http", "the port is not a number between 0 and 65535"},
      {"AGENT_MCP_BIND", "127.0.0.1:65536", "the port is not a number between 0 and 65535"},
      {"AGENT_MCP_BIND", "[::1]", "the port is missing"},
      {"AGENT_MCP_BIND", "[::1:9103", "the '[' is not closed"},
      {"AGENT_MCP_BIND", "[nothex]:1", "brackets must hold an IPv6 address"},
      {"AGENT_MCP_BIND", "", "the value is empty"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://localhost/", "without path or trailing slash"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "localhost:6274", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://a,", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://a:0", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://a/path", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "*", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://[fe80::1%eth0]", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://[1:2]", "scheme://host[:port]"},
      {"AGENT_MCP_ALLOWED_ORIGINS", "http://a:000080", "scheme://host[:port]"},
      {"AGENT_LOG_LEVEL", "verbose", "expected debug, info, warn or error"},
      {"AGENT_TOOL_TIMEOUT", "0", "expected a whole number of seconds between 1 and 3600"},
      {"AGENT_TOOL_TIMEOUT", "3601", "expected a whole number of seconds between 1 and 3600"},
      {"AGENT_TOOL_TIMEOUT", "30s", "expected a whole number of seconds between 1 and 3600"},
      {"AGENT_HTTP_MAX_HEADER_BYTES", "1023", "expected a whole number of bytes between 1024 and 1048576"},
      {"AGENT_HTTP_MAX_BODY_BYTES", "67108865", "expected a whole number of bytes between 1024 and 67108864"},
      {"AGENT_HTTP_HEADER_TIMEOUT", "3601", "expected a whole number of seconds between 1 and 3600"},
      {"AGENT_HTTP_IDLE_TIMEOUT", "0", "expected a whole number of seconds between 1 and 86400"},
      {"AGENT_HTTP_MAX_CONNECTIONS", "65537", "expected a whole number of connections between 1 and 65536"},
      {"AGENT_WORKER_THREADS", "65", "expected a whole number of threads between 1 and 64"},
      {"AGENT_PORT_RESERVE_SECONDS", "0", "expected a whole number of seconds between 1 and 3600"},
      {"AGENT_HOSTNAME", "my host", "expected a host name"},
      {"AGENT_ALIAS", "", "expected a name of 1 to 255 bytes"},
      {"SIGMA_API_URL", "ftp://x", "expected an http:// URL"},
      {"SIGMA_API_URL", "http://", "expected an http:// URL"},
      {"SIGMA_API_URL", "http://user:pw@host", "no user name or password"},
      {"SIGMA_API_URL", "http://host:0", "a port between 1 and 65535"},
      {"SIGMA_API_URL", "http://host?x=1", "no query or fragment"},
      {"SIGMA_API_URL", "http://host/a?x=1", "no query or fragment"},
      {"SIGMA_API_URL", "http://host/#top", "no query or fragment"},
      {"SIGMA_API_URL", "http://host:99999", "a port between 1 and 65535"},
      {"SIGMA_API_URL", "http://host:", "a port between 1 and 65535"},
      {"SIGMA_API_URL", "http://[fe80::1%eth0]:80", "no IPv6 zone"},
      {"SIGMA_API_URL", "http://::1/", "IPv6 addresses must be bracketed"},
      {"SIGMA_API_URL", "http://host/a b", "no spaces or control characters"},
      {"SIGMA_API_URL", "http://host/%zz", "the path may hold only"},
      {"SIGMA_API_KEY_FILE", "", "expected a file path"},
      {"AGENT_MCP_TOKEN_FILE", "", "expected a file path"},
  };
  for (const Case& k : cases) {
    SUBCASE((std::string(k.name) + "=" + k.value).c_str()) {
      const SettingInfo* s = find_setting_by_env(k.name);
      REQUIRE(s != nullptr);
      const std::string shown = std::string(k.name) + "=\"" + k.value + "\": ";

      Fake fake;
      fake.env[k.name] = k.value;
      LoadResult r = fake.load({});
      CHECK(r.exit_code == kExitConfig);
      REQUIRE(r.errors.size() == 1);
      CHECK(contains(r.errors[0], shown));
      CHECK(contains(r.errors[0], k.expected));
      CHECK(contains(r.errors[0], "(from environment)"));
      CHECK(r.config.origin(s->id).source == Source::kDefault);

      r = Fake{}.load({std::string(s->flag) + "=" + k.value});
      CHECK(r.exit_code == kExitConfig);
      REQUIRE(r.errors.size() == 1);
      CHECK(contains(r.errors[0], shown));
      CHECK(contains(r.errors[0], k.expected));
      CHECK(contains(r.errors[0], "(from flag " + std::string(s->flag) + ")"));
    }
  }
}

TEST_CASE("good values of the structured settings are stored parsed") {
  Fake fake;
  fake.env["AGENT_MCP_BIND"] = "[::1]:0";
  fake.env["AGENT_METRICS_BIND"] = "[fe80::1%eth0]";
  fake.env["AGENT_MCP_ALLOWED_ORIGINS"] = "HTTP://LocalHost:6274, https://console.example.com ,http://[::1]";
  fake.env["SIGMA_API_URL"] = "http://10.0.0.1:8080/sigma//";
  fake.env["AGENT_PORT_SCAN_RANGE"] = "1-65535";
  fake.env["AGENT_LOG_LEVEL"] = "WARN";
  fake.env["AGENT_HOST_PROC"] = "/host/proc";
  fake.files["/host/proc"] = "";
  LoadResult r = fake.load({});
  REQUIRE(r.exit_code == kExitOk);
  const Config& c = r.config;
  CHECK(c.mcp_bind == "[::1]:0");
  CHECK(c.mcp_bind_address.host == "::1");
  CHECK(c.mcp_bind_address.port == 0);
  CHECK(c.mcp_bind_address.is_ipv6_literal);
  // The listeners take the parsed address as it is.
  const net::HostPort& bind = c.mcp_bind_address;
  CHECK(net::format_host_port(bind) == "[::1]:0");
  CHECK(c.metrics_bind == "fe80::1%eth0");
  CHECK(c.mcp_allowed_origins ==
        std::vector<std::string>{"http://localhost:6274", "https://console.example.com", "http://[::1]"});
  CHECK(c.api_url == std::string("http://10.0.0.1:8080/sigma"));
  REQUIRE(c.api_url_parsed);
  CHECK(c.api_url_parsed->host == "10.0.0.1");
  CHECK(c.api_url_parsed->port == 8080);
  CHECK(!c.api_url_parsed->is_ipv6_literal);
  CHECK(c.api_url_parsed->path == "/sigma");
  CHECK(c.port_scan_range.first == 1);
  CHECK(c.port_scan_range.last == 65535);
  CHECK(c.log_level == LogLevel::kWarn);
  CHECK(c.host_proc == "/host/proc");

  fake.env["AGENT_METRICS_BIND"] = "::";
  r = fake.load({});
  REQUIRE(r.exit_code == kExitOk);
  CHECK(r.config.metrics_bind == "::");
}

TEST_CASE("allowed origins are read by the same parser the MCP endpoint enforces") {
  const std::string long_host(254, 'a');
  const std::vector<std::string> inputs = {
      "http://localhost:6274", "HTTPS://Console.Example.com", "http://[::1]:9103", "http://[::FFFF:7f00:1]",
      "vscode-webview://abc123", "http://a:080", "http://a:65535", "http://a:0", "http://a:000080",
      "http://[fe80::1%eth0]", "http://[1:2]", "http://[127.0.0.1]", "http://loc%61lhost", "http://localhost/",
      "http://" + long_host, "http://" + long_host.substr(1),
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    Fake fake;
    fake.env["AGENT_MCP_ALLOWED_ORIGINS"] = input;
    LoadResult r = fake.load({});
    std::optional<auth::OriginParts> parsed = auth::parse_origin(input);
    // Port 0 and host names over 253 bytes are refused by config on top of the parser.
    const bool expected = parsed && parsed->port != 0 && parsed->host.size() <= 253;
    CHECK((r.exit_code == kExitOk) == expected);
    if (expected && r.exit_code == kExitOk) {
      REQUIRE(r.config.mcp_allowed_origins.size() == 1);
      const std::string& stored = r.config.mcp_allowed_origins[0];
      CHECK(stored == auth::serialize_origin(*parsed));
      // What is stored is what the endpoint will match the Origin header against.
      CHECK(auth::origin_allowed(input, r.config.mcp_allowed_origins));
    }
  }
  Fake fake;
  fake.env["AGENT_MCP_ALLOWED_ORIGINS"] = "http://a:080";
  LoadResult r = fake.load({});
  REQUIRE(r.exit_code == kExitOk);
  CHECK(r.config.mcp_allowed_origins == std::vector<std::string>{"http://a:80"});
}

TEST_CASE("an accepted MCP token is exactly one a Bearer header can carry") {
  const std::vector<std::string> tokens = {
      "abc", "a-b.c_d~e+f/g", "abc==", "Zm9vYmFy=", "=abc", "abc=def", "has space", "tab\there", "", "ä", "a,b",
  };
  for (const std::string& token : tokens) {
    CAPTURE(token);
    Fake fake;
    fake.env["AGENT_MCP_TOKEN"] = token;
    LoadResult r = fake.load({});
    const std::string header = "Bearer " + token;
    std::optional<std::string_view> presented = auth::bearer_token(header);
    const bool carried = presented && *presented == token;
    CHECK((r.exit_code == kExitOk) == carried);
    CHECK((r.exit_code == kExitOk) == auth::is_token68(token));
  }
}

TEST_CASE("every problem is reported, not only the first") {
  Fake fake;
  fake.files["/etc/sigma.conf"] =
      "AGENT_INTERVAL=abc\n"
      "no equals sign here\n"
      "AGENT_INTRVAL=5\n";
  fake.env["AGENT_SSH_PORT"] = "70000";
  fake.env["AGENT_LOG_LEVEL"] = "loud";
  LoadResult r = fake.load({"--config", "/etc/sigma.conf", "--metrics-port=-1"});
  CHECK(r.exit_code == kExitConfig);
  std::string all = joined(r.errors);
  CHECK(r.errors.size() == 6);
  CHECK(contains(all, "AGENT_INTERVAL=\"abc\""));
  CHECK(contains(all, "/etc/sigma.conf:2: expected NAME=value"));
  CHECK(contains(all, "/etc/sigma.conf:3: unknown setting AGENT_INTRVAL (did you mean AGENT_INTERVAL?)"));
  CHECK(contains(all, "AGENT_SSH_PORT=\"70000\""));
  CHECK(contains(all, "AGENT_LOG_LEVEL=\"loud\""));
  CHECK(contains(all, "AGENT_METRICS_PORT=\"-1\""));
}

TEST_CASE("an https:// control-plane URL is refused with the reason and the way out") {
  LoadResult r = Fake{}.load({"--api-url=https://api.example.com"});
  CHECK(r.exit_code == kExitConfig);
  REQUIRE(r.errors.size() == 1);
  CHECK(contains(r.errors[0], "SIGMA_API_URL=\"https://api.example.com\""));
  CHECK(contains(r.errors[0], "no TLS library"));
  CHECK(contains(r.errors[0], "TLS forwarder"));
  CHECK(contains(r.errors[0], "private network"));
  r = Fake{}.load({"--api-url=HTTPS://api.example.com"});
  CHECK(r.exit_code == kExitConfig);
}

TEST_CASE("an https:// release-manifest URL is refused at start like the control-plane URL") {
  LoadResult r = Fake{}.load({"--update-url=https://releases.example.com/latest"});
  CHECK(r.exit_code == kExitConfig);
  REQUIRE(r.errors.size() == 1);
  CHECK(contains(r.errors[0], "AGENT_UPDATE_URL=\"https://releases.example.com/latest\""));
  CHECK(contains(r.errors[0], "no TLS library"));
  CHECK(contains(r.errors[0], "TLS forwarder"));
  for (const char* bad : {"ftp://x/y", "http://x/y?z=1", "http://user@x/y", "releases/latest"}) {
    CAPTURE(bad);
    CHECK(Fake{}.load({std::string("--update-url=") + bad}).exit_code == kExitConfig);
  }
}

TEST_CASE("AGENT_UPDATE_CHECK_TTL takes 0 to 604800 seconds") {
  CHECK(Fake{}.load({"--update-check-ttl=0"}).config.update_check_ttl_s == 0);
  CHECK(Fake{}.load({"--update-check-ttl=604800"}).config.update_check_ttl_s == 604800);
  LoadResult r = Fake{}.load({"--update-check-ttl=604801"});
  CHECK(r.exit_code == kExitConfig);
  REQUIRE(r.errors.size() == 1);
  CHECK(contains(r.errors[0], "between 0 and 604800"));
  CHECK(Fake{}.load({"--update-check-ttl=-1"}).exit_code == kExitConfig);
}

TEST_CASE("the release manifest defaults to SIGMA_API_URL/agent/releases/latest; AGENT_UPDATE_URL wins") {
  LoadResult r = Fake{}.load({"--api-url=http://10.0.0.1:8080/sigma/"});
  REQUIRE(r.exit_code == kExitOk);
  std::optional<UpdateManifestUrl> m = update_manifest_url(r.config);
  REQUIRE(m);
  CHECK(m->text == "http://10.0.0.1:8080/sigma/agent/releases/latest");
  CHECK(m->url.host == "10.0.0.1");
  CHECK(m->url.port == 8080);
  CHECK(m->url.path == "/sigma/agent/releases/latest");
  CHECK(m->on_api_origin);

  r = Fake{}.load({"--api-url=http://10.0.0.1:8080", "--update-url=http://10.0.0.1:8080/r/latest.json"});
  m = update_manifest_url(r.config);
  REQUIRE(m);
  CHECK(m->text == "http://10.0.0.1:8080/r/latest.json");
  CHECK(m->url.path == "/r/latest.json");
  CHECK(m->on_api_origin);

  // Another host or port is not the control plane: the API key stays home.
  for (const char* other : {"http://10.0.0.2:8080/latest", "http://10.0.0.1:8081/latest"}) {
    CAPTURE(other);
    r = Fake{}.load({"--api-url=http://10.0.0.1:8080", std::string("--update-url=") + other});
    m = update_manifest_url(r.config);
    REQUIRE(m);
    CHECK_FALSE(m->on_api_origin);
  }
  r = Fake{}.load({"--update-url=http://releases.internal/latest"});
  m = update_manifest_url(r.config);
  REQUIRE(m);
  CHECK(m->url.port == 80);
  CHECK_FALSE(m->on_api_origin);
}

TEST_CASE("the config file takes comments, blank lines, quotes, spaces around names and CRLF") {
  Fake fake;
  fake.files[kDefaultFile] =
      "# sigma-agent settings\n"
      "\n"
      "   ; another comment style\n"
      "  AGENT_INTERVAL = 15  \n"
      "AGENT_ALIAS=\"edge one\"\n"
      "AGENT_HOSTNAME='node-7'\r\n"
      "AGENT_MCP_BIND=\"127.0.0.1:9999\"\n"
      "AGENT_LOG_LEVEL=debug";  // no final newline
  LoadResult r = fake.load({});
  REQUIRE(r.exit_code == kExitOk);
  CHECK(r.warnings.empty());
  CHECK(r.config.config_file == kDefaultFile);
  CHECK(r.config.interval_s == 15);
  CHECK(r.config.alias == std::string("edge one"));
  CHECK(r.config.hostname == std::string("node-7"));
  CHECK(r.config.mcp_bind_address.port == 9999);
  CHECK(r.config.log_level == LogLevel::kDebug);
  CHECK(r.config.origin(SettingId::kInterval).where == kDefaultFile + ":4");
  CHECK(r.config.origin(SettingId::kLogLevel).where == kDefaultFile + ":8");
}

TEST_CASE("config file problems name file:line and never echo the line") {
  struct Case {
    std::string text;
    std::string message;
    bool is_error;
  };
  const std::vector<Case> cases = {
      {"AGENT_MCP_TOKEN s3cr3t-value-xyz\n", "f:1: expected NAME=value (this line has no '=')", true},
      {"# c\nAGENT_MCP_TOKEN_FIEL=/x\n", "f:2: unknown setting AGENT_MCP_TOKEN_FIEL (did you mean AGENT_MCP_TOKEN_FILE?)", true},
      {"SIGMA_APIURL=http://x\n", "f:1: unknown setting SIGMA_APIURL (did you mean SIGMA_API_URL?)", true},
      {"agent_interval=5\n", "f:1: unknown setting agent_interval (did you mean AGENT_INTERVAL? names are case-sensitive)", true},
      {"SIGMA_SOMETHING_ELSE_ENTIRELY=1\n", "f:1: unknown setting SIGMA_SOMETHING_ELSE_ENTIRELY", true},
      {"AGENT_ALIAS=\"unterminated\n", "f:1: AGENT_ALIAS: unterminated quote", true},
      {"AGENT_ALIAS='mixed\"\n", "f:1: AGENT_ALIAS: unterminated quote", true},
      {"export AGENT_INTERVAL=5\n", "remove \"export\"", true},
      {"=5\n", "f:1: expected NAME=value with NAME of letters", true},
      {"FOO=bar\n", "f:1: FOO is not a sigma-agent setting; sigma-agent ignores it", false},
      {"AGNT_INTERVAL=5\n", "f:1: AGNT_INTERVAL is not a sigma-agent setting; sigma-agent ignores it (did you mean AGENT_INTERVAL?)", false},
      {"AGENT_INTERVAL=5\nAGENT_INTERVAL=6\n", "f:2: AGENT_INTERVAL is set again (first on line 1); this line wins", false},
  };
  for (const Case& k : cases) {
    SUBCASE(k.message.c_str()) {
      Fake fake;
      fake.files["f"] = k.text;
      LoadResult r = fake.load({"--config=f"});
      if (k.is_error) {
        CHECK(r.exit_code == kExitConfig);
        REQUIRE(r.errors.size() == 1);
        CHECK(contains(r.errors[0], k.message));
        CHECK(!contains(r.errors[0], "s3cr3t"));
      } else {
        CHECK(r.exit_code == kExitOk);
        CHECK(r.errors.empty());
        REQUIRE(r.warnings.size() == 1);
        CHECK(r.warnings[0] == k.message);
      }
    }
  }
}

TEST_CASE("the duplicate key's later line wins") {
  Fake fake;
  fake.files["f"] = "AGENT_INTERVAL=5\nAGENT_INTERVAL=6\n";
  LoadResult r = fake.load({"--config=f"});
  CHECK(r.config.interval_s == 6);
}

TEST_CASE("an unknown AGENT_ or SIGMA_ variable is a warning naming the closest setting; others are ignored") {
  Fake fake;
  fake.env["AGENT_INTRVAL"] = "5";
  fake.env["SIGMA_WHATEVER"] = "x";
  fake.env["PATH"] = "/bin";
  fake.env["AGENTX"] = "not ours";
  LoadResult r = fake.load({});
  CHECK(r.exit_code == kExitOk);
  CHECK(r.errors.empty());
  REQUIRE(r.warnings.size() == 2);
  const std::string all = joined(r.warnings);
  CHECK(contains(all, "unknown environment variable AGENT_INTRVAL ignored (did you mean AGENT_INTERVAL?)"));
  CHECK(contains(all, "unknown environment variable SIGMA_WHATEVER ignored\n"));
  CHECK(!contains(all, "PATH"));
  CHECK(!contains(all, "AGENTX"));
  CHECK(!contains(all, "\"5\""));  // the value is never shown: it may be a secret
  CHECK(r.config.interval_s == 60);
}

TEST_CASE("a boolean flag followed by a separate value says to join them with '='") {
  LoadResult r = Fake{}.load({"--mcp-enabled", "false"});
  CHECK(r.exit_code == kExitUsage);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] ==
        "unexpected argument \"false\"; --mcp-enabled is a boolean flag: write --mcp-enabled=false");
  // A stray word that is not a boolean, or after a flag that takes values, gets no hint.
  r = Fake{}.load({"--mcp-enabled", "later"});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "unexpected argument \"later\"");
}

TEST_CASE("an API key file or host /proc that does not exist is a configuration error naming the setting") {
  Fake fake;
  LoadResult r = fake.load({"--api-key-file=/etc/sigma-agent/missing-key", "--host-proc=/host/proc"});
  CHECK(r.exit_code == kExitConfig);
  REQUIRE(r.errors.size() == 2);
  const std::string all = joined(r.errors);
  CHECK(contains(all, "SIGMA_API_KEY_FILE=\"/etc/sigma-agent/missing-key\" (from flag --api-key-file): no such file"));
  CHECK(contains(all, "AGENT_HOST_PROC=\"/host/proc\" (from flag --host-proc): no such directory"));
  fake.files["/etc/sigma-agent/missing-key"] = "k";
  fake.files["/host/proc"] = "";
  r = fake.load({"--api-key-file=/etc/sigma-agent/missing-key", "--host-proc=/host/proc"});
  CHECK(r.exit_code == kExitOk);
  // The default /proc is not checked: it is the running kernel's.
  CHECK(Fake{}.load({}).exit_code == kExitOk);
}

TEST_CASE("the default config file is read only when it exists; a named one must exist") {
  Fake fake;
  LoadResult r = fake.load({});
  CHECK(r.exit_code == kExitOk);
  CHECK(r.config.config_file.empty());

  r = fake.load({"--config", "/etc/missing"});
  CHECK(r.exit_code == kExitConfig);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "config file /etc/missing: No such file or directory");

  fake.files["/etc/other"] = "AGENT_INTERVAL=3\n";
  fake.files[kDefaultFile] = "AGENT_INTERVAL=4\n";
  r = fake.load({"--config=/etc/other"});
  CHECK(r.exit_code == kExitOk);
  CHECK(r.config.interval_s == 3);
  CHECK(r.config.config_file == "/etc/other");
}

TEST_CASE("every prefix of a config file loads without crashing") {
  const std::string text =
      "# comment\nAGENT_INTERVAL=\"15\"\nAGENT_MCP_BIND=[::1]:9103\nFOO=bar\n"
      "AGENT_MCP_ALLOWED_ORIGINS='http://localhost:1,http://[::1]:2'\nAGENT_PORT_SCAN_RANGE=1-2\n";
  for (size_t n = 0; n <= text.size(); ++n) {
    Fake fake;
    fake.files["f"] = text.substr(0, n);
    LoadResult r = fake.load({"--config=f"});
    CAPTURE(n);
    CHECK((r.exit_code == kExitOk || r.exit_code == kExitConfig));
    CHECK(r.errors.empty() == (r.exit_code == kExitOk));
  }
}

TEST_CASE("a token and its file together are an error that never shows the token") {
  const std::string token = "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4";
  const std::string key = "key-8c1f0e3b9a7d4e21";
  Fake fake;
  fake.env["AGENT_MCP_TOKEN"] = token;
  fake.files[kDefaultFile] = "AGENT_MCP_TOKEN_FILE=/etc/sigma-agent/token\n";
  fake.files["/etc/sigma-agent/token"] = "";
  fake.files["/etc/sigma-agent/key"] = "";
  LoadResult r = fake.load({"--api-key=" + key, "--api-key-file", "/etc/sigma-agent/key"});
  CHECK(r.exit_code == kExitConfig);
  REQUIRE(r.errors.size() == 2);
  const std::string all = joined(r.errors) + joined(r.warnings);
  CHECK(contains(all, "AGENT_MCP_TOKEN (from environment) and AGENT_MCP_TOKEN_FILE (from file " +
                          kDefaultFile + ":1) are both set: expected only one"));
  CHECK(contains(all, "SIGMA_API_KEY (from flag --api-key) and SIGMA_API_KEY_FILE (from flag "
                      "--api-key-file) are both set"));
  CHECK(!contains(all, token));
  CHECK(!contains(all, key));
}

TEST_CASE("bad or empty secrets are reported by length only") {
  struct Case {
    const char* name;
    std::string value;
    std::string shown;
  };
  const std::vector<Case> cases = {
      {"AGENT_MCP_TOKEN", "", "AGENT_MCP_TOKEN=(empty): expected a non-empty bearer token"},
      {"AGENT_MCP_TOKEN", "has space inside", "AGENT_MCP_TOKEN=(16 bytes hidden): expected"},
      {"AGENT_MCP_TOKEN", "abc=def", "AGENT_MCP_TOKEN=(7 bytes hidden): expected"},
      {"SIGMA_API_KEY", "", "SIGMA_API_KEY=(empty): expected a non-empty key"},
      {"SIGMA_API_KEY", "line\r\nbreak", "SIGMA_API_KEY=(11 bytes hidden): expected"},
  };
  for (const Case& k : cases) {
    SUBCASE(k.shown.c_str()) {
      Fake fake;
      fake.env[k.name] = k.value;
      LoadResult r = fake.load({});
      CHECK(r.exit_code == kExitConfig);
      REQUIRE(r.errors.size() == 1);
      CHECK(contains(r.errors[0], k.shown));
      if (!k.value.empty()) {
        CHECK(!contains(r.errors[0], k.value));
      }
    }
  }
}

TEST_CASE("a secret on the command line is accepted with a warning naming the file alternative") {
  const std::string token = "tok_0123456789abcdefghij";
  LoadResult r = Fake{}.load({"--mcp-token", token, "--api-key=apikey0123456789"});
  CHECK(r.exit_code == kExitOk);
  CHECK(r.config.mcp_token == token);
  const std::string all = joined(r.warnings);
  CHECK(r.warnings.size() == 2);
  CHECK(contains(all, "AGENT_MCP_TOKEN was given on the command line (--mcp-token)"));
  CHECK(contains(all, "ps(1); prefer AGENT_MCP_TOKEN_FILE"));
  CHECK(contains(all, "prefer SIGMA_API_KEY_FILE"));
  CHECK(!contains(all, token));

  Fake fake;
  fake.env["AGENT_MCP_TOKEN"] = token;
  CHECK(fake.load({}).warnings.empty());
}

TEST_CASE("a short token is accepted with a warning") {
  Fake fake;
  fake.env["AGENT_MCP_TOKEN"] = "short";
  LoadResult r = fake.load({});
  CHECK(r.exit_code == kExitOk);
  REQUIRE(r.warnings.size() == 1);
  CHECK(contains(r.warnings[0], "AGENT_MCP_TOKEN is only 5 bytes"));
  CHECK(!contains(r.warnings[0], "short"));
}

TEST_CASE("call takes a tool name and at most one argument object, options around it") {
  Fake fake;
  LoadResult r = fake.load({"--log-level=debug", "call", "allocate_ports", "{\"count\": 2}", "--tool-timeout", "5"});
  REQUIRE(r.errors.empty());
  CHECK(r.command == Command::kCall);
  CHECK(r.call_tool == "allocate_ports");
  REQUIRE(r.call_arguments.has_value());
  CHECK(*r.call_arguments == "{\"count\": 2}");
  CHECK(r.config.tool_timeout_s == 5);
  CHECK(r.config.log_level == LogLevel::kDebug);

  r = fake.load({"call", "query_metrics"});
  REQUIRE(r.errors.empty());
  CHECK(r.command == Command::kCall);
  CHECK_FALSE(r.call_arguments.has_value());

  // A word that looks like a short option is an operand after "call": the
  // argument check, not the option parser, explains it.
  r = fake.load({"call", "allocate_ports", "-1"});
  REQUIRE(r.errors.empty());
  CHECK(*r.call_arguments == "-1");
}

TEST_CASE("call without a tool, with extra words, or beside --stdio is a usage error") {
  Fake fake;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"call"}, {"call", "a", "{}", "extra"}, {"--stdio", "call", "a"}, {"call", "a", "--check-config"}}) {
    LoadResult r = fake.load(args);
    CAPTURE(args.size());
    CHECK(r.exit_code == kExitUsage);
    REQUIRE_FALSE(r.errors.empty());
    CHECK(r.errors[0].find("call") != std::string::npos);
  }
  // Without "call" a stray word is still refused.
  LoadResult r = fake.load({"allocate_ports"});
  CHECK(r.exit_code == kExitUsage);
}

}  // namespace
}  // namespace sigma::config
