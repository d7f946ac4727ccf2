// agent_check_update against a fake release source and a fake host: the
// schemas, every failure sentence, the cache and `force`, one fetch at a
// time, the install probe and the update commands.
#include "tools/agent_check_update.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../fake_host_ops.h"
#include "json/json.h"
#include "mcp/schema_validate.h"

namespace sigma::tools {
namespace {

const std::string kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const std::string kUrl = "http://api.internal:8080/agent/releases/latest";

std::string manifest_body(const std::string& version, const std::string& notes = "\"Bug fixes.\"") {
  return "{\"version\":\"" + version +
         "\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"https://releases.example/sigma-agent-" + version +
         "\",\"sha256\":\"" + kSha + "\",\"notes\":" + notes + "}";
}

// A release server that answers what the test says and counts requests.
class FakeSource final : public ReleaseSource {
 public:
  const std::string& url() const override { return url_; }
  Result<ReleaseReply> fetch(int64_t deadline_ms) const override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++fetches;
    last_deadline_ms = deadline_ms;
    if (block) {
      entered = true;
      changed_.notify_all();
      changed_.wait(lock, [this] { return !block; });
    }
    if (!failure.is_ok()) {
      return failure;
    }
    return reply;
  }
  // Lets a blocked fetch finish.
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    block = false;
    changed_.notify_all();
  }
  void wait_entered() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return entered; });
  }

  std::string url_ = kUrl;
  ReleaseReply reply{200, manifest_body("0.2.0")};
  Status failure = Status::ok();
  mutable int fetches = 0;
  mutable int64_t last_deadline_ms = 0;
  mutable bool block = false;
  mutable bool entered = false;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
};

// A node whose binary and dpkg database the test decides.
class FakeHost final : public test::FakeHostOps {
 public:
  Result<std::string> executable_path() const override { return exe; }
  Result<std::optional<std::string>> dpkg_package_of(const std::string& path) const override {
    asked_path = path;
    return package;
  }

  Result<std::string> exe = std::string("/usr/local/sbin/sigma-agent");
  Result<std::optional<std::string>> package = std::optional<std::string>();
  mutable std::string asked_path;
};

struct Fixture {
  FakeSource source;
  FakeHost host;
  int64_t now_ms = 1000;
  int64_t now_unix = 1796126400;  // 2026-12-01T12:00:00Z

  AgentCheckUpdateOptions options(int64_t ttl_s = 3600) {
    AgentCheckUpdateOptions o;
    o.host = &host;
    o.source = &source;
    o.current_version = "0.1.0";
    o.cache_ttl_s = ttl_s;
    o.monotonic_ms = [this] { return now_ms; };
    o.unix_time_s = [this] { return now_unix; };
    return o;
  }
};

json::Value args(bool force) {
  json::Value a = json::Value::object();
  a.set("force", json::Value(force));
  return a;
}

json::Value success(AgentCheckUpdateTool& tool, const json::Value& arguments = json::Value::object()) {
  mcp::ToolResult r = tool.call(arguments, mcp::CallContext{});
  REQUIRE_MESSAGE(!r.is_error, r.error_text);
  Status valid = mcp::validate_arguments(tool.output_schema(), r.structured);
  CHECK_MESSAGE(valid.is_ok(), valid.message());
  return r.structured;
}

std::string failure(AgentCheckUpdateTool& tool, const mcp::CallContext& context = mcp::CallContext{}) {
  mcp::ToolResult r = tool.call(json::Value::object(), context);
  REQUIRE(r.is_error);
  return r.error_text;
}

std::string text(const json::Value& v, const char* key) {
  const json::Value* m = v.find(key);
  REQUIRE_MESSAGE(m != nullptr, key);
  return m->is_string() ? m->as_string() : json::write(*m);
}

