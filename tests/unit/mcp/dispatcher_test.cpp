// Tests for the MCP dispatcher: envelope rules, revisions, batches, methods,
// per-revision rendering, argument validation, cancellation and the observer.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "json/json.h"
#include "mcp/dispatcher.h"
#include "../guard_page.h"

namespace sigma::mcp {
namespace {

using json::Value;

Value parse_or_die(const std::string& text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return *parsed.value;
}

// --- Fakes -------------------------------------------------------------------

// A tool shaped like allocate_ports whose behaviour the test chooses.
class FakeTool final : public Tool {
 public:
  enum class Mode { kSucceed, kFail, kThrow };

  FakeTool()
      : input_schema_(parse_or_die(
            R"({"type":"object","properties":{"count":{"type":"integer","minimum":1,"maximum":1000},)"
            R"("protocol":{"type":"string","enum":["tcp","udp"]}},"required":["count"],"additionalProperties":false})")),
        output_schema_(parse_or_die(R"({"type":"object","properties":{"ports":{"type":"array"}}})")) {}

  std::string_view name() const override { return "allocate_ports"; }
  std::string_view title() const override { return "Allocate ports"; }
  std::string_view description() const override { return "Finds free ports."; }
  const Value& input_schema() const override { return input_schema_; }
  const Value& output_schema() const override { return output_schema_; }
  ToolAnnotations annotations() const override {
    ToolAnnotations hints;
    hints.read_only = false;
    hints.destructive = false;
    hints.idempotent = false;
    hints.open_world = false;
    return hints;
  }
  ToolResult call(const Value& arguments, const CallContext& context) override {
    ++calls;
    last_arguments = arguments;
    saw_cancelled = context.cancelled->load();
    last_deadline_ms = context.deadline_ms;
    last_stop = context.should_stop();
    for (double step : progress_steps) {
      context.report_progress(step, 3, "step");
    }
    if (gone_during_call) {
      gone_during_call->store(true);
    }
    kept_sink = context.progress_sink;
    if (mode == Mode::kThrow) {
      throw std::runtime_error("boom");
    }
    if (mode == Mode::kFail) {
      return ToolResult::failure("port scanning is off; set AGENT_PORT_SCAN=1");
    }
    return ToolResult::success(parse_or_die(R"({"ports":[40000,40001]})"));
  }

  Mode mode = Mode::kSucceed;
  std::vector<double> progress_steps;  // reported in this order by call()
  std::shared_ptr<std::atomic<bool>> gone_during_call;  // set by call() when given
  std::function<void(double, double, std::string_view)> kept_sink;  // the last call's progress sink
  int calls = 0;
  Value last_arguments;
  bool saw_cancelled = false;
  int64_t last_deadline_ms = -1;
  Status last_stop;

 private:
  Value input_schema_;
  Value output_schema_;
};

// A tool without arguments.
class NoArgTool final : public Tool {
 public:
  NoArgTool()
      : input_schema_(parse_or_die(R"({"type":"object","additionalProperties":false})")),
        output_schema_(parse_or_die(R"({"type":"object"})")) {}
  std::string_view name() const override { return "query_metrics"; }
  std::string_view title() const override { return "Query metrics"; }
  std::string_view description() const override { return "Node metrics."; }
  const Value& input_schema() const override { return input_schema_; }
  const Value& output_schema() const override { return output_schema_; }
  ToolAnnotations annotations() const override { return ToolAnnotations{true, false, true, false}; }
  ToolResult call(const Value& arguments, const CallContext&) override {
    last_arguments = arguments;
    return ToolResult::success(parse_or_die(R"({"cpu_cores":4,"name":"a\"b"})"));
  }
  Value last_arguments;

 private:
  Value input_schema_;
  Value output_schema_;
};

// Holds work and done until the test runs them, like a worker pool would.
class DeferredExecutor final : public Executor {
 public:
  void run(std::function<void()> work, std::function<void()> done) override {
    pending_.emplace_back(std::move(work), std::move(done));
  }
  size_t pending() const { return pending_.size(); }
  void run_all() {
    std::vector<std::pair<std::function<void()>, std::function<void()>>> jobs;
    jobs.swap(pending_);
    for (auto& job : jobs) {
      job.first();
      job.second();
    }
  }

 private:
  std::vector<std::pair<std::function<void()>, std::function<void()>>> pending_;
};

struct Observed {
  std::string method;
  std::string outcome;
  bool operator==(const Observed& o) const { return method == o.method && outcome == o.outcome; }
};

// --- Shape checks from the MCP schema (JSONRPCResponse / JSONRPCError) -------

void check_response_object(const Value& v) {
  REQUIRE(v.is_object());
  for (const json::Member& member : v.as_object()) {
    CHECK_MESSAGE((member.first == "jsonrpc" || member.first == "id" || member.first == "result" ||
                   member.first == "error"),
                  "unexpected member " << member.first);
  }
  const Value* jsonrpc = v.find("jsonrpc");
  REQUIRE(jsonrpc != nullptr);
  CHECK(*jsonrpc == Value("2.0"));
  const Value* result = v.find("result");
  const Value* error = v.find("error");
  REQUIRE_MESSAGE(((result != nullptr) != (error != nullptr)), "exactly one of result and error");
  const Value* id = v.find("id");
  if (result != nullptr) {
    CHECK(result->is_object());
    REQUIRE(id != nullptr);
    CHECK((id->is_string() || id->is_integer()));
  } else {
    REQUIRE(error->is_object());
    const Value* code = error->find("code");
    const Value* message = error->find("message");
    REQUIRE(code != nullptr);
    CHECK(code->is_integer());
    REQUIRE(message != nullptr);
    CHECK(message->is_string());
    for (const json::Member& member : error->as_object()) {
      CHECK((member.first == "code" || member.first == "message" || member.first == "data"));
    }
    if (id != nullptr) {
      CHECK((id->is_string() || id->is_integer() || id->is_null()));
    }
  }
}

// The reply contract: kAccepted has an empty body; everything else is one
// JSON-RPC response object or an array of them.
void check_reply_shape(const Reply& reply) {
  if (reply.disposition == Disposition::kAccepted) {
    CHECK(reply.body.empty());
    return;
  }
  CHECK(reply.body.find('\n') == std::string::npos);
  Value body = parse_or_die(reply.body);
  if (body.is_array()) {
    CHECK(reply.disposition == Disposition::kResponse);
    CHECK(body.size() > 0);
    for (const Value& element : body.as_array()) {
      check_response_object(element);
    }
    return;
  }
  check_response_object(body);
}

// --- Fixture -----------------------------------------------------------------

struct Fixture {
  Fixture() : Fixture(nullptr) {}
  explicit Fixture(Executor* executor_override) {
    auto fake = std::make_unique<FakeTool>();
    tool = fake.get();
    registry.add(std::move(fake));
    auto no_arg = std::make_unique<NoArgTool>();
    metrics_tool = no_arg.get();
    registry.add(std::move(no_arg));
    ServerInfo info;
    info.version = "1.2.3";
    info.title = "Sigma agent";
    info.description = "Node operations";
    info.instructions = "Use query_metrics first.";
    executor = executor_override != nullptr ? executor_override : &inline_executor;
    dispatcher = std::make_unique<Dispatcher>(registry, *executor, info, [this](std::string_view m, std::string_view o) {
      observed.push_back(Observed{std::string(m), std::string(o)});
    });
  }

  // Sends one body; requires `done` to have run exactly once by the time
  // `settle` (if any) returns.
  Reply send(const std::string& body, std::optional<std::string> header = std::nullopt,
             const std::function<void()>& settle = {}) {
    RequestContext context;
    context.protocol_version_header = std::move(header);
    context.deadline_ms = 777;
    int calls = 0;
    Reply reply{Disposition::kNotFound, "unset"};
    dispatcher->handle(body, context, [&](Reply r) {
      ++calls;
      reply = std::move(r);
    });
    if (settle) {
      settle();
    }
    REQUIRE(calls == 1);
    check_reply_shape(reply);
    return reply;
  }

  Value send_json(const std::string& body, std::optional<std::string> header = std::nullopt) {
    Reply reply = send(body, std::move(header));
    REQUIRE(!reply.body.empty());
    return parse_or_die(reply.body);
  }

