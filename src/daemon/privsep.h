// Privilege separation at start, as OpenBSD ntpd does it: a socketpair, a
// fork before any thread exists, then each side gives up what it does not
// need. The helper keeps CAP_DAC_READ_SEARCH + CAP_SYS_PTRACE (the two that
// map another user's socket to its process) under the agent's uid; the
// network process keeps nothing.
//
// Owns: the account lookup (passwd(5), read directly: the binary is static
// and must not load NSS modules), the fork, and the credential changes
// (raw capset/prctl system calls, no libcap).
// Must not: know what the helper answers (priv/ does), read the
// configuration, or open a network socket.
// Threading: every function here must run while the process has one thread:
// credentials are per thread on Linux and the fork copies only the caller.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/unique_fd.h"

namespace sigma::daemon {

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
};

// The account `name` in passwd(5) text; nullopt when no line names it.
// A line that names it but does not parse is an error.
Result<std::optional<Account>> find_account(std::string_view passwd_text, std::string_view name);
// find_account over the file at `passwd_path` (bounded read).
Result<std::optional<Account>> lookup_account(std::string_view name, const std::string& passwd_path = "/etc/passwd");

// True when this process may change its uid (euid 0): the split applies.
bool started_privileged();

struct Helper {
  pid_t pid = -1;
  UniqueFd channel;  // the parent's end of the socketpair
};

// socketpair + fork. The child closes the parent's end, runs `child` with
// its own end and _exit()s with its result; it never returns here.
Result<Helper> spawn_helper(const std::function<int(int channel)>& child);

// In the helper, as root: bounding set reduced to the two capabilities,
// uid/gid to `account` keeping exactly CAP_DAC_READ_SEARCH + CAP_SYS_PTRACE
// permitted and effective (none inheritable or ambient), no_new_privs, and
// SIGKILL when the parent dies (set after the uid change, which clears it).
// `parent`: the daemon's pid, taken before the fork, to notice a parent that
// died before the signal was armed.
Status become_helper(const Account& account, pid_t parent);

// In the network process, as root: supplementary groups dropped, gid and uid
// to `account`, every capability cleared (effective, permitted,
// inheritable, ambient), no_new_privs. Fails closed: the caller exits.
Status drop_privileges(const Account& account);

}  // namespace sigma::daemon
