// app::run_call: the exit status and output of `sigma-agent call`.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "app/call.h"
#include "json/json.h"

using namespace sigma;
using sigma::app::run_call;

namespace {

json::Value parse_or_die(const char* text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return *parsed.value;
}

class EchoTool final : public mcp::Tool {
 public:
  std::string_view name() const override { return "echo"; }
  std::string_view title() const override { return "Echo"; }
  std::string_view description() const override { return "Returns its count."; }
  const json::Value& input_schema() const override { return input_; }
  const json::Value& output_schema() const override { return output_; }
  mcp::ToolAnnotations annotations() const override { return {true, false, true, false}; }
  mcp::ToolResult call(const json::Value& arguments, const mcp::CallContext& context) override {
    ++calls;
    had_deadline = context.deadline_ms > 0;
    const json::Value* count = arguments.find("count");
    if (count != nullptr && json::write(*count) == "13") {
      return mcp::ToolResult::failure("thirteen is unlucky; set AGENT_LUCK=true");
    }
    json::Value out = json::Value::object();
    out.set("count", count != nullptr ? *count : json::Value::number_from_text("0"));
    return mcp::ToolResult::success(std::move(out));
  }
  int calls = 0;
  bool had_deadline = false;

 private:
  json::Value input_ = parse_or_die(
      R"({"type":"object","properties":{"count":{"type":"integer","minimum":1,"maximum":100}},)"
      R"("additionalProperties":false})");
  json::Value output_ = parse_or_die(R"({"type":"object"})");
};

struct Captured {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_all(std::FILE* f) {
  std::string text;
  std::rewind(f);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    text.append(buffer, n);
  }
  std::fclose(f);
  return text;
}

Captured call(const mcp::ToolRegistry& tools, const char* name, std::optional<std::string> arguments,
              int64_t timeout_ms = 0) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  REQUIRE(out != nullptr);
  REQUIRE(err != nullptr);
  Captured c;
  c.status = run_call(tools, name, arguments, timeout_ms, out, err);
  c.out = read_all(out);
  c.err = read_all(err);
  return c;
}

}  // namespace

TEST_CASE("call prints the structured result as one JSON line and exits 0") {
  mcp::ToolRegistry tools;
  auto owned = std::make_unique<EchoTool>();
  EchoTool* echo = owned.get();
  tools.add(std::move(owned));

  Captured c = call(tools, "echo", std::string(R"({"count": 7})"), 5000);
  CHECK(c.status == app::kCallOk);
  CHECK(c.out == "{\"count\":7}\n");
  CHECK(c.err.empty());
  CHECK(echo->had_deadline);

  // No arguments means {}.
  c = call(tools, "echo", std::nullopt);
  CHECK(c.status == app::kCallOk);
  CHECK(c.out == "{\"count\":0}\n");
  CHECK_FALSE(echo->had_deadline);
}

TEST_CASE("a tool error is printed as {\"error\":...} with status 1") {
  mcp::ToolRegistry tools;
  tools.add(std::make_unique<EchoTool>());
  Captured c = call(tools, "echo", std::string(R"({"count": 13})"));
  CHECK(c.status == app::kCallToolError);
  CHECK(c.out == "{\"error\":\"thirteen is unlucky; set AGENT_LUCK=true\"}\n");
}

TEST_CASE("an unknown tool, bad JSON or arguments outside the schema exit 2 and never run the tool") {
  mcp::ToolRegistry tools;
  auto owned = std::make_unique<EchoTool>();
  EchoTool* echo = owned.get();
  tools.add(std::move(owned));

  Captured c = call(tools, "ehco", std::nullopt);
  CHECK(c.status == app::kCallUsage);
  CHECK(c.out.empty());
  CHECK(c.err.find("unknown tool \"ehco\"") != std::string::npos);
  CHECK(c.err.find("echo") != std::string::npos);  // the tools are listed

  c = call(tools, "echo", std::string("{\"count\": "));
  CHECK(c.status == app::kCallUsage);
  CHECK(c.err.find("not valid JSON") != std::string::npos);

  c = call(tools, "echo", std::string("[1]"));
  CHECK(c.status == app::kCallUsage);
  CHECK(c.err.find("JSON object") != std::string::npos);

  c = call(tools, "echo", std::string(R"({"count": 0})"));
  CHECK(c.status == app::kCallUsage);
  CHECK(c.err.find("count") != std::string::npos);  // the argument is named

  c = call(tools, "echo", std::string(R"({"cuont": 1})"));
  CHECK(c.status == app::kCallUsage);
  CHECK(c.err.find("cuont") != std::string::npos);

  CHECK(echo->calls == 0);
}