  InlineExecutor inline_executor;
  Executor* executor = nullptr;
  ToolRegistry registry;
  FakeTool* tool = nullptr;
  NoArgTool* metrics_tool = nullptr;
  std::vector<Observed> observed;
  std::unique_ptr<Dispatcher> dispatcher;
};

const Value& result_of(const Value& response) {
  const Value* result = response.find("result");
  REQUIRE_MESSAGE(result != nullptr, json::write(response));
  return *result;
}

const Value& error_of(const Value& response) {
  const Value* error = response.find("error");
  REQUIRE_MESSAGE(error != nullptr, json::write(response));
  return *error;
}

int64_t code_of(const Value& response) { return *error_of(response).find("code")->as_int(); }
std::string message_of(const Value& response) { return error_of(response).find("message")->as_string(); }

std::set<std::string> keys_of(const Value& object) {
  std::set<std::string> keys;
  for (const json::Member& member : object.as_object()) {
    keys.insert(member.first);
  }
  return keys;
}

std::string initialize_body(const std::string& version_json, const std::string& id = "1") {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"initialize","params":{"protocolVersion":)" + version_json +
         R"(,"capabilities":{},"clientInfo":{"name":"test","version":"0"}}})";
}

std::string call_body(const std::string& arguments_member, const std::string& id = "5",
                      const std::string& name = "allocate_ports") {
  std::string params = R"({"name":")" + name + "\"";
  if (!arguments_member.empty()) {
    params += R"(,"arguments":)" + arguments_member;
  }
  params += "}";
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":)" + params + "}";
}

const char* const kRevisionNames[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};

// --- initialize --------------------------------------------------------------

TEST_CASE("initialize echoes every supported protocol version") {
  for (const char* version : kRevisionNames) {
    SUBCASE(version) {
      Fixture f;
      Reply reply = f.send(initialize_body(std::string("\"") + version + "\""));
      CHECK(reply.disposition == Disposition::kResponse);
      Value response = parse_or_die(reply.body);
      CHECK(*response.find("id") == Value(1));
      const Value& result = result_of(response);
      CHECK(*result.find("protocolVersion") == Value(version));
      CHECK(json::write(*result.find("capabilities")) == R"({"tools":{}})");
      CHECK(*result.find("instructions") == Value("Use query_metrics first."));
      CHECK(keys_of(result) == std::set<std::string>{"protocolVersion", "capabilities", "serverInfo", "instructions"});
    }
  }
}

TEST_CASE("initialize answers the newest revision for a version it does not serve") {
  const char* requested[] = {"\"2026-07-28\"", "\"2099-01-01\"", "\"\"", "\"garbage\""};
  for (const char* version : requested) {
    CAPTURE(std::string(version));
    Fixture f;
    Value response = f.send_json(initialize_body(version));
    CHECK(*result_of(response).find("protocolVersion") == Value("2025-11-25"));
  }
}

TEST_CASE("serverInfo carries the fields of the negotiated revision") {
  struct Row {
    const char* version;
    const char* server_info;
  };
  const Row rows[] = {
      {"2024-11-05", R"({"name":"sigma-agent","version":"1.2.3"})"},
      {"2025-03-26", R"({"name":"sigma-agent","version":"1.2.3"})"},
      {"2025-06-18", R"({"name":"sigma-agent","version":"1.2.3","title":"Sigma agent"})"},
      {"2025-11-25", R"({"name":"sigma-agent","version":"1.2.3","title":"Sigma agent","description":"Node operations"})"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.version));
    Fixture f;
    Value response = f.send_json(initialize_body(std::string("\"") + row.version + "\""));
    CHECK(json::write(*result_of(response).find("serverInfo")) == row.server_info);
  }
}

TEST_CASE("initialize without a string protocolVersion is invalid params") {
  const char* bodies[] = {
      R"({"jsonrpc":"2.0","id":1,"method":"initialize"})",
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})",
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":20250618}})",
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":null}})",
  };
  for (const char* body : bodies) {
    CAPTURE(std::string(body));
    Fixture f;
    Reply reply = f.send(body);
    CHECK(reply.disposition == Disposition::kResponse);
    Value response = parse_or_die(reply.body);
    CHECK(code_of(response) == -32602);
    CHECK(message_of(response) == "protocolVersion must be a string");
    CHECK(*response.find("id") == Value(1));
  }
}

TEST_CASE("initialize ignores the protocol version header") {
  Fixture f;
  Value response = f.send_json(initialize_body("\"2025-06-18\""), std::string("nonsense"));
  CHECK(*result_of(response).find("protocolVersion") == Value("2025-06-18"));
}

TEST_CASE("notifications/initialized is accepted with no body") {
  Fixture f;
  Reply reply = f.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  CHECK(reply.disposition == Disposition::kAccepted);
  CHECK(reply.body.empty());
  REQUIRE(f.observed.size() == 1);
  CHECK(f.observed[0] == Observed{"notifications/initialized", "notification"});
}

// --- ping and ids ------------------------------------------------------------

TEST_CASE("ping answers an empty result without a prior initialize") {
  Fixture f;
  Reply reply = f.send(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  CHECK(reply.disposition == Disposition::kResponse);
  CHECK(reply.body == R"({"jsonrpc":"2.0","id":1,"result":{}})");
}

TEST_CASE("request ids are echoed byte for byte") {
  const char* ids[] = {"\"abc\"", "12345678901234567890", "0", "-42", "\"\"", "\"\\u00e9\\n\"", "-9223372036854775809"};
  for (const char* id : ids) {
    CAPTURE(std::string(id));
    Fixture f;
    Reply reply = f.send(std::string(R"({"jsonrpc":"2.0","id":)") + id + R"(,"method":"ping"})");
    Value expected_id = parse_or_die(id);
    CHECK(reply.body == R"({"jsonrpc":"2.0","id":)" + json::write(expected_id) + R"(,"result":{}})");
  }
  Fixture f;
  CHECK(f.send(R"({"jsonrpc":"2.0","id":12345678901234567890,"method":"ping"})").body ==
        R"({"jsonrpc":"2.0","id":12345678901234567890,"result":{}})");
}

TEST_CASE("ids that are not a string or an integer are invalid requests") {
  const char* ids[] = {"null", "true", "false", "1.5", "1.0", "1e2", "{}", "[]", "[1]"};
  for (const char* id : ids) {
    CAPTURE(std::string(id));
    std::string body = std::string(R"({"jsonrpc":"2.0","id":)") + id + R"(,"method":"ping"})";
    SUBCASE("no header: id null") {
      Fixture f;
      Reply reply = f.send(body);
      CHECK(reply.disposition == Disposition::kBadRequest);
      Value response = parse_or_die(reply.body);
      CHECK(code_of(response) == -32600);
      REQUIRE(response.find("id") != nullptr);
      CHECK(response.find("id")->is_null());
    }
    SUBCASE("2025-11-25: id omitted") {
      Fixture f;
      Value response = f.send_json(body, std::string("2025-11-25"));
      CHECK(code_of(response) == -32600);
      CHECK(response.find("id") == nullptr);
    }
  }
}

// --- envelope ----------------------------------------------------------------

TEST_CASE("a wrong jsonrpc member is an invalid request that keeps the id") {
  const char* bodies[] = {
      R"({"id":3,"method":"ping"})",
      R"({"jsonrpc":"1.0","id":3,"method":"ping"})",
      R"({"jsonrpc":2,"id":3,"method":"ping"})",
  };
  for (const char* body : bodies) {
    CAPTURE(std::string(body));
    Fixture f;
    Reply reply = f.send(body);
    CHECK(reply.disposition == Disposition::kBadRequest);
    CHECK(reply.body ==
          R"({"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"Invalid Request: jsonrpc must be \"2.0\""}})");
  }
}

TEST_CASE("a missing or non-string method is an invalid request") {
  Fixture f;
  Value response = f.send_json(R"({"jsonrpc":"2.0","id":3,"method":7})");
  CHECK(code_of(response) == -32600);
  CHECK(*response.find("id") == Value(3));
  response = f.send_json(R"({"jsonrpc":"2.0","id":"q"})");
  CHECK(code_of(response) == -32600);
  CHECK(*response.find("id") == Value("q"));
  response = f.send_json(R"({})");
  CHECK(code_of(response) == -32600);
  CHECK(response.find("id")->is_null());
  response = f.send_json(R"(42)");
  CHECK(code_of(response) == -32600);
  response = f.send_json(R"("ping")");
  CHECK(code_of(response) == -32600);
}

