#include "tools/release_manifest.h"

#include <algorithm>
#include <utility>

#include "base/strings.h"
#include "json/json.h"

namespace sigma::tools {
namespace {

constexpr uint64_t kMaxVersionNumber = 999999999;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }

// A SemVer numeric part: "0" or no leading zero, and bounded.
std::optional<uint64_t> version_number(std::string_view s) {
  if (!all_digits(s) || (s.size() > 1 && s.front() == '0') || s.size() > 9) {
    return std::nullopt;
  }
  std::optional<uint64_t> v = parse_u64(s);
  if (!v || *v > kMaxVersionNumber) {
    return std::nullopt;
  }
  return v;
}

// Fixed-width digits of a date-time, with a range.
bool digits_in(std::string_view s, size_t at, size_t width, unsigned min, unsigned max) {
  if (at + width > s.size()) {
    return false;
  }
  unsigned v = 0;
  for (size_t i = at; i < at + width; ++i) {
    if (!is_digit(s[i])) {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return v >= min && v <= max;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(const std::string& text, size_t limit) {
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

const json::Value* member(const json::Value& object, std::string_view name) { return object.find(name); }

Status string_member(const json::Value& object, std::string_view name, size_t max_bytes, std::string& out) {
  const json::Value* v = member(object, name);
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (v == nullptr) {
    return Status::error(quoted + " is missing");
  }
  if (!v->is_string()) {
    return Status::error(quoted + " must be a string");
  }
  if (v->as_string().size() > max_bytes) {
    return Status::error(quoted + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  out = v->as_string();
  return Status::ok();
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) {
  if (text.empty() || text.size() > kMaxVersionBytes) {
    return std::nullopt;
  }
  std::string_view core = text;
  std::string_view pre;
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    core = text.substr(0, dash);
    pre = text.substr(dash + 1);
    if (pre.empty()) {
      return std::nullopt;
    }
  }
  std::vector<std::string_view> parts = split(core, '.');
  if (parts.size() != 3) {
    return std::nullopt;
  }
  Version v;
  std::optional<uint64_t> major = version_number(parts[0]);
  std::optional<uint64_t> minor = version_number(parts[1]);
  std::optional<uint64_t> patch = version_number(parts[2]);
  if (!major || !minor || !patch) {
    return std::nullopt;
  }
  v.major = *major;
  v.minor = *minor;
  v.patch = *patch;
  if (!pre.empty()) {
    for (std::string_view id : split(pre, '.')) {
      const bool valid_chars =
          !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return is_digit(c) || is_alpha(c) || c == '-'; });
      // SemVer §9: numeric identifiers have no leading zeros.
      if (!valid_chars || (all_digits(id) && id.size() > 1 && id.front() == '0')) {
        return std::nullopt;
      }
      v.prerelease.emplace_back(id);
    }
  }
  return v;
}

int compare_versions(const Version& a, const Version& b) {
  for (auto [x, y] : {std::pair{a.major, b.major}, std::pair{a.minor, b.minor}, std::pair{a.patch, b.patch}}) {
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  // §11.3: a pre-release has lower precedence than the release.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
  }
  const size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    const bool xn = all_digits(x);
    const bool yn = all_digits(y);
    if (xn && yn) {
      // No leading zeros (parse_version), so the longer number is larger.
      if (x.size() != y.size()) {
        return x.size() < y.size() ? -1 : 1;
      }
      if (x != y) {
        return x < y ? -1 : 1;
      }
    } else if (xn != yn) {
      return xn ? -1 : 1;  // §11.4.3: numbers before words
    } else if (x != y) {
      return x < y ? -1 : 1;  // ASCII order
    }
  }
  if (a.prerelease.size() != b.prerelease.size()) {
    return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
  }
  return 0;
}

bool is_rfc3339_date_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20 || s.size() > kMaxPublishedAtBytes) {
    return false;
  }
  if (!digits_in(s, 0, 4, 0, 9999) || s[4] != '-' || !digits_in(s, 5, 2, 1, 12) || s[7] != '-' ||
      !digits_in(s, 8, 2, 1, 31) || (s[10] != 'T' && s[10] != 't') || !digits_in(s, 11, 2, 0, 23) ||
      s[13] != ':' || !digits_in(s, 14, 2, 0, 59) || s[16] != ':' || !digits_in(s, 17, 2, 0, 60)) {
    return false;
  }
  size_t at = 19;
  if (s[at] == '.') {
    size_t digits = 0;
    ++at;
    while (at < s.size() && is_digit(s[at])) {
      ++at;
      ++digits;
    }
    if (digits == 0 || digits > 9) {
      return false;
    }
  }
  if (at == s.size()) {
    return false;  // the offset is required
  }
  if (s[at] == 'Z' || s[at] == 'z') {
    return at + 1 == s.size();
  }
  if (s[at] != '+' && s[at] != '-') {
    return false;
  }
  return at + 6 == s.size() && digits_in(s, at + 1, 2, 0, 23) && s[at + 3] == ':' && digits_in(s, at + 4, 2, 0, 59);
}

bool is_safe_download_url(std::string_view url) {
  if (url.size() > kMaxDownloadUrlBytes) {
    return false;
  }
  size_t scheme = 0;
  if (url.substr(0, 7) == "http://") {
    scheme = 7;
  } else if (url.substr(0, 8) == "https://") {
    scheme = 8;
  } else {
    return false;
  }
  const std::string_view rest = url.substr(scheme);
  const std::string_view host = rest.substr(0, rest.find('/'));
  if (host.empty() || host.front() == ':' || host.front() == '.' || host.front() == '-') {
    return false;
  }
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return is_digit(c) || is_alpha(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == ':' ||
           c == '%' || c == '+';
  });
}

