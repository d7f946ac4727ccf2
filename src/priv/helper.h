// The privileged helper's side of the channel: read one framed request,
// answer it with the helper's capabilities, repeat.
//
// Owns: the request loop and its end conditions.
// Must not: open a network socket, or answer a request that failed any
// check (a malformed request ends the loop and the channel is closed: a
// peer that sends one is not the daemon we started, or no longer sane).
// Threading: one thread, the helper process's only one.
#pragma once

#include "host/ops.h"

namespace sigma::priv {

enum class ServeEnd {
  kPeerClosed,  // EOF at a message boundary: the daemon exited
  kMalformed,   // a header or body that failed its check, or EOF inside a message
  kIoError,     // read or write failed
};

// Answers requests on `channel` from `host` until one of the ServeEnd
// conditions. Does not close `channel`.
ServeEnd serve(int channel, const host::HostOps& host);

// The helper process's main: serve, log why it ended, close the channel;
// returns the process exit status (0 when the daemon closed the channel).
int helper_main(int channel, const host::HostOps& host);

}  // namespace sigma::priv
