#include "mcp/dispatcher.h"

#include <exception>
#include <utility>
#include <vector>

#include "json/json.h"
#include "mcp/methods.h"
#include "mcp/schema_validate.h"
#include "mcp/stateless.h"

namespace sigma::mcp {
namespace {

using json::Value;

// The in_flight_ key of a request: its sender, then its id.
std::string in_flight_key(uint64_t sender, const Value& id) { return std::to_string(sender) + " " + json::write(id); }

// Every revision served, newest first, as the 2026-07-28 versioning.mdx
// example of a dual-era server lists them (checklist 1.3 ⚠AMBIG): a modern
// client picks 2026-07-28; one that picks an older entry uses initialize.
Value supported_revision_names() {
  Value names = Value::array();
  for (size_t i = std::size(kSupportedRevisions); i > 0; --i) {
    names.push(std::string(revision_name(kSupportedRevisions[i - 1])));
  }
  return names;
}

// -32022 UnsupportedProtocolVersion with data.supported / data.requested
// (2026-07-28 basic/versioning.mdx), on HTTP 400: legacy clients act on the
// status alone (2025-06-18 transports.mdx: invalid or unsupported header →
// 400); modern clients recognise the body (checklist 1.4).
Value unsupported_version_error(const Value* id, UnreadableId unreadable, std::string_view requested) {
  Value data = Value::object();
  data.set("supported", supported_revision_names());
  data.set("requested", echo_safe(requested));
  return make_error(id, unreadable, kUnsupportedProtocolVersion, "Unsupported protocol version", std::move(data));
}

Reply unsupported_version_reply(const Value* id, std::string_view requested) {
  // The revision is unknown, so an unreadable id is JSON-RPC's null.
  return Reply{Disposition::kBadRequest, json::write(unsupported_version_error(id, UnreadableId::kNull, requested))};
}

Reply to_reply(const std::optional<Value>& response, Disposition disposition) {
  if (!response) {
    return Reply{Disposition::kAccepted, std::string()};
  }
  return Reply{disposition, json::write(*response)};
}

// The progressToken of a request's _meta (a string or an integer,
// progress.mdx), or nullptr.
const Value* progress_token_of(const Value* params) {
  const Value* meta = params != nullptr ? params->find("_meta") : nullptr;
  const Value* token = (meta != nullptr && meta->is_object()) ? meta->find(kMetaProgressToken) : nullptr;
  if (token == nullptr || !(token->is_string() || token->is_integer())) {
    return nullptr;
  }
  return token;
}

// What turns a tool's report_progress() into notifications/progress for one
// call: it drops values that do not increase (progress.mdx: MUST increase)
// and everything once the response is on its way. Used from the tool's
// thread; `finished` is set on the dispatcher's thread.
struct ProgressChannel {
  Value token;
  Revision revision = kNewestRevision;
  std::function<void(std::string)> send;
  double last = 0;
  bool any = false;
  std::atomic<bool> finished{false};

  void report(double progress, double total, std::string_view message) {
    if (finished.load(std::memory_order_acquire) || (any && progress <= last)) {
      return;
    }
    any = true;
    last = progress;
    Value params = Value::object();
    params.set("progressToken", token);
    params.set("progress", progress);
    if (total > 0) {
      params.set("total", total);
    }
    if (!message.empty() && has_progress_message(revision)) {
      params.set("message", std::string(message));
    }
    Value notification = Value::object();
    notification.set("jsonrpc", "2.0");
    notification.set("method", "notifications/progress");
    notification.set("params", std::move(params));
    send(json::write(notification));
  }
};

ToolResult run_tool(Tool& tool, const Value& arguments, const CallContext& context) {
  // A tool bug must not take the daemon down or leave the request unanswered;
  // the model gets a tool error it can report.
  try {
    return tool.call(arguments, context);
  } catch (...) {
    return ToolResult::failure("internal error in tool " + std::string(tool.name()));
  }
}

}  // namespace

Dispatcher::Dispatcher(const ToolRegistry& tools, Executor& executor, ServerInfo info, RequestObserver observer,
                       size_t max_batch_length)
    : tools_(tools),
      executor_(executor),
      info_(std::move(info)),
      observer_(std::move(observer)),
      max_batch_length_(max_batch_length) {
  // The registry is fixed once the dispatcher exists, so each revision's tool
  // list is rendered and serialized once; a request only splices it in.
  result_meta_ = Value::raw_json(json::write(render_result_meta(info_)));
  for (Revision revision : kSupportedRevisions) {
    Value list = finish_result(render_tools_list(tools_, revision), revision);
    tools_list_[static_cast<size_t>(revision)] = Value::raw_json(json::write(list));
  }
  discover_result_ = Value::raw_json(json::write(finish_result(render_discover_result(info_), kNewestRevision)));
}

Value Dispatcher::finish_result(Value result, Revision revision) const {
  if (is_stateless(revision)) {
    stamp_stateless_result(result, result_meta_);
  }
  return result;
}

size_t Dispatcher::in_flight_calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_flight_.size();
}

