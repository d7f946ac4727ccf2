// Tests for JSON-RPC envelope classification and reply construction.
#include <doctest/doctest.h>

#include <string>

#include "json/json.h"
#include "mcp/jsonrpc.h"

namespace sigma::mcp {
namespace {

json::Value parse_or_die(const std::string& text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return *parsed.value;
}

TEST_CASE("ids are strings or integer lexemes only") {
  struct Row {
    const char* id;
    bool valid;
  };
  const Row rows[] = {
      {"\"abc\"", true}, {"\"\"", true},    {"0", true},        {"-7", true},     {"12345678901234567890", true},
      {"1.5", false},    {"1.0", false},    {"1e2", false},     {"-1E+2", false}, {"null", false},
      {"true", false},   {"false", false},  {"{}", false},      {"[]", false},    {"[1]", false},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.id));
    CHECK(is_valid_id(parse_or_die(row.id)) == row.valid);
  }
}

TEST_CASE("messages are classified as request, notification, response or invalid") {
  struct Row {
    const char* message;
    MessageKind kind;
    bool has_id;
  };
  const Row rows[] = {
      {R"({"jsonrpc":"2.0","id":1,"method":"ping"})", MessageKind::kRequest, true},
      {R"({"jsonrpc":"2.0","id":"a","method":"ping","params":{}})", MessageKind::kRequest, true},
      {R"({"jsonrpc":"2.0","method":"notifications/initialized"})", MessageKind::kNotification, false},
      // A notification is never answered, even when malformed.
      {R"({"jsonrpc":"1.0","method":"x"})", MessageKind::kNotification, false},
      {R"({"method":"x","params":7})", MessageKind::kNotification, false},
      {R"({"jsonrpc":"2.0","id":1,"result":{}})", MessageKind::kResponse, true},
      {R"({"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m"}})", MessageKind::kResponse, false},
      {R"({"jsonrpc":"2.0","id":1,"method":5})", MessageKind::kInvalid, true},
      {R"({"jsonrpc":"2.0","id":1})", MessageKind::kInvalid, true},
      {R"({})", MessageKind::kInvalid, false},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", MessageKind::kInvalid, false},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", MessageKind::kInvalid, false},
      {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", MessageKind::kInvalid, false},
      {R"({"jsonrpc":"2.0","id":{},"method":"ping"})", MessageKind::kInvalid, false},
      {R"({"id":1,"method":"ping"})", MessageKind::kInvalid, true},
      {R"({"jsonrpc":"2.0 ","id":1,"method":"ping"})", MessageKind::kInvalid, true},
      {R"({"jsonrpc":2.0,"id":1,"method":"ping"})", MessageKind::kInvalid, true},
      {R"(1)", MessageKind::kInvalid, false},
      {R"("ping")", MessageKind::kInvalid, false},
      {R"(null)", MessageKind::kInvalid, false},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.message));
    json::Value message = parse_or_die(row.message);
    Envelope envelope = classify(message);
    CHECK(envelope.kind == row.kind);
    CHECK((envelope.id != nullptr) == row.has_id);
    CHECK(envelope.problem.empty() == (row.kind != MessageKind::kInvalid));
  }
}

TEST_CASE("classification exposes method and params of a request") {
  json::Value message = parse_or_die(R"({"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"t"}})");
  Envelope envelope = classify(message);
  REQUIRE(envelope.kind == MessageKind::kRequest);
  CHECK(envelope.method == "tools/call");
  REQUIRE(envelope.params != nullptr);
  CHECK(json::write(*envelope.params) == R"({"name":"t"})");
  CHECK(json::write(*envelope.id) == R"("x")");
}

TEST_CASE("invalid requests say what is wrong") {
  CHECK(classify(parse_or_die(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")).problem ==
        "Invalid Request: jsonrpc must be \"2.0\"");
  CHECK(classify(parse_or_die(R"({"jsonrpc":"2.0","id":null,"method":"ping"})")).problem ==
        "Invalid Request: id must be a string or an integer");
  CHECK(classify(parse_or_die(R"({"jsonrpc":"2.0","id":1})")).problem == "Invalid Request: method is missing");
  CHECK(classify(parse_or_die(R"({"jsonrpc":"2.0","id":1,"method":[]})")).problem ==
        "Invalid Request: method must be a string");
  CHECK(classify(parse_or_die("[]")).problem == "Invalid Request: a message must be a JSON object");
}

TEST_CASE("replies echo the id lexeme and follow the unreadable-id policy") {
  json::Value big = parse_or_die("12345678901234567890");
  CHECK(json::write(make_result(big, json::Value::object())) ==
        R"({"jsonrpc":"2.0","id":12345678901234567890,"result":{}})");
  CHECK(json::write(make_error(&big, UnreadableId::kOmit, kMethodNotFound, "Method not found")) ==
        R"({"jsonrpc":"2.0","id":12345678901234567890,"error":{"code":-32601,"message":"Method not found"}})");
  CHECK(json::write(make_error(nullptr, UnreadableId::kNull, kParseError, "Parse error")) ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  CHECK(json::write(make_error(nullptr, UnreadableId::kOmit, kParseError, "Parse error")) ==
        R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}})");
  json::Value data = json::Value::object();
  data.set("k", 1);
  CHECK(json::write(make_error(nullptr, UnreadableId::kNull, kInvalidParams, "m", data)) ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32602,"message":"m","data":{"k":1}}})");
  CHECK(unreadable_id_for(Revision::k2024_11_05) == UnreadableId::kNull);
  CHECK(unreadable_id_for(Revision::k2025_03_26) == UnreadableId::kNull);
  CHECK(unreadable_id_for(Revision::k2025_06_18) == UnreadableId::kNull);
  CHECK(unreadable_id_for(Revision::k2025_11_25) == UnreadableId::kOmit);
}

}  // namespace
}  // namespace sigma::mcp

TEST_CASE("count_batch_elements counts top-level elements without parsing, up to its stop") {
  using sigma::mcp::count_batch_elements;
  CHECK(count_batch_elements("{}", 100) == 0);
  CHECK(count_batch_elements("  7", 100) == 0);
  CHECK(count_batch_elements("[]", 100) == 0);
  CHECK(count_batch_elements(" [ ] ", 100) == 0);
  CHECK(count_batch_elements("[{}]", 100) == 1);
  CHECK(count_batch_elements("[{},{},{}]", 100) == 3);
  CHECK(count_batch_elements("[1, 2 ,3]", 100) == 3);
  // Commas inside elements, strings and escapes do not count.
  CHECK(count_batch_elements(R"([{"a":[1,2,3],"b":"x,y,\",z"},[4,5],"s,t"])", 100) == 3);
  CHECK(count_batch_elements(R"(["\\",1])", 100) == 2);
  // It stops once it has seen `stop_after`.
  std::string big = "[";
  for (int i = 0; i < 100000; ++i) {
    big += i ? ",{}" : "{}";
  }
  big += "]";
  CHECK(count_batch_elements(big, 101) == 101);
  CHECK(count_batch_elements(big, 1000000) == 100000);
}
