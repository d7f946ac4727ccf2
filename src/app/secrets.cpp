#include "app/secrets.h"

#include <string>

#include "base/log.h"

namespace sigma::app {

Secrets::Secrets(const config::Config& config)
    : mcp_token(auth::kMcpTokenSetting, config.mcp_token, config.mcp_token_file),
      api_key(auth::kApiKeySetting, config.api_key, config.api_key_file) {}

Status Secrets::load() {
  for (auth::SecretSource* s : {&mcp_token, &api_key}) {
    if (Status status = s->load(); !status) {
      return Status::error(std::string(s->setting().file_name) + ": " + status.message());
    }
  }
  return Status::ok();
}

Status Secrets::load_api_key() {
  if (Status status = api_key.load(); !status) {
    return Status::error(std::string(api_key.setting().file_name) + ": " + status.message());
  }
  return Status::ok();
}

void Secrets::reload() {
  bool any = false;
  for (auth::SecretSource* s : {&mcp_token, &api_key}) {
    if (s->has_file()) {
      s->reload();
      any = true;
    }
  }
  if (!any) {
    log_info("SIGHUP: no secret file configured; nothing to reload");
  }
}

}  // namespace sigma::app
