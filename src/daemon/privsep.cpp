#include "daemon/privsep.h"

#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "base/file.h"

namespace sigma::daemon {
namespace {

constexpr size_t kMaxPasswdBytes = 4 * 1024 * 1024;

std::optional<uint32_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 10) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  // (uid_t)-1 means "unchanged" to setresuid: never a real account.
  if (v >= 0xffffffffULL) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

// capset with version 3 (two 32-bit words per set).
Status set_capabilities(uint64_t permitted_and_effective) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(permitted_and_effective >> (32 * i));
    data[i].permitted = data[i].effective;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) {
    return Status::from_errno("capset", errno);
  }
  return Status::ok();
}

Status change_ids(const Account& account) {
  if (setgroups(0, nullptr) != 0) {
    return Status::from_errno("setgroups", errno);
  }
  if (setresgid(account.gid, account.gid, account.gid) != 0) {
    return Status::from_errno("setresgid", errno);
  }
  if (setresuid(account.uid, account.uid, account.uid) != 0) {
    return Status::from_errno("setresuid", errno);
  }
  return Status::ok();
}

Status clear_ambient_and_set_no_new_privs() {
  // EINVAL: a kernel without ambient capabilities (before 4.3) has none to clear.
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return Status::from_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Status::from_errno("prctl(PR_SET_NO_NEW_PRIVS)", errno);
  }
  return Status::ok();
}

}  // namespace

Result<std::optional<Account>> find_account(std::string_view text, std::string_view name) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // name:password:uid:gid:gecos:home:shell
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos || line.substr(0, c1) != name) {
      continue;
    }
    size_t c2 = line.find(':', c1 + 1);
    size_t c3 = c2 == std::string_view::npos ? c2 : line.find(':', c2 + 1);
    size_t c4 = c3 == std::string_view::npos ? c3 : line.find(':', c3 + 1);
    if (c4 == std::string_view::npos) {
      return Status::error("passwd entry of " + std::string(name) + " has fewer than four fields");
    }
    std::optional<uint32_t> uid = parse_id(line.substr(c2 + 1, c3 - c2 - 1));
    std::optional<uint32_t> gid = parse_id(line.substr(c3 + 1, c4 - c3 - 1));
    if (!uid || !gid) {
      return Status::error("passwd entry of " + std::string(name) + " has no numeric uid and gid");
    }
    return std::optional<Account>(Account{*uid, *gid});
  }
  return std::optional<Account>();
}

Result<std::optional<Account>> lookup_account(std::string_view name, const std::string& passwd_path) {
  Result<std::string> text = read_file(passwd_path, kMaxPasswdBytes);
  if (!text) {
    return text.status();
  }
  return find_account(*text, name);
}

bool started_privileged() { return geteuid() == 0; }

Result<Helper> spawn_helper(const std::function<int(int channel)>& child) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::from_errno("socketpair", errno);
  }
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::from_errno("fork", saved);
  }
  if (pid == 0) {
    ::close(fds[0]);
    _exit(child(fds[1]));
  }
  ::close(fds[1]);
  Helper helper;
  helper.pid = pid;
  helper.channel.reset(fds[0]);
  return helper;
}

Status become_helper(const Account& account, pid_t parent) {
  constexpr uint64_t kKeep = (1ULL << CAP_DAC_READ_SEARCH) | (1ULL << CAP_SYS_PTRACE);
  // Bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
  for (int cap = 0; cap <= 63; ++cap) {
    // Skip what is not in the set (past the kernel's last cap, or removed
    // by the service manager): dropping it again would need CAP_SETPCAP.
    if (((kKeep >> cap) & 1) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) {
      continue;
    }
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return Status::from_errno("prctl(PR_CAPBSET_DROP)", errno);
    }
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return Status::from_errno("prctl(PR_SET_KEEPCAPS)", errno);
  }
  if (Status s = change_ids(account); !s) {
    return s;
  }
  if (Status s = set_capabilities(kKeep); !s) {
    return s;
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return Status::from_errno("prctl(PR_SET_KEEPCAPS)", errno);
  }
  if (Status s = clear_ambient_and_set_no_new_privs(); !s) {
    return s;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    return Status::from_errno("prctl(PR_SET_PDEATHSIG)", errno);
  }
  // The parent may have died before the signal was armed.
  if (getppid() != parent) {
    return Status::error("the daemon exited before its helper started");
  }
  return Status::ok();
}

Status drop_privileges(const Account& account) {
  if (Status s = change_ids(account); !s) {
    return s;
  }
  if (Status s = set_capabilities(0); !s) {
    return s;
  }
  if (Status s = clear_ambient_and_set_no_new_privs(); !s) {
    return s;
  }
  // Fail closed: regaining root must be impossible now.
  if (setresuid(0, 0, 0) == 0 && account.uid != 0) {
    return Status::error("uid 0 could be regained after the drop");
  }
  return Status::ok();
}

}  // namespace sigma::daemon
