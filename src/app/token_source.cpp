#include "app/token_source.h"

#include "auth/secret_file.h"
#include "base/log.h"

namespace sigma::app {

Status TokenSource::load() {
  if (!file_path_) {
    return Status::ok();
  }
  auto secret = auth::read_secret_file(*file_path_);
  if (!secret) {
    return secret.status();
  }
  if (secret->world_readable) {
    log_warn("token file is world-readable; restrict it with chmod 600",
             {{"path", *file_path_}, {"setting", "AGENT_MCP_TOKEN_FILE"}});
  }
  token_ = std::move(secret->secret);
  return Status::ok();
}

void TokenSource::reload() {
  if (!file_path_) {
    log_info("SIGHUP: no token file configured; nothing to reload");
    return;
  }
  Status s = load();
  if (s) {
    log_info("token reloaded", {{"path", *file_path_}});
  } else {
    log_error("token reload failed; keeping the previous token", {{"error", s.message()}});
  }
}

}  // namespace sigma::app
