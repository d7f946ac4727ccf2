// Bearer credentials: extraction from an Authorization header value and the
// constant-time comparison of SPEC §4.
//
// Owns: the RFC 6750 §2.1 / RFC 9110 §11 syntax of `Bearer <token68>` and the
// comparator. Must not: log, copy or echo a token; branch on secret bytes.
// Threading: pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace sigma::auth {

// True when `presented` equals `expected`, in time that depends only on
// expected.size(): a volatile XOR-accumulate loop over the expected length,
// with the length difference folded into the accumulator, and no early exit.
// An empty `expected` never matches anything (config rejects empty tokens; a
// bug that let one through must fail closed, not open).
bool tokens_equal(std::string_view presented, std::string_view expected);

// RFC 9110 §11.2 token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
bool is_token68(std::string_view text);

// The token of `Authorization: Bearer <token68>`, as a view into `value`.
// The scheme is case-insensitive (RFC 9110 §11.1), one or more SP separate it
// from the token, and OWS around the whole value is tolerated (RFC 9110 §5.5
// excludes it from the field value). Anything else -- another scheme, no
// token, auth-params, a second word -- is nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization_value);

// True when `authorization_value` uses the Bearer scheme at all (well formed
// or not): tells "wrong scheme" from "malformed Bearer" (RFC 6750 §3.1).
bool is_bearer_scheme(std::string_view authorization_value);

}  // namespace sigma::auth
