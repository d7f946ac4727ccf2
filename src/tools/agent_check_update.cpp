#include "tools/agent_check_update.h"

#include <chrono>
#include <ctime>
#include <utility>

#include "base/clock.h"
#include "json/json.h"
#include "tools/json_literal.h"

namespace sigma::tools {
namespace {

constexpr std::string_view kDescription =
    "Checks whether a newer sigma-agent release exists for this node and says how to install it. Returns "
    "this agent's version, the latest released version, whether an update is available (version-number "
    "order: 0.10.0 is newer than 0.9.1, and 1.0.0-rc.1 is older than 1.0.0), the release date, download URL "
    "and SHA-256 checksum, release notes, how this copy was installed (deb when the Debian package owns the "
    "binary, else static) and the exact shell command an operator runs as root to update (apt-get for deb; "
    "download, checksum verification, replace and restart for static). It never downloads, installs or "
    "restarts anything itself. Results are cached (see cache_ttl_seconds and cached); pass force=true to "
    "read the release manifest again now. Fails with an explanation when no release manifest is configured "
    "(AGENT_UPDATE_URL or SIGMA_API_URL), the manifest cannot be read, or it is invalid.";

constexpr std::string_view kInputSchema = R"({
  "type": "object",
  "properties": {
    "force": {"type": "boolean", "default": false,
              "description": "Read the release manifest now instead of using a cached check."}
  },
  "additionalProperties": false
})";

constexpr std::string_view kOutputSchema = R"({
  "type": "object",
  "properties": {
    "current_version": {"type": "string", "description": "This agent's version."},
    "latest_version": {"type": "string", "description": "The version the release manifest names."},
    "update_available": {"type": "boolean",
                         "description": "latest_version is newer than current_version (SemVer 2.0.0 order)."},
    "latest_is_prerelease": {"type": "boolean"},
    "published_at": {"type": "string", "description": "Release date, RFC 3339."},
    "download_url": {"type": "string"},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "release_notes": {"type": ["string", "null"]},
    "install_method": {"type": "string", "enum": ["deb", "static", "unknown"]},
    "package": {"type": ["string", "null"], "description": "The Debian package owning the binary (deb only)."},
    "binary_path": {"type": ["string", "null"], "description": "The running binary."},
    "update_command": {"type": ["string", "null"],
                       "description": "Shell command for an operator (as root); null when no update is available or it cannot be built safely."},
    "manifest_url": {"type": "string"},
    "cached": {"type": "boolean", "description": "This call did not read the manifest itself."},
    "checked_at": {"type": "string", "description": "When the manifest was read, RFC 3339 UTC."},
    "cache_ttl_seconds": {"type": "integer", "minimum": 0},
    "notes": {"type": "array", "items": {"type": "string"}}
  },
  "required": ["current_version", "latest_version", "update_available", "latest_is_prerelease", "published_at",
               "download_url", "sha256", "release_notes", "install_method", "package", "binary_path",
               "update_command", "manifest_url", "cached", "checked_at", "cache_ttl_seconds", "notes"],
  "additionalProperties": false
})";

// The API's {"error": "..."} message, cut and stripped of control
// characters so a hostile server cannot flood or garble the result.
constexpr size_t kMaxApiMessageBytes = 200;

std::optional<std::string> api_error_message(const std::string& body) {
  json::ParseLimits limits;
  limits.max_bytes = kMaxManifestBytes;
  limits.max_depth = 8;
  json::ParseResult parsed = json::parse(body, limits);
  if (!parsed.ok() || !parsed.value->is_object()) {
    return std::nullopt;
  }
  const json::Value* error = parsed.value->find("error");
  if (error == nullptr || !error->is_string() || error->as_string().empty()) {
    return std::nullopt;
  }
  std::string out;
  for (char c : error->as_string()) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (out.size() > kMaxApiMessageBytes) {
    size_t end = kMaxApiMessageBytes;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) {
      --end;
    }
    out = out.substr(0, end) + "...";
  }
  return out;
}

std::string rfc3339_utc(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  tm parts{};
  gmtime_r(&t, &parts);
  char text[32];
  const size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return std::string(text, n);
}

json::Value string_or_null(const std::optional<std::string>& s) { return s ? json::Value(*s) : json::Value(); }

}  // namespace

