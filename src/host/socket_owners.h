// SocketOwners: which process holds each of a set of socket inodes, by a
// walk of /proc/PID/fd through HostOps (the port scanner and query_traffic
// share it).
//
// Owns: the pid walk (lowest pid first, so a forked server's parent owns
// its sockets), reading each owner's comm once, stopping as soon as every
// wanted inode has an owner, and counting the processes it could not read.
// Must not: fail because a process cannot be read (its sockets stay
// unowned), read the host except through HostOps, or log.
// Threading: a plain function over the thread-safe HostOps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "host/ops.h"

namespace sigma::host {

struct SocketOwner {
  int pid = 0;
  std::string comm;  // empty: the process ended before its name was read
};

struct SocketOwners {
  std::unordered_map<uint64_t, SocketOwner> by_inode;
  size_t unreadable = 0;   // processes whose descriptors could not be read
  std::vector<std::string> notes;  // the process list itself could not be read
};

// The note for `unreadable` processes when some sockets stayed unowned.
std::string unreadable_owners_note(size_t unreadable);

// Owners of `wanted` (consumed: on return it holds the inodes nobody was
// found for).
SocketOwners find_socket_owners(const HostOps& host, std::unordered_set<uint64_t>& wanted);

}  // namespace sigma::host
