// libFuzzer harness for the release manifest: untrusted bytes from the
// release server that end up in a shell command an operator pastes.
//
// Any manifest that is accepted must hold only what the checks promise: a
// version that parses again, a URL and sha256 free of anything a shell
// would read, notes within their bound; and the static update command built
// from it must quote nothing but those checked values. A violation traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/release_manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sigma::tools;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  sigma::Result<ReleaseManifest> m = parse_release_manifest(body);
  if (!m) {
    if (m.error().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  if (!parse_version(m->version) || !is_safe_download_url(m->url) || m->sha256.size() != 64 ||
      !is_rfc3339_date_time(m->published_at) || (m->notes && m->notes->size() > kMaxReleaseNotesBytes)) {
    __builtin_trap();
  }
  for (char c : m->url + m->sha256) {
    if (c == '\'' || c == '"' || c == '$' || c == '`' || c == ';' || c == '&' || c == '|' || c == ' ' ||
        c == '\n' || c == '\\' || c == '(' || c == ')' || c == '<' || c == '>' || c == '*' || c == '?') {
      __builtin_trap();
    }
  }
  const std::string command = static_update_command(*m, "/usr/sbin/sigma-agent");
  if (command.find(m->url) == std::string::npos || command.find('\n') != std::string::npos) {
    __builtin_trap();
  }
  // Version order is a total order: antisymmetric against a fixed release.
  const Version other = *parse_version("1.0.0");
  const int a = compare_versions(m->parsed, other);
  const int b = compare_versions(other, m->parsed);
  if ((a < 0) != (b > 0) || (a == 0) != (b == 0)) {
    __builtin_trap();
  }
  return 0;
}
