#include "host/socket_owners.h"

#include <algorithm>
#include <utility>

namespace sigma::host {
namespace {
constexpr size_t kMaxCommBytes = 64;  // TASK_COMM_LEN is 16
}  // namespace

std::string unreadable_owners_note(size_t unreadable) {
  return std::to_string(unreadable) +
         " processes' descriptors could not be read (the agent needs root or CAP_SYS_PTRACE to see other "
         "users' processes); their sockets count as unknown";
}

SocketOwners find_socket_owners(const HostOps& host, std::unordered_set<uint64_t>& wanted) {
  SocketOwners owners;
  if (wanted.empty()) {
    return owners;  // nothing to look for: skip the walk entirely
  }
  Result<std::vector<int>> pids = host.list_pids();
  if (!pids) {
    owners.notes.push_back(pids.error());
    return owners;
  }
  std::vector<int> sorted = std::move(*pids);
  std::sort(sorted.begin(), sorted.end());
  for (int pid : sorted) {
    Result<std::vector<uint64_t>> inodes = host.socket_inodes(pid);
    if (!inodes) {
      ++owners.unreadable;
      continue;
    }
    bool have_comm = false;
    std::string comm;
    for (uint64_t inode : *inodes) {
      auto it = wanted.find(inode);
      if (it == wanted.end()) {
        continue;
      }
      if (!have_comm) {
        have_comm = true;
        Result<std::string> text = host.read_proc(std::to_string(pid) + "/comm");
        comm = text ? text->substr(0, std::min(text->find('\n'), kMaxCommBytes)) : std::string();
      }
      owners.by_inode.emplace(inode, SocketOwner{pid, comm});
      wanted.erase(it);
    }
    if (wanted.empty()) {
      break;  // every socket has its owner: the rest cannot matter
    }
  }
  return owners;
}

}  // namespace sigma::host
