// MCP over Streamable HTTP against the real daemon: handshake, methods,
// notifications, errors and the HTTP-level rules of the transport.
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

const char kInit[] =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

}  // namespace

TEST_CASE("initialize negotiates the requested revision and declares tools") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = mcp_post(d.mcp_port(), kInit);
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("").find("application/json") == 0);
  CHECK_FALSE(r.header("Mcp-Session-Id").has_value());
  Value v = body_json(r);
  CHECK(v.find("id")->number_text() == "1");
  const Value* result = v.find("result");
  REQUIRE(result != nullptr);
  CHECK(result->find("protocolVersion")->as_string() == "2025-11-25");
  CHECK(result->find("capabilities")->find("tools") != nullptr);
  CHECK(result->find("serverInfo")->find("name")->as_string() == "sigma-agent");
}

TEST_CASE("initialize with an unknown revision is answered with the newest handshake revision") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = mcp_post(
      d.mcp_port(),
      R"({"jsonrpc":"2.0","id":"x","method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  REQUIRE(r.status == 200);
  Value v = body_json(r);
  CHECK(v.find("id")->as_string() == "x");
  CHECK(v.find("result")->find("protocolVersion")->as_string() == "2025-11-25");
}

TEST_CASE("the initialized notification and other notifications get 202 with an empty body") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                            "MCP-Protocol-Version: 2025-11-25\r\n");
  CHECK(r.status == 202);
  CHECK(r.body.empty());
  r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","method":"notifications/whatever"})",
               "MCP-Protocol-Version: 2025-06-18\r\n");
  CHECK(r.status == 202);
  CHECK(r.body.empty());
}

TEST_CASE("ping, tools/list and tools/call work without a session") {
  Daemon d({});
  REQUIRE(d.started());
  const std::string v = "MCP-Protocol-Version: 2025-11-25\r\n";
  HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":7,"method":"ping"})", v);
  REQUIRE(r.status == 200);
  CHECK(body_json(r).find("result")->is_object());

  r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":8,"method":"tools/list"})", v);
  REQUIRE(r.status == 200);
  Value list = body_json(r);
  const Value* tools = list.find("result")->find("tools");
  REQUIRE(tools != nullptr);
  REQUIRE(tools->size() == 5);
  CHECK(tools->as_array()[0].find("name")->as_string() == "query_metrics");
  CHECK(tools->as_array()[1].find("name")->as_string() == "allocate_ports");
  CHECK(tools->as_array()[2].find("name")->as_string() == "query_envoy_routes");
  CHECK(tools->as_array()[3].find("name")->as_string() == "agent_check_update");
  CHECK(tools->as_array()[4].find("name")->as_string() == "query_traffic");
  for (const Value& t : tools->as_array()) {
    CHECK(t.find("title") != nullptr);
    CHECK(t.find("description") != nullptr);
    CHECK(t.find("inputSchema")->find("type")->as_string() == "object");
    CHECK(t.find("outputSchema")->find("type")->as_string() == "object");
    CHECK(t.find("annotations")->find("readOnlyHint") != nullptr);
  }
  // initialize's instructions introduce every listed tool to the model.
  r = mcp_post(d.mcp_port(),
               R"({"jsonrpc":"2.0","id":10,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
               R"("capabilities":{},"clientInfo":{"name":"test","version":"1"}}})");
  REQUIRE(r.status == 200);
  const std::string instructions = body_json(r).find("result")->find("instructions")->as_string();
  for (const Value& t : tools->as_array()) {
    CAPTURE(t.find("name")->as_string());
    CHECK(instructions.find(t.find("name")->as_string()) != std::string::npos);
  }

  r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"query_metrics"}})", v);
  REQUIRE(r.status == 200);
  Value call = body_json(r);
  const Value* result = call.find("result");
  REQUIRE(result != nullptr);
  const Value* sc = result->find("structuredContent");
  REQUIRE(sc != nullptr);
  CHECK(sc->find("cpu_cores")->as_int().value_or(0) >= 1);
  CHECK(sc->find("agent_version")->is_string());
  // The same data as JSON text in content.
  const Value& text = result->find("content")->as_array()[0];
  CHECK(text.find("type")->as_string() == "text");
  auto again = parse(text.find("text")->as_string());
  REQUIRE(again.ok());
  CHECK(*again.value == *sc);
}

TEST_CASE("revision-specific tool rendering follows the header") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})",
                            "MCP-Protocol-Version: 2025-03-26\r\n");
  REQUIRE(r.status == 200);
  Value list = body_json(r);
  const Value& tool = list.find("result")->find("tools")->as_array()[0];
  CHECK(tool.find("outputSchema") == nullptr);
  CHECK(tool.find("title") == nullptr);
  CHECK(tool.find("annotations") != nullptr);
}

