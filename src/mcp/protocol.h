// MCP protocol revisions: the list this server serves and what differs between them.
//
// Owns: the revision names, their order, and one predicate per behaviour that
// changes between revisions. Every renderer and rule in mcp/ asks a predicate
// here instead of comparing revisions itself, so serving a new revision means
// adding an enumerator, its name, and the predicates' answers for it.
// Must not: know about transports, JSON, or tools.
// Threading: constants and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sigma::mcp {

// Oldest first; the enumerator order is the chronological order.
enum class Revision : uint8_t {
  k2024_11_05,
  k2025_03_26,
  k2025_06_18,
  k2025_11_25,
  k2026_07_28,  // the stateless era: no initialize, per-request _meta
};

inline constexpr Revision kSupportedRevisions[] = {
    Revision::k2024_11_05,
    Revision::k2025_03_26,
    Revision::k2025_06_18,
    Revision::k2025_11_25,
    Revision::k2026_07_28,
};

// What `initialize` answers when the client asks for a version it cannot
// negotiate (lifecycle.mdx, Version Negotiation: reply with the newest
// supported one). `initialize` always means handshake-era rules
// (2026-07-28 basic/versioning.mdx), so a request for 2026-07-28 or an
// unknown version gets the newest handshake-era revision (checklist 1.2 REC).
inline constexpr Revision kLatestRevision = Revision::k2025_11_25;

// The newest revision; the first entry of every supported-versions list.
inline constexpr Revision kNewestRevision = Revision::k2026_07_28;

// A request without MCP-Protocol-Version and without any other way to know the
// negotiated version is served as 2025-03-26 (2025-06-18 transports.mdx,
// Protocol Version Header: the server SHOULD assume 2025-03-26).
inline constexpr Revision kRevisionWithoutHeader = Revision::k2025_03_26;

// "2025-06-18" for Revision::k2025_06_18.
std::string_view revision_name(Revision revision);

// The revision whose name is exactly `text` (no trimming, case-sensitive), or
// nullopt for anything this release does not serve.
std::optional<Revision> parse_revision(std::string_view text);

// <0, 0, >0 like strcmp, in chronological order.
constexpr int compare_revisions(Revision a, Revision b) {
  return static_cast<int>(a) - static_cast<int>(b);
}

// True when `revision` is `minimum` or newer.
constexpr bool at_least(Revision revision, Revision minimum) {
  return compare_revisions(revision, minimum) >= 0;
}

// --- Behaviour that differs between revisions -------------------------------

// The stateless era (2026-07-28 on): no initialize handshake; every request
// carries its version and capabilities in params._meta; results carry
// resultType and the server's identity in _meta; server/discover replaces
// initialize; ping and logging/setLevel are gone (2026-07-28 changelog #5).
constexpr bool is_stateless(Revision r) { return at_least(r, Revision::k2026_07_28); }

// CallToolResult.structuredContent may be any JSON value, not only an object
// (2026-07-28 schema CallToolResult).
constexpr bool allows_any_structured_content(Revision r) { return at_least(r, Revision::k2026_07_28); }

// JSON-RPC batches (JSON array bodies/lines): required in 2025-03-26, removed
// in 2025-06-18 (2025-06-18 changelog #1). 2024-11-05 is silent; JSON-RPC 2.0
// allows them, so we accept them there too.
constexpr bool allows_batches(Revision r) { return !at_least(r, Revision::k2025_06_18); }

// ProgressNotification.message exists from 2025-03-26 (2024-11-05 schema lacks it).
constexpr bool has_progress_message(Revision r) { return at_least(r, Revision::k2025_03_26); }

// Tool.annotations (ToolAnnotations) exist from 2025-03-26.
constexpr bool has_tool_annotations(Revision r) { return at_least(r, Revision::k2025_03_26); }

// Tool.title and Implementation.title (BaseMetadata) exist from 2025-06-18.
constexpr bool has_titles(Revision r) { return at_least(r, Revision::k2025_06_18); }

// Tool.outputSchema and CallToolResult.structuredContent exist from 2025-06-18.
constexpr bool has_structured_content(Revision r) { return at_least(r, Revision::k2025_06_18); }

// Implementation.description exists from 2025-11-25.
constexpr bool has_server_description(Revision r) { return at_least(r, Revision::k2025_11_25); }

// An error answering a message whose id could not be read: the 2025-11-25
// schema makes JSONRPCErrorResponse.id optional and not nullable, so the id is
// omitted; older schemas require an id, and JSON-RPC 2.0 §5 says null.
constexpr bool omits_unreadable_error_id(Revision r) { return at_least(r, Revision::k2025_11_25); }

// Tool arguments that fail inputSchema validation are a tool execution error
// (isError result) from 2025-11-25 (SEP-1303, 2025-11-25 changelog), and a
// JSON-RPC -32602 error before.
constexpr bool reports_invalid_arguments_as_tool_error(Revision r) {
  return at_least(r, Revision::k2025_11_25);
}

}  // namespace sigma::mcp
