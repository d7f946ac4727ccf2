// MCP 2026-07-28 (the stateless era) against the real daemon, over HTTP and
// stdio, beside the handshake era on the same endpoint and process.
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "harness.h"
#include "json/json.h"

using sigma::json::parse;
using sigma::json::Value;
using namespace sigma::test;

namespace {

Value body_json(const HttpResponse& r) {
  auto parsed = parse(r.body);
  REQUIRE_MESSAGE(parsed.ok(), "body is not JSON: " << r.body);
  return *parsed.value;
}

const std::string kMeta =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},)"
    R"("io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}})";

std::string modern(const std::string& method, const std::string& extra = "", int id = 1) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method + R"(","params":{)" + kMeta +
         (extra.empty() ? "" : "," + extra) + "}}";
}

std::string headers_for(const std::string& method, const std::string& name = "") {
  std::string h = "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: " + method + "\r\n";
  if (!name.empty()) {
    h += "Mcp-Name: " + name + "\r\n";
  }
  return h;
}

int64_t error_code(const Value& v) {
  const Value* error = v.find("error");
  REQUIRE_MESSAGE(error != nullptr, sigma::json::write(v));
  return *error->find("code")->as_int();
}

void check_stateless_result(const Value& v) {
  const Value* result = v.find("result");
  REQUIRE_MESSAGE(result != nullptr, sigma::json::write(v));
  CHECK(result->find("resultType")->as_string() == "complete");
  const Value* server = result->find("_meta")->find("io.modelcontextprotocol/serverInfo");
  REQUIRE(server != nullptr);
  CHECK(server->find("name")->as_string() == "sigma-agent");
  CHECK(server->find("version")->is_string());
}

}  // namespace

