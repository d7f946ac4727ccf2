// The MCP dispatcher: one JSON-RPC message (or batch) in, one reply out.
//
// Owns: routing each message to its era (stateless.h: route_era), revision
// selection per request (initialize negotiation, the MCP-Protocol-Version
// header, the header-less 2025-03-26 default, a stateless request's _meta),
// the JSON-RPC envelope rules, batches, the methods initialize, ping,
// server/discover, tools/list, tools/call, notifications/initialized and
// notifications/cancelled, argument validation before a tool runs, and the
// table of in-flight tool calls that cancellation reaches.
// Must not: know HTTP or stdio. It tells the transport what to do with a
// Disposition; the transport maps that to a status code once, in the glue.
// Stateless over HTTP: no sessions and no initialized-state gating; every
// message is judged on its own and the revision it is served at travels with
// it. The one exception is stdio in the handshake era, which has no header:
// there the process is the session (checklist 1.1), so the revision the last
// `initialize` on stdio negotiated is remembered and serves later handshake-
// era stdio messages. A stateless (2026-07-28) message never reads or writes
// that memory: it is judged on its own _meta alone.
// Threading: handle() and the `done` callbacks run on one thread (the event
// loop). Tool work runs wherever the Executor puts it and touches only the
// tool, its arguments and its CallContext. The in-flight table is locked, so
// an executor that completes on another thread stays safe.
#pragma once

#include <array>
#include <atomic>
#include <iterator>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/executor.h"
#include "json/value.h"
#include "mcp/jsonrpc.h"
#include "mcp/limits.h"
#include "mcp/protocol.h"
#include "mcp/render.h"
#include "mcp/tool.h"

namespace sigma::mcp {

enum class Transport { kHttp, kStdio };

// Per-request facts from the transport.
struct RequestContext {
  Transport transport = Transport::kHttp;
  // HTTP MCP-Protocol-Version as received; nullopt = absent (stdio: always nullopt).
  std::optional<std::string> protocol_version_header;
  // HTTP Mcp-Method and Mcp-Name as received (several field lines joined
  // with ", "); checked against the body of a stateless request on HTTP only.
  std::optional<std::string> method_header;
  std::optional<std::string> name_header;
  int64_t deadline_ms = 0;  // monotonic deadline for tool calls; 0 = none
  // The transport's "the answer can no longer be delivered" flag, handed to
  // tool calls as CallContext::transport_gone; nullptr = cannot tell.
  std::shared_ptr<const std::atomic<bool>> transport_gone;
  // Who sent the message: the HTTP connection's id, or 0 for the one stdio
  // client. A notifications/cancelled reaches only calls of its own sender.
  uint64_t sender = 0;
  // How notifications about this request reach the client ahead of its
  // response; both set or both empty (a client that accepts only
  // application/json: no progress is offered). stream_open() is called on
  // the dispatcher's thread before the tool runs, once the request asked for
  // progress; stream_send(message) carries one compact JSON-RPC notification
  // and may be called from the tool's thread. The reply still goes to `done`.
  std::function<void()> stream_open;
  std::function<void(std::string message)> stream_send;
};

// What the transport should do; HTTP maps these to statuses once, in the glue.
enum class Disposition {
  kResponse,    // 200 + JSON body
  kAccepted,    // 202, empty body (notifications, client responses)
  kBadRequest,  // 400 + JSON body (parse error, invalid request, unsupported version, refused batch,
                // and in the stateless era a missing _meta field or a header mismatch)
  kNotFound,    // 404 + JSON body (a stateless request for a method not served)
};

struct Reply {
  Disposition disposition;
  std::string body;  // compact JSON, no newline; empty for kAccepted
};

// Called once per JSON-RPC message handled (each element of a batch counts).
// `method` is the method name for the methods we know and "unknown" otherwise,
// so metrics labels stay bounded. `outcome` is one of "ok", "error",
// "tool_error", "notification" (no reply: notifications and client responses),
// "cancelled" (a tools/call whose client cancelled or went away before it ended).
using RequestObserver = std::function<void(std::string_view method, std::string_view outcome)>;

// Parse limits for a message body (its size is bounded by the transport).
inline constexpr size_t kMaxJsonDepth = 64;

class Dispatcher final {
 public:
  // REQUIRES: tools and executor outlive the dispatcher, the dispatcher
  // outlives every tool call it has handed to the executor, and no tool is
  // added to `tools` after this (tools/list is rendered here, once).
  // `max_batch_length`: messages a batch may hold; a longer one is refused
  // whole with -32600 "batch too large" before it is parsed.
  Dispatcher(const ToolRegistry& tools, Executor& executor, ServerInfo info, RequestObserver observer = {},
             size_t max_batch_length = kDefaultMaxBatchLength);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Handles one HTTP POST body (or one stdio line). Calls `done` exactly once,
  // possibly later: tools/call runs its tool through executor.run(work, done)
  // so blocking work stays off the loop.
  void handle(std::string_view body, const RequestContext& context, std::function<void(Reply)> done);

