// SPEC §4's listener table, row by row, and the "every resolved address is
// loopback" rule over real resolutions and over mixed lists no resolver on a
// test machine would produce.
#include "auth/listener_policy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/socket.h"

namespace sigma::auth {
namespace {

// What app/plan hands the policy: net/socket's resolution, as text and flags.
BindCandidates resolved(const std::string& host) {
  net::BindResolution r = net::resolve_bind(net::HostPort{host, 9103});
  BindCandidates c;
  c.error = r.error;
  for (const net::BindAddress& a : r.addresses) {
    c.addresses.push_back({a.address.to_string(), a.is_loopback, a.is_wildcard});
  }
  return c;
}

CandidateAddress loopback(const std::string& text) { return {text, true, false}; }
CandidateAddress remote(const std::string& text) { return {text, false, false}; }
CandidateAddress wildcard(const std::string& text) { return {text, false, true}; }

McpListenerInput input(const std::string& host, BindCandidates candidates, bool token) {
  McpListenerInput in;
  in.bind_text = host + ":9103";
  in.bind_host = host;
  in.candidates = std::move(candidates);
  in.token_configured = token;
  return in;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("SPEC §4 table: each row of bind class and token gives its decision") {
  struct Row {
    const char* host;
    bool token;
    ListenerDecision decision;
    const char* summary_part;
  };
  const Row rows[] = {
      {"127.0.0.1", false, ListenerDecision::kServeOpen, "no token: local clients need no authentication"},
      {"127.0.0.1", true, ListenerDecision::kServeWithToken, "token enforced"},
      {"10.1.2.3", false, ListenerDecision::kRefuseNoToken, "AGENT_MCP_TOKEN is not set"},
      {"10.1.2.3", true, ListenerDecision::kServeWithToken, "token enforced"},
      {"0.0.0.0", false, ListenerDecision::kRefuseNoToken, "wildcard"},
      {"0.0.0.0", true, ListenerDecision::kServeWithToken, "wildcard"},
  };
  for (const Row& row : rows) {
    SUBCASE((std::string(row.host) + (row.token ? " with token" : " without token")).c_str()) {
      ListenerPlan plan = plan_mcp_listener(input(row.host, resolved(row.host), row.token));
      CHECK(plan.decision == row.decision);
      CHECK_MESSAGE(contains(plan.summary, row.summary_part), plan.summary);
      CHECK(contains(plan.summary, std::string("AGENT_MCP_BIND=") + row.host + ":9103"));
      CHECK(plan.serve() != plan.refused());
      CHECK(plan.token_enforced() == (row.decision == ListenerDecision::kServeWithToken));
    }
  }
}

TEST_CASE("a refusal names both settings and the way out in one sentence") {
  ListenerPlan plan = plan_mcp_listener(input("10.1.2.3", resolved("10.1.2.3"), false));
  CHECK(plan.refused());
  CHECK(contains(plan.summary, "MCP refused to start"));
  CHECK(contains(plan.summary, "AGENT_MCP_TOKEN_FILE"));
  CHECK(contains(plan.summary, "127.0.0.1"));
  CHECK(plan.summary.find('\n') == std::string::npos);
}

TEST_CASE("serving off loopback with a token warns that nothing is encrypted") {
  CHECK(plan_mcp_listener(input("10.1.2.3", resolved("10.1.2.3"), true)).warnings.size() == 1);
  CHECK(plan_mcp_listener(input("127.0.0.1", resolved("127.0.0.1"), true)).warnings.empty());
}

TEST_CASE("disabled MCP opens nothing and refuses nothing") {
  McpListenerInput in = input("0.0.0.0", resolved("0.0.0.0"), false);
  in.enabled = false;
  ListenerPlan plan = plan_mcp_listener(in);
  CHECK(plan.decision == ListenerDecision::kDisabled);
  CHECK_FALSE(plan.serve());
  CHECK_FALSE(plan.refused());
  CHECK(contains(plan.summary, "AGENT_MCP_ENABLED=false"));
}

TEST_CASE("classification edge cases of real binds") {
  struct Case {
    const char* host;
    bool loopback;
    const char* reason_part;
  };
  const Case cases[] = {
      {"127.0.0.1", true, "resolves only to loopback (127.0.0.1:9103)"},
      {"127.0.0.2", true, "resolves only to loopback (127.0.0.2:9103)"},
      {"::1", true, "resolves only to loopback ([::1]:9103)"},
      {"::ffff:127.0.0.1", true, "loopback (127.0.0.1:9103)"},
      {"localhost", true, "(127.0.0.1:9103, [::1]:9103)"},
      {"0.0.0.0", false, "is a wildcard address (0.0.0.0:9103"},
      {"::", false, "is a wildcard address ([::]:9103"},
      {"::ffff:0.0.0.0", false, "wildcard"},
      {"::ffff:10.1.2.3", false, "non-loopback address 10.1.2.3:9103"},
      {"no-such-host.invalid", false, "cannot be resolved"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.host) {
      BindVerdict v = classify_bind(c.host, resolved(c.host));
      CHECK(v.is_loopback == c.loopback);
      CHECK_MESSAGE(contains(v.reason, c.reason_part), v.reason);
      CHECK(v.reason.rfind(c.host, 0) == 0);
    }
  }
}

TEST_CASE("every resolved address must be loopback, wherever the other one sits in the list") {
  struct Case {
    const char* name;
    std::vector<CandidateAddress> addresses;
    const char* reason_part;
  };
  const Case cases[] = {
      {"loopback first, private second", {loopback("127.0.0.1:9103"), remote("10.1.2.3:9103")},
       "non-loopback address 10.1.2.3:9103"},
      {"private first", {remote("10.1.2.3:9103"), loopback("127.0.0.1:9103")}, "non-loopback address 10.1.2.3:9103"},
      {"loopback then wildcard", {loopback("[::1]:9103"), wildcard("0.0.0.0:9103")}, "wildcard address (0.0.0.0:9103"},
      {"three, the last public",
       {loopback("127.0.0.1:9103"), loopback("[::1]:9103"), remote("[2001:db8::1]:9103")},
       "[2001:db8::1]:9103"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      BindCandidates candidates;
      candidates.addresses = c.addresses;
      BindVerdict v = classify_bind("mixed.example", candidates);
      CHECK(v.resolved);
      CHECK_FALSE(v.is_loopback);
      CHECK_MESSAGE(contains(v.reason, c.reason_part), v.reason);
      // And so the listener without a token is refused, with one it serves.
      CHECK(plan_mcp_listener(input("mixed.example", candidates, false)).decision ==
            ListenerDecision::kRefuseNoToken);
      CHECK(plan_mcp_listener(input("mixed.example", candidates, true)).decision ==
            ListenerDecision::kServeWithToken);
    }
  }
  BindCandidates all_loopback;
  all_loopback.addresses = {loopback("127.0.0.1:9103"), loopback("[::1]:9103")};
  CHECK(classify_bind("both.example", all_loopback).is_loopback);
}

TEST_CASE("a host that resolves to nothing is refused even with a token") {
  BindCandidates none;
  none.error = "db.internal cannot be resolved (Name or service not known)";
  for (bool token : {false, true}) {
    ListenerPlan plan = plan_mcp_listener(input("db.internal", none, token));
    CHECK(plan.decision == ListenerDecision::kRefuseUnresolved);
    CHECK(plan.refused());
    CHECK(contains(plan.summary, "does not resolve"));
    CHECK(contains(plan.summary, "Name or service not known"));
  }
  BindCandidates silent;
  CHECK(contains(classify_bind("x", silent).reason, "x resolves to no address; not loopback"));
}

}  // namespace
}  // namespace sigma::auth