TEST_CASE("params that are not an object are invalid params") {
  const char* params[] = {"[]", "[1,2]", "null", "7", "\"x\""};
  for (const char* p : params) {
    CAPTURE(std::string(p));
    Fixture f;
    Reply reply = f.send(std::string(R"({"jsonrpc":"2.0","id":9,"method":"ping","params":)") + p + "}");
    CHECK(reply.disposition == Disposition::kResponse);
    CHECK(reply.body == R"({"jsonrpc":"2.0","id":9,"error":{"code":-32602,"message":"params must be an object"}})");
  }
}

TEST_CASE("a response sent by the client is accepted and ignored") {
  Fixture f;
  Reply reply = f.send(R"({"jsonrpc":"2.0","id":1,"result":{}})");
  CHECK(reply.disposition == Disposition::kAccepted);
  reply = f.send(R"({"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}})");
  CHECK(reply.disposition == Disposition::kAccepted);
  CHECK(f.observed.size() == 2);
  CHECK(f.observed[0] == Observed{"unknown", "notification"});
}

TEST_CASE("notifications are never answered, even unknown or malformed ones") {
  const char* bodies[] = {
      R"({"jsonrpc":"2.0","method":"notifications/roots/list_changed"})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":null}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled"})",
      R"({"jsonrpc":"1.0","method":"notifications/initialized"})",
      R"({"method":"ping"})",
      R"({"jsonrpc":"2.0","method":"tools/call","params":[]})",
  };
  for (const char* body : bodies) {
    CAPTURE(std::string(body));
    Fixture f;
    Reply reply = f.send(body);
    CHECK(reply.disposition == Disposition::kAccepted);
    CHECK(reply.body.empty());
    CHECK(f.tool->calls == 0);
  }
}

TEST_CASE("a known notification method sent as a request is method not found") {
  Fixture f;
  Value response = f.send_json(R"({"jsonrpc":"2.0","id":2,"method":"notifications/initialized"})");
  CHECK(code_of(response) == -32601);
}

TEST_CASE("unknown methods in the handshake era are method not found with HTTP 200") {
  const char* methods[] = {"resources/list", "prompts/get", "server/discover", "logging/setLevel", "", "PING"};
  for (const char* method : methods) {
    CAPTURE(std::string(method));
    Fixture f;
    Reply reply = f.send(std::string(R"({"jsonrpc":"2.0","id":"m","method":")") + method + "\"}");
    CHECK(reply.disposition == Disposition::kResponse);
    CHECK(reply.body == R"({"jsonrpc":"2.0","id":"m","error":{"code":-32601,"message":"Method not found"}})");
    REQUIRE(f.observed.size() == 1);
    // server/discover is served, in the stateless era only; its label is bounded either way.
    CHECK(f.observed[0] == Observed{std::string(method) == "server/discover" ? "server/discover" : "unknown", "error"});
  }
}

// --- parse errors ------------------------------------------------------------

TEST_CASE("a body that is not JSON is a parse error with HTTP 400") {
  const char* bodies[] = {"", "{", "not json", "{\"jsonrpc\":\"2.0\",}", "\xFF", "{} {}", "[1,]"};
  for (const char* body : bodies) {
    CAPTURE(std::string(body));
    SUBCASE("no header: id null") {
      Fixture f;
      Reply reply = f.send(body);
      CHECK(reply.disposition == Disposition::kBadRequest);
      Value response = parse_or_die(reply.body);
      CHECK(code_of(response) == -32700);
      CHECK(message_of(response).rfind("Parse error", 0) == 0);
      REQUIRE(response.find("id") != nullptr);
      CHECK(response.find("id")->is_null());
      REQUIRE(f.observed.size() == 1);
      CHECK(f.observed[0] == Observed{"unknown", "error"});
    }
    SUBCASE("2025-06-18: id null") {
      Fixture f;
      Value response = f.send_json(body, std::string("2025-06-18"));
      CHECK(code_of(response) == -32700);
      CHECK(response.find("id")->is_null());
    }
    SUBCASE("2025-11-25: id omitted") {
      Fixture f;
      Value response = f.send_json(body, std::string("2025-11-25"));
      CHECK(code_of(response) == -32700);
      CHECK(response.find("id") == nullptr);
    }
    SUBCASE("2026-07-28: id omitted") {
      Fixture f;
      Value response = f.send_json(body, std::string("2026-07-28"));
      CHECK(code_of(response) == -32700);
      CHECK(response.find("id") == nullptr);
    }
    SUBCASE("unsupported header: id null") {
      Fixture f;
      Value response = f.send_json(body, std::string("2099-01-01"));
      CHECK(code_of(response) == -32700);
      CHECK(response.find("id")->is_null());
    }
  }
}

TEST_CASE("a duplicated object key is an invalid request naming the key, not a parse error") {
  const char* bodies[] = {
      R"({"jsonrpc":"2.0","id":1,"method":"ping","id":2})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_metrics","name":"allocate_ports"}})",
  };
  const char* keys[] = {"id", "name"};
  for (size_t i = 0; i < 2; ++i) {
    CAPTURE(std::string(bodies[i]));
    Fixture f;
    Reply reply = f.send(bodies[i]);
    CHECK(reply.disposition == Disposition::kBadRequest);
    Value response = parse_or_die(reply.body);
    CHECK(code_of(response) == -32600);
    CHECK(message_of(response).find(std::string("duplicate object key \"") + keys[i] + "\"") != std::string::npos);
    CHECK(response.find("id")->is_null());
    CHECK(f.tool->calls == 0);
  }
  SUBCASE("a key that is not printable ASCII is echoed safely") {
    Fixture f;
    Value response = f.send_json("{\"\xC3\xA9\":1,\"\xC3\xA9\":2}", std::string("2025-11-25"));
    CHECK(code_of(response) == -32600);
    CHECK(message_of(response).find("\"??\"") != std::string::npos);
    CHECK(response.find("id") == nullptr);
  }
  SUBCASE("broken JSON after a duplicate is still a parse error") {
    Fixture f;
    CHECK(code_of(f.send_json(R"({"id":1,"id":2,)")) == -32700);
  }
}

TEST_CASE("nesting deeper than 64 levels is a parse error") {
  Fixture f;
  std::string ok_params = std::string(62, '[') + std::string(62, ']');
  std::string deep_params = std::string(64, '[') + std::string(64, ']');
  // params (depth 2 inside the message object) holding 62 more arrays: 64 deep.
  Value response = f.send_json(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)" + ok_params + "}}");
  CHECK(response.find("result") != nullptr);
  response = f.send_json(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)" + deep_params + "}}");
  CHECK(code_of(response) == -32700);
}

TEST_CASE("a body ending exactly at a guard page is handled without reading past it") {
  test::GuardPage page;
  const std::string bodies[] = {
      R"({"jsonrpc":"2.0","id":12345,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":12345,"method":"ping"}  )",
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])",
      R"({"jsonrpc":"2.0","id":12)",
      "123",
  };
  for (const std::string& body : bodies) {
    CAPTURE(body);
    const std::string_view guarded = page.place(body);
    Fixture f;
    Reply reply = f.send(std::string(guarded));
    (void)reply;
    // Also through a view that ends at the boundary (send copies; handle directly):
    int calls = 0;
    f.dispatcher->handle(guarded, RequestContext{}, [&](Reply) { ++calls; });
    CHECK(calls == 1);
  }
}

// --- protocol version header -------------------------------------------------

TEST_CASE("an unsupported protocol version header is a 400 with -32022 and the supported list") {
  const char* values[] = {"2099-01-01", "garbage", "", "2025-06-18 ", "2025-03-26,2025-06-18"};
  for (const char* value : values) {
    CAPTURE(std::string(value));
    Fixture f;
    Reply reply = f.send(R"({"jsonrpc":"2.0","id":4,"method":"tools/list"})", std::string(value));
    CHECK(reply.disposition == Disposition::kBadRequest);
    Value response = parse_or_die(reply.body);
    CHECK(*response.find("id") == Value(4));
    CHECK(code_of(response) == -32022);
    const Value* data = error_of(response).find("data");
    REQUIRE(data != nullptr);
    CHECK(json::write(*data->find("supported")) ==
          R"(["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"])");
    CHECK(*data->find("requested") == Value(value));
  }
}

