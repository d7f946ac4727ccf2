#include "auth/policy.h"

#include "auth/origin.h"
#include "auth/token.h"

namespace sigma::auth {
namespace {

Verdict make(Decision decision, std::string_view reason, BearerError error = BearerError::kNone) {
  Verdict v;
  v.decision = decision;
  v.bearer_error = error;
  v.reason = reason;
  return v;
}

}  // namespace

Verdict check(const Policy& policy, const RequestCredentials& request) {
  static const std::vector<std::string> kNoOrigins;
  // 1. Origin first: a browser page on another site must not reach the
  //    tools, token or not (MCP transport security; RFC 6454 §7.3 for "null").
  if (request.origin_count > 1) {
    // RFC 6454 §7.3 allows one Origin field; with two, the checks and a
    // browser or proxy could read different ones.
    return make(Decision::kForbiddenOrigin, "several Origin header fields");
  }
  if (request.origin != nullptr) {
    if (*request.origin == "null") {
      return make(Decision::kForbiddenOrigin, "opaque Origin \"null\" is never allowed");
    }
    const std::vector<std::string>& allowed =
        policy.allowed_origins != nullptr ? *policy.allowed_origins : kNoOrigins;
    if (!parse_origin(*request.origin)) {
      return make(Decision::kForbiddenOrigin, "malformed Origin header");
    }
    if (!origin_allowed(*request.origin, allowed, policy.loopback_origin_port)) {
      return make(Decision::kForbiddenOrigin,
                  allowed.empty() ? "Origin is not a loopback origin" : "Origin is not in the allowed list");
    }
  }
  // 2. Host: DNS rebinding points an attacker's name at 127.0.0.1; the
  //    browser then sends that name as Host. Only a loopback listener can
  //    know that every legitimate Host is a loopback name.
  if (policy.bind_is_loopback) {
    if (request.host == nullptr) {
      return make(Decision::kForbiddenHost, "missing Host header");
    }
    if (!is_loopback_host_header(*request.host)) {
      return make(Decision::kForbiddenHost, "Host does not name a loopback host");
    }
  }
  // 3. Token.
  if (policy.token == nullptr || policy.token->empty()) {
    if (policy.bind_is_loopback) {
      return make(Decision::kAllow, "loopback listener without a token");
    }
    Verdict v = make(Decision::kUnauthorized, "no token configured on a non-loopback listener");
    v.no_token_configured = true;
    return v;
  }
  if (request.authorization_count <= 0 || request.authorization == nullptr) {
    return make(Decision::kUnauthorized, "missing Authorization header");
  }
  if (request.authorization_count > 1) {
    return make(Decision::kUnauthorized, "several Authorization headers", BearerError::kInvalidRequest);
  }
  std::optional<std::string_view> presented = bearer_token(*request.authorization);
  if (!presented) {
    // RFC 6750 §3.1: another scheme gets the bare challenge; a malformed
    // Bearer credential is an invalid token.
    if (is_bearer_scheme(*request.authorization)) {
      return make(Decision::kUnauthorized, "malformed Bearer credentials", BearerError::kInvalidToken);
    }
    return make(Decision::kUnauthorized, "Authorization scheme is not Bearer");
  }
  if (!tokens_equal(*presented, *policy.token)) {
    return make(Decision::kUnauthorized, "bearer token does not match", BearerError::kInvalidToken);
  }
  return make(Decision::kAllow, "bearer token accepted");
}

std::string www_authenticate(const Verdict& verdict) {
  std::string out = "Bearer realm=\"sigma-agent\"";
  switch (verdict.bearer_error) {
    case BearerError::kNone:
      break;
    case BearerError::kInvalidRequest:
      out += ", error=\"invalid_request\"";
      break;
    case BearerError::kInvalidToken:
      out += ", error=\"invalid_token\"";
      break;
  }
  return out;
}

}  // namespace sigma::auth
