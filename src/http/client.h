// Blocking HTTP/1.1 client for worker threads (RFC 9112): one request per
// connection, bounded by an absolute deadline over the whole exchange.
//
// Owns: the connection of one exchange (opened with net::connect_tcp, closed
// before returning), the request bytes, and the response it reads: the head
// through parse_response_head, a Content-Length, chunked (http/chunked) or
// close-delimited body, all within a response size limit.
// Must not: run on the event-loop thread (every call blocks up to its
// deadline), follow redirects (a 3xx is returned like any other status),
// retry by itself (the Status says whether a retry may help; the caller owns
// the policy), or put header values, bodies or queries in an error message:
// an Authorization value must never reach a log.
// Threading: stateless between calls; a Client may be shared by threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/limits.h"
#include "net/address.h"

namespace sigma::http {

// Head plus body bytes as received (chunk framing included); past it the
// exchange fails with a non-retryable error.
inline constexpr size_t kDefaultMaxResponseBytes = kDefaultMaxHeaderBytes + kDefaultMaxBodyBytes;

struct ClientOptions {
  size_t max_header_bytes = kDefaultMaxHeaderBytes;  // status line + fields
  size_t max_response_bytes = kDefaultMaxResponseBytes;
};

struct ClientRequest {
  std::string method = "GET";
  // origin-form: "/agent/register" or "/x?y=z"; visible ASCII only.
  std::string target = "/";
  // Extra fields. Host, Content-Length, Transfer-Encoding and Connection are
  // the client's own and refused here; names must be tokens and values free
  // of CR, LF and NUL.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Length
};

struct ClientResponse {
  int status = 0;
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, values OWS-trimmed
  std::string body;  // decoded

  // Value of the first field named `name` (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// Optional bounds of one exchange besides its total deadline.
struct SendControl {
  // Absolute (monotonic_ms) deadline of the TCP connect; 0, or a value past
  // the total deadline, means the total deadline. A dead host then costs the
  // connect timeout, not the whole budget.
  int64_t connect_deadline_ms = 0;
  // A descriptor the caller owns (an eventfd, a pipe's read end): once it is
  // readable the exchange is abandoned at once with a retryable "cancelled"
  // failure, so a shutdown never waits for a slow server. -1: none.
  int cancel_fd = -1;
};

class Client final {
 public:
  explicit Client(ClientOptions options = ClientOptions()) : options_(options) {}

  // Sends `request` to `server` with "Connection: close" and reads the whole
  // response, all before `deadline_ms` (absolute, base/clock monotonic_ms()).
  // Success: the final response (1xx interim responses are skipped), whatever
  // its status. Failure, with the code of base/status:
  //   retryable (kUnavailable / kDeadlineExceeded): connection refused,
  //     unreachable or reset, a response cut short, the deadline;
  //   kError: an invalid request, a malformed response, or one over the
  //     limits (see client.cpp for why those are not retried).
  // The message starts with "METHOD http://host:port/path" (no query).
  Result<ClientResponse> send(const net::HostPort& server, const ClientRequest& request, int64_t deadline_ms) const;
  Result<ClientResponse> send(const net::HostPort& server, const ClientRequest& request, int64_t deadline_ms,
                              const SendControl& control) const;

  // The same against a parsed base URL (net::parse_http_url): its host and
  // port, and request.target appended to its path, so "/agent/register" on
  // "http://api:8080/sigma" asks for "/sigma/agent/register".
  Result<ClientResponse> send(const net::HttpUrl& base, const ClientRequest& request, int64_t deadline_ms) const;
  Result<ClientResponse> send(const net::HttpUrl& base, const ClientRequest& request, int64_t deadline_ms,
                              const SendControl& control) const;

 private:
  ClientOptions options_;
};

}  // namespace sigma::http
