// The listener decision of SPEC §4: may the MCP listener serve, on which
// addresses, and with or without the bearer token.
//
//   bind          token   decision
//   loopback      unset   serve, no authentication (local default)
//   loopback      set     serve, token enforced (defence in depth)
//   not loopback  unset   refuse: one loud error line naming both settings
//   not loopback  set     serve, token enforced
//
// A bind host is loopback only if EVERY address it resolved to is loopback
// (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) and none is a wildcard; a host
// that resolved to nothing is not loopback and is refused even with a token.
//
// Owns: that rule over a list of resolved addresses, the decision, and the
// one-sentence summary the daemon logs and --check-config prints.
// Must not: resolve names or see sockets (the caller passes what
// net::resolve_bind found, and binds exactly those addresses when the plan
// serves), log, or see the token.
// Threading: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sigma::auth {

// One address the bind host resolved to, as net/socket classified it.
struct CandidateAddress {
  std::string text;  // "127.0.0.1:9103", "[::1]:9103": for the reason only
  bool is_loopback = false;
  bool is_wildcard = false;
};

// What resolving the bind host gave: every address in resolution order, or
// none and why ("db.internal cannot be resolved (…)").
struct BindCandidates {
  std::vector<CandidateAddress> addresses;
  std::string error;
};

// The "every address" rule.
struct BindVerdict {
  bool resolved = false;     // at least one address
  bool is_loopback = false;  // resolved, every address loopback, none a wildcard
  // Why, beginning with the host: "localhost resolves only to loopback
  // (127.0.0.1:9103, [::1]:9103)", "h resolves to non-loopback address
  // 10.1.2.3:9103; not loopback", "0.0.0.0 is a wildcard address (…)".
  std::string reason;
};

// Applies the rule to what `host` (as the operator wrote it, without
// brackets) resolved to. The first address that is a wildcard or not
// loopback decides the reason, whatever its position in the list.
BindVerdict classify_bind(std::string_view host, const BindCandidates& candidates);

enum class ListenerDecision {
  kDisabled,         // AGENT_MCP_ENABLED=false
  kServeOpen,        // loopback, no token
  kServeWithToken,   // token enforced (loopback or not)
  kRefuseUnresolved, // the bind host resolved to nothing
  kRefuseNoToken,    // not loopback and no token: SPEC §4 refusal
};

struct McpListenerInput {
  bool enabled = true;
  std::string bind_text;            // AGENT_MCP_BIND as written, for the summary
  std::string bind_host;            // its host, brackets removed
  BindCandidates candidates;        // what that host and port resolved to
  bool token_configured = false;    // AGENT_MCP_TOKEN or AGENT_MCP_TOKEN_FILE set
};

struct ListenerPlan {
  ListenerDecision decision = ListenerDecision::kDisabled;
  BindVerdict bind;
  // One sentence for the log and --check-config; never contains a secret.
  std::string summary;
  // Extra lines the caller logs as warnings (clear text off loopback).
  std::vector<std::string> warnings;

  bool serve() const {
    return decision == ListenerDecision::kServeOpen || decision == ListenerDecision::kServeWithToken;
  }
  bool token_enforced() const { return decision == ListenerDecision::kServeWithToken; }
  // A refusal: the caller logs `summary` as one error line and keeps running.
  bool refused() const {
    return decision == ListenerDecision::kRefuseUnresolved || decision == ListenerDecision::kRefuseNoToken;
  }
};

// SPEC §4's table for the MCP listener.
ListenerPlan plan_mcp_listener(const McpListenerInput& input);

}  // namespace sigma::auth
