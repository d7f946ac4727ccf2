#include "app/stdio_transport.h"

#include <string>

#include "base/clock.h"
#include "base/log.h"

namespace sigma::app {
int serve_stdio(mcp::Dispatcher& dispatcher, std::FILE* in, std::FILE* out, size_t max_line_bytes,
                int64_t tool_timeout_ms) {
  std::string line;
  bool oversized = false;
  int c;
  auto dispatch = [&](std::string_view message) -> bool {
    mcp::RequestContext context;
    context.transport = mcp::Transport::kStdio;
    if (tool_timeout_ms > 0) {
      context.deadline_ms = monotonic_ms() + tool_timeout_ms;
    }
    bool ok = true;
    // Progress goes to stdout before the response (checklist 4.4); tools run
    // inline here, so the tool's thread is this one.
    context.stream_open = [] {};
    context.stream_send = [&](std::string notification) {
      notification.push_back('\n');
      ok = ok && std::fwrite(notification.data(), 1, notification.size(), out) == notification.size() &&
           std::fflush(out) == 0;
    };
    dispatcher.handle(message, context, [&](mcp::Reply reply) {
      if (reply.disposition == mcp::Disposition::kAccepted || reply.body.empty()) {
        return;
      }
      reply.body.push_back('\n');
      ok = ok && std::fwrite(reply.body.data(), 1, reply.body.size(), out) == reply.body.size() && std::fflush(out) == 0;
    });
    return ok;
  };
  // One complete line (its '\n' already taken, or EOF reached): answer it.
  auto finish_line = [&]() -> bool {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    bool ok = true;
    if (oversized) {
      log_warn("stdio message over the size limit skipped", {{"limit_bytes", std::to_string(max_line_bytes)}});
      // Answer like any unparsable message so the client is not left waiting.
      ok = dispatch("{");
    } else if (!line.empty()) {
      ok = dispatch(line);
    }
    line.clear();
    oversized = false;
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
    if (!finish_line()) {
      return 1;
    }
  }
  // A last message without its newline is still a message: answer it.
  if (!finish_line()) {
    return 1;
  }
  return 0;
}

}  // namespace sigma::app