TEST_CASE("agent_check_update declares its schemas and read-only annotations") {
  Fixture f;
  AgentCheckUpdateTool tool(f.options());
  CHECK(tool.name() == "agent_check_update");
  CHECK(tool.title() == "Check for an agent update");
  const mcp::ToolAnnotations a = tool.annotations();
  CHECK(a.read_only);
  CHECK_FALSE(a.destructive);
  CHECK(a.idempotent);
  CHECK(a.open_world);
  const json::Value& input = tool.input_schema();
  CHECK(text(input, "type") == "object");
  CHECK(json::write(*input.find("properties")->find("force")) ==
        R"({"type":"boolean","default":false,"description":"Read the release manifest now instead of using a cached check."})");
  CHECK(input.find("additionalProperties")->as_bool() == false);
  CHECK(mcp::validate_arguments(input, json::Value::object()).is_ok());
  CHECK(mcp::validate_arguments(input, args(true)).is_ok());
  json::Value bad = json::Value::object();
  bad.set("force", json::Value("yes"));
  CHECK_FALSE(mcp::validate_arguments(input, bad).is_ok());
  bad = json::Value::object();
  bad.set("url", json::Value("http://evil"));
  CHECK_FALSE(mcp::validate_arguments(input, bad).is_ok());
  CHECK(text(tool.output_schema(), "type") == "object");
  CHECK(tool.description().find("never downloads") != std::string_view::npos);
}

TEST_CASE("an available update on a static install: versions, release, and the download command") {
  Fixture f;
  AgentCheckUpdateTool tool(f.options());
  json::Value r = success(tool);
  CHECK(text(r, "current_version") == "0.1.0");
  CHECK(text(r, "latest_version") == "0.2.0");
  CHECK(r.find("update_available")->as_bool());
  CHECK_FALSE(r.find("latest_is_prerelease")->as_bool());
  CHECK(text(r, "published_at") == "2026-11-30T12:00:00Z");
  CHECK(text(r, "download_url") == "https://releases.example/sigma-agent-0.2.0");
  CHECK(text(r, "sha256") == kSha);
  CHECK(text(r, "release_notes") == "Bug fixes.");
  CHECK(text(r, "install_method") == "static");
  CHECK(r.find("package")->is_null());
  CHECK(text(r, "binary_path") == "/usr/local/sbin/sigma-agent");
  CHECK(f.host.asked_path == "/usr/local/sbin/sigma-agent");
  CHECK(text(r, "update_command") ==
        "sigma_new=$(mktemp '/usr/local/sbin/.sigma-agent.XXXXXX') && curl -fsSL -o \"$sigma_new\" "
        "'https://releases.example/sigma-agent-0.2.0' && echo '" + kSha +
            "  '\"$sigma_new\" | sha256sum -c - && chmod 0755 \"$sigma_new\" && mv -f \"$sigma_new\" "
            "'/usr/local/sbin/sigma-agent' && systemctl restart sigma-agent || { rm -f \"$sigma_new\"; false; }");
  CHECK(text(r, "manifest_url") == kUrl);
  CHECK_FALSE(r.find("cached")->as_bool());
  CHECK(text(r, "checked_at") == "2026-12-01T12:00:00Z");
  CHECK(r.find("cache_ttl_seconds")->as_int() == 3600);
  CHECK(text(r, "notes") == "[]");
}

TEST_CASE("a deb install gets the package manager's command for the package that owns the binary") {
  Fixture f;
  f.host.exe = std::string("/usr/sbin/sigma-agent");
  f.host.package = std::optional<std::string>("sigma-agent");
  AgentCheckUpdateTool tool(f.options());
  json::Value r = success(tool);
  CHECK(text(r, "install_method") == "deb");
  CHECK(text(r, "package") == "sigma-agent");
  CHECK(text(r, "update_command") == "apt-get update && apt-get install --only-upgrade sigma-agent");
}

