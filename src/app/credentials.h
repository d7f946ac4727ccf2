// What an HTTP request presents to the SPEC §4 checks, gathered once for
// every endpoint that applies them (POST /mcp, POST /ports/allocate).
//
// Owns: mapping a parsed request onto auth::RequestCredentials: the first
// Origin field and how many there are, the Authorization fields, and the
// host the DNS-rebinding check judges.
// Must not: decide anything (auth::check does) or copy header values.
// Threading: a plain value used on the loop thread for one request.
#pragma once

#include <string>

#include "auth/policy.h"
#include "http/server.h"

namespace sigma::app {

class RequestFacts final {
 public:
  // REQUIRES: `request` outlives this object (the credentials point into it).
  explicit RequestFacts(const http::Request& request);
  RequestFacts(const RequestFacts&) = delete;
  RequestFacts& operator=(const RequestFacts&) = delete;

  const auth::RequestCredentials& credentials() const { return credentials_; }

 private:
  // RFC 9112 §3.2.2: with an absolute-form target the Host field is ignored
  // and the target's authority is the host, so it is what the DNS-rebinding
  // check judges (an authority with userinfo is no loopback name: refused).
  std::string absolute_authority_;
  auth::RequestCredentials credentials_;
};

}  // namespace sigma::app
