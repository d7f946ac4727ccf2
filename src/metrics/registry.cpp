#include "metrics/registry.h"

#include <algorithm>

#include "metrics/exposition.h"

namespace sigma::metrics {

namespace {

template <typename Vocabulary>
size_t index_of(const Vocabulary& vocabulary, std::string_view value) {
  size_t other = 0;
  for (size_t i = 0; i < vocabulary.size(); ++i) {
    if (vocabulary[i] == value) {
      return i;
    }
    if (vocabulary[i] == "other") {
      other = i;
    }
  }
  return other;
}

template <size_t N>
void zero(std::array<std::atomic<uint64_t>, N>& values) {
  for (auto& v : values) {
    v.store(0, std::memory_order_relaxed);
  }
}

// One family with a single label whose series are pre-created (all at 0)
// except "other", which appears only once something was folded into it.
template <size_t N>
void render_single_label_family(std::string& out, std::string_view name, std::string_view help,
                                std::string_view label_name,
                                const std::array<std::string_view, N>& vocabulary,
                                const std::array<std::atomic<uint64_t>, N>& values) {
  append_family_header(out, name, help, "counter");
  for (size_t i = 0; i < N; ++i) {
    uint64_t v = values[i].load(std::memory_order_relaxed);
    if (vocabulary[i] == "other" && v == 0) {
      continue;
    }
    append_sample(out, name, label(label_name, vocabulary[i]), format_value(v));
  }
}

}  // namespace

Registry::Registry(std::string version, std::vector<std::string_view> mcp_methods)
    : version_(std::move(version)), mcp_methods_(std::move(mcp_methods)) {
  mcp_methods_.push_back("other");
  mcp_methods_.push_back("unknown");
  std::sort(mcp_methods_.begin(), mcp_methods_.end());
  mcp_methods_.erase(std::unique(mcp_methods_.begin(), mcp_methods_.end()), mcp_methods_.end());
  const size_t slots = mcp_methods_.size() * kMcpOutcomes.size();
  mcp_requests_ = std::make_unique<std::atomic<uint64_t>[]>(slots);
  for (size_t i = 0; i < slots; ++i) {
    mcp_requests_[i].store(0, std::memory_order_relaxed);
  }
  zero(http_requests_);
  zero(auth_failures_);
  zero(control_plane_failures_);
  zero(control_plane_requests_);
}

void Registry::inc_mcp_request(std::string_view method, std::string_view outcome) {
  size_t slot = index_of(mcp_methods_, method) * kMcpOutcomes.size() + index_of(kMcpOutcomes, outcome);
  mcp_requests_[slot].fetch_add(1, std::memory_order_relaxed);
}

size_t Registry::http_slot(std::string_view listener, int code) {
  size_t code_slot = (code >= kMinHttpCode && code <= kMaxHttpCode)
                         ? static_cast<size_t>(code - kMinHttpCode)
                         : kHttpCodeSlots - 1;
  return index_of(kHttpListeners, listener) * kHttpCodeSlots + code_slot;
}

void Registry::inc_http_request(std::string_view listener, int code) {
  http_requests_[http_slot(listener, code)].fetch_add(1, std::memory_order_relaxed);
}

void Registry::inc_auth_failure(std::string_view reason) {
  auth_failures_[index_of(kAuthFailureReasons, reason)].fetch_add(1, std::memory_order_relaxed);
}

void Registry::inc_control_plane_failure(std::string_view operation) {
  control_plane_failures_[index_of(kControlPlaneOperations, operation)].fetch_add(
      1, std::memory_order_relaxed);
}

void Registry::inc_control_plane_request(std::string_view operation, std::string_view outcome,
                                         int64_t now_unix_s) {
  const size_t op = index_of(kControlPlaneOperations, operation);
  const size_t result = index_of(kControlPlaneOutcomes, outcome);
  control_plane_requests_[op * kControlPlaneOutcomes.size() + result].fetch_add(1, std::memory_order_relaxed);
  if (kControlPlaneOutcomes[result] == "ok") {
    control_plane_last_success_s_.store(now_unix_s, std::memory_order_relaxed);
  } else {
    control_plane_failures_[op].fetch_add(1, std::memory_order_relaxed);
  }
}

void Registry::set_control_plane_registered(bool registered) {
  control_plane_registered_.store(registered, std::memory_order_relaxed);
}

uint64_t Registry::control_plane_requests(std::string_view operation, std::string_view outcome) const {
  const size_t op = index_of(kControlPlaneOperations, operation);
  const size_t result = index_of(kControlPlaneOutcomes, outcome);
  return control_plane_requests_[op * kControlPlaneOutcomes.size() + result].load(std::memory_order_relaxed);
}

uint64_t Registry::control_plane_failures(std::string_view operation) const {
  return control_plane_failures_[index_of(kControlPlaneOperations, operation)].load(std::memory_order_relaxed);
}

void Registry::set_mcp_listener_up(bool up) { mcp_listener_up_.store(up, std::memory_order_relaxed); }

uint64_t Registry::mcp_requests(std::string_view method, std::string_view outcome) const {
  size_t slot = index_of(mcp_methods_, method) * kMcpOutcomes.size() + index_of(kMcpOutcomes, outcome);
  return mcp_requests_[slot].load(std::memory_order_relaxed);
}

uint64_t Registry::http_requests(std::string_view listener, int code) const {
  return http_requests_[http_slot(listener, code)].load(std::memory_order_relaxed);
}

uint64_t Registry::auth_failures(std::string_view reason) const {
  return auth_failures_[index_of(kAuthFailureReasons, reason)].load(std::memory_order_relaxed);
}

std::string Registry::render() const {
  std::string out;
  out.reserve(2048);

  render_single_label_family(out, "sigma_agent_auth_failures_total",
                             "MCP HTTP requests refused by the security policy, by reason.",
                             "reason", kAuthFailureReasons, auth_failures_);

  append_family_header(out, "sigma_agent_build_info",
                       "Always 1; the version label names the running agent build.", "gauge");
  append_sample(out, "sigma_agent_build_info", label("version", version_), "1");

  render_single_label_family(out, "sigma_agent_control_plane_failures_total",
                             "Failed calls to the control plane (sigma API), by operation.",
                             "operation", kControlPlaneOperations, control_plane_failures_);

  append_family_header(out, "sigma_agent_control_plane_last_success_timestamp_seconds",
                       "Unix time of the last successful control-plane exchange; 0 before the first.", "gauge");
  append_sample(out, "sigma_agent_control_plane_last_success_timestamp_seconds", "",
                format_value(static_cast<uint64_t>(control_plane_last_success_s_.load(std::memory_order_relaxed))));

  append_family_header(out, "sigma_agent_control_plane_registered",
                       "1 while this node holds an id from the control plane, else 0.", "gauge");
  append_sample(out, "sigma_agent_control_plane_registered", "",
                control_plane_registered_.load(std::memory_order_relaxed) ? "1" : "0");

  append_family_header(out, "sigma_agent_control_plane_requests_total",
                       "Exchanges with the control plane (sigma API), by operation and outcome.", "counter");
  for (size_t o = 0; o < kControlPlaneOperations.size(); ++o) {
    for (size_t r = 0; r < kControlPlaneOutcomes.size(); ++r) {
      uint64_t v = control_plane_requests_[o * kControlPlaneOutcomes.size() + r].load(std::memory_order_relaxed);
      if (v == 0) {
        continue;
      }
      append_sample(out, "sigma_agent_control_plane_requests_total",
                    label("operation", kControlPlaneOperations[o]) + "," + label("outcome", kControlPlaneOutcomes[r]),
                    format_value(v));
    }
  }

  // Series appear on first use, as Prometheus client libraries do for
  // labelled counters: 3 listeners x 500 codes would be mostly noise.
  append_family_header(out, "sigma_agent_http_requests_total",
                       "HTTP responses sent, by listener and status code.", "counter");
  for (size_t l = 0; l < kHttpListeners.size(); ++l) {
    for (size_t c = 0; c < kHttpCodeSlots; ++c) {
      uint64_t v = http_requests_[l * kHttpCodeSlots + c].load(std::memory_order_relaxed);
      if (v == 0) {
        continue;
      }
      std::string code = c + 1 == kHttpCodeSlots
                             ? std::string("other")
                             : format_value(static_cast<uint64_t>(kMinHttpCode + c));
      append_sample(out, "sigma_agent_http_requests_total",
                    label("listener", kHttpListeners[l]) + "," + label("code", code), format_value(v));
    }
  }

  append_family_header(out, "sigma_agent_mcp_listener_up",
                       "1 if the MCP HTTP listener is serving, 0 if it is disabled or refused to start.",
                       "gauge");
  append_sample(out, "sigma_agent_mcp_listener_up", "",
                mcp_listener_up_.load(std::memory_order_relaxed) ? "1" : "0");

  append_family_header(out, "sigma_agent_mcp_requests_total",
                       "MCP JSON-RPC messages handled, by method and outcome.", "counter");
  for (size_t m = 0; m < mcp_methods_.size(); ++m) {
    for (size_t o = 0; o < kMcpOutcomes.size(); ++o) {
      uint64_t v = mcp_requests_[m * kMcpOutcomes.size() + o].load(std::memory_order_relaxed);
      if (v == 0) {
        continue;
      }
      append_sample(out, "sigma_agent_mcp_requests_total",
                    label("method", mcp_methods_[m]) + "," + label("outcome", kMcpOutcomes[o]),
                    format_value(v));
    }
  }
  return out;
}

}  // namespace sigma::metrics
