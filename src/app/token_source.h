// TokenSource: the MCP bearer token currently in force.
//
// Owns: the token given inline (AGENT_MCP_TOKEN) or read from a file
// (AGENT_MCP_TOKEN_FILE), and re-reading that file on SIGHUP so tokens rotate
// without a restart. A failed re-read keeps the previous token (fail closed
// would lock every client out because of a half-written file; the old token is
// still a secret the operator chose).
// Must not: log or return the token in any message.
// Threading: loop thread only.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"

namespace sigma::app {

class TokenSource final {
 public:
  TokenSource(std::optional<std::string> inline_token, std::optional<std::string> file_path)
      : token_(std::move(inline_token)), file_path_(std::move(file_path)) {}

  // Reads the token file when one is configured. Logs a warning when it is
  // world-readable. Error names the path, never the content.
  Status load();
  // load() again, for SIGHUP; logs the outcome.
  void reload();

  bool is_configured() const { return token_.has_value() || file_path_.has_value(); }
  // The token, when one is in force.
  const std::optional<std::string>& token() const { return token_; }

 private:
  std::optional<std::string> token_;
  std::optional<std::string> file_path_;
};

}  // namespace sigma::app