std::optional<Revision> Dispatcher::known_revision(const RequestContext& context,
                                                   const std::optional<Revision>& header_revision) const {
  if (header_revision) {
    return header_revision;
  }
  if (context.transport == Transport::kStdio) {
    std::lock_guard<std::mutex> lock(mutex_);
    return stdio_revision_;
  }
  return std::nullopt;
}

void Dispatcher::observe(std::string_view method, std::string_view outcome) const {
  if (observer_) {
    observer_(method, outcome);
  }
}

void Dispatcher::handle(std::string_view body, const RequestContext& context, std::function<void(Reply)> done) {
  // The header decides the revision of everything except initialize. Absent →
  // 2025-03-26 (2025-06-18 transports.mdx, Protocol Version Header).
  const std::optional<std::string>& header = context.protocol_version_header;
  std::optional<Revision> header_revision = header ? parse_revision(*header) : std::nullopt;
  bool header_unsupported = header.has_value() && !header_revision.has_value();
  std::optional<Revision> known = known_revision(context, header_revision);

  // Counted before parsing: the tree of a 100 000-element batch would cost
  // far more memory than its body.
  if (count_batch_elements(body, max_batch_length_ + 1) > max_batch_length_) {
    UnreadableId unreadable = known ? unreadable_id_for(*known) : UnreadableId::kNull;
    observe("unknown", "error");
    Value error = make_error(nullptr, unreadable, kInvalidRequest,
                             "Invalid Request: batch too large (more than " + std::to_string(max_batch_length_) +
                                 " messages; AGENT_MCP_MAX_BATCH)");
    done(Reply{Disposition::kBadRequest, json::write(error)});
    return;
  }

  json::ParseLimits limits;
  limits.max_depth = kMaxJsonDepth;
  // The transport bounds the body; the parser must not refuse what it admitted.
  limits.max_bytes = body.size();
  limits.max_string_bytes = body.size();
  json::ParseResult parsed = json::parse(body, limits);
  if (!parsed.ok()) {
    // The id cannot be read. HTTP 400 like the official SDK (checklist 2.1).
    UnreadableId unreadable = known ? unreadable_id_for(*known) : UnreadableId::kNull;
    observe("unknown", "error");
    if (parsed.error.duplicate_key) {
      // Well-formed JSON we refuse (I-JSON, RFC 7493 §2.3: names within an
      // object MUST be unique), so not a parse error: clients can tell "not
      // JSON" from "JSON we refuse". Which member was the id is ambiguous
      // once keys repeat, so none is echoed.
      Value error = make_error(nullptr, unreadable, kInvalidRequest,
                               "Invalid Request: duplicate object key \"" + echo_safe(*parsed.error.duplicate_key) +
                                   "\" (RFC 7493 section 2.3)");
      done(Reply{Disposition::kBadRequest, json::write(error)});
      return;
    }
    Value error = make_error(nullptr, unreadable, kParseError, "Parse error: " + echo_safe(parsed.error.to_string()));
    done(Reply{Disposition::kBadRequest, json::write(error)});
    return;
  }
  Value message = std::move(*parsed.value);
  if (message.is_array()) {
    if (header_unsupported) {
      observe("unknown", "error");
      done(unsupported_version_reply(nullptr, *header));
      return;
    }
    handle_batch(std::move(message), known, context, std::move(done));
    return;
  }

  Envelope envelope = classify(message);
  MessageDone reply_done = [done = std::move(done)](Outcome outcome) {
    done(to_reply(outcome.response, outcome.disposition));
  };
  if (route_era(message, header) == Era::kStateless) {
    handle_stateless(envelope, context, std::move(reply_done));
    return;
  }
  Revision revision = known.value_or(kRevisionWithoutHeader);
  // initialize carries its version in the body and comes before any header
  // exists (2025-06-18 transports.mdx: the header is sent after initialize).
  if (envelope.method != "initialize" && header_unsupported) {
    observe(method_label(envelope.method), "error");
    reply_done(Outcome{unsupported_version_error(envelope.id, UnreadableId::kNull, *header), Disposition::kBadRequest});
    return;
  }
  handle_message(envelope, revision, context, /*in_batch=*/false, std::move(reply_done));
}