TEST_CASE("HTTP: the stateless era is served beside the handshake era on one endpoint") {
  Daemon d({});
  REQUIRE(d.started());

  HttpResponse r = mcp_post(d.mcp_port(), modern("server/discover"), headers_for("server/discover"));
  REQUIRE(r.status == 200);
  Value v = body_json(r);
  check_stateless_result(v);
  const Value& discover = *v.find("result");
  CHECK(sigma::json::write(*discover.find("supportedVersions")) == R"(["2026-07-28"])");
  CHECK(discover.find("capabilities")->find("tools") != nullptr);
  CHECK(discover.find("ttlMs")->is_integer());
  CHECK(discover.find("cacheScope")->as_string() == "public");
  CHECK(discover.find("instructions")->is_string());
  CHECK_FALSE(r.header("Mcp-Session-Id").has_value());

  r = mcp_post(d.mcp_port(), modern("tools/list", "", 2), headers_for("tools/list"));
  REQUIRE(r.status == 200);
  v = body_json(r);
  check_stateless_result(v);
  CHECK(v.find("result")->find("tools")->size() >= 2);
  CHECK(v.find("result")->find("ttlMs")->is_integer());

  r = mcp_post(d.mcp_port(), modern("tools/call", R"("name":"query_metrics")", 3),
               headers_for("tools/call", "query_metrics"));
  REQUIRE(r.status == 200);
  v = body_json(r);
  check_stateless_result(v);
  CHECK(v.find("result")->find("structuredContent")->find("cpu_cores") != nullptr);

  // The Base64 sentinel on Mcp-Name ("query_metrics").
  r = mcp_post(d.mcp_port(), modern("tools/call", R"("name":"query_metrics")", 4),
               headers_for("tools/call", "=?base64?cXVlcnlfbWV0cmljcw==?="));
  CHECK(r.status == 200);

  // The handshake era still works on the same endpoint, right after.
  r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":5,"method":"ping"})", "MCP-Protocol-Version: 2025-11-25\r\n");
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"jsonrpc":"2.0","id":5,"result":{}})");
  r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":6,"method":"tools/list"})", "MCP-Protocol-Version: 2025-11-25\r\n");
  REQUIRE(r.status == 200);
  CHECK(body_json(r).find("result")->find("resultType") == nullptr);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("HTTP: each stateless validation error has its code and status") {
  Daemon d({});
  REQUIRE(d.started());
  struct Row {
    const char* name;
    std::string body;
    std::string headers;
    int status;
    int code;
  };
  const std::string other_meta =
      R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}})";
  const Row rows[] = {
      {"no _meta under a 2026-07-28 header", R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})",
       headers_for("tools/list"), 400, -32602},
      {"no clientCapabilities",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})",
       headers_for("tools/list"), 400, -32602},
      {"no MCP-Protocol-Version", modern("tools/list"), "Mcp-Method: tools/list\r\n", 400, -32020},
      {"no Mcp-Method", modern("tools/list"), "MCP-Protocol-Version: 2026-07-28\r\n", 400, -32020},
      {"Mcp-Method differs", modern("tools/list"), headers_for("tools/call"), 400, -32020},
      {"Mcp-Method repeated", modern("tools/list"), headers_for("tools/list") + "Mcp-Method: tools/list\r\n", 400,
       -32020},
      {"Mcp-Name missing", modern("tools/call", R"("name":"query_metrics")"), headers_for("tools/call"), 400, -32020},
      {"Mcp-Name differs", modern("tools/call", R"("name":"query_metrics")"),
       headers_for("tools/call", "allocate_ports"), 400, -32020},
      {"Mcp-Name bad Base64", modern("tools/call", R"("name":"query_metrics")"),
       headers_for("tools/call", "=?base64?***?="), 400, -32020},
      {"version not served", other_meta,
       "MCP-Protocol-Version: 2099-01-01\r\nMcp-Method: server/discover\r\n", 400, -32022},
      {"ping is not a 2026-07-28 method", modern("ping"), headers_for("ping"), 404, -32601},
      {"unknown method", modern("resources/list"), headers_for("resources/list"), 404, -32601},
      {"unknown tool", modern("tools/call", R"("name":"nope")"), headers_for("tools/call", "nope"), 200, -32602},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    HttpResponse r = mcp_post(d.mcp_port(), row.body, row.headers);
    CHECK(r.status == row.status);
    Value v = body_json(r);
    CHECK(error_code(v) == row.code);
    if (row.code == -32022) {
      const Value* data = v.find("error")->find("data");
      REQUIRE(data != nullptr);
      CHECK(data->find("requested")->as_string() == "2099-01-01");
      CHECK(data->find("supported")->as_array()[0].as_string() == "2026-07-28");
    }
  }
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("stdio: a discovery probe, then the stateless era and the handshake era in one process") {
  const std::string probe_unknown =
      R"({"jsonrpc":"2.0","id":0,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}})";
  std::string input = probe_unknown + "\n" + modern("server/discover", "", 1) + "\n" + modern("tools/list", "", 2) +
                      "\n" + modern("tools/call", R"("name":"query_metrics")", 3) + "\n" + modern("ping", "", 4) +
                      "\n" + R"({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{}})" + "\n" +
                      R"({"jsonrpc":"2.0","id":6,"method":"ping"})" + "\n";
  RunResult r = run_agent({"--config=/dev/null", "--stdio"}, {}, 10000, input);
  CHECK(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<Value> replies;
  while (std::getline(lines, line)) {
    auto v = parse(line);
    REQUIRE_MESSAGE(v.ok(), "stdout line is not JSON: " << line);
    replies.push_back(*v.value);
  }
  REQUIRE(replies.size() == 7);
  CHECK(error_code(replies[0]) == -32022);
  check_stateless_result(replies[1]);
  CHECK(replies[1].find("result")->find("supportedVersions") != nullptr);
  check_stateless_result(replies[2]);
  check_stateless_result(replies[3]);
  CHECK(error_code(replies[4]) == -32601);
  // A message without _meta is the handshake era at the header-less default.
  CHECK(replies[5].find("result")->find("resultType") == nullptr);
  CHECK(replies[6].find("result")->size() == 0);
}

TEST_CASE("HTTP: a tools/call with a progressToken is answered as an SSE stream of progress, then the response") {
  DaemonOptions o;
  const uint16_t first = free_port();
  const uint16_t last = first > 65535 - 49 ? 65535 : static_cast<uint16_t>(first + 49);
  o.args = {"--port-scan", "--port-scan-range", std::to_string(first) + "-" + std::to_string(last)};
  Daemon d(o);
  REQUIRE(d.started());
  const std::string call =
      R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":3},"_meta":{"progressToken":"p1"}}})";
  HttpResponse r = mcp_post(d.mcp_port(), call, "MCP-Protocol-Version: 2025-11-25\r\n");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("") == "text/event-stream");
  CHECK(r.header("X-Accel-Buffering").value_or("") == "no");
  CHECK_FALSE(r.header("Content-Length").has_value());
  std::vector<Value> events;
  size_t pos = 0;
  while ((pos = r.body.find("data: ", pos)) != std::string::npos) {
    size_t end = r.body.find('\n', pos);
    auto parsed = parse(r.body.substr(pos + 6, end - pos - 6));
    REQUIRE(parsed.ok());
    events.push_back(*parsed.value);
    pos = end;
  }
  REQUIRE(events.size() >= 2);
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    CHECK(events[i].find("method")->as_string() == "notifications/progress");
    CHECK(events[i].find("params")->find("progressToken")->as_string() == "p1");
  }
  CHECK(events.back().find("id")->number_text() == "9");
  CHECK(events.back().find("result")->find("structuredContent")->find("ports")->size() == 3);

  // The same call from a client that accepts only JSON: the plain answer.
  std::string raw = mcp_request_bytes(call, "MCP-Protocol-Version: 2025-11-25\r\n");
  size_t accept = raw.find("Accept: application/json, text/event-stream\r\n");
  REQUIRE(accept != std::string::npos);
  raw.replace(accept, std::string("Accept: application/json, text/event-stream\r\n").size(), "Accept: application/json\r\n");
  r = http_request(d.mcp_port(), raw);
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("") == "application/json");
  CHECK(body_json(r).find("result") != nullptr);

  // The stateless era streams the same way; the final event is a 2026-07-28 result.
  const std::string modern_call =
      R"({"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":2},)"
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"progressToken":4}}})";
  r = mcp_post(d.mcp_port(), modern_call, headers_for("tools/call", "allocate_ports"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("") == "text/event-stream");
  size_t final_event = r.body.rfind("data: ");
  REQUIRE(final_event != std::string::npos);
  auto final_parsed = parse(r.body.substr(final_event + 6, r.body.find('\n', final_event) - final_event - 6));
  REQUIRE(final_parsed.ok());
  check_stateless_result(*final_parsed.value);
  CHECK(r.body.find(R"("progressToken":4)") != std::string::npos);
  CHECK(daemon_answers(d.mcp_port()));
}
