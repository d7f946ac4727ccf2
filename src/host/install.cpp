#include "host/install.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "base/file.h"

namespace sigma::host {
namespace {

constexpr std::string_view kListSuffix = ".list";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// True when `text` has a line exactly equal to `line` (lines end in '\n';
// the last may not).
bool has_line(std::string_view text, std::string_view line) {
  size_t from = 0;
  while (true) {
    size_t at = text.find(line, from);
    if (at == std::string_view::npos) {
      return false;
    }
    const bool starts_line = at == 0 || text[at - 1] == '\n';
    const size_t end = at + line.size();
    const bool ends_line = end == text.size() || text[end] == '\n';
    if (starts_line && ends_line) {
      return true;
    }
    from = at + 1;
  }
}

// The spellings of `path` a package may have listed. With a merged /usr
// (the Debian default since bookworm) /sbin is a link to /usr/sbin, so the
// kernel reports /usr/sbin/x for a file a package installed as /sbin/x, and
// the other way round on a host that still has a split /usr.
std::vector<std::string> spellings(const std::string& path) {
  std::vector<std::string> out{path};
  for (std::string_view dir : {"/bin/", "/sbin/", "/lib/", "/lib64/"}) {
    const std::string merged = "/usr" + std::string(dir);
    if (starts_with(path, merged)) {
      out.push_back(path.substr(4));
    } else if (starts_with(path, dir)) {
      out.push_back("/usr" + path);
    }
  }
  return out;
}

}  // namespace

Result<std::string> read_executable_path(const std::string& link) {
  std::string buffer(PATH_MAX + 1, '\0');
  const ssize_t n = ::readlink(link.c_str(), buffer.data(), buffer.size());
  if (n < 0) {
    return Status::from_errno(link, errno);
  }
  if (static_cast<size_t>(n) >= buffer.size()) {
    return Status::error(link + ": target longer than PATH_MAX");
  }
  buffer.resize(static_cast<size_t>(n));
  if (buffer.empty() || buffer.front() != '/') {
    return Status::error(link + ": target is not an absolute path");
  }
  return buffer;
}

Result<std::optional<std::string>> find_dpkg_package(const std::string& info_dir, const std::string& path,
                                                     std::string_view preferred) {
  DIR* dir = ::opendir(info_dir.c_str());
  if (dir == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return std::optional<std::string>();  // no dpkg here: not a package install
    }
    return Status::from_errno(info_dir, err);
  }
  std::vector<std::string> lists;
  bool too_many = false;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    if (name.size() <= kListSuffix.size() || name.substr(name.size() - kListSuffix.size()) != kListSuffix) {
      continue;
    }
    if (lists.size() >= kMaxDpkgLists) {
      too_many = true;
      break;
    }
    lists.emplace_back(name);
  }
  const int read_errno = errno;
  ::closedir(dir);
  if (too_many) {
    return Status::error(info_dir + ": more than " + std::to_string(kMaxDpkgLists) + " package lists");
  }
  if (read_errno != 0) {
    return Status::from_errno(info_dir, read_errno);
  }
  // Our own package first: on a deb install the first read answers.
  std::sort(lists.begin(), lists.end(), [preferred](const std::string& a, const std::string& b) {
    const bool pa = starts_with(a, preferred);
    const bool pb = starts_with(b, preferred);
    return pa != pb ? pa : a < b;
  });
  const std::vector<std::string> wanted = spellings(path);
  for (const std::string& name : lists) {
    Result<std::string> content = read_file(info_dir + "/" + name, kMaxDpkgListBytes);
    if (!content) {
      return content.status();
    }
    for (const std::string& spelling : wanted) {
      if (has_line(*content, spelling)) {
        std::string package = name.substr(0, name.size() - kListSuffix.size());
        package = package.substr(0, package.find(':'));  // "sigma-agent:amd64" lists as sigma-agent
        return std::optional<std::string>(std::move(package));
      }
    }
  }
  return std::optional<std::string>();
}

}  // namespace sigma::host
