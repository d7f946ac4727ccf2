#include "app/stdio_transport.h"

#include <optional>
#include <string>

#include "base/log.h"
#include "json/json.h"

namespace sigma::app {
namespace {

// The protocolVersion of a successful initialize result, if `reply` is one.
std::optional<std::string> negotiated_version(const std::string& reply) {
  if (reply.find("\"protocolVersion\"") == std::string::npos) {
    return std::nullopt;
  }
  auto parsed = json::parse(reply);
  if (!parsed.ok()) {
    return std::nullopt;
  }
  const json::Value* result = parsed.value->find("result");
  const json::Value* version = result != nullptr ? result->find("protocolVersion") : nullptr;
  if (version == nullptr || !version->is_string()) {
    return std::nullopt;
  }
  return version->as_string();
}

bool is_initialize(std::string_view line) { return line.find("\"initialize\"") != std::string_view::npos; }

}  // namespace

int serve_stdio(mcp::Dispatcher& dispatcher, std::FILE* in, std::FILE* out, size_t max_line_bytes) {
  std::optional<std::string> revision;
  std::string line;
  bool oversized = false;
  int c;
  auto dispatch = [&](std::string_view message) -> bool {
    mcp::RequestContext context;
    context.transport = mcp::Transport::kStdio;
    context.protocol_version_header = revision;
    bool ok = true;
    dispatcher.handle(message, context, [&](mcp::Reply reply) {
      if (reply.disposition == mcp::Disposition::kAccepted || reply.body.empty()) {
        return;
      }
      if (is_initialize(message)) {
        if (auto v = negotiated_version(reply.body)) {
          revision = v;
        }
      }
      reply.body.push_back('\n');
      ok = std::fwrite(reply.body.data(), 1, reply.body.size(), out) == reply.body.size() && std::fflush(out) == 0;
    });
    return ok;
  };
  while ((c = std::fgetc(in)) != EOF) {
    if (c != '\n') {
      if (line.size() < max_line_bytes) {
        line.push_back(static_cast<char>(c));
      } else {
        oversized = true;
      }
      continue;
    }
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (oversized) {
      log_warn("stdio message over the size limit skipped", {{"limit_bytes", std::to_string(max_line_bytes)}});
      // Answer like any unparsable message so the client is not left waiting.
      if (!dispatch("{")) {
        return 1;
      }
    } else if (!line.empty() && !dispatch(line)) {
      return 1;
    }
    line.clear();
    oversized = false;
  }
  return 0;
}

}  // namespace sigma::app