TEST_CASE("up to date, or newer than the manifest: no update and no command") {
  struct Case {
    const char* current;
    const char* latest;
    bool available;
    const char* note;
  };
  const Case cases[] = {
      {"0.1.0", "0.1.0", false, "this agent runs the latest release"},
      {"0.10.0", "0.9.1", false, "is newer than the latest release"},
      {"0.9.1", "0.10.0", true, ""},
      {"1.0.0-rc1", "1.0.0", true, ""},
      {"1.0.0", "1.0.0-rc1", false, "is newer than the latest release"},
      {"1.0.0-rc.2", "1.0.0-rc.10", true, "the latest release is a pre-release"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.current);
    CAPTURE(c.latest);
    Fixture f;
    f.source.reply.body = manifest_body(c.latest);
    AgentCheckUpdateOptions o = f.options();
    o.current_version = c.current;
    AgentCheckUpdateTool tool(o);
    json::Value r = success(tool);
    CHECK(r.find("update_available")->as_bool() == c.available);
    CHECK(r.find("update_command")->is_null() == !c.available);
    CHECK(text(r, "notes").find(c.note) != std::string::npos);
  }
}

TEST_CASE("every failure is one sentence: no source, unreachable, slow, HTTP status, invalid manifest") {
  SUBCASE("neither setting") {
    Fixture f;
    AgentCheckUpdateOptions o = f.options();
    o.source = nullptr;
    AgentCheckUpdateTool tool(o);
    const std::string e = failure(tool);
    CHECK(e == kUpdateSourceOffText);
    CHECK(e.find("AGENT_UPDATE_URL") != std::string::npos);
    CHECK(e.find("SIGMA_API_URL") != std::string::npos);
  }
  SUBCASE("connection refused") {
    Fixture f;
    f.source.failure = Status::unavailable("GET http://api.internal:8080/agent/releases/latest: Connection refused");
    AgentCheckUpdateTool tool(f.options());
    CHECK(failure(tool) ==
          "cannot read the release manifest: GET http://api.internal:8080/agent/releases/latest: Connection refused");
  }
  SUBCASE("past the request timeout") {
    Fixture f;
    f.source.failure = Status::deadline_exceeded("GET http://api.internal:8080/agent/releases/latest: timed out");
    AgentCheckUpdateTool tool(f.options());
    CHECK(failure(tool) == "the release manifest at " + kUrl + " did not answer within 10 seconds");
  }
  SUBCASE("an HTTP error with the API's message") {
    Fixture f;
    f.source.reply = ReleaseReply{503, "{\"error\":\"release service in maintenance\"}"};
    AgentCheckUpdateTool tool(f.options());
    CHECK(failure(tool) == "the release manifest at " + kUrl + " answered HTTP 503: release service in maintenance");
  }
  SUBCASE("an HTTP error without a message") {
    Fixture f;
    f.source.reply = ReleaseReply{404, "<html>not found</html>"};
    AgentCheckUpdateTool tool(f.options());
    CHECK(failure(tool) == "the release manifest at " + kUrl + " answered HTTP 404");
  }
  SUBCASE("a hostile API message is cut and cleaned") {
    Fixture f;
    f.source.reply = ReleaseReply{500, "{\"error\":\"bad\\r\\nX-Injected: 1\\u0000" + std::string(5000, 'x') + "\"}"};
    AgentCheckUpdateTool tool(f.options());
    const std::string e = failure(tool);
    CHECK(e.find("answered HTTP 500: bad  X-Injected: 1 xxx") != std::string::npos);
    CHECK(e.find('\n') == std::string::npos);
    CHECK(e.find('\0') == std::string::npos);
    CHECK(e.size() < 400);
  }
  SUBCASE("a 200 that is not a valid manifest") {
    Fixture f;
    f.source.reply.body = "{\"version\":\"1.0.0\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/x;reboot\","
                          "\"sha256\":\"" + kSha + "\"}";
    AgentCheckUpdateTool tool(f.options());
    const std::string e = failure(tool);
    CHECK(e.find("the release manifest at " + kUrl + " is invalid: \"url\" must be") == 0);
  }
  SUBCASE("a build whose own version cannot be compared") {
    Fixture f;
    AgentCheckUpdateOptions o = f.options();
    o.current_version = "dev";
    AgentCheckUpdateTool tool(o);
    CHECK(failure(tool).find("this build's version \"dev\" is not MAJOR.MINOR.PATCH") == 0);
    CHECK(f.source.fetches == 0);
  }
}

