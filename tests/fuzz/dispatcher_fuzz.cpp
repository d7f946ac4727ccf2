// libFuzzer harness for the MCP dispatcher.
//
// Input: the first byte picks the transport and the MCP-Protocol-Version
// header (absent, each served revision, unsupported ones, garbage bytes; 0xF0
// and above: stdio, no header); the rest is the body.
// Checks: `done` runs exactly once; a 202 has an empty body; any other reply
// is one JSON-RPC response object or a non-empty array of them; no tool call
// stays in flight.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/executor.h"
#include "json/json.h"
#include "mcp/dispatcher.h"

namespace {

using sigma::json::Value;
using namespace sigma::mcp;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

Value parse_or_die(std::string_view text) {
  sigma::json::ParseResult parsed = sigma::json::parse(text);
  require(parsed.ok());
  return *parsed.value;
}

// Accepts arguments of many shapes so the validator's keywords all get exercised.
class EchoTool final : public Tool {
 public:
  EchoTool()
      : input_schema_(parse_or_die(
            R"({"type":"object","properties":{)"
            R"("count":{"type":"integer","minimum":1,"maximum":1000},)"
            R"("ratio":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},)"
            R"("mode":{"type":"string","enum":["ok","fail","throw"]},)"
            R"("name":{"type":["string","null"],"minLength":1,"maxLength":8},)"
            R"("ports":{"type":"array","minItems":1,"maxItems":4,"items":{"type":"integer","minimum":1,"maximum":65535}},)"
            R"("filter":{"type":"object","properties":{"on":{"type":"boolean"}},"required":["on"],"additionalProperties":{"type":"string"}}},)"
            R"("required":["count"],"additionalProperties":false})")),
        output_schema_(parse_or_die(R"({"type":"object"})")) {}

  std::string_view name() const override { return "echo"; }
  std::string_view title() const override { return "Echo"; }
  std::string_view description() const override { return "Returns its arguments."; }
  const Value& input_schema() const override { return input_schema_; }
  const Value& output_schema() const override { return output_schema_; }
  ToolAnnotations annotations() const override { return ToolAnnotations{true, false, true, false}; }
  ToolResult call(const Value& arguments, const CallContext&) override {
    const Value* mode = arguments.find("mode");
    if (mode != nullptr && mode->as_string() == "fail") {
      return ToolResult::failure("echo failed on request");
    }
    if (mode != nullptr && mode->as_string() == "throw") {
      throw 42;
    }
    Value out = Value::object();
    out.set("arguments", arguments);
    return ToolResult::success(std::move(out));
  }

 private:
  Value input_schema_;
  Value output_schema_;
};

void check_response_object(const Value& v) {
  require(v.is_object());
  const Value* jsonrpc = v.find("jsonrpc");
  require(jsonrpc != nullptr && jsonrpc->is_string() && jsonrpc->as_string() == "2.0");
  const Value* result = v.find("result");
  const Value* error = v.find("error");
  require((result != nullptr) != (error != nullptr));
  const Value* id = v.find("id");
  if (result != nullptr) {
    require(result->is_object());
    require(id != nullptr && (id->is_string() || id->is_integer()));
  } else {
    require(error->is_object());
    const Value* code = error->find("code");
    const Value* message = error->find("message");
    require(code != nullptr && code->is_integer());
    require(message != nullptr && message->is_string());
    require(id == nullptr || id->is_string() || id->is_integer() || id->is_null());
  }
  for (const auto& member : v.as_object()) {
    require(member.first == "jsonrpc" || member.first == "id" || member.first == "result" || member.first == "error");
  }
}

struct Harness {
  Harness() : dispatcher(make_registry(), executor, make_info(), [this](std::string_view, std::string_view) { ++observed; }) {}
  static const ToolRegistry& make_registry() {
    static ToolRegistry registry;
    registry.add(std::make_unique<EchoTool>());
    return registry;
  }
  static ServerInfo make_info() {
    ServerInfo info;
    info.version = "0.0.0";
    info.title = "fuzz";
    info.description = "fuzz";
    info.instructions = "fuzz";
    return info;
  }
  sigma::InlineExecutor executor;
  size_t observed = 0;
  Dispatcher dispatcher;
};

std::optional<std::string> header_for(uint8_t selector) {
  switch (selector % 9) {
    case 0:
      return std::nullopt;
    case 1:
      return std::string("2024-11-05");
    case 2:
      return std::string("2025-03-26");
    case 3:
      return std::string("2025-06-18");
    case 4:
      return std::string("2025-11-25");
    case 5:
      return std::string("2026-07-28");
    case 6:
      return std::string("garbage");
    case 7:
      return std::string();
    default:
      return std::string("\xC3\x28\x01\x7F\xFF 2025-06-18");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* harness = new Harness();
  if (size == 0) {
    return 0;
  }
  RequestContext context;
  if (data[0] >= 0xF0) {
    // stdio: no header; the revision an earlier stdio initialize negotiated applies.
    context.transport = Transport::kStdio;
  } else {
    context.protocol_version_header = header_for(data[0]);
    // Some inputs carry the 2026-07-28 Standard Request Headers, so the
    // header-matches-body paths are reached, not only the mismatches.
    if ((data[0] / 9) % 2 == 1) {
      context.method_header = (data[0] / 18) % 2 == 1 ? "tools/list" : "tools/call";
      context.name_header = "echo";
    }
  }
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  int calls = 0;
  Reply reply{Disposition::kNotFound, ""};
  size_t observed_before = harness->observed;
  harness->dispatcher.handle(body, context, [&](Reply r) {
    ++calls;
    reply = std::move(r);
  });
  require(calls == 1);
  require(harness->observed > observed_before);
  require(harness->dispatcher.in_flight_calls() == 0);
  if (reply.disposition == Disposition::kAccepted) {
    require(reply.body.empty());
    return 0;
  }
  require(reply.body.find('\n') == std::string::npos);
  Value parsed = parse_or_die(reply.body);
  if (parsed.is_array()) {
    require(reply.disposition == Disposition::kResponse);
    require(parsed.size() > 0);
    for (const Value& element : parsed.as_array()) {
      check_response_object(element);
    }
  } else {
    check_response_object(parsed);
  }
  return 0;
}
