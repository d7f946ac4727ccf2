#include "auth/listener_policy.h"

#include <utility>

namespace sigma::auth {

BindVerdict classify_bind(std::string_view host, const BindCandidates& candidates) {
  BindVerdict verdict;
  const std::string name(host);
  if (candidates.addresses.empty()) {
    verdict.reason = (candidates.error.empty() ? name + " resolves to no address" : candidates.error) +
                     "; not loopback";
    return verdict;
  }
  verdict.resolved = true;
  // Every address must be loopback: a name with one public address among
  // loopback ones would expose the listener bound to that address.
  for (const CandidateAddress& a : candidates.addresses) {
    if (a.is_wildcard) {
      verdict.reason = name + " is a wildcard address (" + a.text +
                       " listens on every interface); not loopback";
      return verdict;
    }
    if (!a.is_loopback) {
      verdict.reason = name + " resolves to non-loopback address " + a.text + "; not loopback";
      return verdict;
    }
  }
  verdict.is_loopback = true;
  verdict.reason = name + " resolves only to loopback (";
  for (size_t i = 0; i < candidates.addresses.size(); ++i) {
    if (i > 0) {
      verdict.reason += ", ";
    }
    verdict.reason += candidates.addresses[i].text;
  }
  verdict.reason += ")";
  return verdict;
}

ListenerPlan plan_mcp_listener(const McpListenerInput& input) {
  ListenerPlan plan;
  if (!input.enabled) {
    plan.decision = ListenerDecision::kDisabled;
    plan.summary = "MCP over HTTP is disabled (AGENT_MCP_ENABLED=false)";
    return plan;
  }
  plan.bind = classify_bind(input.bind_host, input.candidates);
  const std::string setting = "AGENT_MCP_BIND=" + input.bind_text;
  if (!plan.bind.resolved) {
    // Fail closed even with a token: there is nothing classified to bind.
    plan.decision = ListenerDecision::kRefuseUnresolved;
    plan.summary = "MCP not started: " + setting + " does not resolve (" + plan.bind.reason + ")";
    return plan;
  }
  if (plan.bind.is_loopback) {
    plan.decision = input.token_configured ? ListenerDecision::kServeWithToken : ListenerDecision::kServeOpen;
    plan.summary = setting + " is loopback (" + plan.bind.reason + "); " +
                   (input.token_configured ? "token enforced" : "no token: local clients need no authentication");
  } else if (input.token_configured) {
    plan.decision = ListenerDecision::kServeWithToken;
    plan.summary = setting + " is not loopback (" + plan.bind.reason + "); token enforced";
    // SPEC §7: no TLS library is linked.
    plan.warnings.push_back(
        "MCP is served off loopback without TLS: the bearer token and every reply cross the network in clear "
        "text; keep AGENT_MCP_BIND on a private network or put a TLS forwarder in front");
  } else {
    plan.decision = ListenerDecision::kRefuseNoToken;
    plan.summary = "MCP refused to start: " + setting + " is not loopback (" + plan.bind.reason +
                   ") and AGENT_MCP_TOKEN is not set; set AGENT_MCP_TOKEN_FILE or AGENT_MCP_TOKEN, or bind "
                   "AGENT_MCP_BIND to 127.0.0.1";
  }
  return plan;
}

}  // namespace sigma::auth