  // Tool calls started and not yet finished (for tests and shutdown).
  size_t in_flight_calls() const;

 private:
  // What one message produced: a response (absent for notifications) and, for
  // a message that is the whole body, what the transport should do.
  struct Outcome {
    std::optional<json::Value> response;
    Disposition disposition = Disposition::kResponse;
  };
  using MessageDone = std::function<void(Outcome)>;

  void handle_batch(json::Value batch, std::optional<Revision> known_revision, const RequestContext& context,
                    std::function<void(Reply)> done);
  void handle_message(const Envelope& envelope, Revision revision, const RequestContext& context, bool in_batch,
                      MessageDone done);
  void handle_request(const Envelope& envelope, Revision revision, const RequestContext& context, bool in_batch,
                      MessageDone done);
  void handle_notification(const Envelope& envelope, const RequestContext& context);
  void handle_tools_call(const Envelope& envelope, Revision revision, const RequestContext& context,
                         MessageDone done);
  // A message of the stateless era (2026-07-28): _meta, headers, version,
  // then the method.
  void handle_stateless(const Envelope& envelope, const RequestContext& context, MessageDone done);
  // `result` with what its revision adds to every result (resultType and
  // _meta from 2026-07-28).
  json::Value finish_result(json::Value result, Revision revision) const;

  // The revision for a message that is not initialize: the header's, else
  // the one negotiated on stdio, else nullopt (the caller applies 2025-03-26).
  std::optional<Revision> known_revision(const RequestContext& context,
                                         const std::optional<Revision>& header_revision) const;
  void observe(std::string_view method, std::string_view outcome) const;
  void cancel(const std::string& id_key);
  void forget(const std::string& id_key, const std::shared_ptr<std::atomic<bool>>& flag);

  const ToolRegistry& tools_;
  Executor& executor_;
  const ServerInfo info_;
  // tools/list results, serialized, indexed by Revision; the stateless
  // revision's with its resultType and _meta already in place.
  std::array<json::Value, std::size(kSupportedRevisions)> tools_list_;
  // The stateless era's result _meta and server/discover result, serialized.
  json::Value result_meta_;
  json::Value discover_result_;
  const RequestObserver observer_;
  const size_t max_batch_length_;

  mutable std::mutex mutex_;
  // Sender and request id ("12 7", "0 \"abc\"": RequestContext::sender,
  // then the id as compact JSON) → the cancel flag of each in-flight
  // tools/call. Keyed by sender so one client cannot cancel another's call
  // by guessing its id (checklist 4.3); a multimap because one sender may
  // reuse an id while an earlier call with it is still running.
  std::unordered_multimap<std::string, std::shared_ptr<std::atomic<bool>>> in_flight_;
  // Set by initialize on Transport::kStdio only; never consulted for HTTP.
  std::optional<Revision> stdio_revision_;
};

}  // namespace sigma::mcp
