#include "app/call.h"

#include <string>

#include "base/clock.h"
#include "json/json.h"
#include "mcp/schema_validate.h"

namespace sigma::app {
namespace {

int usage(std::FILE* err, const std::string& message) {
  std::fprintf(err, "sigma-agent: call: %s\n", message.c_str());
  return kCallUsage;
}

std::string tool_names(const mcp::ToolRegistry& tools) {
  std::string names;
  for (const auto& tool : tools.tools()) {
    names += (names.empty() ? "" : ", ") + std::string(tool->name());
  }
  return names;
}

void print_line(std::FILE* out, const json::Value& value) {
  std::string line = json::write(value);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

}  // namespace

int run_call(const mcp::ToolRegistry& tools, std::string_view tool_name, const std::optional<std::string>& arguments,
             int64_t timeout_ms, std::FILE* out, std::FILE* err) {
  mcp::Tool* tool = tools.find(tool_name);
  if (tool == nullptr) {
    // The name is the operator's own word, so it may be echoed; bounded all
    // the same, as in a tools/call error.
    std::string shown(tool_name.substr(0, 64));
    return usage(err, "unknown tool \"" + shown + (tool_name.size() > 64 ? "...\"" : "\"") +
                          "; the tools are: " + tool_names(tools));
  }
  json::Value parsed = json::Value::object();
  if (arguments) {
    json::ParseResult result = json::parse(*arguments);
    if (!result.ok()) {
      return usage(err, "the arguments are not valid JSON (" + result.error.to_string() + ")");
    }
    if (!result.value->is_object()) {
      return usage(err, "the arguments must be a JSON object, such as '{\"count\": 3}'");
    }
    parsed = std::move(*result.value);
  }
  if (Status valid = mcp::validate_arguments(tool->input_schema(), parsed); !valid) {
    return usage(err, std::string(tool->name()) + ": " + valid.message());
  }

  mcp::CallContext context;
  context.deadline_ms = timeout_ms > 0 ? monotonic_ms() + timeout_ms : 0;
  mcp::ToolResult result;
  try {
    result = tool->call(parsed, context);
  } catch (...) {
    result = mcp::ToolResult::failure("internal error in tool " + std::string(tool->name()));
  }
  if (result.is_error) {
    json::Value error = json::Value::object();
    error.set("error", result.error_text);
    print_line(out, error);
    return kCallToolError;
  }
  print_line(out, result.structured);
  return kCallOk;
}

}  // namespace sigma::app