TEST_CASE("an unsupported header on a notification or batch is still a 400") {
  Fixture f;
  Reply reply = f.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", std::string("2099-01-01"));
  CHECK(reply.disposition == Disposition::kBadRequest);
  Value response = parse_or_die(reply.body);
  CHECK(code_of(response) == -32022);
  CHECK(response.find("id")->is_null());
  reply = f.send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", std::string("x"));
  CHECK(reply.disposition == Disposition::kBadRequest);
  CHECK(code_of(parse_or_die(reply.body)) == -32022);
}

TEST_CASE("header bytes that are not printable ASCII are not echoed raw") {
  Fixture f;
  Value response = f.send_json(R"({"jsonrpc":"2.0","id":4,"method":"ping"})", std::string("2025\xC3\x28\x01"));
  CHECK(*error_of(response).find("data")->find("requested") == Value("2025?(?"));
}

// --- tools/list --------------------------------------------------------------

TEST_CASE("tools/list renders tools with the fields of the request's revision") {
  struct Row {
    std::optional<std::string> header;
    std::set<std::string> keys;
  };
  const Row rows[] = {
      {std::string("2024-11-05"), {"name", "description", "inputSchema"}},
      {std::nullopt, {"name", "description", "inputSchema", "annotations"}},
      {std::string("2025-03-26"), {"name", "description", "inputSchema", "annotations"}},
      {std::string("2025-06-18"), {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}},
      {std::string("2025-11-25"), {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.header.value_or("(absent)"));
    Fixture f;
    Value response = f.send_json(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", row.header);
    const Value& result = result_of(response);
    CHECK(keys_of(result) == std::set<std::string>{"tools"});
    const Value& tools = *result.find("tools");
    REQUIRE(tools.size() == 2);
    const Value& first = tools.as_array()[0];
    CHECK(keys_of(first) == row.keys);
    CHECK(*first.find("name") == Value("allocate_ports"));
    CHECK(*tools.as_array()[1].find("name") == Value("query_metrics"));
    CHECK(*first.find("description") == Value("Finds free ports."));
    CHECK(*first.find("inputSchema") == f.tool->input_schema());
    if (row.keys.count("title") != 0) {
      CHECK(*first.find("title") == Value("Allocate ports"));
      CHECK(*first.find("outputSchema") == f.tool->output_schema());
    }
    if (row.keys.count("annotations") != 0) {
      CHECK(json::write(*first.find("annotations")) ==
            R"({"title":"Allocate ports","readOnlyHint":false,"destructiveHint":false,"idempotentHint":false,"openWorldHint":false})");
      CHECK(json::write(*tools.as_array()[1].find("annotations")) ==
            R"({"title":"Query metrics","readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false})");
    }
  }
}

TEST_CASE("tools/list refuses any cursor because none is ever issued") {
  const char* cursors[] = {"\"\"", "\"abc\"", "1", "{}"};
  for (const char* cursor : cursors) {
    CAPTURE(std::string(cursor));
    Fixture f;
    Reply reply = f.send(std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":)") + cursor + "}}");
    CHECK(reply.body == R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid cursor"}})");
  }
  Fixture f;
  Value response = f.send_json(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":null,"_meta":{}}})");
  CHECK(result_of(response).find("tools") != nullptr);
  CHECK(result_of(response).find("nextCursor") == nullptr);
}

TEST_CASE("tools/list with an empty registry lists nothing") {
  ToolRegistry empty;
  InlineExecutor executor;
  Dispatcher dispatcher(empty, executor, ServerInfo{});
  Reply reply{Disposition::kNotFound, ""};
  dispatcher.handle(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", RequestContext{}, [&](Reply r) { reply = r; });
  CHECK(reply.body == R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})");
}

// --- tools/call --------------------------------------------------------------

TEST_CASE("tools/call renders text content and, from 2025-06-18, structuredContent") {
  struct Row {
    std::optional<std::string> header;
    const char* result;
  };
  const Row rows[] = {
      {std::string("2024-11-05"), R"({"content":[{"type":"text","text":"{\"ports\":[40000,40001]}"}]})"},
      {std::nullopt, R"({"content":[{"type":"text","text":"{\"ports\":[40000,40001]}"}]})"},
      {std::string("2025-06-18"),
       R"({"content":[{"type":"text","text":"{\"ports\":[40000,40001]}"}],"structuredContent":{"ports":[40000,40001]}})"},
      {std::string("2025-11-25"),
       R"({"content":[{"type":"text","text":"{\"ports\":[40000,40001]}"}],"structuredContent":{"ports":[40000,40001]}})"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.header.value_or("(absent)"));
    Fixture f;
    Value response = f.send_json(call_body(R"({"count":2,"protocol":"udp"})"), row.header);
    CHECK(*response.find("id") == Value(5));
    CHECK(json::write(result_of(response)) == row.result);
    CHECK(f.tool->calls == 1);
    CHECK(json::write(f.tool->last_arguments) == R"({"count":2,"protocol":"udp"})");
    CHECK(f.tool->last_deadline_ms == 777);
    CHECK_FALSE(f.tool->saw_cancelled);
    REQUIRE(f.observed.size() == 1);
    CHECK(f.observed[0] == Observed{"tools/call", "ok"});
    CHECK(f.dispatcher->in_flight_calls() == 0);
  }
}

TEST_CASE("a tool failure is an isError result with the tool's sentence") {
  Fixture f;
  f.tool->mode = FakeTool::Mode::kFail;
  Value response = f.send_json(call_body(R"({"count":2})"), std::string("2025-11-25"));
  CHECK(json::write(result_of(response)) ==
        R"({"content":[{"type":"text","text":"port scanning is off; set AGENT_PORT_SCAN=1"}],"isError":true})");
  REQUIRE(f.observed.size() == 1);
  CHECK(f.observed[0] == Observed{"tools/call", "tool_error"});
}

TEST_CASE("a tool that throws becomes an internal-error tool result") {
  Fixture f;
  f.tool->mode = FakeTool::Mode::kThrow;
  Value response = f.send_json(call_body(R"({"count":2})"));
  CHECK(json::write(result_of(response)) ==
        R"({"content":[{"type":"text","text":"internal error in tool allocate_ports"}],"isError":true})");
  CHECK(f.dispatcher->in_flight_calls() == 0);
}

TEST_CASE("absent arguments are an empty object") {
  Fixture f;
  Value response = f.send_json(call_body("", "1", "query_metrics"), std::string("2025-06-18"));
  CHECK(json::write(f.metrics_tool->last_arguments) == "{}");
  CHECK(json::write(*result_of(response).find("structuredContent")) == R"({"cpu_cores":4,"name":"a\"b"})");
  CHECK(result_of(response).find("content")->as_array()[0].find("text")->as_string() ==
        R"({"cpu_cores":4,"name":"a\"b"})");
}

TEST_CASE("malformed tools/call params are invalid params in every revision") {
  struct Row {
    std::string body;
    std::string message;
  };
  const Row rows[] = {
      {call_body(R"({"count":1})", "5", "nope"), "Unknown tool: nope"},
      {call_body(R"({"count":1})", "5", "ALLOCATE_PORTS"), "Unknown tool: ALLOCATE_PORTS"},
      {R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":7}})", "name must be a string"},
      {R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{}})", "name must be a string"},
      {R"({"jsonrpc":"2.0","id":5,"method":"tools/call"})", "name must be a string"},
      {call_body("[1]"), "arguments must be an object"},
      {call_body("null"), "arguments must be an object"},
      {call_body("\"count=1\""), "arguments must be an object"},
  };
  for (const char* version : kRevisionNames) {
    for (const Row& row : rows) {
      CAPTURE(std::string(version));
      CAPTURE(row.body);
      Fixture f;
      Reply reply = f.send(row.body, std::string(version));
      CHECK(reply.disposition == Disposition::kResponse);
      Value response = parse_or_die(reply.body);
      CHECK(*response.find("id") == Value(5));
      CHECK(code_of(response) == -32602);
      CHECK(message_of(response) == row.message);
      CHECK(f.tool->calls == 0);
    }
  }
}

