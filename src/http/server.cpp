#include "http/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/chunked.h"

namespace sigma::http {

namespace {

// The slack the input bound allows beyond max_header_bytes: room for the
// read that completes a maximal head together with the start of what follows.
constexpr size_t kInputSlackBytes = 16 * 1024;
// Size of the server's shared receive buffer: one recv(2) at most this large
// (and never more than the input bound leaves room for).
constexpr size_t kReadScratchBytes = 64 * 1024;
// Reads per readiness event, so one busy peer cannot starve the others.
constexpr int kMaxReadsPerEvent = 4;
// Connections accepted per readiness event of the listener.
constexpr int kMaxAcceptsPerEvent = 64;
// After an error response and shutdown(SHUT_WR), how long unread request
// bytes are read and discarded so close(2) does not turn into a reset that
// destroys the response in the client's receive buffer (RFC 9112 §9.6).
constexpr int64_t kLingerMs = 2000;
// How long accepting pauses when the process has no fd or memory to spare.
constexpr int64_t kAcceptPauseMs = 100;
// A body still pending after the HeadHandler answered is read and discarded
// (keeping the connection) only up to this size; larger ones close instead.
// Body capacity reserved from Content-Length before any body byte arrives.
constexpr uint64_t kInitialBodyReserveBytes = 64 * 1024;
// Output buffers that grew past this are released once flushed.
constexpr size_t kKeepOutputCapacityBytes = 64 * 1024;
// A connection with nothing in flight releases an output buffer larger than
// this; smaller ones are kept to spare a reallocation on the next answer.
constexpr size_t kKeepIdleOutputCapacityBytes = 4 * 1024;
// At most one "out of fds" warning per interval.
constexpr int64_t kPressureLogIntervalMs = 10000;

constexpr std::string_view kContinueLine = "HTTP/1.1 100 Continue\r\n\r\n";  // RFC 9110 §15.2.1

const std::string& refusal_503() {
  static const std::string bytes = [] {
    std::string out;
    append_response(error_response(503, "too many connections"), ConnectionHeader::kClose, false, out);
    return out;
  }();
  return bytes;
}

}  // namespace

namespace {

// The part of an absolute-form target after "http://" or "https://"
// (schemes compare case-insensitively, RFC 9110 §4.2.3), or nullopt.
std::optional<std::string_view> after_http_scheme(std::string_view target) {
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      return target.substr(scheme.size());
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view Request::path() const {
  std::string_view t = target;
  if (!t.empty() && t.front() != '/' && t != "*") {
    std::optional<std::string_view> rest = after_http_scheme(t);
    if (!rest) {
      return std::string_view();  // another scheme: routes nowhere
    }
    size_t path_start = rest->find_first_of("/?");
    if (path_start == std::string_view::npos || (*rest)[path_start] == '?') {
      return "/";  // RFC 9112 §3.2.1: an empty path is "/"
    }
    t = rest->substr(path_start);
  }
  return t.substr(0, t.find('?'));
}

std::optional<std::string_view> Request::absolute_authority() const {
  std::optional<std::string_view> rest = after_http_scheme(target);
  if (!rest) {
    return std::nullopt;
  }
  return rest->substr(0, rest->find_first_of("/?"));
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& [field_name, value] : headers) {
    if (iequals(field_name, name)) {
      return &value;
    }
  }
  return nullptr;
}

// One accepted socket. Owned by Server::connections_; callbacks hold weak
// references and take a strong one for their duration, so a connection may
// close itself from inside any of them.
class Connection final : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, uint64_t id, UniqueFd fd, const net::SocketAddress& peer, int64_t now_ms)
      : server_(server),
        loop_(server.loop_),
        options_(server.options_),
        id_(id),
        fd_(std::move(fd)),
        peer_(peer),
        head_basis_ms_(now_ms),
        idle_since_ms_(now_ms),
        last_write_ms_(now_ms) {
    limits_.max_header_bytes = options_.max_header_bytes;
    limits_.max_target_bytes = options_.max_target_bytes;
  }