TEST_CASE("hostile manifests never reach a command") {
  const std::vector<std::string> bodies = {
      "{\"version\":\"9.9.9\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/x' && reboot #\",\"sha256\":\"" +
          kSha + "\"}",
      "{\"version\":\"9.9.9\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/$(id)\",\"sha256\":\"" + kSha +
          "\"}",
      "{\"version\":\"9.9.9\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/x\",\"sha256\":\"" +
          kSha.substr(0, 60) + "' ; \"}",
      "{\"version\":\"9.9.9\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/x\",\"sha256\":\"xyz\"}",
      "{\"version\":9,\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":\"http://r/x\",\"sha256\":\"" + kSha + "\"}",
      "{\"version\":\"9.9.9\",\"published_at\":[],\"url\":\"http://r/x\",\"sha256\":\"" + kSha + "\"}",
      "{\"version\":\"9.9.9\",\"published_at\":\"2026-11-30T12:00:00Z\",\"url\":null,\"sha256\":\"" + kSha + "\"}",
      "[\"9.9.9\"]",
      "not json",
  };
  for (const std::string& body : bodies) {
    CAPTURE(body);
    Fixture f;
    f.source.reply.body = body;
    AgentCheckUpdateTool tool(f.options());
    CHECK(failure(tool).find("is invalid: ") != std::string::npos);
  }
}

TEST_CASE("huge release notes are cut and the result says so") {
  Fixture f;
  f.source.reply.body = manifest_body("0.2.0", "\"" + std::string(50000, 'n') + "\"");
  AgentCheckUpdateTool tool(f.options());
  json::Value r = success(tool);
  CHECK(text(r, "release_notes").size() == kMaxReleaseNotesBytes);
  CHECK(text(r, "notes").find("release_notes were cut to 4096 bytes") != std::string::npos);
}

TEST_CASE("a check is cached for the TTL; force and expiry read the manifest again") {
  Fixture f;
  AgentCheckUpdateTool tool(f.options(60));
  json::Value first = success(tool);
  CHECK(f.source.fetches == 1);
  CHECK_FALSE(first.find("cached")->as_bool());

  f.now_ms += 59999;
  f.now_unix += 59;
  f.source.reply.body = manifest_body("0.3.0");
  json::Value second = success(tool);
  CHECK(f.source.fetches == 1);
  CHECK(second.find("cached")->as_bool());
  CHECK(text(second, "latest_version") == "0.2.0");
  CHECK(text(second, "checked_at") == text(first, "checked_at"));

  json::Value forced = success(tool, args(true));
  CHECK(f.source.fetches == 2);
  CHECK_FALSE(forced.find("cached")->as_bool());
  CHECK(text(forced, "latest_version") == "0.3.0");
  CHECK(text(forced, "checked_at") == "2026-12-01T12:00:59Z");

  CHECK(success(tool, args(false)).find("cached")->as_bool());
  CHECK(f.source.fetches == 2);
  f.now_ms += 60000;
  CHECK_FALSE(success(tool).find("cached")->as_bool());
  CHECK(f.source.fetches == 3);
}

TEST_CASE("a TTL of 0 reads the manifest on every call") {
  Fixture f;
  AgentCheckUpdateTool tool(f.options(0));
  success(tool);
  success(tool);
  CHECK(f.source.fetches == 2);
}

TEST_CASE("failures are not cached: the next call asks again") {
  Fixture f;
  f.source.failure = Status::unavailable("GET http://x/: Connection refused");
  AgentCheckUpdateTool tool(f.options());
  failure(tool);
  f.source.failure = Status::ok();
  CHECK_FALSE(success(tool).find("cached")->as_bool());
  CHECK(f.source.fetches == 2);
}

