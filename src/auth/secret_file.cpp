#include "auth/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/file.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace sigma::auth {
namespace {

std::string context(std::string_view label, const std::string& path) {
  std::string out(label);
  out += ' ';
  out += path;
  return out;
}

}  // namespace

Result<SecretFile> read_secret_file(const std::string& path, std::string_view label) {
  const std::string where = context(label, path);
  // No O_NOFOLLOW: credentials directories are symlink farms. O_NONBLOCK: a
  // FIFO at the path must not hang start-up; fstat below refuses it.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.is_valid()) {
    return Status::from_errno(where, errno);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    return Status::from_errno(where, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::error(where + " is not a regular file");
  }
  if (st.st_size > static_cast<off_t>(kMaxSecretFileBytes)) {
    return Status::error(where + " is larger than " + std::to_string(kMaxSecretFileBytes) + " bytes");
  }
  // The file may have grown since fstat: the read is bounded again.
  Result<std::string> read = read_to_end(fd, where, kMaxSecretFileBytes, FileContent::kSecret);
  if (!read) {
    return read.status();
  }
  std::string content = std::move(*read);
  const size_t used = content.size();
  // Editors add a final "\n" (or "\r\n"); `echo` does too. Strip it and any
  // surrounding blanks, which are never part of a header-borne secret.
  std::string_view trimmed = trim_space(std::string_view(content.data(), used));
  if (trimmed.empty()) {
    wipe(content);
    return Status::error(where + " is empty");
  }
  for (char c : trimmed) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      wipe(content);
      return Status::error(where + " contains a control character (a secret is one line)");
    }
  }
  SecretFile out;
  out.secret.assign(trimmed);
  out.world_readable = (st.st_mode & S_IROTH) != 0;
  out.group_readable = (st.st_mode & S_IRGRP) != 0;
  wipe(content);
  return Result<SecretFile>(std::move(out));
}

}  // namespace sigma::auth