void Dispatcher::handle_stateless(const Envelope& envelope, const RequestContext& context, MessageDone done) {
  constexpr Revision revision = kNewestRevision;
  switch (envelope.kind) {
    case MessageKind::kNotification:
    case MessageKind::kResponse:
    case MessageKind::kInvalid:
      // No header or _meta rules for notifications (streamable-http.mdx,
      // Sending Messages); the envelope rules are the same as before.
      handle_message(envelope, revision, context, /*in_batch=*/false, std::move(done));
      return;
    case MessageKind::kRequest:
      break;
  }
  const Value& id = *envelope.id;
  std::string_view method = envelope.method;
  std::string_view label = method_label(method);
  auto refuse = [&](Disposition disposition, Value error) {
    observe(label, "error");
    done(Outcome{std::move(error), disposition});
  };

  // Checked in this order: a body that lacks its _meta is malformed whatever
  // the headers say (checklist 1.5 ⚠AMBIG: -32602 rather than -32020);
  // then the headers against the body; then whether the version is served.
  std::string version;
  if (std::optional<Refusal> refused = check_request_meta(envelope.params, version)) {
    refuse(Disposition::kBadRequest, make_error(&id, UnreadableId::kOmit, refused->code, refused->message));
    return;
  }
  StandardHeaders headers;
  headers.present = context.transport == Transport::kHttp;
  headers.protocol_version = context.protocol_version_header;
  headers.method = context.method_header;
  headers.name = context.name_header;
  if (std::optional<Refusal> refused = check_standard_headers(headers, method, envelope.params, version)) {
    refuse(Disposition::kBadRequest, make_error(&id, UnreadableId::kOmit, refused->code, refused->message));
    return;
  }
  // A handshake-era version in _meta is not served on this path (checklist
  // 1.1 ⚠SILENT): those are reached through initialize.
  std::optional<Revision> requested = parse_revision(version);
  if (!requested || !is_stateless(*requested)) {
    refuse(Disposition::kBadRequest, unsupported_version_error(&id, UnreadableId::kOmit, version));
    return;
  }

  if (method == "server/discover") {
    observe(label, "ok");
    done(Outcome{make_result(id, discover_result_), Disposition::kResponse});
    return;
  }
  if (method == "tools/list") {
    const Value* cursor = envelope.params->find("cursor");
    if (cursor != nullptr && !cursor->is_null()) {
      refuse(Disposition::kResponse, make_error(&id, UnreadableId::kOmit, kInvalidParams, "invalid cursor"));
      return;
    }
    observe(label, "ok");
    done(Outcome{make_result(id, tools_list_[static_cast<size_t>(revision)]), Disposition::kResponse});
    return;
  }
  if (method == "tools/call") {
    handle_tools_call(envelope, revision, context, std::move(done));
    return;
  }
  // ping, initialize-era and capability-gated methods are not part of this
  // revision: -32601, and on HTTP 404 (streamable-http.mdx, checklist 4.1).
  refuse(Disposition::kNotFound, make_error(&id, UnreadableId::kOmit, kMethodNotFound, "Method not found"));
}

void Dispatcher::handle_batch(Value batch, std::optional<Revision> known_revision, const RequestContext& context,
                              std::function<void(Reply)> done) {
  Revision revision = known_revision.value_or(kRevisionWithoutHeader);
  if (!allows_batches(revision)) {
    // Batches were removed in 2025-06-18 (changelog #1); the answer is
    // unspecified, so refuse the whole body (checklist 2.6 REC).
    observe("unknown", "error");
    Value error = make_error(nullptr, unreadable_id_for(revision), kInvalidRequest,
                             "Invalid Request: batches are not supported in protocol revision " +
                                 std::string(revision_name(revision)));
    done(Reply{Disposition::kBadRequest, json::write(error)});
    return;
  }
  if (batch.size() == 0) {
    // JSON-RPC 2.0 §6: an empty array is one Invalid Request, not an empty array.
    observe("unknown", "error");
    Value error = make_error(nullptr, unreadable_id_for(revision), kInvalidRequest, "Invalid Request: empty batch");
    done(Reply{Disposition::kBadRequest, json::write(error)});
    return;
  }

  // Elements may finish later (tools/call); the last one to finish answers.
  // JSON-RPC 2.0 §6 lets the responses come in any order; we keep the
  // elements' order, and leave notifications out.
  struct BatchState {
    Value messages;
    std::vector<std::optional<Value>> responses;
    std::atomic<size_t> remaining{0};
    std::function<void(Reply)> done;
  };
  auto state = std::make_shared<BatchState>();
  state->messages = std::move(batch);
  size_t count = state->messages.size();
  state->responses.resize(count);
  state->remaining.store(count);
  state->done = std::move(done);

  for (size_t i = 0; i < count; ++i) {
    Envelope envelope = classify(state->messages.as_array()[i]);
    handle_message(envelope, revision, context, /*in_batch=*/true, [state, i](Outcome outcome) {
      state->responses[i] = std::move(outcome.response);
      if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) {
        return;
      }
      Value array = Value::array();
      for (std::optional<Value>& response : state->responses) {
        if (response) {
          array.push(std::move(*response));
        }
      }
      // JSON-RPC 2.0 §6: a batch of notifications only gets nothing back.
      if (array.size() == 0) {
        state->done(Reply{Disposition::kAccepted, std::string()});
      } else {
        state->done(Reply{Disposition::kResponse, json::write(array)});
      }
    });
  }
}