  Status start() {
    std::weak_ptr<Connection> weak = weak_from_this();
    Status s = loop_.add(fd_.get(), net::kReadable, [weak](uint32_t events) {
      if (auto self = weak.lock()) {
        self->on_io(events);
      }
    });
    if (!s) {
      return s;
    }
    interest_ = net::kReadable;
    update_timer(monotonic_ms());
    return Status::ok();
  }

  // The server is being destroyed: unregister and close without callbacks.
  void teardown() {
    if (phase_ == Phase::kClosed) {
      return;
    }
    gone_->store(true, std::memory_order_relaxed);
    phase_ = Phase::kClosed;
    cancel_timer();
    loop_.remove(fd_.get());
    fd_.reset();
  }

  size_t buffer_capacity_bytes() const { return in_.capacity() + out_.capacity(); }

  void on_server_draining() {
    auto self = shared_from_this();
    if (phase_ == Phase::kHead && unconsumed() == 0) {
      // Idle: nothing in flight. Flush what is queued, then close.
      if (pending_output() == 0) {
        close_now();
        return;
      }
      phase_ = Phase::kClosing;
      flush();
    }
    after_event();
  }

  // The RequestHandler's answer to request number `serial`.
  void deliver(uint64_t serial, Response response) {
    if (phase_ != Phase::kHandling || serial != serial_ || streaming_) {
      return;  // connection gone, or a second call for the same request
    }
    auto self = shared_from_this();
    now_ms_ = monotonic_ms();
    if (response.stream) {
      // The head now; the body through stream_write. The request stays in
      // kHandling (later pipelined bytes wait, a peer FIN marks it gone, the
      // write-stall timeout applies) until the last piece.
      streaming_ = true;
      keep_alive_ = false;
      mark_output_start();
      append_response(response, ConnectionHeader::kClose, is_head_method_, out_);
      ++served_;
      flush();
      after_event();
      return;
    }
    send_response(std::move(response));
    if (!processing_) {
      process();
      after_event();
    }
  }

 private:
  enum class Phase {
    kHead,      // reading a request head (or idle between requests)
    kBody,      // reading a request body
    kHandling,  // the request is with the handlers; later bytes stay buffered
    kClosing,   // flushing a final response; then shutdown(SHUT_WR)
    kLinger,    // write side shut; reading and discarding until EOF or timeout
    kClosed,
  };

  size_t unconsumed() const { return in_.size() - in_pos_; }
  size_t pending_output() const { return out_.size() - out_pos_; }

  void on_io(uint32_t events) {
    now_ms_ = monotonic_ms();
    if ((events & net::kError) != 0) {
      close_now();
      return;
    }
    if ((events & net::kWritable) != 0) {
      flush();
      if (phase_ == Phase::kClosed) {
        return;
      }
    }
    if ((events & (net::kReadable | net::kHangup)) != 0) {
      if (wants_read()) {
        read_input();
      } else if ((events & net::kHangup) != 0) {
        // EPOLLHUP without read interest: both directions are gone, nothing
        // we queue can be delivered.
        close_now();
        return;
      }
      if (phase_ == Phase::kClosed) {
        return;
      }
    }
    process();
    after_event();
  }

  bool wants_read() const {
    switch (phase_) {
      case Phase::kLinger:
        return !peer_eof_;
      case Phase::kClosing:
      case Phase::kClosed:
        return false;
      default:
        break;
    }
    if (peer_eof_) {
      return false;
    }
    // Backpressure: a peer that pipelines requests but does not read the
    // answers stops being read (RFC 9112 §9.3.2 leaves the pace to us).
    if (pending_output() > options_.max_pipelined_output_bytes) {
      return false;
    }
    return unconsumed() < input_limit();
  }

  // Bytes the input buffer may hold unconsumed: one maximal head plus
  // kInputSlackBytes. Bodies are moved out of it as they arrive.
  size_t input_limit() const { return options_.max_header_bytes + kInputSlackBytes; }