TEST_CASE("the request deadline is the earlier of the tool's deadline and the request timeout") {
  Fixture f;
  AgentCheckUpdateTool tool(f.options());
  mcp::CallContext far;
  far.deadline_ms = monotonic_ms() + 3600 * 1000;  // the real clock: should_stop() reads it
  CHECK_FALSE(tool.call(args(true), far).is_error);
  CHECK(f.source.last_deadline_ms == f.now_ms + kUpdateRequestTimeoutMs);

  mcp::CallContext near;
  near.deadline_ms = monotonic_ms() + 3600 * 1000;
  f.now_ms = near.deadline_ms - 2000;  // the tool's clock says 2 s are left
  CHECK_FALSE(tool.call(args(true), near).is_error);
  CHECK(f.source.last_deadline_ms == near.deadline_ms);
}

TEST_CASE("a cancelled or overdue call fails without fetching and leaves the cache alone") {
  Fixture f;
  AgentCheckUpdateTool tool(f.options());
  mcp::CallContext cancelled;
  cancelled.cancelled->store(true);
  CHECK(failure(tool, cancelled) == "cancelled by the client (notifications/cancelled)");
  mcp::CallContext overdue;
  overdue.deadline_ms = 1;
  CHECK(failure(tool, overdue) == "the tool ran past its deadline (AGENT_TOOL_TIMEOUT)");
  CHECK(f.source.fetches == 0);
}

TEST_CASE("a call cancelled while its fetch runs reports the cancel and caches nothing") {
  Fixture f;
  f.source.block = true;
  AgentCheckUpdateTool tool(f.options());
  mcp::CallContext context;
  mcp::ToolResult result;
  std::thread caller([&] { result = tool.call(json::Value::object(), context); });
  f.source.wait_entered();
  context.cancelled->store(true);
  f.source.release();
  caller.join();
  REQUIRE(result.is_error);
  CHECK(result.error_text == "cancelled by the client (notifications/cancelled)");
  CHECK_FALSE(success(tool).find("cached")->as_bool());  // the cancelled fetch was not kept
  CHECK(f.source.fetches == 2);
}

TEST_CASE("concurrent calls share one fetch instead of stampeding the source") {
  Fixture f;
  f.source.block = true;
  AgentCheckUpdateOptions o = f.options(0);  // no cache: only sharing can save a fetch
  std::mutex m;
  std::condition_variable cv;
  int waiting = 0;
  o.on_wait = [&] {
    std::lock_guard<std::mutex> lock(m);
    ++waiting;
    cv.notify_all();
  };
  AgentCheckUpdateTool tool(o);
  std::vector<mcp::ToolResult> results(4);
  std::thread first([&] { results[0] = tool.call(json::Value::object(), mcp::CallContext{}); });
  f.source.wait_entered();
  std::vector<std::thread> others;
  for (size_t i = 1; i < results.size(); ++i) {
    others.emplace_back([&, i] { results[i] = tool.call(json::Value::object(), mcp::CallContext{}); });
  }
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return waiting == 3; });
  }
  f.source.release();
  first.join();
  for (std::thread& t : others) {
    t.join();
  }
  CHECK(f.source.fetches == 1);
  CHECK_FALSE(results[0].is_error);
  CHECK_FALSE(results[0].structured.find("cached")->as_bool());
  for (size_t i = 1; i < results.size(); ++i) {
    REQUIRE_FALSE(results[i].is_error);
    CHECK(results[i].structured.find("cached")->as_bool());
    CHECK(text(results[i].structured, "latest_version") == "0.2.0");
  }
}

TEST_CASE("force waits for a fetch in flight, then fetches once more for all forced callers") {
  Fixture f;
  f.source.block = true;
  AgentCheckUpdateOptions o = f.options();
  std::mutex m;
  std::condition_variable cv;
  int waiting = 0;
  o.on_wait = [&] {
    std::lock_guard<std::mutex> lock(m);
    ++waiting;
    cv.notify_all();
  };
  AgentCheckUpdateTool tool(o);
  std::vector<mcp::ToolResult> results(3);
  std::thread first([&] { results[0] = tool.call(json::Value::object(), mcp::CallContext{}); });
  f.source.wait_entered();
  std::thread b([&] { results[1] = tool.call(args(true), mcp::CallContext{}); });
  std::thread c([&] { results[2] = tool.call(args(true), mcp::CallContext{}); });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return waiting == 2; });
  }
  // The first fetch began before the forced calls did, so it cannot answer
  // them; the one fetch after it began after both, so it answers both.
  f.source.release();
  first.join();
  b.join();
  c.join();
  CHECK(f.source.fetches == 2);
  for (const mcp::ToolResult& r : results) {
    CHECK_FALSE(r.is_error);
  }
}

