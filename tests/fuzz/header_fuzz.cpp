// libFuzzer harness for the auth module: bearer extraction, the token
// comparator, the Origin parser and matcher, the Host check and the decision
// order of check().
//
// Input: byte 0 holds flags (listener loopback, token configured, token taken
// from the presented credentials, explicit origin list, two Authorization
// fields, Origin absent, Host absent); the rest splits at the first two '\n'
// into the Authorization value, the Origin value and the Host value (which
// keeps any further newlines).
// Checks: the invariants below; any violation aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/origin.h"
#include "auth/policy.h"
#include "auth/token.h"
#include "base/strings.h"

namespace {

using namespace sigma::auth;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

bool is_subview(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

void check_comparator(std::string_view a, std::string_view b) {
  const std::string a_copy(a);
  require(tokens_equal(a_copy, a) == !a.empty());
  require(!tokens_equal(a_copy + "a", a));
  require(!tokens_equal(a, a_copy + "a"));
  require(tokens_equal(a, b) == (a == b && !b.empty()));
  require(tokens_equal(b, a) == (a == b && !a.empty()));
}

void check_bearer(std::string_view value) {
  std::optional<std::string_view> token = bearer_token(value);
  if (!token) {
    return;
  }
  require(!token->empty());
  require(is_token68(*token));
  require(is_subview(*token, value));
  require(is_bearer_scheme(value));
  const std::string rebuilt = "bEaReR " + std::string(*token);
  std::optional<std::string_view> again = bearer_token(rebuilt);
  require(again.has_value() && *again == *token);
  require(!bearer_token(rebuilt + " x").has_value());
}

void check_origin(std::string_view value) {
  std::optional<OriginParts> origin = parse_origin(value);
  if (value == "null") {
    require(!origin.has_value());
  }
  if (!origin) {
    require(!origin_allowed(value, {std::string(value)}));
    require(!origin_allowed(value, {}));
    return;
  }
  require(is_subview(origin->scheme, value));
  require(is_subview(origin->host, value));
  require(origin->port >= -1 && origin->port <= 65535);
  const std::string serialized = serialize_origin(*origin);
  std::optional<OriginParts> reparsed = parse_origin(serialized);
  require(reparsed.has_value());
  require(same_origin(*origin, *reparsed));
  require(serialize_origin(*reparsed) == serialized);
  require(origin_allowed(value, {std::string(value)}));
  require(origin_allowed(value, {serialized}));
  require(origin_allowed(value, {}) == is_loopback_origin(*origin));
  require(!origin_allowed(value, {"http://example.invalid:1"}) || same_origin(*origin, *parse_origin("http://example.invalid:1")));
}

void check_host(std::string_view value) {
  const bool loopback = is_loopback_host_header(value);
  require(is_loopback_host_header(sigma::to_lower(value)) == loopback);
  if (loopback) {
    for (char c : value) {
      require(c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '/' && c != '@');
    }
  }
}

void check_policy(uint8_t flags, std::string_view authorization, std::string_view origin,
                  std::string_view host) {
  const bool loopback = (flags & 0x01) != 0;
  const bool has_token = (flags & 0x02) != 0;
  const bool token_from_request = (flags & 0x04) != 0;
  const bool explicit_origins = (flags & 0x08) != 0;
  const bool two_authorizations = (flags & 0x10) != 0;
  const bool no_origin = (flags & 0x20) != 0;
  const bool no_host = (flags & 0x40) != 0;

  std::string token = "fuzz-token-0123456789";
  if (token_from_request) {
    std::optional<std::string_view> presented = bearer_token(authorization);
    if (presented) {
      token.assign(*presented);
    }
  }
  const std::vector<std::string> origins = {std::string(origin), "https://console.example.com"};
  const std::string authorization_s(authorization);
  const std::string origin_s(origin);
  const std::string host_s(host);

  Policy policy;
  policy.bind_is_loopback = loopback;
  policy.token = has_token ? &token : nullptr;
  policy.allowed_origins = explicit_origins ? &origins : nullptr;
  RequestCredentials request;
  request.authorization = &authorization_s;
  request.authorization_count = two_authorizations ? 2 : 1;
  request.origin = no_origin ? nullptr : &origin_s;
  request.host = no_host ? nullptr : &host_s;

  Verdict v = check(policy, request);
  // The reason is a static phrase: never a view into the request or the
  // token, and (its longest word has 13 letters) it cannot contain a
  // token68 run of 14 or more bytes.
  require(!v.reason.empty());
  require(!is_subview(v.reason, token) && !is_subview(v.reason, authorization_s) &&
          !is_subview(v.reason, origin_s) && !is_subview(v.reason, host_s));
  if (token.size() >= 14) {
    require(v.reason.find(token) == std::string_view::npos);
  }
  const bool origin_ok = no_origin || origin_allowed(origin, explicit_origins ? origins : std::vector<std::string>{});
  const bool host_ok = !loopback || (!no_host && is_loopback_host_header(host));
  // Order: Origin, then Host, then the token.
  if (!origin_ok) {
    require(v.decision == Decision::kForbiddenOrigin);
    return;
  }
  if (!host_ok) {
    require(v.decision == Decision::kForbiddenHost);
    return;
  }
  if (!has_token) {
    require(v.decision == (loopback ? Decision::kAllow : Decision::kUnauthorized));
    require(v.no_token_configured == !loopback);
    return;
  }
  std::optional<std::string_view> presented = bearer_token(authorization);
  const bool should_allow = !two_authorizations && presented && *presented == token;
  require((v.decision == Decision::kAllow) == should_allow);
  if (!should_allow) {
    require(v.decision == Decision::kUnauthorized);
    require(sigma::istarts_with(www_authenticate(v), "Bearer realm=\"sigma-agent\""));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t first = rest.find('\n');
  std::string_view authorization = rest.substr(0, first);
  std::string_view origin;
  std::string_view host;
  if (first != std::string_view::npos) {
    std::string_view tail = rest.substr(first + 1);
    size_t second = tail.find('\n');
    origin = tail.substr(0, second);
    if (second != std::string_view::npos) {
      host = tail.substr(second + 1);
    }
  }
  check_comparator(authorization, origin);
  check_comparator(host, authorization);
  check_bearer(authorization);
  check_bearer(host);
  check_origin(origin);
  check_origin(host);
  check_host(host);
  check_host(origin);
  check_policy(flags, authorization, origin, host);
  return 0;
}
