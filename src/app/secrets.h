// The secrets the daemon holds: the MCP bearer token and the control-plane
// API key, each from its setting or its file (auth/secret_source).
//
// Owns: loading both at start and re-reading the files on SIGHUP.
// Must not: log a secret (SecretSource logs setting names and paths only).
// Threading: load() at start on the main thread; reload() on the loop
// thread; readers take snapshots from any thread.
#pragma once

#include "auth/secret_source.h"
#include "base/status.h"
#include "config/config.h"

namespace sigma::app {

struct Secrets {
  auth::SecretSource mcp_token;
  auth::SecretSource api_key;

  explicit Secrets(const config::Config& config);

  // Reads every configured file. Failure names the file setting.
  [[nodiscard]] Status load();
  // Reads the API key file only: `call` and `--stdio` open no listener, so
  // they need no token, but agent_check_update may send the key.
  [[nodiscard]] Status load_api_key();
  // Re-reads every file that is configured; logs once when none is.
  void reload();
};

}  // namespace sigma::app