void Dispatcher::handle_message(const Envelope& envelope, Revision revision, const RequestContext& context,
                                bool in_batch, MessageDone done) {
  switch (envelope.kind) {
    case MessageKind::kNotification:
      handle_notification(envelope, context);
      observe(method_label(envelope.method), "notification");
      done(Outcome{std::nullopt, Disposition::kAccepted});
      return;
    case MessageKind::kResponse:
      observe("unknown", "notification");
      done(Outcome{std::nullopt, Disposition::kAccepted});
      return;
    case MessageKind::kInvalid: {
      observe(method_label(envelope.method), "error");
      Value error = make_error(envelope.id, unreadable_id_for(revision), kInvalidRequest, envelope.problem);
      done(Outcome{std::move(error), Disposition::kBadRequest});
      return;
    }
    case MessageKind::kRequest:
      handle_request(envelope, revision, context, in_batch, std::move(done));
      return;
  }
}

void Dispatcher::handle_request(const Envelope& envelope, Revision revision, const RequestContext& context,
                                bool in_batch, MessageDone done) {
  const Value& id = *envelope.id;
  std::string_view method = envelope.method;
  std::string_view label = method_label(method);
  auto fail = [&](int code, std::string message) {
    observe(label, "error");
    done(Outcome{make_error(&id, unreadable_id_for(revision), code, std::move(message)), Disposition::kResponse});
  };
  auto succeed = [&](Value result) {
    observe(label, "ok");
    done(Outcome{make_result(id, std::move(result)), Disposition::kResponse});
  };

  if (in_batch && method == "initialize") {
    // 2025-03-26 basic/lifecycle.mdx: initialize MUST NOT be part of a batch.
    observe(label, "error");
    done(Outcome{make_error(&id, unreadable_id_for(revision), kInvalidRequest,
                            "Invalid Request: initialize must not be part of a batch"),
                 Disposition::kResponse});
    return;
  }
  // MCP params are always named (an object); JSON-RPC's by-position arrays
  // have no meaning here.
  const Value* params = envelope.params;
  if (params != nullptr && !params->is_object()) {
    fail(kInvalidParams, "params must be an object");
    return;
  }

  if (method == "initialize") {
    const Value* requested = params != nullptr ? params->find("protocolVersion") : nullptr;
    if (requested == nullptr || !requested->is_string()) {
      fail(kInvalidParams, "protocolVersion must be a string");
      return;
    }
    // lifecycle.mdx, Version Negotiation: echo a supported version, otherwise
    // answer our newest; never an error.
    Revision negotiated = parse_revision(requested->as_string()).value_or(kLatestRevision);
    if (is_stateless(negotiated)) {
      negotiated = kLatestRevision;  // initialize always means handshake-era rules
    }
    if (context.transport == Transport::kStdio) {
      std::lock_guard<std::mutex> lock(mutex_);
      stdio_revision_ = negotiated;
    }
    succeed(render_initialize_result(info_, negotiated));
    return;
  }
  if (method == "ping") {
    succeed(Value::object());
    return;
  }
  if (method == "tools/list") {
    // We never hand out a cursor, so any cursor is not one of ours
    // (pagination.mdx: invalid cursor SHOULD be -32602). null reads as absent.
    const Value* cursor = params != nullptr ? params->find("cursor") : nullptr;
    if (cursor != nullptr && !cursor->is_null()) {
      fail(kInvalidParams, "invalid cursor");
      return;
    }
    succeed(tools_list_[static_cast<size_t>(revision)]);
    return;
  }
  if (method == "tools/call") {
    handle_tools_call(envelope, revision, context, std::move(done));
    return;
  }
  fail(kMethodNotFound, "Method not found");
}

