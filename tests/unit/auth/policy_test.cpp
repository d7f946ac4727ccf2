#include "auth/policy.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

namespace sigma::auth {
namespace {

const std::string kToken = "correct-horse-battery-staple";

// Builds the inputs from optional strings; keeps the strings alive.
struct Request {
  std::optional<std::string> origin;
  std::optional<std::string> host = std::string("127.0.0.1:9103");
  std::vector<std::string> authorization;
  int origin_count = -1;  // -1: one per origin given

  Verdict check_with(const Policy& policy) const {
    RequestCredentials c;
    c.origin = origin ? &*origin : nullptr;
    c.origin_count = origin_count >= 0 ? origin_count : (origin ? 1 : 0);
    c.host = host ? &*host : nullptr;
    c.authorization = authorization.empty() ? nullptr : &authorization.front();
    c.authorization_count = static_cast<int>(authorization.size());
    return check(policy, c);
  }
};

Policy loopback_policy(const std::string* token = nullptr, const std::vector<std::string>* origins = nullptr) {
  Policy p;
  p.bind_is_loopback = true;
  p.token = token;
  p.allowed_origins = origins;
  return p;
}

Policy public_policy(const std::string* token, const std::vector<std::string>* origins = nullptr) {
  Policy p = loopback_policy(token, origins);
  p.bind_is_loopback = false;
  return p;
}

TEST_CASE("the SPEC table: loopback without a token allows a plain local request") {
  Request r;
  Verdict v = r.check_with(loopback_policy());
  CHECK(v.decision == Decision::kAllow);
}

TEST_CASE("the SPEC table: a token, when configured, is enforced on loopback too") {
  Policy p = loopback_policy(&kToken);
  Request r;
  SUBCASE("missing") {
    Verdict v = r.check_with(p);
    CHECK(v.decision == Decision::kUnauthorized);
    CHECK(v.bearer_error == BearerError::kNone);
    CHECK(www_authenticate(v) == "Bearer realm=\"sigma-agent\"");
  }
  SUBCASE("right") {
    r.authorization = {"Bearer " + kToken};
    CHECK(r.check_with(p).decision == Decision::kAllow);
  }
  SUBCASE("right, scheme in lower case") {
    r.authorization = {"bearer " + kToken};
    CHECK(r.check_with(p).decision == Decision::kAllow);
  }
  SUBCASE("wrong") {
    r.authorization = {"Bearer " + kToken + "x"};
    Verdict v = r.check_with(p);
    CHECK(v.decision == Decision::kUnauthorized);
    CHECK(v.bearer_error == BearerError::kInvalidToken);
    CHECK(www_authenticate(v) == "Bearer realm=\"sigma-agent\", error=\"invalid_token\"");
  }
  SUBCASE("malformed Bearer") {
    r.authorization = {"Bearer " + kToken + " extra"};
    Verdict v = r.check_with(p);
    CHECK(v.decision == Decision::kUnauthorized);
    CHECK(v.bearer_error == BearerError::kInvalidToken);
  }
  SUBCASE("another scheme gets the bare challenge") {
    r.authorization = {"Basic " + kToken};
    Verdict v = r.check_with(p);
    CHECK(v.decision == Decision::kUnauthorized);
    CHECK(v.bearer_error == BearerError::kNone);
  }
  SUBCASE("two Authorization headers, even if one is right") {
    r.authorization = {"Bearer " + kToken, "Bearer " + kToken};
    Verdict v = r.check_with(p);
    CHECK(v.decision == Decision::kUnauthorized);
    CHECK(v.bearer_error == BearerError::kInvalidRequest);
    CHECK(www_authenticate(v) == "Bearer realm=\"sigma-agent\", error=\"invalid_request\"");
  }
}

TEST_CASE("the SPEC table: a non-loopback listener without a token fails closed") {
  Request r;
  r.host = "203.0.113.5:9103";
  r.authorization = {"Bearer anything"};
  const std::string empty;
  for (const std::string* token : {static_cast<const std::string*>(nullptr), &empty}) {
    Verdict v = r.check_with(public_policy(token));
    CHECK(v.decision == Decision::kUnauthorized);
    CHECK(v.no_token_configured);
  }
}

TEST_CASE("the SPEC table: a non-loopback listener with a token enforces it and ignores Host") {
  Policy p = public_policy(&kToken);
  Request r;
  r.host = "node7.example.net:9103";
  CHECK(r.check_with(p).decision == Decision::kUnauthorized);
  r.authorization = {"Bearer " + kToken};
  CHECK(r.check_with(p).decision == Decision::kAllow);
  r.host.reset();
  CHECK(r.check_with(p).decision == Decision::kAllow);
}

TEST_CASE("on a loopback listener the Host header must name a loopback host") {
  Policy p = loopback_policy();
  Request r;
  for (const char* good : {"localhost", "LOCALHOST:9103", "127.0.0.1", "127.9.9.9:80", "[::1]", "[::1]:9103"}) {
    r.host = good;
    CHECK_MESSAGE(r.check_with(p).decision == Decision::kAllow, good);
  }
  for (const char* bad : {"evil.example.com", "evil.example.com:9103", "localhost:x", "10.0.0.1", ""}) {
    r.host = bad;
    Verdict v = r.check_with(p);
    CHECK_MESSAGE(v.decision == Decision::kForbiddenHost, bad);
  }
  r.host.reset();
  CHECK(r.check_with(p).decision == Decision::kForbiddenHost);
}

TEST_CASE("Origin: absent is allowed, present must be allowed, null never is") {
  Request r;
  SUBCASE("default policy: loopback origins on any port") {
    Policy p = loopback_policy();
    r.origin = "http://localhost:6274";
    CHECK(r.check_with(p).decision == Decision::kAllow);
    r.origin = "http://evil.example.com";
    CHECK(r.check_with(p).decision == Decision::kForbiddenOrigin);
    r.origin = "null";
    CHECK(r.check_with(p).decision == Decision::kForbiddenOrigin);
    r.origin = "http://localhost:6274/path";
    CHECK(r.check_with(p).decision == Decision::kForbiddenOrigin);
  }
  SUBCASE("default policy pinned to the MCP port") {
    Policy p = loopback_policy();
    p.loopback_origin_port = 9103;
    r.origin = "http://localhost:9103";
    CHECK(r.check_with(p).decision == Decision::kAllow);
    r.origin = "http://localhost:6274";
    CHECK(r.check_with(p).decision == Decision::kForbiddenOrigin);
  }
  SUBCASE("explicit list") {
    const std::vector<std::string> allowed = {"https://console.example.com"};
    Policy p = public_policy(&kToken, &allowed);
    r.authorization = {"Bearer " + kToken};
    r.origin = "https://console.example.com";
    CHECK(r.check_with(p).decision == Decision::kAllow);
    r.origin = "http://localhost:6274";
    CHECK(r.check_with(p).decision == Decision::kForbiddenOrigin);
    const std::vector<std::string> null_listed = {"null"};
    r.origin = "null";
    CHECK(r.check_with(public_policy(&kToken, &null_listed)).decision == Decision::kForbiddenOrigin);
  }
}

TEST_CASE("several Origin fields are refused whatever the first one says") {
  Request r;
  r.origin = "http://127.0.0.1:9103";
  CHECK(r.check_with(loopback_policy()).decision == Decision::kAllow);
  r.origin_count = 2;
  Verdict v = r.check_with(loopback_policy());
  CHECK(v.decision == Decision::kForbiddenOrigin);
  CHECK(v.reason == "several Origin header fields");
}

TEST_CASE("DNS-rebinding checks come before the token check") {
  Policy p = loopback_policy(&kToken);
  Request r;
  r.origin = "http://evil.example.com";
  r.host = "evil.example.com";
  CHECK(r.check_with(p).decision == Decision::kForbiddenOrigin);  // Origin first
  r.origin.reset();
  CHECK(r.check_with(p).decision == Decision::kForbiddenHost);  // then Host
  r.authorization = {"Bearer " + kToken};
  CHECK(r.check_with(p).decision == Decision::kForbiddenHost);  // a valid token does not help
  r.host = "localhost";
  CHECK(r.check_with(p).decision == Decision::kAllow);
}

TEST_CASE("the log reason never contains the token or a header value") {
  Policy p = loopback_policy(&kToken);
  Request r;
  r.origin = "http://localhost:1";
  const std::vector<std::string> presented = {
      "Bearer " + kToken, "Bearer " + kToken + "x", "Bearer " + kToken.substr(1), "Basic " + kToken,
      "Bearer " + kToken + " " + kToken};
  for (const std::string& a : presented) {
    r.authorization = {a};
    Verdict v = r.check_with(p);
    CHECK_FALSE(v.reason.empty());
    CHECK(v.reason.find(kToken.substr(0, 8)) == std::string_view::npos);
    CHECK(v.reason.find(kToken.substr(1, 8)) == std::string_view::npos);
    CHECK(v.reason.find("localhost:1") == std::string_view::npos);
  }
}

}  // namespace
}  // namespace sigma::auth