AgentCheckUpdateTool::AgentCheckUpdateTool(AgentCheckUpdateOptions options)
    : options_(std::move(options)),
      current_(parse_version(options_.current_version)),
      input_schema_(json_literal(kInputSchema)),
      output_schema_(json_literal(kOutputSchema)) {}

std::string_view AgentCheckUpdateTool::description() const { return kDescription; }

mcp::ToolAnnotations AgentCheckUpdateTool::annotations() const {
  mcp::ToolAnnotations a;
  a.read_only = true;  // it only reads a manifest and the dpkg database
  a.destructive = false;
  a.idempotent = true;
  a.open_world = true;  // it talks to a server outside the node
  return a;
}

int64_t AgentCheckUpdateTool::now_ms() const {
  return options_.monotonic_ms ? options_.monotonic_ms() : monotonic_ms();
}

mcp::ToolResult AgentCheckUpdateTool::call(const json::Value& arguments, const mcp::CallContext& context) {
  if (options_.source == nullptr) {
    return mcp::ToolResult::failure(std::string(kUpdateSourceOffText));
  }
  bool force = false;
  if (const json::Value* f = arguments.find("force"); f != nullptr) {
    if (!f->is_bool()) {
      return mcp::ToolResult::failure("force must be true or false");
    }
    force = f->as_bool();
  }
  if (!current_) {
    return mcp::ToolResult::failure("this build's version \"" + options_.current_version +
                                    "\" is not MAJOR.MINOR.PATCH, so it cannot be compared with a release");
  }
  if (Status stop = context.should_stop(); !stop) {
    return mcp::ToolResult::failure(stop.message());
  }

  std::unique_lock<std::mutex> lock(mutex_);
  // The oldest fetch whose answer, good or bad, this call takes without
  // fetching itself: one that starts after this call began, or, unless
  // forced, the one already in flight (nothing fresher could be had).
  const uint64_t oldest_shared = (force || !fetching_) ? fetches_started_ + 1 : fetches_started_;
  bool waited = false;
  while (true) {
    if (last_) {
      const bool fresh = last_->sequence >= oldest_shared;
      const bool within_ttl = !force && last_->ok && options_.cache_ttl_s > 0 &&
                              now_ms() - last_->checked_monotonic_ms < options_.cache_ttl_s * 1000;
      if (fresh || within_ttl) {
        const Check check = *last_;
        lock.unlock();
        return render(check, true);
      }
    }
    if (!fetching_) {
      break;
    }
    // One fetch at a time: a fleet controller asking every tool at once must
    // not turn into a burst of requests at the release server.
    if (!waited && options_.on_wait) {
      options_.on_wait();
    }
    waited = true;
    fetched_.wait_for(lock, std::chrono::milliseconds(50));
    if (Status stop = context.should_stop(); !stop) {
      return mcp::ToolResult::failure(stop.message());
    }
  }
  fetching_ = true;
  const uint64_t sequence = ++fetches_started_;
  lock.unlock();

  std::string stopped;
  std::optional<Check> check = fetch(sequence, context, stopped);

  lock.lock();
  fetching_ = false;
  if (check) {
    last_ = *check;
  }
  lock.unlock();
  fetched_.notify_all();
  if (!check) {
    return mcp::ToolResult::failure(stopped);
  }
  return render(*check, false);
}

std::optional<AgentCheckUpdateTool::Check> AgentCheckUpdateTool::fetch(uint64_t sequence,
                                                                       const mcp::CallContext& context,
                                                                       std::string& stopped) const {
  const std::string& url = options_.source->url();
  int64_t deadline = now_ms() + options_.request_timeout_ms;
  if (context.deadline_ms > 0 && context.deadline_ms < deadline) {
    deadline = context.deadline_ms;
  }
  Check check;
  check.sequence = sequence;
  Result<ReleaseReply> reply = options_.source->fetch(deadline);
  // The caller went away or ran out of time: say so, and leave the cache
  // alone (that is not a fact about the release server).
  if (Status stop = context.should_stop(); !stop) {
    stopped = stop.message();
    return std::nullopt;
  }
  if (!reply) {
    if (reply.status().is_deadline_exceeded()) {
      check.error = "the release manifest at " + url + " did not answer within " +
                    std::to_string(options_.request_timeout_ms / 1000) + " seconds";
    } else {
      check.error = "cannot read the release manifest: " + reply.error();
    }
    return check;
  }
  if (reply->status != 200) {
    check.error = "the release manifest at " + url + " answered HTTP " + std::to_string(reply->status);
    if (std::optional<std::string> message = api_error_message(reply->body)) {
      check.error += ": " + *message;
    }
    return check;
  }
  Result<ReleaseManifest> manifest = parse_release_manifest(reply->body);
  if (!manifest) {
    check.error = "the release manifest at " + url + " is invalid: " + manifest.error();
    return check;
  }
  check.ok = true;
  check.manifest = std::move(manifest).value();
  check.install = probe_install();
  check.checked_monotonic_ms = now_ms();
  check.checked_unix_s = options_.unix_time_s ? options_.unix_time_s() : static_cast<int64_t>(::time(nullptr));
  return check;
}

