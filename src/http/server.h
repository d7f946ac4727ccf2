// HTTP/1.1 server: connections on an EventLoop, persistent and pipelined.
//
// Owns: the listening socket handed to create(), every accepted connection,
// their bounded input/output buffers (given back while a connection idles),
// one receive buffer shared by all of them, per-connection timers, and the
// error responses the protocol layer answers by itself (400, 408, 413, 414,
// 417, 431, 501, 503, 505).
// Must not: block, throw on the request path, interpret targets or bodies
// (that is the handlers' job), or let one connection's failure affect another.
// Threading: loop thread only. Handlers run on the loop thread; a
// RequestHandler may hand work elsewhere, but must call `respond` back on the
// loop thread (e.g. through EventLoop::post).
//
// A handler may answer with a streamed response (Response::stream): the head
// goes out at once, the body in pieces through Request::stream_write, and the
// connection closes after the last piece; a client that goes away ends the
// stream and later pieces write nothing.
//
// Per connection, requests are processed one at a time in arrival order
// (RFC 9112 §9.3.2): while a response is outstanding, later bytes stay
// buffered. Errors close the connection after the response is flushed, using
// shutdown(SHUT_WR) and a short read-and-discard linger so the client reads
// the response instead of a reset (RFC 9112 §9.6).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "http/limits.h"
#include "http/parser.h"
#include "http/response.h"
#include "net/event_loop.h"
#include "net/socket.h"

namespace sigma::http {

struct Request {
  std::string method;
  std::string target;  // as received: path and optional query (or "*", or absolute-form)
  int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
  std::vector<std::pair<std::string, std::string>> headers;  // names as received, values OWS-trimmed
  std::string body;  // decoded (chunked framing removed); empty in the HeadHandler
  net::SocketAddress peer;
  // Becomes true once the connection the request came on is gone (closed,
  // reset, or the peer's FIN while the request is being handled): nobody
  // can receive the answer any more. Set on the loop thread; a handler's
  // work on another thread may poll it.
  std::shared_ptr<const std::atomic<bool>> connection_gone;
  // The connection's id, unique in the process and never 0.
  uint64_t connection_id = 0;
  // After `respond` was given a Response with `stream` set: appends `bytes`
  // to the streamed body; `last` ends it (the connection closes once the
  // bytes are flushed). Returns false, writing nothing, when the stream is
  // not open (not begun, already ended, or the connection is gone). Loop
  // thread only; safe to call after the connection died.
  std::function<bool(std::string_view bytes, bool last)> stream_write;