TEST_CASE("invalid arguments are -32602 before 2025-11-25 and an isError result from it") {
  struct Row {
    const char* arguments;
    const char* message;
  };
  const Row rows[] = {
      {R"({"count":0})", "count: must be an integer between 1 and 1000 (got 0)"},
      {R"({"count":2,"protocol":"sctp"})", "protocol: must be one of \"tcp\", \"udp\" (got \"sctp\")"},
      {R"({"count":2,"foo":1})", "unexpected argument \"foo\""},
      {R"({})", "missing required argument \"count\""},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.arguments));
    for (const char* version : {"2024-11-05", "2025-03-26", "2025-06-18"}) {
      CAPTURE(std::string(version));
      Fixture f;
      Reply reply = f.send(call_body(row.arguments), std::string(version));
      Value response = parse_or_die(reply.body);
      CHECK(code_of(response) == -32602);
      CHECK(message_of(response) == row.message);
      CHECK(f.tool->calls == 0);
      CHECK(f.observed[0] == Observed{"tools/call", "error"});
    }
    {
      Fixture f;
      Value response = f.send_json(call_body(row.arguments));  // no header: 2025-03-26
      CHECK(code_of(response) == -32602);
    }
    {
      Fixture f;
      Value response = f.send_json(call_body(row.arguments), std::string("2025-11-25"));
      const Value& result = result_of(response);
      CHECK(*result.find("isError") == Value(true));
      CHECK(result.find("content")->as_array()[0].find("text")->as_string() == row.message);
      CHECK(result.find("structuredContent") == nullptr);
      CHECK(f.tool->calls == 0);
      CHECK(f.observed[0] == Observed{"tools/call", "tool_error"});
    }
  }
}

// --- cancellation ------------------------------------------------------------

TEST_CASE("notifications/cancelled sets the cancel flag of the matching in-flight call") {
  DeferredExecutor executor;
  Fixture f(&executor);
  RequestContext context;
  int calls = 0;
  Reply reply{Disposition::kNotFound, ""};
  f.dispatcher->handle(call_body(R"({"count":3})", "7"), context, [&](Reply r) {
    ++calls;
    reply = r;
  });
  CHECK(calls == 0);
  CHECK(executor.pending() == 1);
  CHECK(f.dispatcher->in_flight_calls() == 1);

  // Other ids (including the string "7") do not touch it.
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"7"}})");
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":8}})");
  Reply cancel = f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}})");
  CHECK(cancel.disposition == Disposition::kAccepted);
  CHECK(cancel.body.empty());
  CHECK(calls == 0);

  executor.run_all();
  CHECK(calls == 1);
  CHECK(f.tool->saw_cancelled);
  CHECK(f.dispatcher->in_flight_calls() == 0);
  check_reply_shape(reply);
  CHECK(*parse_or_die(reply.body).find("id") == Value(7));

  // A cancel after completion reaches nothing and still gets no reply.
  CHECK(f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})").disposition ==
        Disposition::kAccepted);
}

TEST_CASE("the transport's gone flag reaches the call, and should_stop says why") {
  DeferredExecutor executor;
  Fixture f(&executor);
  RequestContext context;
  auto gone = std::make_shared<std::atomic<bool>>(false);
  context.transport_gone = gone;
  f.dispatcher->handle(call_body(R"({"count":3})", "1"), context, [](Reply) {});
  gone->store(true);  // the connection closed while the call waited for a worker
  executor.run_all();
  REQUIRE_FALSE(f.tool->last_stop);
  CHECK(f.tool->last_stop.message().find("closed the connection") != std::string::npos);

  // A notifications/cancelled is named as such, and a deadline as a deadline.
  f.dispatcher->handle(call_body(R"({"count":3})", "2"), RequestContext{}, [](Reply) {});
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}})");
  executor.run_all();
  CHECK(f.tool->last_stop.message().find("notifications/cancelled") != std::string::npos);

  RequestContext overdue;
  overdue.deadline_ms = 1;
  f.dispatcher->handle(call_body(R"({"count":3})", "3"), overdue, [](Reply) {});
  executor.run_all();
  CHECK(f.tool->last_stop.code() == Status::Code::kDeadlineExceeded);

  f.dispatcher->handle(call_body(R"({"count":3})", "4"), RequestContext{}, [](Reply) {});
  executor.run_all();
  CHECK(f.tool->last_stop.is_ok());
}

TEST_CASE("reflected input in errors is bounded: a huge tool name or argument name does not come back whole") {
  Fixture f;
  const std::string huge(900 * 1024, 'x');
  Reply unknown_tool = f.send(call_body(R"({"count":1})", "5", huge), "2025-06-18");
  CHECK(unknown_tool.body.size() < 1024);
  CHECK(unknown_tool.body.find("Unknown tool: xxxx") != std::string::npos);
  Reply unknown_arg = f.send(call_body("{\"" + huge + "\":1}", "6"), "2025-06-18");
  CHECK(unknown_arg.body.size() < 1024);
  CHECK(unknown_arg.body.find("unexpected argument") != std::string::npos);
}

TEST_CASE("a cancel reaches only the calls of its own sender") {
  DeferredExecutor executor;
  Fixture f(&executor);
  RequestContext alice;
  alice.sender = 11;
  RequestContext mallory;
  mallory.sender = 12;
  f.dispatcher->handle(call_body(R"({"count":3})", "1"), alice, [](Reply) {});
  const std::string cancel = R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})";
  // Another client guessing the small integer id changes nothing.
  f.dispatcher->handle(cancel, mallory, [](Reply) {});
  executor.run_all();
  CHECK_FALSE(f.tool->saw_cancelled);

  // The sender itself can cancel.
  f.dispatcher->handle(call_body(R"({"count":3})", "1"), alice, [](Reply) {});
  f.dispatcher->handle(cancel, alice, [](Reply) {});
  executor.run_all();
  CHECK(f.tool->saw_cancelled);
}

TEST_CASE("a cancel names the id type exactly") {
  DeferredExecutor executor;
  Fixture f(&executor);
  int calls = 0;
  f.dispatcher->handle(call_body(R"({"count":3})", "\"7\""), RequestContext{}, [&](Reply) { ++calls; });
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})");
  executor.run_all();
  CHECK(calls == 1);
  CHECK_FALSE(f.tool->saw_cancelled);

  f.dispatcher->handle(call_body(R"({"count":3})", "\"7\""), RequestContext{}, [&](Reply) { ++calls; });
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"7"}})");
  executor.run_all();
  CHECK(calls == 2);
  CHECK(f.tool->saw_cancelled);
}

TEST_CASE("two in-flight calls with the same id are both cancelled and both answered") {
  DeferredExecutor executor;
  Fixture f(&executor);
  int calls = 0;
  f.dispatcher->handle(call_body(R"({"count":3})", "1"), RequestContext{}, [&](Reply) { ++calls; });
  f.dispatcher->handle(call_body(R"({"count":4})", "1"), RequestContext{}, [&](Reply) { ++calls; });
  CHECK(f.dispatcher->in_flight_calls() == 2);
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})");
  executor.run_all();
  CHECK(calls == 2);
  CHECK(f.tool->saw_cancelled);
  CHECK(f.dispatcher->in_flight_calls() == 0);
}

// --- batches -----------------------------------------------------------------

TEST_CASE("a batch without a header is answered with an array of the responses") {
  Fixture f;
  Reply reply = f.send(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},)"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
      R"({"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":1}}},)"
      R"({"jsonrpc":"2.0","id":3,"method":"nope"}])");
  CHECK(reply.disposition == Disposition::kResponse);
  Value array = parse_or_die(reply.body);
  REQUIRE(array.size() == 3);
  CHECK(json::write(array.as_array()[0]) == R"({"jsonrpc":"2.0","id":1,"result":{}})");
  CHECK(*array.as_array()[1].find("id") == Value("b"));
  CHECK(result_of(array.as_array()[1]).find("structuredContent") == nullptr);  // 2025-03-26 rendering
  CHECK(code_of(array.as_array()[2]) == -32601);
  REQUIRE(f.observed.size() == 4);
  CHECK(f.observed[0] == Observed{"ping", "ok"});
  CHECK(f.observed[1] == Observed{"notifications/initialized", "notification"});
  CHECK(f.observed[2] == Observed{"tools/call", "ok"});
  CHECK(f.observed[3] == Observed{"unknown", "error"});
}

TEST_CASE("a batch of notifications only is accepted with no body") {
  Fixture f;
  Reply reply = f.send(
      R"([{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":1,"result":{}}])");
  CHECK(reply.disposition == Disposition::kAccepted);
  CHECK(reply.body.empty());
}

TEST_CASE("an empty batch is a single invalid request") {
  Fixture f;
  Reply reply = f.send("[]");
  CHECK(reply.disposition == Disposition::kBadRequest);
  CHECK(reply.body == R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: empty batch"}})");
}

