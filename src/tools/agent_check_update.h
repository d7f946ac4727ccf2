// agent_check_update: whether a newer sigma-agent is released, and the
// command an operator runs to install it. The tool never downloads, installs
// or restarts anything.
//
// Owns: the tool's schemas and description, reading the release manifest
// through a ReleaseSource, the check cache (AGENT_UPDATE_CHECK_TTL, `force`
// bypasses it) with one fetch at a time, the install-method probe through
// the host seam (deb when a dpkg file list names the running binary, else
// static), and the one-sentence failures.
// Must not: reach the network other than through the ReleaseSource, touch
// the binary, or put anything from the manifest in a command unless
// tools/release_manifest checked it.
// Threading: call() is safe to run concurrently. The cache sits under a
// mutex; while one call fetches, the others wait for its answer (or for
// their own deadline or cancellation) instead of fetching too.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/ops.h"
#include "json/value.h"
#include "mcp/tool.h"
#include "tools/release_manifest.h"
#include "tools/release_source.h"

namespace sigma::tools {

// One manifest request may take this long even when the tool's own
// deadline (AGENT_TOOL_TIMEOUT) is later.
inline constexpr int64_t kUpdateRequestTimeoutMs = 10000;

// The failure when neither AGENT_UPDATE_URL nor SIGMA_API_URL is set.
inline constexpr std::string_view kUpdateSourceOffText =
    "agent_check_update has no release manifest to read: set AGENT_UPDATE_URL to the manifest's http:// URL, "
    "or SIGMA_API_URL to read {SIGMA_API_URL}/agent/releases/latest";

struct AgentCheckUpdateOptions {
  // The running binary's path and dpkg's file lists. REQUIRES: set; outlives the tool.
  const host::HostOps* host = nullptr;
  // nullptr when no manifest URL is configured; outlives the tool.
  const ReleaseSource* source = nullptr;
  std::string current_version;  // SIGMA_VERSION
  int64_t cache_ttl_s = 3600;   // AGENT_UPDATE_CHECK_TTL; 0: no cache
  int64_t request_timeout_ms = kUpdateRequestTimeoutMs;
  // Clocks; empty means the real ones (base/clock monotonic_ms, time(2)).
  std::function<int64_t()> monotonic_ms;
  std::function<int64_t()> unix_time_s;
  // Called (with the cache lock held: it must not call the tool) when a
  // call starts waiting for another call's fetch; lets tests order threads
  // without sleeping.
  std::function<void()> on_wait;
};

class AgentCheckUpdateTool final : public mcp::Tool {
 public:
  explicit AgentCheckUpdateTool(AgentCheckUpdateOptions options);

  std::string_view name() const override { return "agent_check_update"; }
  std::string_view title() const override { return "Check for an agent update"; }
  std::string_view description() const override;
  const json::Value& input_schema() const override { return input_schema_; }
  const json::Value& output_schema() const override { return output_schema_; }
  mcp::ToolAnnotations annotations() const override;

  // Success: the versions, the release, the install method and the update
  // command (see the outputSchema). Failure, one sentence: no source
  // configured (kUpdateSourceOffText), the manifest unreachable, answered
  // with a non-200 status (with the API's {"error"} message), invalid, or
  // the call stopped (cancelled, AGENT_TOOL_TIMEOUT).
  mcp::ToolResult call(const json::Value& arguments, const mcp::CallContext& context) override;

 private:
  struct Install {
    std::string method;  // "deb", "static" or "unknown"
    std::optional<std::string> package;
    std::optional<std::string> binary_path;
    std::vector<std::string> notes;
  };
  // One completed fetch: a checked manifest, or the sentence saying why not.
  struct Check {
    uint64_t sequence = 0;  // which fetch (1, 2, ...)
    bool ok = false;
    std::string error;
    ReleaseManifest manifest;
    Install install;
    int64_t checked_monotonic_ms = 0;
    int64_t checked_unix_s = 0;
  };

  int64_t now_ms() const;
  // Fetches and checks the manifest; nullopt when the call itself was
  // stopped (its sentence in `stopped`), which is not a fact about the source.
  std::optional<Check> fetch(uint64_t sequence, const mcp::CallContext& context, std::string& stopped) const;
  Install probe_install() const;
  mcp::ToolResult render(const Check& check, bool cached) const;

  AgentCheckUpdateOptions options_;
  std::optional<Version> current_;
  json::Value input_schema_;
  json::Value output_schema_;

  std::mutex mutex_;
  std::condition_variable fetched_;
  bool fetching_ = false;        // guarded by mutex_
  uint64_t fetches_started_ = 0;  // guarded by mutex_
  std::optional<Check> last_;    // guarded by mutex_: the last fetch that completed
};

}  // namespace sigma::tools