AgentCheckUpdateTool::Install AgentCheckUpdateTool::probe_install() const {
  Install install;
  install.method = "unknown";
  Result<std::string> exe = options_.host->executable_path();
  if (!exe) {
    install.notes.push_back("cannot tell how this copy was installed: " + exe.error());
    return install;
  }
  std::string path = std::move(exe).value();
  if (path.size() > host::kDeletedSuffix.size() &&
      path.compare(path.size() - host::kDeletedSuffix.size(), host::kDeletedSuffix.size(), host::kDeletedSuffix) == 0) {
    path.resize(path.size() - host::kDeletedSuffix.size());
    install.notes.push_back("the running binary was replaced on disk after the agent started; restart the agent "
                            "to run the file now at " + path);
  }
  install.binary_path = path;
  Result<std::optional<std::string>> package = options_.host->dpkg_package_of(path);
  if (!package) {
    install.notes.push_back("cannot tell whether a package owns " + path + ": " + package.error());
    return install;
  }
  if (!package->has_value()) {
    install.method = "static";
    return install;
  }
  if (!is_debian_package_name(**package)) {
    install.notes.push_back("the dpkg database names a package for " + path + " that is not a valid package name");
    return install;
  }
  install.method = "deb";
  install.package = **package;
  return install;
}

mcp::ToolResult AgentCheckUpdateTool::render(const Check& check, bool cached) const {
  if (!check.ok) {
    return mcp::ToolResult::failure(check.error);
  }
  const ReleaseManifest& m = check.manifest;
  const int order = compare_versions(*current_, m.parsed);
  const bool update_available = order < 0;
  std::vector<std::string> notes = check.install.notes;
  json::Value command;
  if (!update_available) {
    notes.push_back(order == 0 ? "this agent runs the latest release"
                               : "this agent (" + options_.current_version + ") is newer than the latest release (" +
                                     m.version + ")");
  } else if (check.install.method == "deb") {
    command = json::Value(deb_update_command(*check.install.package));
  } else if (check.install.method == "static") {
    if (is_plain_path(*check.install.binary_path)) {
      command = json::Value(static_update_command(m, *check.install.binary_path));
    } else {
      notes.push_back("the binary's path has characters this tool does not put in a shell command; replace it "
                      "by hand with the download after checking its sha256");
    }
  }
  if (m.parsed.is_prerelease()) {
    notes.push_back("the latest release is a pre-release");
  }
  if (m.notes_truncated) {
    notes.push_back("release_notes were cut to " + std::to_string(kMaxReleaseNotesBytes) + " bytes");
  }
  json::Value note_list = json::Value::array();
  for (std::string& n : notes) {
    note_list.push(json::Value(std::move(n)));
  }
  json::Value result = json::Value::object();
  result.set("current_version", json::Value(options_.current_version))
      .set("latest_version", json::Value(m.version))
      .set("update_available", json::Value(update_available))
      .set("latest_is_prerelease", json::Value(m.parsed.is_prerelease()))
      .set("published_at", json::Value(m.published_at))
      .set("download_url", json::Value(m.url))
      .set("sha256", json::Value(m.sha256))
      .set("release_notes", string_or_null(m.notes))
      .set("install_method", json::Value(check.install.method))
      .set("package", string_or_null(check.install.package))
      .set("binary_path", string_or_null(check.install.binary_path))
      .set("update_command", std::move(command))
      .set("manifest_url", json::Value(options_.source->url()))
      .set("cached", json::Value(cached))
      .set("checked_at", json::Value(rfc3339_utc(check.checked_unix_s)))
      .set("cache_ttl_seconds", json::Value(options_.cache_ttl_s))
      .set("notes", std::move(note_list));
  return mcp::ToolResult::success(std::move(result));
}

}  // namespace sigma::tools
