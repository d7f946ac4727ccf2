// The request rules of the stateless era (2026-07-28) that hold for every
// method: which era a message belongs to, the required params._meta keys, and
// the HTTP Standard Request Headers compared with the body.
//
// Owns: the era router (checklist 1.1 REC order), the _meta key names, the
// -32602 / -32020 refusals of a stateless request, and the Base64 sentinel of
// header values (2026-07-28 basic/transports/streamable-http.mdx, Value
// Encoding).
// Must not: know HTTP beyond the three header values the transport hands in,
// dispatch methods, or keep anything between calls (the era is stateless:
// basic/index.mdx, Statelessness).
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "json/value.h"

namespace sigma::mcp {

inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
inline constexpr std::string_view kMetaProgressToken = "progressToken";

enum class Era {
  kHandshake,  // 2024-11-05 .. 2025-11-25: initialize, then the negotiated revision
  kStateless,  // 2026-07-28: every request carries its version in params._meta
};

// The era of one message (not a batch), checklist 1.1 REC:
//   1. method "initialize"                         → handshake (always legacy rules);
//   2. `version_header` names a stateless revision,
//      or params._meta has the protocolVersion key → stateless;
//   3. otherwise                                   → handshake (the header's
//      revision, or 2025-03-26 without one).
// A body whose _meta names a handshake-era version, or a handshake-era header
// with a stateless body, is stateless (1.1 ⚠SILENT): the stateless rules then
// answer -32022 or -32020, which tells a modern client exactly what is wrong.
Era route_era(const json::Value& message, const std::optional<std::string>& version_header);

// The Standard Request Headers as the HTTP transport received them (several
// field lines of one name joined with ", ", RFC 9110 §5.3). Only HTTP checks
// them (stdio has no headers: 2026-07-28 basic/transports/stdio.mdx).
struct StandardHeaders {
  bool present = false;  // true on HTTP: the header rules apply
  std::optional<std::string> protocol_version;  // MCP-Protocol-Version
  std::optional<std::string> method;            // Mcp-Method
  std::optional<std::string> name;              // Mcp-Name
};

// Why a stateless request is refused before its method runs.
struct Refusal {
  int code = 0;
  std::string message;
  json::Value data;  // null: no data member
};

// Checks params._meta of a stateless request (2026-07-28 basic/index.mdx,
// _meta; schema RequestParams): params an object, _meta an object holding
// the protocolVersion (a string) and clientCapabilities (an object). On
// success stores the requested version in `version` and returns nullopt;
// otherwise a -32602 refusal naming the missing or malformed field.
std::optional<Refusal> check_request_meta(const json::Value* params, std::string& version);

// Compares the headers with the body (streamable-http.mdx, Server
// Validation): MCP-Protocol-Version equals the _meta version, Mcp-Method
// equals `method`, and for tools/call Mcp-Name (after Base64-sentinel
// decoding) equals params.name when that is a string. Missing, different or
// malformed → a -32020 refusal naming the header. nullopt when `headers` is
// not present (stdio) or everything matches.
std::optional<Refusal> check_standard_headers(const StandardHeaders& headers, std::string_view method,
                                              const json::Value* params, std::string_view meta_version);

// Decodes a header value that uses the Base64 sentinel `=?base64?...?=`
// (exact, lower-case markers; standard alphabet with `=` padding). A value
// without both markers is literal and returned as is; a sentinel whose
// payload is not valid Base64 → nullopt.
std::optional<std::string> decode_header_value(std::string_view value);

}  // namespace sigma::mcp
