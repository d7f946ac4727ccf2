#include "mcp/jsonrpc.h"

#include <utility>

namespace sigma::mcp {

bool is_valid_id(const json::Value& id) {
  if (id.is_string()) {
    return true;
  }
  if (!id.is_number()) {
    return false;
  }
  // JSON-RPC 2.0 §4: numbers SHOULD NOT have fractional parts; MCP narrows ids
  // to integers. Judge the lexeme, so "1.0" and "1e2" are refused rather than
  // echoed back in a form a strict client would not match.
  const std::string& text = id.number_text();
  size_t start = (!text.empty() && text[0] == '-') ? 1 : 0;
  if (start == text.size()) {
    return false;
  }
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  return true;
}

Envelope classify(const json::Value& message) {
  Envelope envelope;
  if (!message.is_object()) {
    envelope.problem = "Invalid Request: a message must be a JSON object";
    return envelope;
  }
  const json::Value* id = message.find("id");
  const json::Value* method = message.find("method");
  const json::Value* jsonrpc = message.find("jsonrpc");
  envelope.params = message.find("params");
  bool id_ok = id != nullptr && is_valid_id(*id);
  if (id_ok) {
    envelope.id = id;
  }

  if (method != nullptr && method->is_string()) {
    envelope.method = method->as_string();
    if (id == nullptr) {
      // JSON-RPC 2.0 §4.1: a notification is never answered, even if malformed.
      envelope.kind = MessageKind::kNotification;
      return envelope;
    }
    if (!id_ok) {
      envelope.problem = "Invalid Request: id must be a string or an integer";
      return envelope;
    }
    if (jsonrpc == nullptr || !jsonrpc->is_string() || jsonrpc->as_string() != "2.0") {
      envelope.problem = "Invalid Request: jsonrpc must be \"2.0\"";
      return envelope;
    }
    envelope.kind = MessageKind::kRequest;
    return envelope;
  }

  if (method == nullptr && (message.find("result") != nullptr || message.find("error") != nullptr)) {
    // A response from the client (Streamable HTTP: 202 Accepted). We never send
    // requests, so there is nothing to match it with.
    envelope.kind = MessageKind::kResponse;
    return envelope;
  }
  envelope.problem = method == nullptr ? "Invalid Request: method is missing"
                                       : "Invalid Request: method must be a string";
  return envelope;
}

UnreadableId unreadable_id_for(Revision revision) {
  return omits_unreadable_error_id(revision) ? UnreadableId::kOmit : UnreadableId::kNull;
}

json::Value make_result(const json::Value& id, json::Value result) {
  json::Value response = json::Value::object();
  response.set("jsonrpc", "2.0");
  response.set("id", id);
  response.set("result", std::move(result));
  return response;
}

json::Value make_error(const json::Value* id, UnreadableId unreadable, int code, std::string message,
                       json::Value data) {
  json::Value response = json::Value::object();
  response.set("jsonrpc", "2.0");
  if (id != nullptr) {
    response.set("id", *id);
  } else if (unreadable == UnreadableId::kNull) {
    response.set("id", json::Value());
  }
  json::Value error = json::Value::object();
  error.set("code", code);
  error.set("message", std::move(message));
  if (!data.is_null()) {
    error.set("data", std::move(data));
  }
  response.set("error", std::move(error));
  return response;
}

std::string echo_safe(std::string_view text) {
  constexpr size_t kMaxEchoBytes = 128;
  std::string out;
  for (char c : text.substr(0, kMaxEchoBytes)) {
    out += (c >= 0x20 && c <= 0x7E) ? c : '?';
  }
  return out;
}

size_t count_batch_elements(std::string_view body, size_t stop_after) {
  size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < body.size() && is_space(body[i])) {
    ++i;
  }
  if (i == body.size() || body[i] != '[') {
    return 0;
  }
  ++i;
  size_t depth = 0;  // below the top-level array
  size_t count = 0;
  bool in_element = false;
  for (; i < body.size() && count < stop_after; ++i) {
    const char c = body[i];
    if (c == '"') {
      // Skip the string, escapes included.
      for (++i; i < body.size() && body[i] != '"'; ++i) {
        if (body[i] == '\\') {
          ++i;
        }
      }
      if (depth == 0 && !in_element) {
        in_element = true;
        ++count;
      }
      continue;
    }
    if (is_space(c)) {
      continue;
    }
    if (depth == 0) {
      if (c == ']') {
        break;
      }
      if (c == ',') {
        in_element = false;
        continue;
      }
      if (!in_element) {
        in_element = true;
        ++count;
      }
    }
    if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return count;
}

}  // namespace sigma::mcp