TEST_CASE("initialize inside a batch is an invalid request for that element") {
  Fixture f;
  Reply reply = f.send("[" + initialize_body("\"2025-03-26\"", "\"i\"") + R"(,{"jsonrpc":"2.0","id":2,"method":"ping"}])");
  CHECK(reply.disposition == Disposition::kResponse);
  Value array = parse_or_die(reply.body);
  REQUIRE(array.size() == 2);
  CHECK(*array.as_array()[0].find("id") == Value("i"));
  CHECK(code_of(array.as_array()[0]) == -32600);
  CHECK(message_of(array.as_array()[0]) == "Invalid Request: initialize must not be part of a batch");
  CHECK(result_of(array.as_array()[1]).size() == 0);
}

TEST_CASE("invalid batch elements each get an invalid request error") {
  Fixture f;
  Reply reply = f.send(R"([1,{"foo":1},[],{"jsonrpc":"2.0","id":null,"method":"ping"}])");
  Value array = parse_or_die(reply.body);
  REQUIRE(array.size() == 4);
  for (const Value& element : array.as_array()) {
    CHECK(code_of(element) == -32600);
    CHECK(element.find("id")->is_null());
  }
}

TEST_CASE("a batch with a header naming 2025-06-18 or later is refused") {
  struct Row {
    const char* header;
    const char* body;
  };
  const Row rows[] = {
      {"2025-06-18",
       R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: batches are not supported in protocol revision 2025-06-18"}})"},
      {"2025-11-25",
       R"({"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request: batches are not supported in protocol revision 2025-11-25"}})"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.header));
    Fixture f;
    Reply reply = f.send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", std::string(row.header));
    CHECK(reply.disposition == Disposition::kBadRequest);
    CHECK(reply.body == row.body);
    CHECK(f.observed.size() == 1);
  }
}

TEST_CASE("a batch with a header naming 2024-11-05 or 2025-03-26 is processed") {
  for (const char* header : {"2024-11-05", "2025-03-26"}) {
    CAPTURE(std::string(header));
    Fixture f;
    Reply reply = f.send(R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"}])", std::string(header));
    CHECK(reply.disposition == Disposition::kResponse);
    Value array = parse_or_die(reply.body);
    REQUIRE(array.size() == 1);
    bool has_annotations = result_of(array.as_array()[0]).find("tools")->as_array()[0].find("annotations") != nullptr;
    CHECK(has_annotations == (std::string(header) == "2025-03-26"));
  }
}

TEST_CASE("a batch with deferred tool calls answers once, after the last one finishes") {
  DeferredExecutor executor;
  Fixture f(&executor);
  int calls = 0;
  Reply reply{Disposition::kNotFound, ""};
  f.dispatcher->handle("[" + call_body(R"({"count":1})", "1") + "," + call_body(R"({"count":2})", "2") +
                           R"(,{"jsonrpc":"2.0","id":3,"method":"ping"}])",
                       RequestContext{}, [&](Reply r) {
                         ++calls;
                         reply = r;
                       });
  CHECK(calls == 0);
  CHECK(executor.pending() == 2);
  executor.run_all();
  REQUIRE(calls == 1);
  check_reply_shape(reply);
  Value array = parse_or_die(reply.body);
  REQUIRE(array.size() == 3);
  CHECK(*array.as_array()[0].find("id") == Value(1));
  CHECK(*array.as_array()[1].find("id") == Value(2));
  CHECK(*array.as_array()[2].find("id") == Value(3));
}

// --- stdio -------------------------------------------------------------------

Reply send_with(Dispatcher& dispatcher, const std::string& body, Transport transport) {
  RequestContext context;
  context.transport = transport;
  int calls = 0;
  Reply reply{Disposition::kNotFound, ""};
  dispatcher.handle(body, context, [&](Reply r) {
    ++calls;
    reply = std::move(r);
  });
  REQUIRE(calls == 1);
  check_reply_shape(reply);
  return reply;
}

TEST_CASE("on stdio the revision negotiated by initialize serves later messages, and never HTTP ones") {
  Fixture f;
  const std::string list = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
  auto first_tool = [](const Reply& reply) { return result_of(parse_or_die(reply.body)).find("tools")->as_array()[0]; };

  // Before any initialize: the header-less default, 2025-03-26.
  CHECK(first_tool(send_with(*f.dispatcher, list, Transport::kStdio)).find("title") == nullptr);
  CHECK(first_tool(send_with(*f.dispatcher, list, Transport::kStdio)).find("annotations") != nullptr);

  send_with(*f.dispatcher, initialize_body("\"2025-11-25\""), Transport::kStdio);
  CHECK(first_tool(send_with(*f.dispatcher, list, Transport::kStdio)).find("title") != nullptr);
  // Invalid arguments follow 2025-11-25 on stdio now.
  Value response = parse_or_die(send_with(*f.dispatcher, call_body(R"({"count":0})"), Transport::kStdio).body);
  CHECK(*result_of(response).find("isError") == Value(true));
  // Batches were removed in 2025-06-18.
  Reply batch = send_with(*f.dispatcher, "[" + list + "]", Transport::kStdio);
  CHECK(batch.disposition == Disposition::kBadRequest);
  // Parse errors omit the unreadable id under 2025-11-25.
  CHECK(parse_or_die(send_with(*f.dispatcher, "{", Transport::kStdio).body).find("id") == nullptr);

  // HTTP without a header is unaffected.
  CHECK(first_tool(send_with(*f.dispatcher, list, Transport::kHttp)).find("title") == nullptr);
  // An HTTP initialize does not change what stdio uses.
  send_with(*f.dispatcher, initialize_body("\"2024-11-05\""), Transport::kHttp);
  CHECK(first_tool(send_with(*f.dispatcher, list, Transport::kStdio)).find("title") != nullptr);
  // A later stdio initialize renegotiates.
  send_with(*f.dispatcher, initialize_body("\"2024-11-05\""), Transport::kStdio);
  CHECK(first_tool(send_with(*f.dispatcher, list, Transport::kStdio)).find("annotations") == nullptr);
}

// --- observer ----------------------------------------------------------------

TEST_CASE("the observer sees one bounded label and one outcome per message") {
  Fixture f;
  f.send(initialize_body("\"2025-06-18\""));
  f.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  f.send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
  f.send(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})");
  f.send(call_body(R"({"count":1})"));
  f.send(R"({"jsonrpc":"2.0","id":4,"method":"x/y/z"})");
  f.send(R"({"jsonrpc":"2.0","method":"notifications/whatever"})");
  f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})");
  f.send(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})", std::string("2026-07-28"));
  f.send("{oops");
  const std::vector<Observed> expected = {
      {"initialize", "ok"},
      {"notifications/initialized", "notification"},
      {"ping", "ok"},
      {"tools/list", "ok"},
      {"tools/call", "ok"},
      {"unknown", "error"},
      {"unknown", "notification"},
      {"notifications/cancelled", "notification"},
      {"tools/list", "error"},
      {"unknown", "error"},
  };
  REQUIRE(f.observed.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(f.observed[i] == expected[i]);
  }
}