  // Receives into the server's scratch buffer and appends only what arrived:
  // growing `in_` by a whole read size before each recv(2) would zero-fill
  // memory on every read and leave every connection holding a read-sized
  // buffer while it waits.
  void read_input() {
    char* scratch = server_.read_scratch_.get();
    for (int reads = 0; reads < kMaxReadsPerEvent; ++reads) {
      if (phase_ == Phase::kLinger) {
        ssize_t n = ::recv(fd_.get(), scratch, kReadScratchBytes, 0);
        if (n > 0) {
          continue;
        }
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          return;
        }
        close_now();  // EOF or error: the peer has everything we sent
        return;
      }
      size_t room = unconsumed() < input_limit() ? input_limit() - unconsumed() : 0;
      if (room == 0) {
        return;
      }
      size_t want = room < kReadScratchBytes ? room : kReadScratchBytes;
      ssize_t n = ::recv(fd_.get(), scratch, want, 0);
      if (n > 0) {
        // Compacting keeps the unconsumed bytes at the front, so parse_hint_
        // (a length relative to in_pos_) stays valid.
        if (in_pos_ > 0) {
          in_.erase(0, in_pos_);
          in_pos_ = 0;
        }
        in_.append(scratch, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < want) {
          return;  // drained for now
        }
        continue;
      }
      if (n == 0) {
        peer_eof_ = true;
        if (phase_ == Phase::kHandling) {
          // A client that closes while its request is handled will not read
          // the answer (no MCP client half-closes a POST it awaits).
          gone_->store(true, std::memory_order_relaxed);
        }
        return;
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        close_now();  // ECONNRESET and friends
      }
      return;
    }
  }

  // Runs the request state machine over buffered input until it needs more
  // bytes, waits for a handler, or closes.
  void process() {
    if (processing_) {
      return;
    }
    processing_ = true;
    bool progress = true;
    while (progress && phase_ != Phase::kClosed) {
      switch (phase_) {
        case Phase::kHead:
          progress = step_head();
          break;
        case Phase::kBody:
          progress = step_body();
          break;
        default:
          progress = false;
          break;
      }
    }
    processing_ = false;
    flush();  // one write for every answer produced by this pass
  }

  bool step_head() {
    if (pending_output() > options_.max_pipelined_output_bytes || unconsumed() == 0) {
      return false;
    }
    if (!request_started_) {
      request_started_ = true;
      // A new connection's deadline runs from accept; a persistent one's from
      // the first byte of its next request.
      if (served_ > 0) {
        head_basis_ms_ = now_ms_;
      }
    }
    std::string_view view(in_.data() + in_pos_, unconsumed());
    // The server's scratch head: every use of it, and of its views into
    // in_, ends before the first callback below (a handler may run another
    // connection's step_head).
    RequestHead& head = server_.head_scratch_;
    ParseResult r = parse_request_head(view, parse_hint_, limits_, head);
    if (r.state == ParseState::kIncomplete) {
      parse_hint_ = view.size();
      return false;
    }
    if (r.state == ParseState::kError) {
      fail(r.http_status, r.reason);
      return false;
    }
    Framing framing = framing_for(head, options_.max_body_bytes);

    request_ = Request();
    request_.method.assign(head.method);
    request_.target.assign(head.target);
    request_.minor_version = head.minor_version;
    request_.headers.reserve(head.header_count);
    for (size_t i = 0; i < head.header_count; ++i) {
      request_.headers.emplace_back(std::string(head.headers[i].name), std::string(head.headers[i].value));
    }
    request_.peer = peer_;
    in_pos_ += r.consumed;
    parse_hint_ = 0;
    ++serial_;
    minor_version_ = head.minor_version;
    is_head_method_ = request_.method == "HEAD";

    if (framing.error_status != 0) {
      fail(framing.error_status, framing.error_reason);
      return false;
    }
    keep_alive_ = framing.keep_alive;

    // The head handler decides before any body byte is read.
    phase_ = Phase::kHandling;
    std::optional<Response> early;
    if (server_.head_handler_) {
      early = server_.head_handler_(request_);
    }
    if (phase_ == Phase::kClosed) {
      return false;
    }
    if (early) {
      if (framing.body == BodyKind::kNone) {
        send_response(std::move(*early));
      } else if (framing.body == BodyKind::kContentLength && framing.content_length <= unconsumed()) {
        // The whole refused body came with the head: skip it and keep the
        // connection, as a client that sent it all in one write expects.
        in_pos_ += static_cast<size_t>(framing.content_length);
        send_response(std::move(*early));
      } else {
        // RFC 9110 §10.1.1 / RFC 9112 §9.6: answer without reading the rest
        // of the body and close. Reading what we refused, byte by byte at the
        // client's pace, would let a client without credentials hold the
        // connection slot for as long as it likes; the linger after the
        // answer is bounded in absolute time.
        early->close = true;
        must_linger_ = true;
        send_response(std::move(*early));
      }
      return true;
    }

    switch (framing.body) {
      case BodyKind::kNone:
        dispatch();
        return true;
      case BodyKind::kContentLength:
        body_remaining_ = framing.content_length;
        // Grown as bytes arrive: a client that announces a large body and
        // sends nothing must not make us commit the memory up front.
        request_.body.reserve(static_cast<size_t>(
            framing.content_length < kInitialBodyReserveBytes ? framing.content_length : kInitialBodyReserveBytes));
        break;
      case BodyKind::kChunked:
        decoder_.emplace(options_.max_body_bytes, options_.max_header_bytes);
        break;
    }
    body_is_chunked_ = framing.body == BodyKind::kChunked;
    progress_ms_ = now_ms_;
    phase_ = Phase::kBody;
    // RFC 9110 §10.1.1: 100 only once the request is accepted, and only if
    // the client is still waiting (no body byte has arrived yet).
    if (framing.expect_continue && unconsumed() == 0) {
      queue_output(kContinueLine);
    }
    return true;
  }

  bool step_body() {
    if (unconsumed() == 0) {
      return false;
    }
    std::string_view view(in_.data() + in_pos_, unconsumed());
    if (!body_is_chunked_) {
      size_t take = body_remaining_ < view.size() ? static_cast<size_t>(body_remaining_) : view.size();
      request_.body.append(view.data(), take);
      in_pos_ += take;
      body_remaining_ -= take;
      progress_ms_ = now_ms_;
      if (body_remaining_ > 0) {
        return false;
      }
      dispatch();
      return true;
    }
    ParseResult r = decoder_->decode(view, request_.body);
    in_pos_ += r.consumed;
    progress_ms_ = now_ms_;
    if (r.state == ParseState::kError) {
      fail(r.http_status, r.reason);
      return false;
    }
    if (r.state == ParseState::kIncomplete) {
      return false;
    }
    decoder_.reset();
    dispatch();
    return true;
  }

  // A piece of the streamed body of request number `serial`.
  bool stream_piece(uint64_t serial, std::string_view bytes, bool last) {
    if (phase_ != Phase::kHandling || serial != serial_ || !streaming_) {
      return false;  // not streaming, ended, or the connection is gone
    }
    auto self = shared_from_this();
    now_ms_ = monotonic_ms();
    if (gone_->load(std::memory_order_relaxed)) {
      // The client closed its side: for a stream that is the end of it
      // (2026-07-28: closing the stream cancels). Nothing more is written.
      streaming_ = false;
      close_now();
      return false;
    }
    mark_output_start();
    if (!is_head_method_) {
      out_.append(bytes);
    }
    if (last) {
      streaming_ = false;
      phase_ = Phase::kClosing;
    }
    flush();
    after_event();
    return phase_ != Phase::kClosed || last;
  }

  void dispatch() {
    phase_ = Phase::kHandling;
    std::weak_ptr<Connection> weak = weak_from_this();
    const uint64_t serial = serial_;
    Respond respond = [weak, serial](Response response) {
      if (auto self = weak.lock()) {
        self->deliver(serial, std::move(response));
      }
    };
    Request request = std::move(request_);
    request_ = Request();
    request.connection_gone = gone_;
    request.connection_id = id_;
    request.stream_write = [weak, serial](std::string_view bytes, bool last) {
      auto self = weak.lock();
      return self != nullptr && self->stream_piece(serial, bytes, last);
    };
    server_.request_handler_(std::move(request), std::move(respond));
  }

  // Queues `response` for the current request; then either continues with
  // the next request or closes.
  void send_response(Response response) {
    const bool close = response.close || !keep_alive_ || server_.draining_;
    ConnectionHeader connection = ConnectionHeader::kNone;
    if (close) {
      connection = ConnectionHeader::kClose;  // RFC 9112 §9.6
    } else if (minor_version_ == 0) {
      connection = ConnectionHeader::kKeepAlive;  // RFC 9112 §9.3: 1.0 needs it said
    }
    mark_output_start();
    append_response(response, connection, is_head_method_, out_);
    ++served_;
    if (close) {
      phase_ = Phase::kClosing;
    } else {
      enter_head_phase();
    }
    flush();
  }

  void enter_head_phase() {
    phase_ = Phase::kHead;
    request_started_ = false;
    idle_since_ms_ = now_ms_;
    parse_hint_ = 0;
    decoder_.reset();
    request_ = Request();  // still filled when the head handler answered early
  }

  // With many keep-alive clients, buffers kept between requests (not the
  // sockets) would dominate the footprint: a connection with nothing
  // buffered and nothing in progress on the wire gives its input buffer back,
  // and its output buffer when that grew large. Nothing points into in_
  // here: the parsed head is copied into request_ before any handler runs.
  void release_idle_buffers() {
    if (unconsumed() == 0 && (phase_ == Phase::kHead || phase_ == Phase::kHandling)) {
      std::string().swap(in_);
      in_pos_ = 0;
    }
    if (pending_output() == 0 && out_.capacity() > kKeepIdleOutputCapacityBytes) {
      std::string().swap(out_);
      out_pos_ = 0;
    }
  }

  // Answers with an error status and closes once it is flushed.
  void fail(int status, std::string_view reason) {
    log_debug("http request rejected",
              {{"status", std::to_string(status)}, {"reason", std::string(reason)}, {"peer", peer_.to_string()}});
    mark_output_start();
    append_response(error_response(status, reason), ConnectionHeader::kClose, false, out_);
    must_linger_ = true;
    phase_ = Phase::kClosing;
    flush();
  }

  void mark_output_start() {
    if (pending_output() == 0) {
      last_write_ms_ = now_ms_;  // the write-stall clock starts with the output
    }
  }

  void queue_output(std::string_view bytes) {
    mark_output_start();
    out_.append(bytes);
    flush();
  }

  // Writes queued output. Inside process() it only runs at the end of the
  // pass, so a pipelined batch goes out in one write.
  void flush() {
    if (processing_ || phase_ == Phase::kClosed) {
      return;
    }
    while (pending_output() > 0) {
      ssize_t n = ::send(fd_.get(), out_.data() + out_pos_, pending_output(), MSG_NOSIGNAL);
      if (n > 0) {
        out_pos_ += static_cast<size_t>(n);
        last_write_ms_ = now_ms_;
        continue;
      }
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      }
      close_now();  // EPIPE / ECONNRESET: the peer is gone
      return;
    }
    out_.clear();
    out_pos_ = 0;
    if (out_.capacity() > kKeepOutputCapacityBytes) {
      std::string().swap(out_);
    }
    if (phase_ == Phase::kClosing) {
      start_linger();
    }
  }

  void start_linger() {
    ::shutdown(fd_.get(), SHUT_WR);
    // Lingering matters only when the peer may still be sending: after an
    // error, or when request bytes are left over. A clean close after a
    // complete exchange closes at once.
    const bool may_still_send = must_linger_ || unconsumed() > 0;
    phase_ = Phase::kLinger;
    linger_start_ms_ = now_ms_;
    std::string().swap(in_);  // lingering only discards
    in_pos_ = 0;
    if (peer_eof_ || !may_still_send) {
      close_now();
    }
  }

  // Bookkeeping after every event: end-of-input rules, interest, timer.
  void after_event() {
    if (phase_ == Phase::kClosed) {
      return;
    }
    if (server_.draining_ && phase_ == Phase::kHead && unconsumed() == 0) {
      phase_ = Phase::kClosing;
      flush();
      if (phase_ == Phase::kClosed) {
        return;
      }
    }
    const bool blocked_on_output = pending_output() > options_.max_pipelined_output_bytes;
    if (peer_eof_ && !(phase_ == Phase::kHead && blocked_on_output)) {
      switch (phase_) {
        case Phase::kHead:
        case Phase::kBody:
          // No complete request can arrive any more (RFC 9112 §9.6: a
          // half-close ends the request stream). Deliver what is queued.
          if (pending_output() == 0) {
            close_now();
            return;
          }
          phase_ = Phase::kClosing;
          break;
        case Phase::kLinger:
          close_now();
          return;
        default:
          break;  // kHandling: answer first; kClosing: flushing
      }
    }
    release_idle_buffers();
    update_interest();
    if (phase_ != Phase::kClosed) {
      update_timer(now_ms_);
    }
  }

  void update_interest() {
    uint32_t desired = (wants_read() ? net::kReadable : 0) | (pending_output() > 0 ? net::kWritable : 0);
    if (desired == interest_) {
      return;
    }
    Status s = loop_.modify(fd_.get(), desired);
    if (!s) {
      log_warn("http connection: cannot change interest", {{"error", s.message()}});
      close_now();
      return;
    }
    interest_ = desired;
  }

  // The deadline of the current phase, or -1 for none.
  int64_t current_deadline() const {
    switch (phase_) {
      case Phase::kHead:
        if (pending_output() > options_.max_pipelined_output_bytes) {
          return last_write_ms_ + options_.idle_timeout_ms;  // waiting for the peer to read
        }
        if (request_started_ || served_ == 0) {
          return head_basis_ms_ + options_.header_timeout_ms;  // RFC 9112 §9.5
        }
        return (idle_since_ms_ > last_write_ms_ ? idle_since_ms_ : last_write_ms_) + options_.idle_timeout_ms;
      case Phase::kBody:
        return progress_ms_ + options_.header_timeout_ms;
      case Phase::kHandling:
        return pending_output() > 0 ? last_write_ms_ + options_.idle_timeout_ms : -1;
      case Phase::kClosing:
        return last_write_ms_ + options_.idle_timeout_ms;
      case Phase::kLinger:
        return linger_start_ms_ + kLingerMs;
      case Phase::kClosed:
        return -1;
    }
    return -1;
  }

  // Keeps one loop timer at or before the current deadline. A later deadline
  // leaves the armed timer in place; when it fires it re-arms for the rest.
  void update_timer(int64_t now_ms) {
    int64_t deadline = current_deadline();
    if (deadline < 0) {
      cancel_timer();
      return;
    }
    if (timer_id_ != 0 && timer_deadline_ms_ <= deadline) {
      return;
    }
    cancel_timer();
    std::weak_ptr<Connection> weak = weak_from_this();
    timer_id_ = loop_.add_timer(deadline > now_ms ? deadline - now_ms : 0, [weak] {
      if (auto self = weak.lock()) {
        self->on_timer();
      }
    });
    timer_deadline_ms_ = deadline;
  }

  void cancel_timer() {
    if (timer_id_ != 0) {
      loop_.cancel_timer(timer_id_);
      timer_id_ = 0;
    }
  }

  void on_timer() {
    timer_id_ = 0;
    now_ms_ = monotonic_ms();
    int64_t deadline = current_deadline();
    if (deadline < 0) {
      return;
    }
    if (now_ms_ < deadline) {
      update_timer(now_ms_);
      return;
    }
    switch (phase_) {
      case Phase::kHead:
        if (unconsumed() > 0 && pending_output() <= options_.max_pipelined_output_bytes) {
          fail(408, "request head not received in time");  // RFC 9110 §15.5.9
        } else {
          close_now();  // idle, or a new connection that never spoke
          return;
        }
        break;
      case Phase::kBody:
        fail(408, "request body stalled");
        break;
      default:
        close_now();  // the peer stopped reading, or the linger ended
        return;
    }
    after_event();
  }

  void close_now() {
    if (phase_ == Phase::kClosed) {
      return;
    }
    teardown();
    server_.connection_closed(id_);
  }

  Server& server_;
  net::EventLoop& loop_;
  const ServerOptions& options_;
  const std::shared_ptr<std::atomic<bool>> gone_ = std::make_shared<std::atomic<bool>>(false);
  ParseLimits limits_;
  const uint64_t id_;
  UniqueFd fd_;
  const net::SocketAddress peer_;

  Phase phase_ = Phase::kHead;
  bool streaming_ = false;  // kHandling with a streamed response under way
  uint32_t interest_ = 0;
  bool processing_ = false;
  bool peer_eof_ = false;
  bool must_linger_ = false;  // the peer may still be sending request bytes

  std::string in_;
  size_t in_pos_ = 0;
  size_t parse_hint_ = 0;
  std::string out_;
  size_t out_pos_ = 0;

  Request request_;
  uint64_t serial_ = 0;
  uint64_t served_ = 0;
  bool request_started_ = false;
  bool keep_alive_ = true;
  bool is_head_method_ = false;
  int minor_version_ = 1;
  bool body_is_chunked_ = false;
  uint64_t body_remaining_ = 0;
  std::optional<ChunkedDecoder> decoder_;

  int64_t now_ms_ = 0;
  int64_t head_basis_ms_;
  int64_t idle_since_ms_;
  int64_t last_write_ms_;
  int64_t progress_ms_ = 0;
  int64_t linger_start_ms_ = 0;
  net::TimerId timer_id_ = 0;
  int64_t timer_deadline_ms_ = 0;
};