bool is_plain_path(std::string_view path) {
  return !path.empty() && path.front() == '/' && path.size() <= 4096 &&
         std::all_of(path.begin(), path.end(), [](char c) {
           return is_digit(c) || is_alpha(c) || c == '-' || c == '.' || c == '_' || c == '/' || c == '+';
         });
}

bool is_debian_package_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 128) {
    return false;
  }
  const auto lower_or_digit = [](char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); };
  return lower_or_digit(name.front()) && std::all_of(name.begin(), name.end(), [&](char c) {
           return lower_or_digit(c) || c == '+' || c == '-' || c == '.';
         });
}

Result<ReleaseManifest> parse_release_manifest(std::string_view body) {
  if (body.size() > kMaxManifestBytes) {
    return Status::error("larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  }
  json::ParseLimits limits;
  limits.max_bytes = kMaxManifestBytes;
  limits.max_depth = 16;
  limits.max_members = 1000;
  json::ParseResult parsed = json::parse(body, limits);
  if (!parsed.ok()) {
    return Status::error("not JSON (" + parsed.error.to_string() + ")");
  }
  const json::Value& root = *parsed.value;
  if (!root.is_object()) {
    return Status::error("not a JSON object");
  }
  ReleaseManifest m;
  if (Status s = string_member(root, "version", kMaxVersionBytes, m.version); !s) {
    return s;
  }
  std::optional<Version> version = parse_version(m.version);
  if (!version) {
    return Status::error("\"version\" must be MAJOR.MINOR.PATCH with an optional -PRERELEASE, such as 1.4.0 or 1.5.0-rc.1");
  }
  m.parsed = std::move(*version);
  if (Status s = string_member(root, "published_at", kMaxPublishedAtBytes, m.published_at); !s) {
    return s;
  }
  if (!is_rfc3339_date_time(m.published_at)) {
    return Status::error("\"published_at\" must be an RFC 3339 date-time such as 2026-11-30T12:00:00Z");
  }
  if (Status s = string_member(root, "url", kMaxDownloadUrlBytes, m.url); !s) {
    return s;
  }
  if (!is_safe_download_url(m.url)) {
    return Status::error(
        "\"url\" must be an http:// or https:// URL of letters, digits and - . _ ~ / : % + only (no shell "
        "metacharacters, no query)");
  }
  if (Status s = string_member(root, "sha256", 64, m.sha256); !s) {
    return s;
  }
  if (m.sha256.size() != 64 || !std::all_of(m.sha256.begin(), m.sha256.end(), [](char c) {
        return hex_digit_value(c) >= 0;
      })) {
    return Status::error("\"sha256\" must be 64 hexadecimal digits");
  }
  m.sha256 = to_lower(m.sha256);
  if (const json::Value* notes = member(root, "notes"); notes != nullptr && !notes->is_null()) {
    if (!notes->is_string()) {
      return Status::error("\"notes\" must be a string or null");
    }
    const std::string& text = notes->as_string();
    if (text.size() > kMaxReleaseNotesBytes) {
      m.notes = cut_utf8(text, kMaxReleaseNotesBytes);
      m.notes_truncated = true;
    } else {
      m.notes = text;
    }
  }
  return m;
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string deb_update_command(std::string_view package) {
  return "apt-get update && apt-get install --only-upgrade " + std::string(package);
}

std::string static_update_command(const ReleaseManifest& manifest, std::string_view binary_path) {
  const size_t slash = binary_path.rfind('/');
  const std::string dir(binary_path.substr(0, slash == 0 ? 1 : slash));
  const std::string base(binary_path.substr(slash + 1));
  const std::string tmp_template = (dir == "/" ? "" : dir) + "/." + base + ".XXXXXX";
  // The download lands next to the binary so that mv is a rename within one
  // file system: atomic, and safe while the old binary is running (writing
  // over it in place would fail with ETXTBSY). Nothing replaces the binary
  // unless the checksum matched; on any failure the download is removed and
  // the line ends false.
  return "sigma_new=$(mktemp " + shell_quote(tmp_template) + ") && curl -fsSL -o \"$sigma_new\" " +
         shell_quote(manifest.url) + " && echo " + shell_quote(manifest.sha256 + "  ") +
         "\"$sigma_new\" | sha256sum -c - && chmod 0755 \"$sigma_new\" && mv -f \"$sigma_new\" " +
         shell_quote(binary_path) + " && systemctl restart sigma-agent || { rm -f \"$sigma_new\"; false; }";
}

}  // namespace sigma::tools
