#include "auth/secret_source.h"

#include <utility>

#include "auth/secret_file.h"
#include "base/file.h"
#include "base/log.h"

namespace sigma::auth {
namespace {

// Overwrites the bytes of a secret before its memory is freed, so a rotated
// token does not linger in the heap.
void wipe_and_delete(const std::string* s) {
  wipe(*const_cast<std::string*>(s));
  delete s;
}

std::shared_ptr<const std::string> make_secret(std::string value) {
  return std::shared_ptr<const std::string>(new std::string(std::move(value)), wipe_and_delete);
}

}  // namespace

bool is_header_value_secret(std::string_view text) {
  if (text.empty() || text.front() == ' ' || text.back() == ' ') {
    return false;
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return false;
    }
  }
  return true;
}

SecretSource::SecretSource(SecretSetting setting, std::optional<std::string> inline_value,
                           std::optional<std::string> file_path)
    : setting_(setting), has_inline_(inline_value.has_value()), file_path_(std::move(file_path)) {
  if (inline_value && !file_path_) {
    secret_ = make_secret(std::move(*inline_value));
  }
}

std::shared_ptr<const std::string> SecretSource::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return secret_;
}

void SecretSource::warn_if_short(const std::string& secret) const {
  if (secret.size() >= kMinSecretBytes) {
    return;
  }
  const std::string advice = " bytes; use at least 32 random bytes (for example: head -c 32 /dev/urandom | base64)";
  const std::string size = std::to_string(secret.size());
  if (file_path_) {
    log_warn(std::string(setting_.file_name) + " holds a " + std::string(setting_.label) + " of only " + size +
                 advice,
             {{"setting", std::string(setting_.file_name)}, {"path", *file_path_}});
  } else {
    log_warn(std::string(setting_.name) + " is only " + size + advice, {{"setting", std::string(setting_.name)}});
  }
}

Status SecretSource::load() {
  if (!file_path_) {
    std::shared_ptr<const std::string> in_force = current();
    if (in_force) {
      warn_if_short(*in_force);
    }
    return Status::ok();
  }
  const std::string label(setting_.label);
  auto secret = read_secret_file(*file_path_, label + " file");
  if (!secret) {
    return secret.status();
  }
  if (secret->world_readable) {
    log_warn(label + " file is world-readable; restrict it with chmod 600",
             {{"path", *file_path_}, {"setting", std::string(setting_.file_name)}});
  } else if (secret->group_readable) {
    log_warn(label + " file is group-readable; restrict it with chmod 600 unless only the agent's group can read it",
             {{"path", *file_path_}, {"setting", std::string(setting_.file_name)}});
  }
  if (!setting_.is_valid(secret->secret)) {
    wipe(secret->secret);
    // Taking it would lock every client out: nobody can send it.
    return Status::error(label + " file " + *file_path_ + " does not hold " + std::string(setting_.rule));
  }
  warn_if_short(secret->secret);
  std::shared_ptr<const std::string> fresh = make_secret(std::move(secret->secret));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    secret_.swap(fresh);
  }
  // `fresh` now holds the previous secret; it is wiped when the last
  // snapshot of it is released.
  return Status::ok();
}

void SecretSource::reload() {
  const std::string label(setting_.label);
  if (!file_path_) {
    log_info("SIGHUP: no " + label + " file configured; nothing to reload",
             {{"setting", std::string(setting_.file_name)}});
    return;
  }
  Status s = load();
  if (s) {
    log_info(label + " reloaded", {{"path", *file_path_}, {"setting", std::string(setting_.file_name)}});
  } else {
    log_error(label + " reload failed; keeping the previous " + label,
              {{"setting", std::string(setting_.file_name)}, {"error", s.message()}});
  }
}

}  // namespace sigma::auth