TEST_CASE("a dispatcher without an observer still answers") {
  ToolRegistry registry;
  InlineExecutor executor;
  Dispatcher dispatcher(registry, executor, ServerInfo{});
  Reply reply{Disposition::kNotFound, ""};
  dispatcher.handle(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", RequestContext{}, [&](Reply r) { reply = r; });
  CHECK(reply.disposition == Disposition::kResponse);
  CHECK(reply.body == R"({"jsonrpc":"2.0","id":1,"result":{}})");
}

// --- the stateless era (2026-07-28) -------------------------------------------

const std::string kModernMeta =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";

std::string modern_body(const std::string& method, const std::string& extra_params = "", const std::string& id = "1",
                        const std::string& meta = kModernMeta) {
  std::string params = "{" + meta + (extra_params.empty() ? "" : "," + extra_params) + "}";
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":")" + method + R"(","params":)" + params + "}";
}

// The headers a conforming 2026-07-28 HTTP client sends with `body`.
struct ModernHeaders {
  std::optional<std::string> version = std::string("2026-07-28");
  std::optional<std::string> method;
  std::optional<std::string> name;
};

Reply send_modern(Fixture& f, const std::string& body, const ModernHeaders& headers,
                  Transport transport = Transport::kHttp) {
  RequestContext context;
  context.transport = transport;
  if (transport == Transport::kHttp) {
    context.protocol_version_header = headers.version;
    context.method_header = headers.method;
    context.name_header = headers.name;
  }
  int calls = 0;
  Reply reply{Disposition::kAccepted, "unset"};
  f.dispatcher->handle(body, context, [&](Reply r) {
    ++calls;
    reply = std::move(r);
  });
  REQUIRE(calls == 1);
  check_reply_shape(reply);
  return reply;
}

ModernHeaders for_method(const std::string& method, std::optional<std::string> name = std::nullopt) {
  ModernHeaders headers;
  headers.method = method;
  headers.name = std::move(name);
  return headers;
}

// resultType "complete" and the serverInfo _meta (2026-07-28 basic/index.mdx).
void check_stateless_result(const Value& result) {
  REQUIRE(result.find("resultType") != nullptr);
  CHECK(*result.find("resultType") == Value("complete"));
  const Value* meta = result.find("_meta");
  REQUIRE(meta != nullptr);
  const Value* server = meta->find("io.modelcontextprotocol/serverInfo");
  REQUIRE(server != nullptr);
  CHECK(*server->find("name") == Value("sigma-agent"));
  CHECK(*server->find("version") == Value("1.2.3"));
  CHECK(*server->find("title") == Value("Sigma agent"));
  CHECK(*server->find("description") == Value("Node operations"));
}

TEST_CASE("server/discover answers versions, capabilities, caching hints and instructions") {
  for (Transport transport : {Transport::kHttp, Transport::kStdio}) {
    CAPTURE(static_cast<int>(transport));
    Fixture f;
    Reply reply = send_modern(f, modern_body("server/discover"), for_method("server/discover"), transport);
    CHECK(reply.disposition == Disposition::kResponse);
    Value result_response = parse_or_die(reply.body);
  const Value& result = result_of(result_response);
    CHECK(json::write(*result.find("supportedVersions")) == R"(["2026-07-28"])");
    CHECK(json::write(*result.find("capabilities")) == R"({"tools":{}})");
    CHECK(*result.find("ttlMs") == Value(3600000));
    CHECK(*result.find("cacheScope") == Value("public"));
    CHECK(*result.find("instructions") == Value("Use query_metrics first."));
    check_stateless_result(result);
    CHECK(keys_of(result) == std::set<std::string>{"supportedVersions", "capabilities", "ttlMs", "cacheScope",
                                                   "instructions", "resultType", "_meta"});
    REQUIRE(f.observed.size() == 1);
    CHECK(f.observed[0] == Observed{"server/discover", "ok"});
  }
}

TEST_CASE("stateless tools/list carries the 2026-07-28 tool shape and caching hints") {
  Fixture f;
  Reply reply = send_modern(f, modern_body("tools/list"), for_method("tools/list"));
  CHECK(reply.disposition == Disposition::kResponse);
  Value result_response = parse_or_die(reply.body);
  const Value& result = result_of(result_response);
  check_stateless_result(result);
  CHECK(*result.find("ttlMs") == Value(3600000));
  CHECK(*result.find("cacheScope") == Value("public"));
  CHECK(result.find("nextCursor") == nullptr);
  const Value& tool = result.find("tools")->as_array()[0];
  CHECK(keys_of(tool) ==
        std::set<std::string>{"name", "title", "description", "inputSchema", "outputSchema", "annotations"});
  // The same request twice gives the same bytes: nothing carried between requests.
  CHECK(send_modern(f, modern_body("tools/list"), for_method("tools/list")).body == reply.body);
}

TEST_CASE("handshake-era tools/list carries no stateless fields") {
  Fixture f;
  for (const char* version : kRevisionNames) {
    CAPTURE(std::string(version));
    Value result_response = f.send_json(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})", std::string(version));
  const Value& result = result_of(result_response);
    CHECK(result.find("resultType") == nullptr);
    CHECK(result.find("_meta") == nullptr);
    CHECK(result.find("ttlMs") == nullptr);
  }
}

TEST_CASE("stateless tools/call results carry resultType and serverInfo, and any structured value") {
  Fixture f;
  Reply reply = send_modern(f, modern_body("tools/call", R"("name":"allocate_ports","arguments":{"count":2})"),
                            for_method("tools/call", std::string("allocate_ports")));
  CHECK(reply.disposition == Disposition::kResponse);
  Value result_response = parse_or_die(reply.body);
  const Value& result = result_of(result_response);
  check_stateless_result(result);
  CHECK(json::write(*result.find("structuredContent")) == R"({"ports":[40000,40001]})");
  // The _meta the request carried does not reach the tool's arguments.
  CHECK(json::write(f.tool->last_arguments) == R"({"count":2})");

  SUBCASE("a tool failure") {
    f.tool->mode = FakeTool::Mode::kFail;
    Value failed_response = parse_or_die(
        send_modern(f, modern_body("tools/call", R"("name":"allocate_ports","arguments":{"count":2})"),
                    for_method("tools/call", std::string("allocate_ports")))
            .body);
    const Value& failed = result_of(failed_response);
    CHECK(*failed.find("isError") == Value(true));
    check_stateless_result(failed);
  }
  SUBCASE("invalid arguments are a tool error") {
    Value failed_response = parse_or_die(
        send_modern(f, modern_body("tools/call", R"("name":"allocate_ports","arguments":{"count":0})"),
                    for_method("tools/call", std::string("allocate_ports")))
            .body);
    const Value& failed = result_of(failed_response);
    CHECK(*failed.find("isError") == Value(true));
    check_stateless_result(failed);
  }
  SUBCASE("an unknown tool is -32602 with HTTP 200") {
    Reply unknown = send_modern(f, modern_body("tools/call", R"("name":"nope")"),
                                for_method("tools/call", std::string("nope")));
    CHECK(unknown.disposition == Disposition::kResponse);
    CHECK(code_of(parse_or_die(unknown.body)) == -32602);
  }
}

TEST_CASE("each stateless validation error has its code and its HTTP disposition") {
  const std::string other_meta =
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}})";
  const std::string legacy_meta =
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{}})";
  struct Row {
    const char* name;
    std::string body;
    ModernHeaders headers;
    int code;
    Disposition disposition;
  };
  ModernHeaders list_headers = for_method("tools/list");
  ModernHeaders no_version = list_headers;
  no_version.version = std::nullopt;
  ModernHeaders other_version = list_headers;
  other_version.version = std::string("2099-01-01");
  ModernHeaders legacy_version = list_headers;
  legacy_version.version = std::string("2025-11-25");
  const Row rows[] = {
      {"header names 2026-07-28, body has no params", R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})",
       list_headers, -32602, Disposition::kBadRequest},
      {"no clientCapabilities",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})",
       list_headers, -32602, Disposition::kBadRequest},
      {"no MCP-Protocol-Version header", modern_body("tools/list"), no_version, -32020, Disposition::kBadRequest},
      {"header and _meta differ", modern_body("tools/list"), other_version, -32020, Disposition::kBadRequest},
      {"handshake header with a stateless body", modern_body("tools/list"), legacy_version, -32020,
       Disposition::kBadRequest},
      {"no Mcp-Method", modern_body("tools/list"), ModernHeaders{}, -32020, Disposition::kBadRequest},
      {"Mcp-Method differs", modern_body("tools/list"), for_method("server/discover"), -32020,
       Disposition::kBadRequest},
      {"no Mcp-Name on tools/call", modern_body("tools/call", R"("name":"query_metrics")"), for_method("tools/call"),
       -32020, Disposition::kBadRequest},
      {"Mcp-Name differs", modern_body("tools/call", R"("name":"query_metrics")"),
       for_method("tools/call", std::string("allocate_ports")), -32020, Disposition::kBadRequest},
      {"version not served", modern_body("tools/list", "", "1", other_meta), other_version, -32022,
       Disposition::kBadRequest},
      {"handshake version in _meta", modern_body("tools/list", "", "1", legacy_meta), legacy_version, -32022,
       Disposition::kBadRequest},
      {"ping is gone in 2026-07-28", modern_body("ping"), for_method("ping"), -32601, Disposition::kNotFound},
      {"an unknown method", modern_body("prompts/list"), for_method("prompts/list"), -32601, Disposition::kNotFound},
      {"a cursor never issued", modern_body("tools/list", R"("cursor":"abc")"), list_headers, -32602,
       Disposition::kResponse},
  };
  for (const Row& row : rows) {
    SUBCASE(row.name) {
      Fixture f;
      Reply reply = send_modern(f, row.body, row.headers);
      CHECK(reply.disposition == row.disposition);
      Value response = parse_or_die(reply.body);
      CHECK(code_of(response) == row.code);
      CHECK(*response.find("id") == Value(1));
      REQUIRE(f.observed.size() == 1);
      CHECK(f.observed[0].outcome == "error");
    }
  }
}