Server::Server(net::EventLoop& loop, UniqueFd listen_fd, ServerOptions options, HeadHandler head_handler,
               RequestHandler request_handler)
    : loop_(loop),
      listen_fd_(std::move(listen_fd)),
      options_(options),
      head_handler_(std::move(head_handler)),
      request_handler_(std::move(request_handler)),
      // Default-initialized (not zeroed): pages are touched only as reads
      // reach them.
      read_scratch_(new char[kReadScratchBytes]) {}

size_t Server::buffered_capacity_bytes() const {
  size_t total = 0;
  for (const auto& [id, connection] : connections_) {
    total += connection->buffer_capacity_bytes();
  }
  return total;
}

Result<std::unique_ptr<Server>> Server::create(net::EventLoop& loop, UniqueFd listen_fd, ServerOptions options,
                                               HeadHandler head_handler, RequestHandler request_handler) {
  if (!listen_fd.is_valid()) {
    return Status::error("http server: invalid listening socket");
  }
  if (!request_handler) {
    return Status::error("http server: no request handler");
  }
  if (options.max_connections == 0) {
    options.max_connections = 1;
  }
  std::unique_ptr<Server> server(
      new Server(loop, std::move(listen_fd), options, std::move(head_handler), std::move(request_handler)));
  // Kept open so that, out of fds, one can be freed to accept and refuse.
  server->spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Server* raw = server.get();
  Status s = loop.add(server->listen_fd_.get(), net::kReadable, [raw](uint32_t) { raw->on_listen_ready(); });
  if (!s) {
    return Status::error("http server: " + s.message());
  }
  return Result<std::unique_ptr<Server>>(std::move(server));
}

