#include "mcp/stateless.h"

#include <cstdint>

#include "mcp/jsonrpc.h"
#include "mcp/protocol.h"

namespace sigma::mcp {
namespace {

using json::Value;

const Value* meta_of(const Value& message) {
  const Value* params = message.find("params");
  if (params == nullptr || !params->is_object()) {
    return nullptr;
  }
  const Value* meta = params->find("_meta");
  return (meta != nullptr && meta->is_object()) ? meta : nullptr;
}

Refusal invalid_meta(std::string message) { return Refusal{kInvalidParams, std::move(message), Value()}; }

Refusal header_mismatch(std::string message) { return Refusal{kHeaderMismatch, std::move(message), Value()}; }

// 0..63 for a character of the standard Base64 alphabet (RFC 4648 §4), else -1.
int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// Compares one required header with the body's value.
std::optional<Refusal> compare_header(const std::optional<std::string>& header, std::string_view header_name,
                                      std::string_view body_value, std::string_view body_name) {
  if (!header) {
    return header_mismatch("Header mismatch: the " + std::string(header_name) + " header is required");
  }
  if (*header != body_value) {
    return header_mismatch("Header mismatch: " + std::string(header_name) + " \"" + echo_safe(*header) +
                           "\" does not match the body's " + std::string(body_name) + " \"" + echo_safe(body_value) +
                           "\"");
  }
  return std::nullopt;
}

}  // namespace

Era route_era(const Value& message, const std::optional<std::string>& version_header) {
  if (!message.is_object()) {
    return Era::kHandshake;
  }
  const Value* method = message.find("method");
  if (method != nullptr && method->is_string() && method->as_string() == "initialize") {
    return Era::kHandshake;
  }
  if (version_header) {
    std::optional<Revision> revision = parse_revision(*version_header);
    if (revision && is_stateless(*revision)) {
      return Era::kStateless;
    }
  }
  const Value* meta = meta_of(message);
  if (meta != nullptr && meta->find(kMetaProtocolVersion) != nullptr) {
    return Era::kStateless;
  }
  return Era::kHandshake;
}

std::optional<Refusal> check_request_meta(const Value* params, std::string& version) {
  // 2026-07-28 basic/index.mdx: a request missing a required _meta field is
  // malformed: -32602, and on HTTP 400.
  if (params == nullptr) {
    return invalid_meta("Invalid params: params._meta is required in protocol revision 2026-07-28");
  }
  if (!params->is_object()) {
    return invalid_meta("Invalid params: params must be an object");
  }
  const Value* meta = params->find("_meta");
  if (meta == nullptr) {
    return invalid_meta("Invalid params: params._meta is required in protocol revision 2026-07-28");
  }
  if (!meta->is_object()) {
    return invalid_meta("Invalid params: params._meta must be an object");
  }
  const Value* requested = meta->find(kMetaProtocolVersion);
  if (requested == nullptr || !requested->is_string()) {
    return invalid_meta("Invalid params: params._meta[\"" + std::string(kMetaProtocolVersion) +
                        "\"] must be a string");
  }
  const Value* capabilities = meta->find(kMetaClientCapabilities);
  if (capabilities == nullptr || !capabilities->is_object()) {
    return invalid_meta("Invalid params: params._meta[\"" + std::string(kMetaClientCapabilities) +
                        "\"] must be an object");
  }
  version = requested->as_string();
  return std::nullopt;
}

std::optional<Refusal> check_standard_headers(const StandardHeaders& headers, std::string_view method,
                                              const Value* params, std::string_view meta_version) {
  if (!headers.present) {
    return std::nullopt;
  }
  if (auto refused = compare_header(headers.protocol_version, "MCP-Protocol-Version", meta_version,
                                    "_meta protocolVersion")) {
    return refused;
  }
  if (auto refused = compare_header(headers.method, "Mcp-Method", method, "method")) {
    return refused;
  }
  if (method != "tools/call") {
    return std::nullopt;
  }
  // A tools/call without a string name is malformed; tools/call says so
  // (-32602) whatever the header holds.
  const Value* name = (params != nullptr && params->is_object()) ? params->find("name") : nullptr;
  if (name == nullptr || !name->is_string()) {
    return std::nullopt;
  }
  if (!headers.name) {
    return header_mismatch("Header mismatch: the Mcp-Name header is required for tools/call");
  }
  std::optional<std::string> decoded = decode_header_value(*headers.name);
  if (!decoded) {
    return header_mismatch("Header mismatch: Mcp-Name is not valid Base64 inside =?base64?...?=");
  }
  return compare_header(decoded, "Mcp-Name", name->as_string(), "params.name");
}

std::optional<std::string> decode_header_value(std::string_view value) {
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (value.size() < kPrefix.size() + kSuffix.size() || value.substr(0, kPrefix.size()) != kPrefix ||
      value.substr(value.size() - kSuffix.size()) != kSuffix) {
    return std::string(value);  // literal (an upper-case marker is literal too)
  }
  std::string_view payload = value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size());
  if (payload.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(payload.size() / 4 * 3);
  for (size_t i = 0; i < payload.size(); i += 4) {
    bool last = i + 4 == payload.size();
    uint32_t bits = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = payload[i + j];
      if (c == '=') {
        // Padding only at the end of the last quantum, at most two.
        if (!last || j < 2) {
          return std::nullopt;
        }
        ++pad;
        bits <<= 6;
        continue;
      }
      int digit = base64_digit(c);
      if (digit < 0 || pad > 0) {
        return std::nullopt;
      }
      bits = (bits << 6) | static_cast<uint32_t>(digit);
    }
    out.push_back(static_cast<char>((bits >> 16) & 0xFF));
    if (pad < 2) {
      out.push_back(static_cast<char>((bits >> 8) & 0xFF));
    }
    if (pad < 1) {
      out.push_back(static_cast<char>(bits & 0xFF));
    }
  }
  return out;
}

}  // namespace sigma::mcp
