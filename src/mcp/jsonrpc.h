// JSON-RPC 2.0 envelope: classifying an incoming message and building replies.
//
// Owns: the standard error codes, the rules for what makes a request, a
// notification or a (client-sent) response, and how an error names an id it
// could not read. Must not: dispatch methods or know about transports.
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "json/value.h"
#include "mcp/protocol.h"

namespace sigma::mcp {

// JSON-RPC 2.0 §5.1 plus the MCP-defined codes we use (2026-07-28
// basic/index.mdx, Error Codes: HeaderMismatch; basic/versioning.mdx:
// UnsupportedProtocolVersionError).
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kUnsupportedProtocolVersion = -32022;

enum class MessageKind {
  kRequest,       // string method and a valid id: must be answered
  kNotification,  // string method and no id member: never answered
  kResponse,      // no method, has result or error: a client answering us; ignored
  kInvalid,       // anything else: answered with -32600
};

// A view into one parsed message. Pointers and views refer into the message.
struct Envelope {
  MessageKind kind = MessageKind::kInvalid;
  // Set whenever the id member is a valid id (always for kRequest), so an
  // invalid request's error can still echo it.
  const json::Value* id = nullptr;
  std::string_view method;               // kRequest, kNotification
  const json::Value* params = nullptr;   // nullptr when absent
  std::string problem;                   // kInvalid: the -32600 message
};

// Classifies `message` (any JSON value). A member named "id" with a value that
// is not a string or an integer lexeme makes a message invalid, even when it
// carries a method (MCP basic/index.mdx: ids are strings or integers, never
// null). A message with a string method and no id is a notification whatever
// else is wrong with it, because notifications are never answered.
Envelope classify(const json::Value& message);

// True for a string or a number written as an integer ("12", "-3"; not "1.0",
// "1e2"), the only id forms MCP allows.
bool is_valid_id(const json::Value& id);

// How an error reply names an id it could not read.
enum class UnreadableId { kNull, kOmit };
UnreadableId unreadable_id_for(Revision revision);

// {"jsonrpc":"2.0","id":<id>,"result":<result>}
json::Value make_result(const json::Value& id, json::Value result);

// {"jsonrpc":"2.0","id":<id>,"error":{"code":..,"message":..[,"data":..]}}.
// With `id` == nullptr the id is null or omitted per `unreadable`.
// `data` is left out when it is null.
json::Value make_error(const json::Value* id, UnreadableId unreadable, int code, std::string message,
                       json::Value data = json::Value());

// Client text echoed in an error message (a header value, a tool name):
// at most 128 bytes, every byte outside printable ASCII replaced by '?'. A
// header may carry obs-text bytes (RFC 9110 §5.5) that are not UTF-8, and
// the reply must stay valid JSON text (RFC 8259 §8.1).
std::string echo_safe(std::string_view text);

// The number of elements of a body that is a JSON array, counted without
// parsing (strings, escapes and nesting are skipped), up to `stop_after`; 0
// for a body that is not an array. For a malformed body the count is only
// an estimate, and the parser reports the error.
size_t count_batch_elements(std::string_view body, size_t stop_after);

}  // namespace sigma::mcp
