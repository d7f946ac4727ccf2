// The request-level security decision of SPEC §4: DNS-rebinding checks
// (Origin, then Host) first, then the bearer token.
//
// Owns: the order of the checks and the mapping of each failure to a decision
// and a log reason. Must not: see the HTTP types (the glue fills
// RequestCredentials), log, or put the token or any header value in a reason.
// Threading: pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sigma::auth {

// What the listener is configured with. Pointers are borrowed for one call.
struct Policy {
  bool bind_is_loopback = true;
  // The token in force; nullptr or empty: none configured.
  const std::string* token = nullptr;
  // Exact origins allowed; nullptr or empty: the default loopback policy
  // (http/https origin whose host is localhost, 127.0.0.0/8 or [::1]).
  const std::vector<std::string>* allowed_origins = nullptr;
  // For the default policy only: the port a loopback origin must use; -1 = any.
  int loopback_origin_port = -1;
};

// What the request carries. Pointers are borrowed for one call.
struct RequestCredentials {
  const std::string* origin = nullptr;         // first Origin field, if any
  int origin_count = 0;                        // how many Origin fields
  const std::string* host = nullptr;           // Host field, if any
  const std::string* authorization = nullptr;  // an Authorization field, if any
  int authorization_count = 0;                 // how many Authorization fields
};

enum class Decision {
  kAllow,
  kUnauthorized,     // HTTP 401 + WWW-Authenticate (RFC 6750 §3)
  kForbiddenOrigin,  // HTTP 403: Origin present and not allowed
  kForbiddenHost,    // HTTP 403: loopback listener, Host not a loopback name
};

// RFC 6750 §3.1 error codes for the WWW-Authenticate challenge.
enum class BearerError {
  kNone,            // no credentials, or another scheme: no error attribute
  kInvalidRequest,  // several Authorization fields
  kInvalidToken,    // Bearer credentials presented, malformed or wrong
};

struct Verdict {
  Decision decision = Decision::kAllow;
  BearerError bearer_error = BearerError::kNone;
  // kUnauthorized because no token is configured on a non-loopback listener:
  // no client can succeed, so endpoints like POST /ports/allocate answer 403
  // with an explanation instead (SPEC §4).
  bool no_token_configured = false;
  // A static phrase for the log line; never contains a header value or the token.
  std::string_view reason;
};

// Origin (if present) must be one field and allowed; then, on a loopback listener, Host must
// name a loopback host; then, when a token is configured, exactly one
// Authorization field must carry `Bearer <token>`. A non-loopback listener
// without a token fails closed (kUnauthorized, no_token_configured).
Verdict check(const Policy& policy, const RequestCredentials& request);

// 401: 'Bearer realm="sigma-agent"' plus ', error="invalid_token"' or
// ', error="invalid_request"' per verdict.bearer_error (RFC 6750 §3).
std::string www_authenticate(const Verdict& verdict);

}  // namespace sigma::auth
