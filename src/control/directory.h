// What the tools may ask of the control plane: the node's id there and the
// Envoy lists, behind an interface the tools module includes (STYLE.md:
// tools -> control interface), and the registration state the agent writes.
//
// Owns: RegistrationState (who this node is to the API, or why that is not
// known) and ApiDirectory, the Directory that answers through control::Api.
// Must not: retry or cache (a tool reports a failure as it is), or register
// (only the agent does).
// Threading: RegistrationState is locked and safe from any thread;
// ApiDirectory is safe from any thread (each call is its own exchange).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "control/api.h"

namespace sigma::control {

// Tool error sentences (SPEC §6: a missing dependency names what enables it).
inline constexpr std::string_view kNotRegisteredYet =
    "this node is not registered with the control plane yet (the agent keeps retrying; see the daemon's log "
    "for why), so its VPS id is not known; try again shortly";
inline constexpr std::string_view kNoAgentInThisProcess =
    "this process does not register with the control plane (only the daemon does, with SIGMA_API_URL set), "
    "so the node's VPS id is not known here; ask the daemon's MCP listener instead";

class RegistrationState final {
 public:
  // The daemon's agent has started and keeps trying to register.
  void set_agent_running();
  // Registration succeeded with this VPS id; an empty id forgets it (the API
  // answered 404 to a heartbeat and the agent registers again).
  void set_id(std::string id);
  // The VPS id, or a failure with kNotRegisteredYet / kNoAgentInThisProcess.
  Result<std::string> id() const;

 private:
  mutable std::mutex mutex_;
  bool agent_running_ = false;  // guarded by mutex_
  std::string id_;              // guarded by mutex_
};

class Directory {
 public:
  virtual ~Directory() = default;
  // The base URL without credentials, for results and messages.
  virtual std::string api_text() const = 0;
  // The VPS id registration returned, or why there is none (a sentence for
  // the tool's error).
  virtual Result<std::string> vps_id() const = 0;
  // One page (from 1) of GET /envoy-nodes / /envoy-routes; `source` is
  // "dynamic", "static" or "" for both. `deadline_ms` is absolute (0: the
  // API timeout only). Failure: a message carrying the API's own words.
  virtual ApiResult<Page<EnvoyNode>> envoy_nodes(const std::string& vps_id, int page, int64_t deadline_ms) const = 0;
  virtual ApiResult<Page<EnvoyRoute>> envoy_routes(const std::string& envoy_node_id, std::string_view source,
                                                   int page, int64_t deadline_ms) const = 0;
};

class ApiDirectory final : public Directory {
 public:
  // REQUIRES: both outlive the directory.
  ApiDirectory(const Api& api, const RegistrationState& state) : api_(api), state_(state) {}

  std::string api_text() const override { return api_.base_text(); }
  Result<std::string> vps_id() const override { return state_.id(); }
  ApiResult<Page<EnvoyNode>> envoy_nodes(const std::string& vps_id, int page, int64_t deadline_ms) const override {
    return api_.envoy_nodes(vps_id, page, deadline_ms);
  }
  ApiResult<Page<EnvoyRoute>> envoy_routes(const std::string& envoy_node_id, std::string_view source, int page,
                                           int64_t deadline_ms) const override {
    return api_.envoy_routes(envoy_node_id, source, page, deadline_ms);
  }

 private:
  const Api& api_;
  const RegistrationState& state_;
};

}  // namespace sigma::control
