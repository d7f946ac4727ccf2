// Operator commands and configuration errors of the real binary (SPEC §3).
#include <doctest/doctest.h>

#include "harness.h"

using namespace sigma::test;

TEST_CASE("--version prints the name and version") {
  RunResult r = run_agent({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("sigma-agent ", 0) == 0);
}

TEST_CASE("--help lists every setting of SPEC §3") {
  RunResult r = run_agent({"--help"});
  CHECK(r.exit_code == 0);
  for (const char* name : {"SIGMA_API_URL", "SIGMA_API_KEY", "SIGMA_API_KEY_FILE", "AGENT_INTERVAL", "AGENT_HOSTNAME",
                           "AGENT_ALIAS", "AGENT_SSH_PORT", "AGENT_METRICS_PORT", "AGENT_METRICS_BIND", "AGENT_PORT_SCAN",
                           "AGENT_PORT_SCAN_RANGE", "AGENT_PORT_SCAN_INTERVAL", "AGENT_HOST_PROC", "AGENT_MCP_ENABLED",
                           "AGENT_MCP_BIND", "AGENT_MCP_TOKEN", "AGENT_MCP_TOKEN_FILE", "AGENT_MCP_ALLOWED_ORIGINS",
                           "AGENT_LOG_LEVEL", "--mcp-bind", "--check-config"}) {
    CAPTURE(name);
    CHECK(r.out.find(name) != std::string::npos);
  }
}

TEST_CASE("an unknown flag is a usage error with status 2") {
  RunResult r = run_agent({"--config=/dev/null", "--no-such-flag"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--no-such-flag") != std::string::npos);
}

TEST_CASE("a malformed value fails at start naming the variable and the value, status 78") {
  RunResult r = run_agent({"--config=/dev/null"}, {{"AGENT_INTERVAL", "soon"}});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("AGENT_INTERVAL") != std::string::npos);
  CHECK(r.err.find("soon") != std::string::npos);

  r = run_agent({"--config=/dev/null", "--mcp-bind=127.0.0.1:99999"});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("AGENT_MCP_BIND") != std::string::npos);
  CHECK(r.err.find("99999") != std::string::npos);
}

TEST_CASE("an https control-plane URL is refused with an explanation") {
  RunResult r = run_agent({"--config=/dev/null", "--api-url=https://api.example"});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("SIGMA_API_URL") != std::string::npos);
  CHECK(r.err.find("TLS") != std::string::npos);
}

TEST_CASE("a config file typo is an error, a foreign key a warning") {
  std::string typo = write_temp_file("typo.conf", "AGENT_MCP_BINDD=127.0.0.1:1\n", 0600);
  RunResult r = run_agent({"--config=" + typo, "--check-config"});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("AGENT_MCP_BINDD") != std::string::npos);

  std::string foreign = write_temp_file("foreign.conf", "# env file\nPATH_EXTRA=/x\nAGENT_LOG_LEVEL=debug\n", 0600);
  r = run_agent({"--config=" + foreign, "--check-config"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("PATH_EXTRA") != std::string::npos);
  CHECK(r.out.find("debug") != std::string::npos);
}

TEST_CASE("--check-config masks secrets and reports the MCP bind decision") {
  RunResult r = run_agent({"--config=/dev/null", "--check-config"}, {{"AGENT_MCP_TOKEN", "very-secret-token"}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("very-secret-token") == std::string::npos);
  CHECK(r.err.find("very-secret-token") == std::string::npos);
  CHECK(r.out.find("AGENT_MCP_BIND") != std::string::npos);
  CHECK(r.out.find("loopback") != std::string::npos);

  r = run_agent({"--config=/dev/null", "--check-config", "--mcp-bind=0.0.0.0:9103"});
  CHECK(r.exit_code != 0);
  CHECK((r.out + r.err).find("AGENT_MCP_TOKEN") != std::string::npos);
}

TEST_CASE("--check-config --stdio does not judge a listener it will not open") {
  RunResult r = run_agent({"--config=/dev/null", "--check-config", "--stdio", "--mcp-bind=0.0.0.0:9103"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--stdio") != std::string::npos);
  CHECK((r.out + r.err).find("refused") == std::string::npos);
}

TEST_CASE("an unknown AGENT_ variable is a warning naming it and the likely setting") {
  RunResult r = run_agent({"--config=/dev/null", "--check-config"}, {{"AGENT_MCP_TOKN", "x"}});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("AGENT_MCP_TOKN") != std::string::npos);
  CHECK(r.err.find("AGENT_MCP_TOKEN") != std::string::npos);
  CHECK(r.err.find("\"x\"") == std::string::npos);
}

TEST_CASE("a key file that does not exist fails at start naming the variable") {
  RunResult r = run_agent({"--config=/dev/null", "--check-config"},
                          {{"SIGMA_API_KEY_FILE", "/nonexistent/sigma-key"}});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("SIGMA_API_KEY_FILE") != std::string::npos);
  CHECK(r.err.find("/nonexistent/sigma-key") != std::string::npos);
}

TEST_CASE("a token file holding a token no client could send fails at start with status 78") {
  std::string path = write_temp_file("token-space", "pass word 0123456789abcdef\n", 0600);
  RunResult check = run_agent({"--config=/dev/null", "--check-config", "--mcp-token-file=" + path});
  CHECK(check.exit_code == 78);
  CHECK(check.out.find("does not hold a non-empty bearer token") != std::string::npos);
  RunResult start = run_agent({"--config=/dev/null", "--mcp-bind=127.0.0.1:0", "--metrics-port=0",
                               "--mcp-token-file=" + path});
  CHECK(start.exit_code == 78);
  CHECK(start.err.find("AGENT_MCP_TOKEN_FILE") != std::string::npos);
  CHECK((start.out + start.err).find("pass word") == std::string::npos);
}

TEST_CASE("call runs one tool in this process and prints its result as JSON") {
  RunResult r = run_agent({"--config=/dev/null", "call", "query_metrics"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("{\"hostname\":", 0) == 0);
  CHECK(r.out.find("\"agent_version\"") != std::string::npos);
  CHECK(r.out.back() == '\n');

  // allocate_ports without the scan is the tool's own error: status 1 and the
  // sentence that names the setting, as JSON on standard output.
  r = run_agent({"--config=/dev/null", "call", "allocate_ports", "{\"count\": 2}"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.rfind("{\"error\":", 0) == 0);
  CHECK(r.out.find("AGENT_PORT_SCAN") != std::string::npos);

  r = run_agent({"--config=/dev/null", "--port-scan", "--port-scan-range=47000-47100", "call", "allocate_ports",
                 "{\"count\": 2}"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"ports\":[") != std::string::npos);
}

TEST_CASE("call with an unknown tool, bad JSON or a bad argument exits 2 naming what is wrong") {
  RunResult r = run_agent({"--config=/dev/null", "call", "no_such_tool"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("unknown tool \"no_such_tool\"") != std::string::npos);
  CHECK(r.err.find("query_metrics") != std::string::npos);

  r = run_agent({"--config=/dev/null", "call", "allocate_ports", "{count: 2}"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not valid JSON") != std::string::npos);

  r = run_agent({"--config=/dev/null", "--port-scan", "call", "allocate_ports", "{\"count\": 0}"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("count") != std::string::npos);

  r = run_agent({"--config=/dev/null", "call"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("call takes a tool name") != std::string::npos);
}
