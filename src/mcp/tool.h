// The tool interface: what every MCP tool implements and the registry that
// holds them in a deterministic order.
//
// Owns: tool metadata and the call signature. Must not know any transport.
// Threading: metadata accessors are immutable after construction and safe from
// any thread; call() runs on a worker thread (it may block on /proc reads or
// bind tests) and must be safe to run concurrently with other calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "json/value.h"

namespace sigma::mcp {

struct ToolAnnotations {
  bool read_only = false;
  bool destructive = true;
  bool idempotent = false;
  bool open_world = true;
};

// What a tool call produced. On success `structured` matches the tool's
// outputSchema and the dispatcher also renders it as JSON text content. On a
// tool-level failure (a dependency is off, a bind test failed) `is_error` is
// set and `error_text` is one sentence for the model, naming the setting that
// would fix it when there is one.
struct ToolResult {
  json::Value structured;
  bool is_error = false;
  std::string error_text;

  static ToolResult success(json::Value structured) { return ToolResult{std::move(structured), false, {}}; }
  static ToolResult failure(std::string text) { return ToolResult{json::Value(), true, std::move(text)}; }
};

// Per-call facts a tool may consult. A tool that loops (bind tests, samples)
// asks should_stop() between steps and, when told to stop, undoes what it
// reserved and returns.
struct CallContext {
  int64_t deadline_ms = 0;  // monotonic_ms() deadline (AGENT_TOOL_TIMEOUT); 0 = none
  // Set by the dispatcher when the client sends notifications/cancelled.
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  // Set by the transport when the connection the answer would go to is
  // gone; nullptr when the transport cannot tell (stdio).
  std::shared_ptr<const std::atomic<bool>> transport_gone;
  // Set by the dispatcher when the client asked for progress (a
  // progressToken in _meta) and the transport can deliver it; empty
  // otherwise. Use report_progress().
  std::function<void(double progress, double total, std::string_view message)> progress_sink;

  // Tells the client how far the call is: `progress` of `total` (0 when
  // unknown), with an optional short message. A no-op when nobody asked;
  // values that do not increase are dropped (progress.mdx: progress MUST
  // increase). Call from the tool's own thread.
  void report_progress(double progress, double total, std::string_view message = {}) const {
    if (progress_sink) {
      progress_sink(progress, total, message);
    }
  }

  // Ok while the call may go on; otherwise why it must stop, for the tool
  // error: cancelled by the client, connection closed, or past the deadline.
  Status should_stop() const {
    if (cancelled && cancelled->load(std::memory_order_relaxed)) {
      return Status::error("cancelled by the client (notifications/cancelled)");
    }
    if (transport_gone && transport_gone->load(std::memory_order_relaxed)) {
      return Status::error("cancelled: the client closed the connection");
    }
    if (deadline_ms > 0 && monotonic_ms() >= deadline_ms) {
      return Status::deadline_exceeded("the tool ran past its deadline (AGENT_TOOL_TIMEOUT)");
    }
    return Status::ok();
  }
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view title() const = 0;
  virtual std::string_view description() const = 0;
  virtual const json::Value& input_schema() const = 0;   // root {"type":"object",...}
  virtual const json::Value& output_schema() const = 0;  // root {"type":"object",...}
  virtual ToolAnnotations annotations() const = 0;
  // REQUIRES: `arguments` is an object already validated against input_schema().
  virtual ToolResult call(const json::Value& arguments, const CallContext& context) = 0;
};

// Tools in registration order (the order tools/list returns).
class ToolRegistry final {
 public:
  void add(std::unique_ptr<Tool> tool) { tools_.push_back(std::move(tool)); }
  Tool* find(std::string_view name) const {
    for (const auto& t : tools_) {
      if (t->name() == name) {
        return t.get();
      }
    }
    return nullptr;
  }
  const std::vector<std::unique_ptr<Tool>>& tools() const { return tools_; }

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

}  // namespace sigma::mcp
