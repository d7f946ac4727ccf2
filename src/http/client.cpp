#include "http/client.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "base/clock.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "http/chunked.h"
#include "http/parser.h"
#include "net/socket.h"

namespace sigma::http {
namespace {

// Why the two kinds of failure differ: a refused, reset or cut-short
// exchange and a missed deadline say the server (or the path to it) is not
// there now, and a later try may find it back. A malformed or oversized
// response says the server is broken or hostile: it will most likely send
// the same bytes again, so retrying only loads it (and us) for nothing, and
// the fix is an operator's. Those are kError.

constexpr size_t kReadChunkBytes = 16 * 1024;

// Fields the client writes itself (RFC 9112 §6, §9.6, RFC 9110 §7.2).
bool is_reserved_field(std::string_view name) {
  return iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

bool is_safe_value(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return true;
}

bool is_valid_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return false;
  }
  for (char ch : target) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) {
      return false;
    }
  }
  return true;
}

int poll_timeout_ms(int64_t deadline_ms) {
  int64_t left = deadline_ms - monotonic_ms();
  if (left <= 0) {
    return 0;
  }
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

Status with_context(const std::string& context, const Status& status) {
  std::string message = context + ": " + status.message();
  switch (status.code()) {
    case Status::Code::kUnavailable:
      return Status::unavailable(std::move(message));
    case Status::Code::kDeadlineExceeded:
      return Status::deadline_exceeded(std::move(message));
    default:
      return Status::error(std::move(message));
  }
}

// Waits until `fd` is ready for `events`, the deadline passes, or
// `cancel_fd` (when >= 0) becomes readable.
Status wait_for(int fd, short events, int64_t deadline_ms, int cancel_fd) {
  for (;;) {
    int timeout = poll_timeout_ms(deadline_ms);
    if (timeout == 0) {
      return Status::deadline_exceeded("deadline exceeded");
    }
    pollfd p[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
    int rc = ::poll(p, cancel_fd >= 0 ? 2 : 1, timeout);
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc < 0) {
      return Status::from_errno("poll", errno);
    }
    if (cancel_fd >= 0 && p[1].revents != 0) {
      return Status::unavailable("cancelled");
    }
    if (rc > 0) {
      return Status::ok();
    }
  }
}

Status send_all(int fd, std::string_view bytes, int64_t deadline_ms, int cancel_fd) {
  while (!bytes.empty()) {
    Status ready = wait_for(fd, POLLOUT, deadline_ms, cancel_fd);
    if (!ready) {
      return ready;
    }
    // MSG_NOSIGNAL: a peer that closed must give EPIPE, not kill the process.
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) {
        return Status::unavailable(std::string("send: ") + std::strerror(errno));
      }
      return Status::from_errno("send", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

// Reads what is available into `in`. Returns false with *eof on an orderly
// close; a failed Status on reset, error or deadline.
Result<bool> receive_some(int fd, std::string& in, size_t max_total, int64_t deadline_ms, int cancel_fd) {
  for (;;) {
    Status ready = wait_for(fd, POLLIN, deadline_ms, cancel_fd);
    if (!ready) {
      return ready;
    }
    char buffer[kReadChunkBytes];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
        continue;
      }
      if (errno == ECONNRESET || errno == EPIPE || errno == ETIMEDOUT) {
        return Status::unavailable(std::string("receive: ") + std::strerror(errno));
      }
      return Status::from_errno("receive", errno);
    }
    if (n == 0) {
      return false;
    }
    if (in.size() + static_cast<size_t>(n) > max_total) {
      return Status::error("response larger than " + std::to_string(max_total) + " bytes");
    }
    in.append(buffer, static_cast<size_t>(n));
    return true;
  }
}

std::string format_request(const net::HostPort& server, const ClientRequest& request) {
  std::string out;
  out.reserve(256 + request.body.size());
  out += request.method;
  out += ' ';
  out += request.target;
  out += " HTTP/1.1\r\nHost: ";
  if (server.is_ipv6_literal) {
    out += '[' + server.host + ']';
  } else {
    out += server.host;
  }
  if (server.port != net::kDefaultHttpPort) {
    out += ':' + std::to_string(server.port);
  }
  out += "\r\n";
  for (const auto& [name, value] : request.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  const bool has_body_semantics = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!request.body.empty() || has_body_semantics) {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "Connection: close\r\n\r\n";
  out += request.body;
  return out;
}

Status validate_request(const ClientRequest& request) {
  if (request.method.empty()) {
    return Status::error("empty method");
  }
  for (char c : request.method) {
    if (!is_token_char(c)) {
      return Status::error("invalid method");
    }
  }
  if (!is_valid_target(request.target)) {
    return Status::error("invalid request target (origin-form, visible ASCII)");
  }
  for (const auto& [name, value] : request.headers) {
    bool token = !name.empty();
    for (char c : name) {
      token = token && is_token_char(c);
    }
    // The name may be shown (it is not a secret); the value never is.
    if (!token) {
      return Status::error("invalid header field name");
    }
    if (is_reserved_field(name)) {
      return Status::error("header " + name + " is set by the client itself");
    }
    if (!is_safe_value(value)) {
      return Status::error("header " + name + ": value holds CR, LF or NUL");
    }
  }
  return Status::ok();
}

void copy_head(const ResponseHead& head, ClientResponse& out) {
  out.status = head.status;
  out.minor_version = head.minor_version;
  out.headers.clear();
  for (size_t i = 0; i < head.header_count; ++i) {
    out.headers.emplace_back(std::string(head.headers[i].name), std::string(head.headers[i].value));
  }
}

Result<ClientResponse> exchange(int fd, const ClientRequest& request, const std::string& wire,
                                const ClientOptions& options, int64_t deadline_ms, int cancel_fd) {
  Status sent = send_all(fd, wire, deadline_ms, cancel_fd);
  if (!sent) {
    return sent;
  }
  const size_t max_total = options.max_response_bytes;
  ResponseLimits limits;
  limits.max_header_bytes = options.max_header_bytes < max_total ? options.max_header_bytes : max_total;
  limits.max_body_bytes = max_total;

  std::string in;
  size_t head_start = 0;  // start of the head being parsed (after 1xx ones)
  size_t hint = 0;
  ResponseHead head;
  ClientResponse response;
  for (;;) {
    std::string_view view = std::string_view(in).substr(head_start);
    ParseResult r = parse_response_head(view, hint, limits, head);
    if (r.state == ParseState::kError) {
      return Status::error("malformed response: " + std::string(r.reason));
    }
    if (r.state == ParseState::kComplete) {
      // RFC 9110 §15.2: interim responses precede the final one; 101 would
      // switch protocols, which no request of ours asks for.
      if (head.status == 101) {
        return Status::error("malformed response: unexpected 101 Switching Protocols");
      }
      if (head.status / 100 == 1) {
        head_start += r.consumed;
        hint = 0;
        continue;
      }
      head_start += r.consumed;
      break;
    }
    hint = view.size();
    Result<bool> got = receive_some(fd, in, max_total, deadline_ms, cancel_fd);
    if (!got) {
      return got.status();
    }
    if (!*got) {
      return Status::unavailable(in.empty() ? "connection closed before any response byte"
                                            : "connection closed inside the response head");
    }
  }
  copy_head(head, response);
  ResponseBody body = head.body;
  if (request.method == "HEAD") {
    body = ResponseBody::kNone;  // RFC 9110 §9.3.2
  }

  switch (body) {
    case ResponseBody::kNone:
      return response;
    case ResponseBody::kContentLength: {
      if (head.content_length > max_total - head_start) {
        return Status::error("response larger than " + std::to_string(max_total) + " bytes");
      }
      const size_t want = head_start + static_cast<size_t>(head.content_length);
      while (in.size() < want) {
        Result<bool> got = receive_some(fd, in, max_total, deadline_ms, cancel_fd);
        if (!got) {
          return got.status();
        }
        if (!*got) {
          return Status::unavailable("connection closed after " + std::to_string(in.size() - head_start) +
                                     " of " + std::to_string(head.content_length) + " body bytes");
        }
      }
      response.body = in.substr(head_start, static_cast<size_t>(head.content_length));
      return response;
    }
    case ResponseBody::kChunked: {
      ChunkedDecoder decoder(max_total, limits.max_header_bytes);
      size_t fed = head_start;
      for (;;) {
        ParseResult r = decoder.decode(std::string_view(in).substr(fed), response.body);
        if (r.state == ParseState::kComplete) {
          return response;
        }
        if (r.state == ParseState::kError) {
          if (r.http_status == 413) {
            return Status::error("response larger than " + std::to_string(max_total) + " bytes");
          }
          return Status::error("malformed chunked body: " + std::string(r.reason));
        }
        fed += r.consumed;
        Result<bool> got = receive_some(fd, in, max_total, deadline_ms, cancel_fd);
        if (!got) {
          return got.status();
        }
        if (!*got) {
          return Status::unavailable("connection closed inside the chunked body");
        }
      }
    }
    case ResponseBody::kUntilClose: {
      for (;;) {
        Result<bool> got = receive_some(fd, in, max_total, deadline_ms, cancel_fd);
        if (!got) {
          return got.status();
        }
        if (!*got) {
          response.body = in.substr(head_start);
          return response;
        }
      }
    }
  }
  return response;
}

}  // namespace

const std::string* ClientResponse::header(std::string_view name) const {
  for (const auto& field : headers) {
    if (iequals(field.first, name)) {
      return &field.second;
    }
  }
  return nullptr;
}

Result<ClientResponse> Client::send(const net::HostPort& server, const ClientRequest& request,
                                    int64_t deadline_ms) const {
  return send(server, request, deadline_ms, SendControl());
}

Result<ClientResponse> Client::send(const net::HostPort& server, const ClientRequest& request, int64_t deadline_ms,
                                    const SendControl& control) const {
  // Context without the query: it may carry a secret.
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  const std::string context = request.method + " http://" + net::format_host_port(server) + std::string(path);
  Status valid = validate_request(request);
  if (!valid) {
    return with_context(context, valid);
  }
  const int64_t connect_deadline_ms =
      control.connect_deadline_ms > 0 && control.connect_deadline_ms < deadline_ms ? control.connect_deadline_ms
                                                                                   : deadline_ms;
  Result<UniqueFd> fd = net::connect_tcp(server, connect_deadline_ms, control.cancel_fd);
  if (!fd) {
    return with_context(context, fd.status());
  }
  Result<ClientResponse> response = exchange(fd->get(), request, format_request(server, request), options_,
                                             deadline_ms, control.cancel_fd);
  if (!response) {
    return with_context(context, response.status());
  }
  return response;
}

Result<ClientResponse> Client::send(const net::HttpUrl& base, const ClientRequest& request,
                                    int64_t deadline_ms) const {
  return send(base, request, deadline_ms, SendControl());
}

Result<ClientResponse> Client::send(const net::HttpUrl& base, const ClientRequest& request, int64_t deadline_ms,
                                    const SendControl& control) const {
  net::HostPort server;
  server.host = base.host;
  server.port = base.port;
  server.is_ipv6_literal = base.is_ipv6_literal;
  ClientRequest rebased = request;
  rebased.target = base.path + request.target;
  return send(server, rebased, deadline_ms, control);
}

}  // namespace sigma::http
