// Secret files: the MCP token (AGENT_MCP_TOKEN_FILE) and the control-plane key
// (SIGMA_API_KEY_FILE), read at start and again on SIGHUP.
//
// Owns: opening, checking and trimming one secret file. Must not: put the
// content in an error message or a log line; follow the OpenBSD rule of
// refusing quietly -- a world- or group-readable file is reported to the caller,
// who logs the warning (SPEC §4; auth/secret_source does).
// Threading: pure function apart from the file read; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sigma::auth {

// Larger files are refused: a secret is one short line, and a bound keeps a
// mistaken path (a log, a disk image) from being read into memory.
inline constexpr size_t kMaxSecretFileBytes = 4096;

struct SecretFile {
  std::string secret;           // surrounding whitespace and the final newline removed
  bool world_readable = false;  // mode & 0004: the caller logs a warning
  bool group_readable = false;  // mode & 0040: the caller logs a warning
};

// Reads `path` (symlinks are followed: systemd credentials and Kubernetes
// secrets are symlinks). Success: a regular file of at most
// kMaxSecretFileBytes whose trimmed content is non-empty and has no control
// character (a secret is one line). Failure: a message that begins with
// `label` and the path -- "token file /etc/sigma/token is empty" -- and never
// contains the content.
Result<SecretFile> read_secret_file(const std::string& path, std::string_view label = "token file");

}  // namespace sigma::auth
