// `sigma-agent --stdio`: newline-delimited JSON-RPC on stdin/stdout.
#include <sstream>

#include <doctest/doctest.h>

#include "harness.h"
#include "json/json.h"

using namespace sigma::test;

TEST_CASE("--stdio answers one line per request, nothing for notifications, and only JSON on stdout") {
  std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\r\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"
      "\n"
      "not json\n"
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":"x"}}})"
      "\n";
  RunResult r = run_agent({"--config=/dev/null", "--stdio"}, {}, 10000, input);
  CHECK(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<sigma::json::Value> replies;
  while (std::getline(lines, line)) {
    auto v = sigma::json::parse(line);
    REQUIRE_MESSAGE(v.ok(), "stdout line is not JSON: " << line);
    replies.push_back(*v.value);
  }
  REQUIRE(replies.size() == 4);
  CHECK(replies[0].find("result")->find("protocolVersion")->as_string() == "2025-06-18");
  // Served at the negotiated revision: 2025-06-18 tools carry outputSchema.
  CHECK(replies[1].find("result")->find("tools")->as_array()[0].find("outputSchema") != nullptr);
  CHECK(replies[2].find("error")->find("code")->number_text() == "-32700");
  // 2025-06-18 reports invalid arguments as -32602.
  CHECK(replies[3].find("error")->find("code")->number_text() == "-32602");
}

TEST_CASE("--stdio answers a last message that has no trailing newline") {
  const std::string input = R"({"jsonrpc":"2.0","id":1,"method":"ping"})" "\n" R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  RunResult r = run_agent({"--config=/dev/null", "--stdio"}, {}, 10000, input);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n");
}
