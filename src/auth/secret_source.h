// SecretSource: one secret setting in force -- the MCP bearer token
// (AGENT_MCP_TOKEN / AGENT_MCP_TOKEN_FILE) or the control-plane key
// (SIGMA_API_KEY / SIGMA_API_KEY_FILE).
//
// Owns: the value given inline (flag, environment or config file) or read from
// a file, re-reading that file on SIGHUP so secrets rotate without a restart,
// and the operator warnings every secret gets whatever its source: shorter
// than kMinSecretBytes, and a file readable by its group or by everyone.
// A failed re-read keeps the previous secret in force: the listener stays
// closed to whoever lacks it (fail closed), and a half-written file does not
// lock every client out.
// Must not: log or return the secret in any message; log lines name the
// setting and the path only.
// Threading: every member is safe from any thread; the secret is swapped and
// read under a mutex, and current() hands out a snapshot that outlives a
// concurrent reload.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/token.h"
#include "base/status.h"

namespace sigma::auth {

// Below this many bytes a secret is warned about (it still works).
inline constexpr size_t kMinSecretBytes = 16;

// The API key travels as an X-Api-Key field value: non-empty, no control
// character, no space at either end (RFC 9110 §5.5).
bool is_header_value_secret(std::string_view text);

// Names a secret setting in messages and says what a valid value is. Inline
// values are checked by config with the same rule, files by SecretSource, so
// a secret accepted from either source can always be sent.
struct SecretSetting {
  std::string_view name;       // the inline setting: "AGENT_MCP_TOKEN"
  std::string_view file_name;  // the file setting: "AGENT_MCP_TOKEN_FILE"
  std::string_view label;      // "token": "token file /p is empty", "token reloaded"
  bool (*is_valid)(std::string_view secret);
  std::string_view rule;       // what is_valid accepts, for the error
};

inline constexpr SecretSetting kMcpTokenSetting{
    "AGENT_MCP_TOKEN", "AGENT_MCP_TOKEN_FILE", "token", is_token68,
    "a non-empty bearer token of letters, digits and - . _ ~ + / (optionally ending in =), RFC 6750 §2.1"};
inline constexpr SecretSetting kApiKeySetting{
    "SIGMA_API_KEY", "SIGMA_API_KEY_FILE", "API key", is_header_value_secret,
    "a non-empty key of visible characters (it is sent as the X-Api-Key header)"};

class SecretSource final {
 public:
  // At most one of `inline_value` and `file_path` is set (config enforces it;
  // the file wins otherwise).
  SecretSource(SecretSetting setting, std::optional<std::string> inline_value, std::optional<std::string> file_path);
  SecretSource(const SecretSource&) = delete;
  SecretSource& operator=(const SecretSource&) = delete;

  // Reads the file when one is configured and puts its secret in force;
  // logs the short-secret and file-mode warnings for whatever is in force.
  // Failure: a message naming the file ("token file /p is empty", "... does
  // not hold a non-empty bearer token of ..."), never the content; the
  // secret in force does not change.
  [[nodiscard]] Status load();
  // load() again, for SIGHUP; logs the outcome ("token reloaded", or an
  // error line saying the previous secret stays in force).
  void reload();

  // A value or a file is configured (even if the file has not been read yet).
  bool is_configured() const { return has_inline_ || file_path_.has_value(); }
  // The secret comes from a file, which reload() re-reads.
  bool has_file() const { return file_path_.has_value(); }
  // The secret in force, or nullptr when none is. The snapshot stays valid
  // while held, even across a reload.
  std::shared_ptr<const std::string> current() const;
  const SecretSetting& setting() const { return setting_; }

 private:
  void warn_if_short(const std::string& secret) const;

  const SecretSetting setting_;
  const bool has_inline_;
  const std::optional<std::string> file_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> secret_;  // guarded by mutex_
};

}  // namespace sigma::auth
