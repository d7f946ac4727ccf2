// The agent's own health metrics: a fixed set of counter and gauge families
// rendered in Prometheus text exposition format 0.0.4.
//
// Owns: the families named below, their label vocabularies and their values.
// Every label has a closed vocabulary; a value outside it is folded to
// "other", so a hostile client cannot grow the series count (a method name is
// client-chosen text).
// Must not: do I/O, log, or know about sockets; the metrics listener and the
// MCP dispatcher's observer call in, and the listener writes render() out.
// Threading: every method is safe from any thread. Increments are lock-free
// (relaxed atomics); render() reads each value once, so a scrape running
// alongside increments sees each counter at some recent value.
#pragma once

#include <array>
#include <memory>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sigma::metrics {

// Label vocabularies, each sorted so that rendering in index order is sorted.
// Each holds "other", which receives every value outside the vocabulary.
inline constexpr std::array<std::string_view, 6> kMcpOutcomes = {"cancelled", "error", "notification", "ok",
                                                                 "other", "tool_error"};
inline constexpr std::array<std::string_view, 3> kHttpListeners = {"mcp", "metrics", "other"};
inline constexpr std::array<std::string_view, 5> kAuthFailureReasons = {
    "forbidden_host", "forbidden_origin", "invalid_token", "missing_token", "other"};
inline constexpr std::array<std::string_view, 5> kControlPlaneOperations = {
    "heartbeat", "other", "register", "releases", "routes"};
// How a control-plane exchange ended (control/api.h states each).
inline constexpr std::array<std::string_view, 6> kControlPlaneOutcomes = {
    "http_error", "invalid_response", "ok", "other", "timeout", "unreachable"};

// HTTP status codes 100..599 keep their number; anything else is "other".
inline constexpr int kMinHttpCode = 100;
inline constexpr int kMaxHttpCode = 599;

class Registry final {
 public:
  // `version` is the agent version reported by sigma_agent_build_info.
  // `mcp_methods`: the method names the dispatcher serves and labels with
  // (mcp/methods.h; main passes them in so the list is stated once), to
  // which "unknown" and "other" are added. REQUIRES: the views outlive the
  // registry (they name string literals).
  Registry(std::string version, std::vector<std::string_view> mcp_methods);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // sigma_agent_mcp_requests_total{method,outcome}. `method` is a method name
  // given at construction ("unknown" for a method the dispatcher does not serve);
  // `outcome` is ok, error, tool_error, notification or cancelled. Others fold to "other".
  void inc_mcp_request(std::string_view method, std::string_view outcome);

  // sigma_agent_http_requests_total{listener,code}: one per response sent.
  // `listener` is "mcp" or "metrics".
  void inc_http_request(std::string_view listener, int code);

  // sigma_agent_auth_failures_total{reason}: missing_token, invalid_token,
  // forbidden_origin or forbidden_host. All four are exported from the start
  // at 0 so that a dashboard's rate() sees the series before the first failure.
  void inc_auth_failure(std::string_view reason);

  // sigma_agent_control_plane_failures_total{operation}: register, heartbeat,
  // routes or releases; exported from the start at 0.
  void inc_control_plane_failure(std::string_view operation);

  // sigma_agent_control_plane_requests_total{operation,outcome}: one per
  // exchange with the API (series appear on first use). An outcome other
  // than "ok" also counts as a failure of the operation above; "ok" sets
  // the last-success time to `now_unix_s`.
  void inc_control_plane_request(std::string_view operation, std::string_view outcome, int64_t now_unix_s);

  // sigma_agent_control_plane_registered: 1 while the node holds an id from
  // the API (registered and not since forgotten with a 404), else 0.
  void set_control_plane_registered(bool registered);

  // sigma_agent_mcp_listener_up: 1 while the MCP HTTP listener serves, 0 when
  // it is disabled or refused to start (SPEC §4: non-loopback bind without a
  // token). Starts at 0.
  void set_mcp_listener_up(bool up);

  // The families above, sorted by name, series sorted by label values,
  // each family with its HELP and TYPE lines; ends with a newline.
  std::string render() const;

  // Current values, for tests and for callers that need a number.
  uint64_t mcp_requests(std::string_view method, std::string_view outcome) const;
  uint64_t http_requests(std::string_view listener, int code) const;
  uint64_t auth_failures(std::string_view reason) const;
  uint64_t control_plane_requests(std::string_view operation, std::string_view outcome) const;
  uint64_t control_plane_failures(std::string_view operation) const;

 private:
  static constexpr size_t kHttpCodeSlots = kMaxHttpCode - kMinHttpCode + 2;  // + "other"

  static size_t http_slot(std::string_view listener, int code);

  const std::string version_;
  std::vector<std::string_view> mcp_methods_;  // sorted; holds "other" and "unknown"
  std::unique_ptr<std::atomic<uint64_t>[]> mcp_requests_;  // mcp_methods_.size() * kMcpOutcomes.size()
  std::array<std::atomic<uint64_t>, kHttpListeners.size() * kHttpCodeSlots> http_requests_;
  std::array<std::atomic<uint64_t>, kAuthFailureReasons.size()> auth_failures_;
  std::array<std::atomic<uint64_t>, kControlPlaneOperations.size()> control_plane_failures_;
  std::array<std::atomic<uint64_t>, kControlPlaneOperations.size() * kControlPlaneOutcomes.size()>
      control_plane_requests_;
  std::atomic<bool> control_plane_registered_{false};
  std::atomic<int64_t> control_plane_last_success_s_{0};  // unix seconds; 0 = never
  std::atomic<bool> mcp_listener_up_{false};
};

}  // namespace sigma::metrics
