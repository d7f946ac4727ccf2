// The release manifest agent_check_update reads (SPEC §7: {version,
// published_at, url, sha256, notes?}), version order, and the operator's
// update commands built from it.
//
// Owns: the strict checks every manifest field passes before any of it is
// shown or put in a command, SemVer 2.0.0 precedence (§11), and the two
// update commands (deb and static) with their shell quoting.
// Must not: fetch anything, run anything, or read the host: the commands are
// text for an operator to paste, built only from values checked here.
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sigma::tools {

// The manifest is a few hundred bytes; past this it is refused unread.
inline constexpr size_t kMaxManifestBytes = 64 * 1024;
// Release notes longer than this are cut (at a UTF-8 boundary) and marked.
inline constexpr size_t kMaxReleaseNotesBytes = 4096;
inline constexpr size_t kMaxVersionBytes = 64;
inline constexpr size_t kMaxDownloadUrlBytes = 2048;
inline constexpr size_t kMaxPublishedAtBytes = 40;

// MAJOR.MINOR.PATCH[-PRERELEASE] (SemVer 2.0.0 §2, §9), each number without
// leading zeros and below 10^9; build metadata ("+...") and a leading "v"
// are refused.
struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers, empty for a release
  bool is_prerelease() const { return !prerelease.empty(); }
};

std::optional<Version> parse_version(std::string_view text);

// SemVer 2.0.0 §11 precedence: numbers compare numerically (0.10.0 >
// 0.9.1), a pre-release sorts before its release (1.0.0-rc.1 < 1.0.0),
// pre-release identifiers compare numerically when both are numbers, else
// in ASCII order, numbers before words, and a longer list wins a tie.
// Returns <0, 0 or >0.
int compare_versions(const Version& a, const Version& b);

// A manifest that passed every check.
struct ReleaseManifest {
  std::string version;
  Version parsed;
  std::string published_at;  // RFC 3339 date-time, as given
  std::string url;           // http(s), only characters that need no shell quoting
  std::string sha256;        // 64 hex digits, lower-cased
  std::optional<std::string> notes;  // cut to kMaxReleaseNotesBytes
  bool notes_truncated = false;
};

// Checks and reads a manifest body. Unknown members are ignored (a newer
// API may add some). Failure: why, naming the member ("\"sha256\" must be
// 64 hexadecimal digits").
Result<ReleaseManifest> parse_release_manifest(std::string_view body);

// "2026-11-30T12:00:00Z", "2026-11-30T12:00:00.5+01:00" (RFC 3339 §5.6).
bool is_rfc3339_date_time(std::string_view text);
// http:// or https://, a host, and only letters, digits and - . _ ~ / : % +
// (no quote, space, $, `, ;, &, |, ?, *, etc.), at most kMaxDownloadUrlBytes.
bool is_safe_download_url(std::string_view url);
// A path made of letters, digits and - . _ / + only, absolute: safe to put in
// a command and in a sha256sum check line.
bool is_plain_path(std::string_view path);
// Debian policy §5.6.1: [a-z0-9][a-z0-9+.-]+.
bool is_debian_package_name(std::string_view name);

// Wraps `text` in single quotes, each ' written as '\'' (POSIX sh 2.2.2).
std::string shell_quote(std::string_view text);

// What a deb install runs: the package manager applies the update.
// REQUIRES: is_debian_package_name(package).
std::string deb_update_command(std::string_view package);

// Download next to the binary, verify the checksum, then replace the binary
// with an atomic rename and restart the systemd unit `sigma-agent`.
// REQUIRES: manifest checked by parse_release_manifest, is_plain_path(binary_path).
std::string static_update_command(const ReleaseManifest& manifest, std::string_view binary_path);

}  // namespace sigma::tools