TEST_CASE("an invalid tool argument is a tool error in 2025-11-25 and -32602 before it") {
  Daemon d({});
  REQUIRE(d.started());
  const std::string call = R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":0}}})";
  HttpResponse r = mcp_post(d.mcp_port(), call, "MCP-Protocol-Version: 2025-11-25\r\n");
  REQUIRE(r.status == 200);
  Value v = body_json(r);
  REQUIRE(v.find("result") != nullptr);
  CHECK(v.find("result")->find("isError")->as_bool());
  CHECK(sigma::json::write(*v.find("result")).find("count") != std::string::npos);

  r = mcp_post(d.mcp_port(), call, "MCP-Protocol-Version: 2025-06-18\r\n");
  REQUIRE(r.status == 200);
  v = body_json(r);
  REQUIRE(v.find("error") != nullptr);
  CHECK(v.find("error")->find("code")->number_text() == "-32602");
  CHECK(v.find("error")->find("message")->as_string().find("count") != std::string::npos);
}

TEST_CASE("JSON-RPC errors carry the right codes") {
  Daemon d({});
  REQUIRE(d.started());
  const std::string v = "MCP-Protocol-Version: 2025-11-25\r\n";
  SUBCASE("parse error") {
    HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":1,)", v);
    CHECK(r.status == 400);
    CHECK(body_json(r).find("error")->find("code")->number_text() == "-32700");
  }
  SUBCASE("unknown method") {
    HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":"m","method":"resources/list"})", v);
    CHECK(r.status == 200);
    CHECK(body_json(r).find("error")->find("code")->number_text() == "-32601");
  }
  SUBCASE("invalid request") {
    HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"1.0","id":1,"method":"ping"})", v);
    CHECK(body_json(r).find("error")->find("code")->number_text() == "-32600");
  }
  SUBCASE("unknown tool") {
    HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})", v);
    CHECK(body_json(r).find("error")->find("code")->number_text() == "-32602");
  }
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("large integer ids are echoed byte for byte") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":12345678901234567890,"method":"ping"})");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("\"id\":12345678901234567890") != std::string::npos);
}

TEST_CASE("MCP-Protocol-Version rules: unsupported is 400, absent means 2025-03-26 with batches") {
  Daemon d({});
  REQUIRE(d.started());
  HttpResponse r = mcp_post(d.mcp_port(), R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                            "MCP-Protocol-Version: 1999-01-01\r\n");
  CHECK(r.status == 400);
  r = mcp_post(d.mcp_port(), R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}])");
  REQUIRE(r.status == 200);
  Value batch = body_json(r);
  REQUIRE(batch.is_array());
  CHECK(batch.size() == 2);
  r = mcp_post(d.mcp_port(), R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", "MCP-Protocol-Version: 2025-06-18\r\n");
  CHECK(r.status == 400);
}

TEST_CASE("GET and DELETE on /mcp are 405 with Allow, unknown paths 404") {
  Daemon d({});
  REQUIRE(d.started());
  for (const char* method : {"GET", "DELETE", "PUT"}) {
    CAPTURE(method);
    HttpResponse r = http_request(d.mcp_port(), std::string(method) + " /mcp HTTP/1.1\r\nHost: localhost\r\n"
                                                 "Accept: text/event-stream\r\nConnection: close\r\n\r\n");
    CHECK(r.status == 405);
    CHECK(r.header("Allow").value_or("") == "POST");
  }
  HttpResponse r = http_request(d.mcp_port(), "POST /other HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 404);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("a wrong Content-Type is 415 and an Accept without JSON is 406") {
  Daemon d({});
  REQUIRE(d.started());
  std::string body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  HttpResponse r = http_request(d.mcp_port(), "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                                              "Connection: close\r\nContent-Length: " +
                                                  std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(r.status == 415);
  r = http_request(d.mcp_port(), "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                 "Accept: text/html\r\nConnection: close\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(r.status == 406);
  CHECK(daemon_answers(d.mcp_port()));
}

TEST_CASE("keep-alive connections carry pipelined requests in order") {
  Daemon d({});
  REQUIRE(d.started());
  Connection c(d.mcp_port());
  std::string bytes;
  for (int i = 1; i <= 5; ++i) {
    bytes += mcp_request_bytes(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"ping"})", "", false);
  }
  REQUIRE(c.send_all(bytes));
  for (int i = 1; i <= 5; ++i) {
    HttpResponse r = c.read_response();
    REQUIRE(r.status == 200);
    CHECK(r.body.find("\"id\":" + std::to_string(i) + ",") != std::string::npos);
  }
}

TEST_CASE("HTTP/1.0 and chunked request bodies are served") {
  Daemon d({});
  REQUIRE(d.started());
  std::string body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  HttpResponse r = http_request(d.mcp_port(), "POST /mcp HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
                                                  std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(r.status == 200);
  char size_hex[16];
  snprintf(size_hex, sizeof size_hex, "%zx", body.size() - 5);
  r = http_request(d.mcp_port(), std::string("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                             "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n") +
                                     size_hex + "\r\n" + body.substr(0, body.size() - 5) + "\r\n5\r\n" +
                                     body.substr(body.size() - 5) + "\r\n0\r\n\r\n");
  CHECK(r.status == 200);
  CHECK(r.body.find("\"result\"") != std::string::npos);
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent") {
  Daemon d({});
  REQUIRE(d.started());
  std::string body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  Connection c(d.mcp_port());
  REQUIRE(c.send_all("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  HttpResponse interim = c.read_response(2000);
  CHECK(interim.status == 100);
  REQUIRE(c.send_all(body));
  HttpResponse r = c.read_response();
  CHECK(r.status == 200);
}
