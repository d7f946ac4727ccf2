#include "mcp/render.h"

#include <utility>

#include "json/json.h"
#include "mcp/stateless.h"

namespace sigma::mcp {
namespace {

json::Value text_content(std::string text) {
  json::Value block = json::Value::object();
  block.set("type", "text");
  block.set("text", std::move(text));
  json::Value content = json::Value::array();
  content.push(std::move(block));
  return content;
}

// Implementation (serverInfo) with the fields the revision has.
json::Value render_implementation(const ServerInfo& info, Revision revision) {
  json::Value server = json::Value::object();
  server.set("name", info.name);
  server.set("version", info.version);
  if (has_titles(revision) && !info.title.empty()) {
    server.set("title", info.title);
  }
  if (has_server_description(revision) && !info.description.empty()) {
    server.set("description", info.description);
  }
  return server;
}

json::Value tools_capabilities() {
  json::Value capabilities = json::Value::object();
  capabilities.set("tools", json::Value::object());
  return capabilities;
}

}  // namespace

json::Value render_initialize_result(const ServerInfo& info, Revision revision) {
  json::Value server = render_implementation(info, revision);
  json::Value capabilities = tools_capabilities();

  json::Value result = json::Value::object();
  result.set("protocolVersion", std::string(revision_name(revision)));
  result.set("capabilities", std::move(capabilities));
  result.set("serverInfo", std::move(server));
  if (!info.instructions.empty()) {
    result.set("instructions", info.instructions);
  }
  return result;
}

json::Value render_tool(const Tool& tool, Revision revision) {
  json::Value out = json::Value::object();
  out.set("name", tool.name());
  if (has_titles(revision)) {
    out.set("title", tool.title());
  }
  out.set("description", tool.description());
  out.set("inputSchema", tool.input_schema());
  if (has_structured_content(revision)) {
    out.set("outputSchema", tool.output_schema());
  }
  if (has_tool_annotations(revision)) {
    // All four hints explicit: their defaults (destructive and open-world true)
    // are the opposite of what most of our tools are.
    ToolAnnotations hints = tool.annotations();
    json::Value annotations = json::Value::object();
    annotations.set("title", tool.title());
    annotations.set("readOnlyHint", hints.read_only);
    annotations.set("destructiveHint", hints.destructive);
    annotations.set("idempotentHint", hints.idempotent);
    annotations.set("openWorldHint", hints.open_world);
    out.set("annotations", std::move(annotations));
  }
  return out;
}

json::Value render_tools_list(const ToolRegistry& tools, Revision revision) {
  json::Value list = json::Value::array();
  for (const auto& tool : tools.tools()) {
    list.push(render_tool(*tool, revision));
  }
  json::Value result = json::Value::object();
  result.set("tools", std::move(list));
  if (is_stateless(revision)) {
    result.set("ttlMs", static_cast<long long>(kListTtlMs));
    result.set("cacheScope", kListCacheScope);
  }
  return result;
}

json::Value render_result_meta(const ServerInfo& info) {
  json::Value meta = json::Value::object();
  meta.set(std::string(kMetaServerInfo), render_implementation(info, kNewestRevision));
  return meta;
}

void stamp_stateless_result(json::Value& result, const json::Value& meta) {
  result.set("resultType", "complete");
  result.set("_meta", meta);
}

json::Value render_discover_result(const ServerInfo& info) {
  json::Value versions = json::Value::array();
  for (Revision revision : kSupportedRevisions) {
    if (is_stateless(revision)) {
      versions.push(std::string(revision_name(revision)));
    }
  }
  json::Value result = json::Value::object();
  result.set("supportedVersions", std::move(versions));
  result.set("capabilities", tools_capabilities());
  result.set("ttlMs", static_cast<long long>(kListTtlMs));
  result.set("cacheScope", kListCacheScope);
  if (!info.instructions.empty()) {
    result.set("instructions", info.instructions);
  }
  return result;
}

json::Value render_call_result(const ToolResult& result, Revision revision) {
  if (result.is_error) {
    return render_tool_error(result.error_text);
  }
  json::Value out = json::Value::object();
  // The text block carries the same data for clients that ignore
  // structuredContent (2025-06-18 server/tools.mdx, Structured Content: SHOULD).
  out.set("content", text_content(json::write(result.structured)));
  if (allows_any_structured_content(revision) ||
      (has_structured_content(revision) && result.structured.is_object())) {
    out.set("structuredContent", result.structured);
  }
  return out;
}

json::Value render_tool_error(std::string_view text) {
  json::Value out = json::Value::object();
  out.set("content", text_content(std::string(text)));
  out.set("isError", true);
  return out;
}

}  // namespace sigma::mcp