void Dispatcher::handle_notification(const Envelope& envelope, const RequestContext& context) {
  if (envelope.method != "notifications/cancelled") {
    return;  // notifications/initialized and unknown ones: nothing to do
  }
  // Malformed or unknown cancellations are ignored (cancellation.mdx).
  const Value* params = envelope.params;
  const Value* request_id = (params != nullptr && params->is_object()) ? params->find("requestId") : nullptr;
  if (request_id == nullptr || !is_valid_id(*request_id)) {
    return;
  }
  cancel(in_flight_key(context.sender, *request_id));
}

void Dispatcher::cancel(const std::string& id_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto range = in_flight_.equal_range(id_key);
  for (auto it = range.first; it != range.second; ++it) {
    it->second->store(true, std::memory_order_relaxed);
  }
}

void Dispatcher::forget(const std::string& id_key, const std::shared_ptr<std::atomic<bool>>& flag) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto range = in_flight_.equal_range(id_key);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == flag) {
      in_flight_.erase(it);
      return;
    }
  }
}

void Dispatcher::handle_tools_call(const Envelope& envelope, Revision revision, const RequestContext& context,
                                   MessageDone done) {
  const Value& id = *envelope.id;
  auto fail = [&](std::string message) {
    observe("tools/call", "error");
    done(Outcome{make_error(&id, unreadable_id_for(revision), kInvalidParams, std::move(message)),
                 Disposition::kResponse});
  };
  const Value* params = envelope.params;
  const Value* name = params != nullptr ? params->find("name") : nullptr;
  if (name == nullptr || !name->is_string()) {
    fail("name must be a string");
    return;
  }
  // server/tools.mdx, Error Handling: an unknown tool is a protocol error in every revision.
  Tool* tool = tools_.find(name->as_string());
  if (tool == nullptr) {
    // Reflected input is bounded: a 900 KB name must not come back twice over.
    fail("Unknown tool: " + echo_safe(name->as_string()));
    return;
  }
  const Value* given = params->find("arguments");
  if (given != nullptr && !given->is_object()) {
    fail("arguments must be an object");
    return;
  }
  Value arguments = given != nullptr ? *given : Value::object();

  Status valid = validate_arguments(tool->input_schema(), arguments);
  if (!valid) {
    if (!reports_invalid_arguments_as_tool_error(revision)) {
      fail(valid.message());
      return;
    }
    // From 2025-11-25 the model sees the problem and can correct the call (SEP-1303).
    observe("tools/call", "tool_error");
    done(Outcome{make_result(id, finish_result(render_tool_error(valid.message()), revision)),
                 Disposition::kResponse});
    return;
  }

  // Everything the work and its completion need is owned here: the message
  // the envelope points into is gone once handle() returns.
  struct CallState {
    Tool* tool = nullptr;
    Value id;
    Value arguments;
    CallContext context;
    ToolResult result;
  };
  auto state = std::make_shared<CallState>();
  state->tool = tool;
  state->id = id;
  state->arguments = std::move(arguments);
  state->context.deadline_ms = context.deadline_ms;
  state->context.transport_gone = context.transport_gone;
  std::shared_ptr<ProgressChannel> progress;
  if (const Value* token = progress_token_of(params); token != nullptr && context.stream_open && context.stream_send) {
    // The client asked for progress and can receive it: the answer becomes a
    // stream now (SSE on HTTP), whether or not the tool reports any.
    progress = std::make_shared<ProgressChannel>();
    progress->token = *token;
    progress->revision = revision;
    progress->send = context.stream_send;
    state->context.progress_sink = [progress](double done, double total, std::string_view message) {
      progress->report(done, total, message);
    };
    context.stream_open();
  }
  std::string key = in_flight_key(context.sender, id);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_.emplace(key, state->context.cancelled);
  }
  executor_.run(
      [state] { state->result = run_tool(*state->tool, state->arguments, state->context); },
      [this, state, key = std::move(key), revision, progress, done = std::move(done)] {
        forget(key, state->context.cancelled);
        if (progress) {
          progress->finished.store(true, std::memory_order_release);  // no progress after the response
        }
        // A call stopped by its client (notifications/cancelled, or a closed
        // connection or stream: the 2026-07-28 way to cancel) is counted as
        // cancelled; its answer goes nowhere the transport can still reach.
        Status stopped = state->context.should_stop();
        std::string_view outcome = state->result.is_error ? "tool_error" : "ok";
        if (!stopped && !stopped.is_deadline_exceeded()) {
          outcome = "cancelled";
        }
        observe("tools/call", outcome);
        done(Outcome{make_result(state->id, finish_result(render_call_result(state->result, revision), revision)),
                     Disposition::kResponse});
      });
}

}  // namespace sigma::mcp
