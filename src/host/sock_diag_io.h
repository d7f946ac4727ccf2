// The NETLINK_SOCK_DIAG dump over a real netlink socket (LocalHostOps).
//
// Owns: one netlink socket per dump, the bounded receive buffer, the
// receive timeout and the retries of an interrupted dump.
// Must not: parse messages itself (sock_diag.h does) or keep the socket.
// Threading: safe from any thread; each call has its own socket.
#pragma once

#include <cstddef>

#include "base/status.h"
#include "host/sock_diag.h"

namespace sigma::host {

// Upper bound on the sockets one dump keeps (a dump sees them all and
// counts the rest as dropped): about 100 bytes each.
inline constexpr size_t kMaxDiagSockets = 262144;

// Dumps the sockets `query` selects. An interrupted dump (the table changed
// under it) is retried up to 3 times, then returned as read.
Result<SockDiagDump> sock_diag_dump(const SockDiagQuery& query, size_t max_sockets = kMaxDiagSockets);

}  // namespace sigma::host