TEST_CASE("-32022 names the requested version and every served version, newest first") {
  Fixture f;
  const std::string meta =
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}})";
  // stdio: no headers, so the probe of an unknown version reaches the version check.
  Reply reply = send_modern(f, modern_body("server/discover", "", "9", meta), ModernHeaders{}, Transport::kStdio);
  Value response = parse_or_die(reply.body);
  CHECK(code_of(response) == -32022);
  const Value* data = error_of(response).find("data");
  REQUIRE(data != nullptr);
  CHECK(*data->find("requested") == Value("2099-01-01"));
  CHECK(json::write(*data->find("supported")) ==
        R"(["2026-07-28","2025-11-25","2025-06-18","2025-03-26","2024-11-05"])");
}

TEST_CASE("on stdio a stateless message needs no headers and leaves the handshake state alone") {
  Fixture f;
  send_with(*f.dispatcher, initialize_body("\"2024-11-05\""), Transport::kStdio);
  Reply modern = send_modern(f, modern_body("tools/list"), ModernHeaders{}, Transport::kStdio);
  Value modern_response = parse_or_die(modern.body);
  const Value& tool = result_of(modern_response).find("tools")->as_array()[0];
  CHECK(tool.find("title") != nullptr);  // 2026-07-28 shape, not 2024-11-05
  // The next handshake-era message is still served at 2024-11-05.
  Reply legacy = send_with(*f.dispatcher, R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", Transport::kStdio);
  CHECK(result_of(parse_or_die(legacy.body)).find("tools")->as_array()[0].find("annotations") == nullptr);
  // initialize asking for 2026-07-28 is answered with the newest handshake revision.
  Value init = parse_or_die(send_with(*f.dispatcher, initialize_body("\"2026-07-28\""), Transport::kStdio).body);
  CHECK(*result_of(init).find("protocolVersion") == Value("2025-11-25"));
  CHECK(result_of(init).find("resultType") == nullptr);
}

TEST_CASE("stateless notifications are accepted without header or _meta checks, batches are refused") {
  Fixture f;
  Reply note = send_modern(f, R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})",
                           ModernHeaders{});
  CHECK(note.disposition == Disposition::kAccepted);
  Reply batch = send_modern(f, "[" + modern_body("tools/list") + "]", for_method("tools/list"));
  CHECK(batch.disposition == Disposition::kBadRequest);
  Value response = parse_or_die(batch.body);
  CHECK(code_of(response) == -32600);
  CHECK(response.find("id") == nullptr);
}

// --- progress and cancellation ------------------------------------------------

struct Streamed {
  int opened = 0;
  std::vector<std::string> sent;
};

RequestContext streaming_context(Streamed& streamed, Transport transport = Transport::kStdio) {
  RequestContext context;
  context.transport = transport;
  context.stream_open = [&streamed] { ++streamed.opened; };
  context.stream_send = [&streamed](std::string message) { streamed.sent.push_back(std::move(message)); };
  return context;
}

Reply handle_once(Fixture& f, const std::string& body, const RequestContext& context) {
  int calls = 0;
  Reply reply{Disposition::kAccepted, "unset"};
  f.dispatcher->handle(body, context, [&](Reply r) {
    ++calls;
    reply = std::move(r);
  });
  REQUIRE(calls == 1);
  check_reply_shape(reply);
  return reply;
}

TEST_CASE("a tools/call with a progressToken opens the stream and sends increasing progress before the response") {
  Fixture f;
  f.tool->progress_steps = {1, 2, 2, 1.5, 3};  // the repeats and the step back are dropped
  Streamed streamed;
  const std::string body =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"allocate_ports","arguments":{"count":1},"_meta":{"progressToken":"tok"}}})";
  Reply reply = handle_once(f, body, streaming_context(streamed));
  CHECK(streamed.opened == 1);
  REQUIRE(streamed.sent.size() == 3);
  Value first = parse_or_die(streamed.sent[0]);
  CHECK(*first.find("method") == Value("notifications/progress"));
  CHECK(first.find("id") == nullptr);
  CHECK(json::write(*first.find("params")) == R"({"progressToken":"tok","progress":1,"total":3,"message":"step"})");
  CHECK(*parse_or_die(streamed.sent[2]).find("params")->find("progress") == Value(3));
  CHECK(result_of(parse_or_die(reply.body)).find("isError") == nullptr);

  SUBCASE("2024-11-05 progress has no message") {
    Streamed old;
    f.tool->progress_steps = {1};
    RequestContext stdio;
    stdio.transport = Transport::kStdio;
    handle_once(f, initialize_body("\"2024-11-05\""), stdio);
    handle_once(f, body, streaming_context(old));
    REQUIRE(old.sent.size() == 1);
    CHECK(parse_or_die(old.sent[0]).find("params")->find("message") == nullptr);
  }
  SUBCASE("an integer token is echoed as an integer; a malformed one asks for nothing") {
    Streamed integer;
    f.tool->progress_steps = {1};
    handle_once(f, call_body(R"({"count":1},"_meta":{"progressToken":7})"), streaming_context(integer));
    REQUIRE(integer.sent.size() == 1);
    CHECK(*parse_or_die(integer.sent[0]).find("params")->find("progressToken") == Value(7));
    Streamed none;
    handle_once(f, call_body(R"({"count":1},"_meta":{"progressToken":{}})"), streaming_context(none));
    CHECK(none.opened == 0);
    CHECK(none.sent.empty());
  }
}

TEST_CASE("without a progressToken, or without a stream, no progress is sent and the tool's reports are dropped") {
  Fixture f;
  f.tool->progress_steps = {1, 2};
  Streamed streamed;
  handle_once(f, call_body(R"({"count":1})"), streaming_context(streamed));
  CHECK(streamed.opened == 0);
  CHECK(streamed.sent.empty());
  // A client that accepts only JSON: the transport offers no stream hooks.
  Reply reply = handle_once(
      f, call_body(R"({"count":1},"_meta":{"progressToken":"t"})"), RequestContext{});
  CHECK(reply.disposition == Disposition::kResponse);
  CHECK(result_of(parse_or_die(reply.body)).find("content") != nullptr);
}

TEST_CASE("no progress is sent once the response is on its way") {
  DeferredExecutor executor;
  Fixture f(&executor);
  Streamed streamed;
  f.tool->progress_steps = {1};
  RequestContext context = streaming_context(streamed);
  int calls = 0;
  f.dispatcher->handle(call_body(R"({"count":1},"_meta":{"progressToken":"t"})"), context, [&](Reply) { ++calls; });
  executor.run_all();
  CHECK(calls == 1);
  CHECK(streamed.sent.size() == 1);
  // A tool (or a thread it left behind) reporting after the response: dropped.
  REQUIRE(f.tool->kept_sink);
  f.tool->kept_sink(2, 3, "late");
  CHECK(streamed.sent.size() == 1);
}

TEST_CASE("a call whose client closed the stream is counted as cancelled, a deadline is not") {
  SUBCASE("closed mid-call") {
    Fixture f;
    auto gone = std::make_shared<std::atomic<bool>>(false);
    f.tool->gone_during_call = gone;
    RequestContext context;
    context.transport_gone = gone;
    handle_once(f, call_body(R"({"count":1})"), context);
    REQUIRE(f.observed.size() == 1);
    CHECK(f.observed[0] == Observed{"tools/call", "cancelled"});
  }
  SUBCASE("notifications/cancelled") {
    DeferredExecutor executor;
    Fixture f(&executor);
    int calls = 0;
    f.dispatcher->handle(call_body(R"({"count":1})", "8"), RequestContext{}, [&](Reply) { ++calls; });
    f.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":8}})");
    executor.run_all();
    CHECK(calls == 1);
    CHECK(f.observed.back() == Observed{"tools/call", "cancelled"});
  }
  SUBCASE("past its deadline") {
    Fixture f;
    RequestContext context;
    context.deadline_ms = 1;
    handle_once(f, call_body(R"({"count":1})"), context);
    CHECK(f.observed.back() == Observed{"tools/call", "ok"});
  }
}

}  // namespace
}  // namespace sigma::mcp