TEST_CASE("concurrent callers of a failing source share the failure") {
  Fixture f;
  f.source.block = true;
  f.source.failure = Status::unavailable("GET http://x/: Connection refused");
  AgentCheckUpdateOptions o = f.options();
  std::mutex m;
  std::condition_variable cv;
  int waiting = 0;
  o.on_wait = [&] {
    std::lock_guard<std::mutex> lock(m);
    ++waiting;
    cv.notify_all();
  };
  AgentCheckUpdateTool tool(o);
  mcp::ToolResult a;
  mcp::ToolResult b;
  std::thread ta([&] { a = tool.call(json::Value::object(), mcp::CallContext{}); });
  f.source.wait_entered();
  std::thread tb([&] { b = tool.call(json::Value::object(), mcp::CallContext{}); });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return waiting == 1; });
  }
  f.source.release();
  ta.join();
  tb.join();
  CHECK(f.source.fetches == 1);
  CHECK(a.is_error);
  CHECK(b.is_error);
  CHECK(b.error_text == a.error_text);
}

TEST_CASE("the install probe: unreadable binary path, replaced binary, unreadable dpkg, odd path") {
  SUBCASE("no executable path: unknown, no command") {
    Fixture f;
    f.host.exe = Status::error("/proc/self/exe: Permission denied");
    AgentCheckUpdateTool tool(f.options());
    json::Value r = success(tool);
    CHECK(text(r, "install_method") == "unknown");
    CHECK(r.find("binary_path")->is_null());
    CHECK(r.find("update_command")->is_null());
    CHECK(text(r, "notes").find("cannot tell how this copy was installed: /proc/self/exe: Permission denied") !=
          std::string::npos);
  }
  SUBCASE("replaced on disk: the path without \" (deleted)\" and a note") {
    Fixture f;
    f.host.exe = std::string("/usr/sbin/sigma-agent (deleted)");
    AgentCheckUpdateTool tool(f.options());
    json::Value r = success(tool);
    CHECK(text(r, "binary_path") == "/usr/sbin/sigma-agent");
    CHECK(f.host.asked_path == "/usr/sbin/sigma-agent");
    CHECK(text(r, "notes").find("replaced on disk") != std::string::npos);
    CHECK(text(r, "update_command").find("'/usr/sbin/sigma-agent'") != std::string::npos);
  }
  SUBCASE("dpkg database unreadable: unknown") {
    Fixture f;
    f.host.package = Status::error("/var/lib/dpkg/info/x.list: Permission denied");
    AgentCheckUpdateTool tool(f.options());
    json::Value r = success(tool);
    CHECK(text(r, "install_method") == "unknown");
    CHECK(r.find("update_command")->is_null());
    CHECK(text(r, "notes").find("x.list: Permission denied") != std::string::npos);
  }
  SUBCASE("a binary path a shell would read differently gets no command") {
    Fixture f;
    f.host.exe = std::string("/opt/my agent/$(id)/sigma-agent");
    AgentCheckUpdateTool tool(f.options());
    json::Value r = success(tool);
    CHECK(text(r, "install_method") == "static");
    CHECK(r.find("update_command")->is_null());
    CHECK(text(r, "notes").find("replace it by hand") != std::string::npos);
  }
  SUBCASE("an owner that is not a package name is not trusted") {
    Fixture f;
    f.host.package = std::optional<std::string>("x; reboot");
    AgentCheckUpdateTool tool(f.options());
    json::Value r = success(tool);
    CHECK(text(r, "install_method") == "unknown");
    CHECK(r.find("update_command")->is_null());
  }
}

}  // namespace
}  // namespace sigma::tools