  // Value of the first field named `name` (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // The target's path without its query, for routing: "/mcp" for
  // "/mcp?x=1" and for the absolute-form "http://127.0.0.1:9103/mcp?x=1"
  // (RFC 9112 §3.2.2: a server MUST accept the absolute-form); "/" for an
  // absolute-form with an empty path; "" for a scheme other than http/https.
  std::string_view path() const;
  // The authority of an absolute-form http/https target ("127.0.0.1:9103"),
  // or nullopt for any other form. RFC 9112 §3.2.2: a server receiving the
  // absolute-form MUST ignore the Host field and use this instead, so the
  // Host/rebinding checks are given this when it is present.
  std::optional<std::string_view> absolute_authority() const;
};

// Called once the head has parsed and its framing is valid, BEFORE any body
// byte is read, so authentication and routing can refuse a request without
// the server buffering its body. Return a Response to answer at once (a body
// that already arrived whole with the head is skipped and the connection
// kept; a body still on its way is never read: the connection closes after
// the answer, so a client cannot hold it by trickling a refused body), or
// std::nullopt to continue.
using HeadHandler = std::function<std::optional<Response>(const Request&)>;
// Delivers the response to a request. Call exactly once, on the loop thread;
// later calls, and calls after the connection died, are no-ops. Until it is
// called the connection stays open (no timeout applies to the handler), so a
// handler that drops it without calling holds the connection until the
// server is destroyed and keeps begin_shutdown() from draining.
using Respond = std::function<void(Response)>;
// Called with each complete request.
using RequestHandler = std::function<void(Request&&, Respond)>;

// Defaults are SPEC §9's limits (http/limits.h).
inline constexpr int64_t kDefaultHeaderTimeoutMs = kDefaultHeaderTimeoutSeconds * 1000;
inline constexpr int64_t kDefaultIdleTimeoutMs = kDefaultIdleTimeoutSeconds * 1000;
inline constexpr size_t kDefaultMaxPipelinedOutputBytes = 4u << 20;

struct ServerOptions {
  size_t max_header_bytes = kDefaultMaxHeaderBytes;  // request line + fields; over it: 431
  size_t max_body_bytes = kDefaultMaxBodyBytes;      // decoded body; over it: 413
  size_t max_target_bytes = kDefaultMaxTargetBytes;  // over it: 414
  // Time to receive a complete head (from accept, or from the first byte of a
  // later request), and the longest a body may stall; over it: 408 + close.
  int64_t header_timeout_ms = kDefaultHeaderTimeoutMs;
  // A persistent connection with no request in progress is closed silently
  // after this; so is one whose peer stops reading our output for this long.
  int64_t idle_timeout_ms = kDefaultIdleTimeoutMs;
  size_t max_connections = kDefaultMaxConnections;  // beyond it: 503 + close
  // Queued response bytes at which a connection stops reading and processing
  // further pipelined requests until the peer catches up.
  size_t max_pipelined_output_bytes = kDefaultMaxPipelinedOutputBytes;
};

class Connection;

class Server final {
 public:
  // Starts accepting on `listen_fd` (listening, non-blocking). Fails when the
  // fd cannot be registered with `loop`.
  // REQUIRES: loop outlives the server; called on the loop thread (or before
  // the loop runs); handlers non-null.
  static Result<std::unique_ptr<Server>> create(net::EventLoop& loop, UniqueFd listen_fd, ServerOptions options,
                                                HeadHandler head_handler, RequestHandler request_handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting (closes the listener), closes idle connections, lets
  // in-flight requests finish with "Connection: close", and calls
  // `on_drained` on the loop thread once no connection remains.
  void begin_shutdown(std::function<void()> on_drained);

  // Open connections (not counting ones refused with 503).
  size_t connection_count() const { return connections_.size(); }

  // Bytes reserved by the open connections' input and output buffers
  // (std::string capacities, small inline storage included). For tests and
  // metrics: an idle keep-alive connection should hold next to nothing.
  size_t buffered_capacity_bytes() const;

 private:
  friend class Connection;

  Server(net::EventLoop& loop, UniqueFd listen_fd, ServerOptions options, HeadHandler head_handler,
         RequestHandler request_handler);

  void on_listen_ready();
  // Accept pressure: the process is out of fds (EMFILE/ENFILE) or memory.
  void on_accept_exhausted(int errnum);
  void refuse_with_503(UniqueFd fd);
  void pause_accepting();
  void connection_closed(uint64_t id);

  net::EventLoop& loop_;
  UniqueFd listen_fd_;
  UniqueFd spare_fd_;  // released to accept-and-refuse when out of fds
  ServerOptions options_;
  HeadHandler head_handler_;
  RequestHandler request_handler_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  // Shared by every connection (all run on the loop thread): each recv(2)
  // lands here and only the bytes received are appended to the connection's
  // own input, so an idle connection keeps no read-sized buffer.
  std::unique_ptr<char[]> read_scratch_;
  // The parser's output for the head being parsed. Its views point into one
  // connection's input and are used only within that connection's head step,
  // before any handler runs, so one scratch serves every connection and an
  // idle connection does not carry ~2 KiB of field slots.
  RequestHead head_scratch_;
  bool accepting_paused_ = false;
  net::TimerId resume_timer_ = 0;
  bool draining_ = false;
  std::function<void()> on_drained_;
  int64_t last_pressure_log_ms_ = 0;
};

}  // namespace sigma::http