Server::~Server() {
  if (resume_timer_ != 0) {
    loop_.cancel_timer(resume_timer_);
  }
  if (listen_fd_.is_valid()) {
    loop_.remove(listen_fd_.get());
  }
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, connection] : connections) {
    connection->teardown();
  }
}

void Server::on_listen_ready() {
  for (int accepted = 0; accepted < kMaxAcceptsPerEvent && listen_fd_.is_valid(); ++accepted) {
    net::SocketAddress peer;
    UniqueFd fd = net::accept_connection(listen_fd_.get(), &peer);
    if (!fd.is_valid()) {
      int errnum = errno;
      if (errnum == EAGAIN || errnum == EWOULDBLOCK) {
        return;
      }
      if (errnum == EINTR || errnum == ECONNABORTED || errnum == EPROTO) {
        continue;  // that client gave up; others may be waiting
      }
      on_accept_exhausted(errnum);
      return;
    }
    if (connections_.size() >= options_.max_connections) {
      refuse_with_503(std::move(fd));
      continue;
    }
    int one = 1;
    // Responses are written whole; do not let Nagle hold back the tail of a
    // pipelined batch or the answer after a 100 Continue.
    (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    // Unique in the process, not only in this server: the MCP dispatcher
    // behind several listeners tells senders apart by it.
    static std::atomic<uint64_t> next_connection_id{1};
    const uint64_t id = next_connection_id.fetch_add(1, std::memory_order_relaxed);
    auto connection = std::make_shared<Connection>(*this, id, std::move(fd), peer, monotonic_ms());
    connections_.emplace(id, connection);
    Status s = connection->start();
    if (!s) {
      log_warn("http connection not registered", {{"error", s.message()}});
      connections_.erase(id);
      connection->teardown();
    }
  }
}

void Server::on_accept_exhausted(int errnum) {
  int64_t now = monotonic_ms();
  if (last_pressure_log_ms_ == 0 || now - last_pressure_log_ms_ >= kPressureLogIntervalMs) {
    last_pressure_log_ms_ = now;
    log_warn("http accept failed; refusing connections until resources return",
             {{"errno", std::to_string(errnum)}, {"connections", std::to_string(connections_.size())}});
  }
  if ((errnum == EMFILE || errnum == ENFILE) && spare_fd_.is_valid()) {
    // Free the reserved fd to take the pending connection off the backlog
    // and answer it, instead of leaving the client hanging.
    spare_fd_.reset();
    net::SocketAddress peer;
    UniqueFd fd = net::accept_connection(listen_fd_.get(), &peer);
    if (fd.is_valid()) {
      refuse_with_503(std::move(fd));
    }
    spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (spare_fd_.is_valid()) {
      return;  // the listener stays armed: the next pending one goes the same way
    }
  }
  pause_accepting();
}

void Server::pause_accepting() {
  if (accepting_paused_ || !listen_fd_.is_valid()) {
    return;
  }
  // Level-triggered: a listener that stays readable while accept fails would
  // spin the loop, so stop watching it for a moment.
  if (!loop_.modify(listen_fd_.get(), 0)) {
    return;
  }
  accepting_paused_ = true;
  resume_timer_ = loop_.add_timer(kAcceptPauseMs, [this] {
    resume_timer_ = 0;
    accepting_paused_ = false;
    if (listen_fd_.is_valid()) {
      if (!loop_.modify(listen_fd_.get(), net::kReadable)) {
        log_error("http server: cannot resume accepting");
      }
    }
    if (spare_fd_.is_valid() == false) {
      spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
  });
}

void Server::refuse_with_503(UniqueFd fd) {
  // Read whatever request bytes already arrived, so close(2) sends FIN, not a
  // reset that could destroy the 503 before the client reads it.
  char discard[4096];
  while (::recv(fd.get(), discard, sizeof(discard), MSG_DONTWAIT) > 0) {
  }
  const std::string& bytes = refusal_503();
  (void)::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd.get(), SHUT_WR);
}

void Server::connection_closed(uint64_t id) {
  connections_.erase(id);
  if (draining_ && connections_.empty() && on_drained_) {
    loop_.post(std::move(on_drained_));
    on_drained_ = nullptr;
  }
}

void Server::begin_shutdown(std::function<void()> on_drained) {
  draining_ = true;
  on_drained_ = std::move(on_drained);
  if (resume_timer_ != 0) {
    loop_.cancel_timer(resume_timer_);
    resume_timer_ = 0;
  }
  if (listen_fd_.is_valid()) {
    loop_.remove(listen_fd_.get());
    listen_fd_.reset();
  }
  std::vector<std::shared_ptr<Connection>> snapshot;
  snapshot.reserve(connections_.size());
  for (auto& [id, connection] : connections_) {
    snapshot.push_back(connection);
  }
  for (auto& connection : snapshot) {
    connection->on_server_draining();
  }
  if (connections_.empty() && on_drained_) {
    loop_.post(std::move(on_drained_));
    on_drained_ = nullptr;
  }
}

}  // namespace sigma::http
